"""SE61 Emergency duty: hour coverage and its gaps, posts, team checks."""

from __future__ import annotations

import pytest

from compliance.testing import run_case

SYSTEM = """\
workstation: {location: "Room 101"}
management_system: {connected_to: [community_platform, district_duty_system]}
terminals:
  - {terminal_id: DT1, status: active, connected: true}
team:
  members:
    - {member_id: M1, role: leader, trained: true}
    - {member_id: M2, role: duty_officer, trained: true}
    - {member_id: M3, role: responder, trained: true}
    - {member_id: M4, role: responder, trained: true}
    - {member_id: M5, role: monitor, trained: true}
    - {member_id: M6, role: medic, trained: true}
"""
HEAD = "shift_id,member_id,post,starts_at,ends_at,terminal_id\n"


def _run(host, roster: str):
    case = {
        "name": "t",
        "community": {"population": 2000, "households": 700},
        "period": {"start": "2025-03-01", "end": "2025-03-01"},
        "evidence": [
            {"path": "s.yaml", "type": "emergency_duty_system", "content": SYSTEM},
            {"path": "r.csv", "type": "emergency_duty_roster", "content": HEAD + roster},
        ],
    }
    verdict = run_case({"indicator": "SE61"}, case, host=host).verdict
    return {r.rule: r.score for r in verdict.rules}, verdict


def test_gap_is_reported_in_local_time(host) -> None:
    # 00:00-02:00 and 05:30-24:00 covered: hours 02, 03 and 04 are uncovered (05 is
    # partly covered, which counts), one gap of three hours from 02:00 to 05:00 local.
    roster = (
        "S1,M1,workstation,2025-03-01T00:00:00+08:00,2025-03-01T02:00:00+08:00,DT1\n"
        "S2,M2,workstation,2025-03-01T05:30:00+08:00,2025-03-02T00:00:00+08:00,DT1\n"
    )
    scores, verdict = _run(host, roster)
    assert verdict.metrics["uncovered_hours"] == 3
    assert verdict.metrics["duty_gaps"] == 1
    assert scores["SE61.R1"] == pytest.approx(21 / 24)
    assert any("from 2025-03-01 02:00 to 2025-03-01 05:00" in f.message for f in verdict.findings)


def test_on_call_does_not_cover_hours(host) -> None:
    roster = "S1,M1,on_call,2025-03-01T00:00:00+08:00,2025-03-02T00:00:00+08:00,\n"
    scores, verdict = _run(host, roster)
    assert scores["SE61.R1"] == 0.0
    assert verdict.status.value in ("partial", "fail")  # red line caps the score


def test_shifts_outside_the_period_are_clipped(host) -> None:
    # One long shift from the day before to the day after covers all 24 hours.
    roster = "S1,M1,workstation,2025-02-28T20:00:00+08:00,2025-03-02T04:00:00+08:00,DT1\n"
    scores, _ = _run(host, roster)
    assert scores["SE61.R1"] == 1.0
    # ... but 32 hours is longer than the 24 allowed, so R4 flags it
    assert scores["SE61.R4"] == 0.0


def test_members_absent_from_the_roster_lower_the_team_score(host) -> None:
    roster = "S1,M1,workstation,2025-03-01T00:00:00+08:00,2025-03-02T00:00:00+08:00,DT1\n"
    scores, _ = _run(host, roster)
    # size, roles and training full; 1 of 6 members rostered: (1/6) / 0.8
    assert scores["SE61.R3"] == pytest.approx((3 + (1 / 6) / 0.8) / 4)
