"""SE53 Object monitoring: device density, verification and police-report latency,
traceability."""

from __future__ import annotations

import pytest

from compliance.testing import run_case

SPEC = {
    "indicator": "SE53",
    "community": {"households": 1000},
    "period": {"start": "2025-04-01", "end": "2025-04-30"},
}
DEVICES = """\
devices:
  - {device_id: V1, category: vehicle, status: active}
  - {device_id: T1, category: thrown_object, status: active}
  - {device_id: T2, category: thrown_object, status: active}
  - {device_id: T3, category: thrown_object, status: faulty}
  - {device_id: B1, category: burglary, status: active}
  - {device_id: B2, category: burglary, status: active}
"""
HDR = "event_id,device_id,category,alarm_at,verified_at,outcome,police_reported_at\n"


def _scores(alarms: str) -> dict[int, float | None]:
    case = {
        "name": "t",
        "evidence": [
            {"path": "d.yaml", "type": "object_monitoring_devices", "content": DEVICES},
            {"path": "a.csv", "type": "object_alarm_events", "content": HDR + alarms},
        ],
    }
    verdict = run_case(SPEC, case).verdict
    return {int(r.rule.split(".R")[1]): r.score for r in verdict.rules}


def test_density_per_category_uses_active_devices_only() -> None:
    # Needs 1 vehicle, 3 thrown-object and 2 burglary devices for 1,000 households.
    scores = _scores(
        "A1,V1,vehicle,2025-04-02T10:00:00+08:00,2025-04-02T10:05:00+08:00,false_alarm,\n"
    )
    assert scores[1] == pytest.approx((1 + 2 / 3 + 1) / 3)


def test_police_latency_counts_unreported_incidents_and_skips_false_alarms() -> None:
    alarms = (
        "A1,T1,thrown_object,2025-04-02T20:00:00+08:00,2025-04-02T20:03:00+08:00,"
        "reported_to_police,2025-04-02T20:10:00+08:00\n"
        "A2,B1,burglary,2025-04-03T02:00:00+08:00,2025-04-03T02:02:00+08:00,handled_on_site,\n"
        "A3,B1,burglary,2025-04-04T02:00:00+08:00,2025-04-04T02:02:00+08:00,false_alarm,\n"
        "A4,V1,vehicle,2025-04-05T02:00:00+08:00,2025-04-05T02:30:00+08:00,handled_on_site,\n"
    )
    scores = _scores(alarms)
    assert scores[3] == pytest.approx(0.5 / 0.95)
    assert scores[2] == pytest.approx(0.75 / 0.9)


def test_no_incident_for_police_means_the_rule_does_not_apply() -> None:
    alarms = "A1,V1,vehicle,2025-04-02T10:00:00+08:00,2025-04-02T10:05:00+08:00,handled_on_site,\n"
    assert _scores(alarms)[3] is None


def test_mislabelled_and_unknown_devices_are_inconsistent() -> None:
    alarms = (
        "A1,V1,burglary,2025-04-02T10:00:00+08:00,2025-04-02T10:05:00+08:00,false_alarm,\n"
        "A2,X9,vehicle,2025-04-02T10:00:00+08:00,2025-04-02T10:05:00+08:00,false_alarm,\n"
        "A3,B1,burglary,2025-04-02T10:00:00+08:00,2025-04-02T10:05:00+08:00,reported_to_police,\n"
        "A4,B2,burglary,2025-04-02T10:00:00+08:00,2025-04-02T10:05:00+08:00,false_alarm,\n"
    )
    assert _scores(alarms)[4] == pytest.approx(0.25 / 0.98)
