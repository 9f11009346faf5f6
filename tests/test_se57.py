"""SE57 Smart firefighting facilities: hydrants without readings, online rates, tests."""

from __future__ import annotations

import pytest

from compliance.testing import run_case

REGISTER = """\
systems: {fire_platform: true, fire_location_system: true, linked_to_fire_brigade: true}
devices:
  - {device_id: HY1, kind: smart_hydrant, status: active}
  - {device_id: HY2, kind: smart_hydrant, status: active}
  - {device_id: HY3, kind: smart_hydrant, status: retired}
  - {device_id: AL1, kind: smoke_alarm, status: active}
  - {device_id: AL2, kind: heat_alarm, status: active}
  - {device_id: AU1, kind: sprinkler, status: active}
"""


def _run(host, pressure: str, status: str, tests: str, incidents: str = ""):
    case = {
        "name": "t",
        "period": {"start": "2025-01-01", "end": "2025-03-31"},
        "evidence": [
            {"path": "r.yaml", "type": "fire_facility_register", "content": REGISTER},
            {
                "path": "p.csv",
                "type": "hydrant_pressure_readings",
                "content": "device_id,measured_at,pressure_mpa\n" + pressure,
            },
            {
                "path": "s.csv",
                "type": "fire_alarm_device_status",
                "content": "device_id,checked_at,online\n" + status,
            },
            {
                "path": "t.csv",
                "type": "fire_device_tests",
                "content": "test_id,device_id,tested_on,result\n" + tests,
            },
            {
                "path": "i.csv",
                "type": "fire_incidents",
                "content": "incident_id,device_id,source,detected_at,confirmed_at,handled_at,"
                "outcome\n" + incidents,
            },
        ],
    }
    verdict = run_case({"indicator": "SE57"}, case, host=host).verdict
    return {r.rule: r.score for r in verdict.rules}, verdict


STATUS_OK = "AL1,2025-02-01T00:00:00Z,true\nAL2,2025-02-01T00:00:00Z,true\n"
TEST_OK = "T1,AU1,2025-02-01,pass\n"


def test_hydrant_without_readings_is_not_sound(host) -> None:
    # HY2 never reports; the retired HY3 is not assessed. One of two sound: 0.5 over 1.0.
    pressure = "HY1,2025-02-01T00:00:00Z,0.4\nHY3,2025-02-01T00:00:00Z,0.01\n"
    scores, verdict = _run(host, pressure, STATUS_OK, TEST_OK)
    assert scores["SE57.R1"] == pytest.approx(0.5)
    assert any("HY2: no pressure reading" in f.message for f in verdict.findings)


def test_online_rate_is_a_mean_over_devices(host) -> None:
    # AL1 online 1 of 4 checks, AL2 never checked: (0.25 + 0) / 2 over 0.98.
    pressure = "HY1,2025-02-01T00:00:00Z,0.4\nHY2,2025-02-01T00:00:00Z,0.4\n"
    status = "".join(
        f"AL1,2025-02-0{d}T00:00:00Z,{'true' if d == 1 else 'false'}\n" for d in range(1, 5)
    )
    scores, _ = _run(host, pressure, status, TEST_OK)
    assert scores["SE57.R2"] == pytest.approx(0.125 / 0.98)


def test_latest_test_decides(host) -> None:
    pressure = "HY1,2025-02-01T00:00:00Z,0.4\nHY2,2025-02-01T00:00:00Z,0.4\n"
    scores, _ = _run(host, pressure, STATUS_OK, "T1,AU1,2025-02-01,pass\nT2,AU1,2025-03-01,fail\n")
    assert scores["SE57.R3"] == 0.0
    scores, _ = _run(host, pressure, STATUS_OK, "T1,AU1,2025-02-01,fail\nT2,AU1,2025-03-01,pass\n")
    assert scores["SE57.R3"] == 1.0


def test_incident_needs_both_confirmation_and_handling_in_time(host) -> None:
    pressure = "HY1,2025-02-01T00:00:00Z,0.4\nHY2,2025-02-01T00:00:00Z,0.4\n"
    incidents = (
        "F1,AL1,smart_alarm,2025-02-01T10:00:00Z,2025-02-01T10:03:00Z,2025-02-01T10:30:00Z,fire\n"
        "F2,AL1,smart_alarm,2025-02-02T10:00:00Z,2025-02-02T10:09:00Z,2025-02-02T10:30:00Z,fire\n"
    )
    scores, _ = _run(host, pressure, STATUS_OK, TEST_OK, incidents)
    assert scores["SE57.R4"] == pytest.approx(0.5 / 0.95)
