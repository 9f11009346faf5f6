"""SE43 Multi-sectoral linkage: agreements in force, shared cases, response times."""

from __future__ import annotations

from datetime import date

from compliance_builtin import se43_multi_sectoral_linkage as se43

from compliance.testing import run_case

LOG = "case_id,reported_at,category,departments,mode,responded_at,closed_at,status\n"


def test_in_force_respects_signing_and_expiry() -> None:
    items = [
        (0, {"department": "police", "signed_on": "2024-01-01", "valid_until": None}),
        (1, {"department": "fire", "signed_on": "2024-01-01", "valid_until": "2025-06-30"}),
        (2, {"department": "housing", "signed_on": "2026-01-01"}),
    ]
    assert se43._in_force(items, date(2025, 12, 31)) == {"police": [0]}
    assert set(se43._in_force(items, date(2025, 6, 30))) == {"police", "fire"}


def test_cases_count_for_every_department_listed(host) -> None:
    agreements = """\
agreements:
  - {agreement_id: A1, department: police, signed_on: "2024-01-01",
     online_channels: [shared_platform], offline_mechanisms: [joint_patrol]}
  - {agreement_id: A2, department: fire, signed_on: "2024-01-01",
     online_channels: [none], offline_mechanisms: [joint_meeting]}
  - {agreement_id: A3, department: housing, signed_on: "2024-01-01",
     online_channels: [hotline], offline_mechanisms: [onsite_handling]}
"""
    log = LOG + (
        "J1,2025-01-05T10:00:00+08:00,other,fire; police,both,2025-01-05T10:10:00+08:00,,closed\n"
        "J2,2025-02-05T10:00:00+08:00,other,housing,both,2025-02-05T12:00:00+08:00,,closed\n"
        "J3,2025-03-05T10:00:00+08:00,other,police,both,,,open\n"
    )
    case = {
        "evidence": [
            {"path": "records/a.yaml", "type": "linkage_agreements", "content": agreements},
            {"path": "tables/j.csv", "type": "joint_handling_log", "content": log},
        ]
    }
    spec = {"indicator": "SE43", "period": {"start": "2025-01-01", "end": "2025-03-31"}}
    verdict = run_case(spec, case, host=host).verdict
    scores = {r.rule: r.score for r in verdict.rules}
    assert verdict.metrics["joint_cases_police"] == 2
    assert verdict.metrics["joint_cases_fire"] == 1
    assert scores["SE43.R1"] == 1.0 and scores["SE43.R3"] == 1.0
    assert scores["SE43.R2"] == (1 + 0.5 + 1) / 3  # fire has no online channel
    # One of three answered within 30 minutes; an unanswered case counts as late.
    assert verdict.metrics["timely_response_share"] == round(1 / 3, 4)
