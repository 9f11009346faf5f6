"""SE44 Public health events: working group parts and the platform connection."""

from __future__ import annotations

from compliance.testing import run_case

EVENTS = (
    "event_id,detected_at,category,affected,reported_at,platform_ref,status,closed_at\n"
    "H1,2025-01-03T09:00:00+08:00,infectious_disease,2,2025-01-03T09:30:00+08:00,PH-1,closed,"
    "2025-01-09T09:00:00+08:00\n"
    "H2,2025-01-04T09:00:00+08:00,food_poisoning,3,2025-01-04T13:30:00+08:00,,closed,"
    "2025-01-09T09:00:00+08:00\n"
)
SPEC = {"indicator": "SE44", "period": {"start": "2025-01-01", "end": "2025-03-31"}}


def _verdict(host, group: str):
    case = {
        "evidence": [
            {"path": "records/g.yaml", "type": "health_working_group", "content": group},
            {"path": "tables/e.csv", "type": "public_health_events", "content": EVENTS},
        ]
    }
    return run_case(SPEC, case, host=host).verdict


def test_unconnected_database_scores_zero_on_the_link(host) -> None:
    group = """\
group: {name: G}
members:
  - {member_id: S1, role: leader, duties: [Leads]}
platform: {connected: false}
"""
    verdict = _verdict(host, group)
    scores = {r.rule: r.score for r in verdict.rules}
    assert scores["SE44.R4"] == 0.0
    # One member of six, one of four roles, all members with duties.
    assert abs(scores["SE44.R1"] - (1 / 6 + 1 / 4 + 1) / 3) < 1e-9
    # H2 was reported four and a half hours after detection.
    assert scores["SE44.R3"] == 0.5 / 0.9


def test_connected_database_scores_by_linked_share(host) -> None:
    group = """\
group: {name: G}
members:
  - {member_id: S1, role: leader, duties: [Leads]}
platform: {connected: true, connected_on: "2024-05-01"}
"""
    verdict = _verdict(host, group)
    r4 = next(r for r in verdict.rules if r.rule == "SE44.R4")
    assert r4.score == 0.5 / 0.95
    assert any(f.rule == "SE44.R4" and f.location.row == 2 for f in verdict.findings)
