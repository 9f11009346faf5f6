"""SE21 Information safety safeguard: which findings are due, which assessment is latest."""

from __future__ import annotations

from typing import Any

import pytest

from compliance.testing import run_case

SPEC = {"indicator": "SE21", "period": {"start": "2025-01-01", "end": "2025-12-31"}}

AREAS = """\
    areas:
      - {area: physical, controls_checked: 10, controls_passed: 10}
      - {area: network, controls_checked: 10, controls_passed: 10}
      - {area: data, controls_checked: 10, controls_passed: 10}
      - {area: application, controls_checked: 10, controls_passed: 10}
"""


def _run(host: Any, findings: str, date: str = "2025-10-01") -> Any:
    """One penetration test covering every area, with the given findings block."""
    content = (
        "assessments:\n"
        f'  - assessment_id: A1\n    date: "{date}"\n    kind: penetration_test\n'
        + AREAS
        + "    findings:\n"
        + findings
    )
    case = {
        "evidence": [{"path": "records/a.yaml", "type": "security_assessment", "content": content}]
    }
    return run_case(SPEC, case, host=host).verdict


def _rule(verdict: Any, rule_id: str) -> float | None:
    return next(r.score for r in verdict.rules if r.rule == rule_id)


def test_open_finding_not_yet_due_is_left_out(host) -> None:
    # Raised 10 days before the period's end: still within the 30 days allowed.
    verdict = _run(
        host,
        '      - {finding_id: F1, severity: critical, status: open, found_on: "2025-12-21"}\n',
    )
    assert _rule(verdict, "SE21.R3") == 1.0
    assert verdict.metrics["serious_findings_open"] == 1
    assert verdict.metrics["serious_findings_due"] == 0


def test_late_fix_and_overdue_open_finding_count(host) -> None:
    verdict = _run(
        host,
        '      - {finding_id: F1, severity: high, status: fixed, found_on: "2025-10-01",'
        ' fixed_on: "2025-10-20"}\n'
        '      - {finding_id: F2, severity: high, status: fixed, found_on: "2025-10-01",'
        ' fixed_on: "2025-12-01"}\n'
        "      - {finding_id: F3, severity: critical, status: open}\n"
        "      - {finding_id: F4, severity: low, status: open}\n",
    )
    assert _rule(verdict, "SE21.R3") == pytest.approx(1 / 3)
    messages = [f.message for f in verdict.findings if f.rule == "SE21.R3"]
    assert any("F2" in m and "fixed after 61 days" in m for m in messages)
    assert any("F3" in m and "still open" in m for m in messages)
    assert not any("F4" in m for m in messages)


def test_assessment_after_the_period_is_not_the_latest(host) -> None:
    verdict = _run(host, "      []\n", date="2026-02-01")
    assert _rule(verdict, "SE21.R1") == 0.0
    assert _rule(verdict, "SE21.R2") == 0.0
    # No protection level declared: R4 does not apply.
    assert _rule(verdict, "SE21.R4") is None
