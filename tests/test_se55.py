"""SE55 Public facilities monitoring: heartbeat slots, abnormal episodes and their alarms."""

from __future__ import annotations

import pytest

from compliance.testing import run_case

REGISTER = """\
facilities:
  - {facility_id: PF1, kind: elevator}
devices:
  - {device_id: D1, facility_id: PF1, status: active}
"""
BEATS = "device_id,reported_at,state\n"
ALARMS = "alarm_id,device_id,raised_at,cleared_at\n"


def _hourly(states: dict[int, str] | None = None) -> str:
    states = states or {}
    return "".join(
        f"D1,2025-03-01T{h:02d}:30:00+08:00,{states.get(h, 'normal')}\n" for h in range(24)
    )


def _run(host, beats: str, alarms: str, register: str = REGISTER):
    case = {
        "name": "t",
        "period": {"start": "2025-03-01", "end": "2025-03-01"},
        "evidence": [
            {"path": "r.yaml", "type": "public_facility_register", "content": register},
            {"path": "b.csv", "type": "facility_heartbeats", "content": BEATS + beats},
            {"path": "a.csv", "type": "facility_alarms", "content": ALARMS + alarms},
        ],
    }
    verdict = run_case({"indicator": "SE55"}, case, host=host).verdict
    return {r.rule: r.score for r in verdict.rules}, verdict


def test_one_episode_per_run_of_abnormal_heartbeats(host) -> None:
    # Hours 3-5 form one episode and hour 10 another: two episodes, one alarm each.
    beats = _hourly({3: "abnormal", 4: "abnormal", 5: "abnormal", 10: "abnormal"})
    alarms = (
        "A1,D1,2025-03-01T03:35:00+08:00,2025-03-01T06:00:00+08:00\n"
        "A2,D1,2025-03-01T10:40:00+08:00,2025-03-01T11:00:00+08:00\n"
    )
    scores, verdict = _run(host, beats, alarms)
    assert verdict.metrics["abnormal_episodes"] == 2
    assert scores["SE55.R3"] == 1.0


def test_alarm_before_the_episode_does_not_count(host) -> None:
    # The only alarm precedes the abnormal heartbeat; the as-of join looks forward only.
    beats = _hourly({12: "abnormal"})
    scores, verdict = _run(host, beats, "A1,D1,2025-03-01T11:00:00+08:00,\n")
    assert scores["SE55.R3"] == 0.0
    assert any("no alarm followed" in f.message for f in verdict.findings)


def test_late_alarm_gets_partial_credit(host) -> None:
    # Two episodes, one alarmed after 5 minutes, the other after 2 hours: 1/2 over 0.95.
    beats = _hourly({2: "abnormal", 20: "abnormal"})
    alarms = (
        "A1,D1,2025-03-01T02:35:00+08:00,2025-03-01T03:00:00+08:00\n"
        "A2,D1,2025-03-01T22:30:00+08:00,2025-03-01T23:00:00+08:00\n"
    )
    scores, _ = _run(host, beats, alarms)
    assert scores["SE55.R3"] == pytest.approx(0.5 / 0.95)


def test_heartbeat_coverage_counts_distinct_hourly_slots(host) -> None:
    # Twelve heartbeats in the first hour cover one slot of 24, not twelve.
    beats = "".join(f"D1,2025-03-01T00:{m:02d}:00+08:00,normal\n" for m in range(0, 60, 5))
    scores, verdict = _run(host, beats, "")
    assert verdict.metrics["mean_heartbeat_coverage"] == pytest.approx(1 / 24, abs=1e-4)
    assert scores["SE55.R2"] == 0.0
    scores, _ = _run(host, _hourly(), "")
    assert scores["SE55.R2"] == 1.0


def test_episodes_are_per_device_when_their_heartbeats_interleave(host) -> None:
    # D1 and D2 report every hour, D2 a quarter of an hour after D1. D1 is abnormal at
    # hours 3-4 and D2 at hour 3: one episode each, although in time order D2's abnormal
    # heartbeat follows D1's.
    two = REGISTER + "  - {device_id: D2, facility_id: PF1, status: active}\n"
    states = {("D1", 3): "abnormal", ("D1", 4): "abnormal", ("D2", 3): "abnormal"}
    beats = "".join(
        f"{d},2025-03-01T{h:02d}:{m}:00+08:00,{states.get((d, h), 'normal')}\n"
        for h in range(24)
        for d, m in (("D2", "45"), ("D1", "30"))  # rows not in time order either
    )
    alarms = (
        "A1,D1,2025-03-01T03:35:00+08:00,2025-03-01T06:00:00+08:00\n"
        "A2,D2,2025-03-01T03:50:00+08:00,2025-03-01T06:00:00+08:00\n"
    )
    scores, verdict = _run(host, beats, alarms, register=two)
    assert verdict.metrics["abnormal_episodes"] == 2
    assert scores["SE55.R3"] == 1.0
