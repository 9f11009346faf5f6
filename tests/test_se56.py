"""SE56 Smart environment monitoring: mobile share and roles, grace days, disposal times."""

from __future__ import annotations

import pytest

from compliance.testing import run_case

HEAD = "report_id,reported_at,channel,reporter_role,category,status,disposed_at\n"


def _run(host, rows: str):
    case = {
        "name": "t",
        "period": {"start": "2025-03-01", "end": "2025-03-31"},
        "evidence": [{"path": "r.csv", "type": "environment_reports", "content": HEAD + rows}],
    }
    verdict = run_case({"indicator": "SE56"}, case, host=host).verdict
    return {r.rule: r.score for r in verdict.rules}, verdict


def test_young_open_reports_are_not_yet_due(host) -> None:
    # A report from three days before the period's end may still be open (grace 7 days).
    rows = (
        "R1,2025-03-02T10:00:00+08:00,mobile_app,resident,garbage,closed,"
        "2025-03-02T12:00:00+08:00\n"
        "R2,2025-03-28T10:00:00+08:00,mobile_app,administrator,noise,open,\n"
    )
    scores, verdict = _run(host, rows)
    assert verdict.metrics["reports_due"] == 1
    assert scores["SE56.R2"] == 1.0


def test_rejected_reports_leave_the_closure_rate(host) -> None:
    rows = (
        "R1,2025-03-02T10:00:00+08:00,mobile_app,resident,garbage,closed,"
        "2025-03-02T12:00:00+08:00\n"
        "R2,2025-03-03T10:00:00+08:00,mobile_app,administrator,other,rejected,\n"
        "R3,2025-03-04T10:00:00+08:00,mobile_app,resident,sewage,in_progress,\n"
    )
    scores, _ = _run(host, rows)
    assert scores["SE56.R2"] == pytest.approx(0.5 / 0.95)


def test_missing_role_scales_the_mobile_score(host) -> None:
    # Every report is mobile, but no administrator reports: half the required roles.
    rows = "".join(
        f"R{i},2025-03-0{i}T10:00:00+08:00,mobile_app,resident,garbage,closed,"
        f"2025-03-0{i}T11:00:00+08:00\n"
        for i in range(1, 5)
    )
    scores, _ = _run(host, rows)
    assert scores["SE56.R1"] == pytest.approx(0.5)


def test_disposal_over_the_limit_is_late(host) -> None:
    rows = (
        "R1,2025-03-02T10:00:00+08:00,mobile_app,resident,garbage,closed,"
        "2025-03-05T09:00:00+08:00\n"  # 71 hours: on time
        "R2,2025-03-02T10:00:00+08:00,mobile_app,administrator,noise,closed,"
        "2025-03-05T11:00:00+08:00\n"  # 73 hours: late
    )
    scores, verdict = _run(host, rows)
    assert scores["SE56.R3"] == pytest.approx(0.5 / 0.9)
    assert any("noise: 1" in f.message for f in verdict.findings)
