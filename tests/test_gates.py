"""CI gates: --fail-under, --fail-on-grade, --fail-on, --allow-errors and the exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.gates import GateOptions, evaluate_gate, grade_order
from compliance.verdict import Finding, Severity, Status, Verdict

from .conftest import EXAMPLES

WEAK = EXAMPLES / "dongfeng-weak"
STRONG = EXAMPLES / "qingshui-strong"
# The indicators the examples were written for; pinning them keeps the scores stable
# while other indicator plugins land.
ONLY = ["--only", "SE11", "--only", "SE12", "--only", "SE13", "--only", "SE14", "--only", "SE15"]


def _check(bundle, out, *args):
    result = CliRunner().invoke(
        main, ["check", str(bundle), "-o", str(out), "-f", "json", "-q", *ONLY, *args]
    )
    written = out / "report.json"
    data = json.loads(written.read_text("utf-8")) if written.is_file() else None
    return result, data


def _one_line(result) -> str:
    err = result.stderr.strip()
    assert err and "\n" not in err and "Traceback" not in result.output, result.output
    return err


@pytest.fixture(scope="module")
def profile():
    from compliance.plugins import PluginHost
    from compliance.runner import make_registry, resolve_profile

    host = PluginHost()
    return resolve_profile("default", host, make_registry(host))


def _verdict(code: str, *severities: str, waived: bool = False) -> Verdict:
    findings = [
        Finding(f"{code}.R1", Severity(s), "m", waiver="W-1" if waived else None)
        for s in severities
    ]
    return Verdict(code=code, title="t", dimension="SMD", status=Status.FAIL, findings=findings)


def test_grade_order_is_best_first(profile) -> None:
    order = grade_order(profile)
    assert order[0] == profile.grade(100) and order[-1] == profile.grade(0)


def test_no_gate_passes(profile) -> None:
    gate = evaluate_gate(score=0, grade="E", verdicts=[], profile=profile, options=GateOptions())
    assert gate.passed and gate.reasons == []
    assert gate.to_dict() == {"fail_under": None, "passed": True, "reasons": []}


def test_fail_on_grade_this_or_worse(profile) -> None:
    order = grade_order(profile)
    middle = order[len(order) // 2]
    options = GateOptions(fail_on_grade=middle)
    for grade in order:
        gate = evaluate_gate(score=50, grade=grade, verdicts=[], profile=profile, options=options)
        assert gate.passed is (order.index(grade) < order.index(middle)), grade
    none = evaluate_gate(score=None, grade=None, verdicts=[], profile=profile, options=options)
    assert not none.passed and none.reasons == ["no overall grade"]
    assert none.to_dict()["fail_on_grade"] == middle


def test_fail_on_severity_ignores_waived_and_lower(profile) -> None:
    options = GateOptions(fail_on="high")
    low = [_verdict("SE11", "medium", "low")]
    assert evaluate_gate(score=1, grade="E", verdicts=low, profile=profile, options=options).passed
    waived = [_verdict("SE11", "critical", waived=True)]
    assert evaluate_gate(
        score=1, grade="E", verdicts=waived, profile=profile, options=options
    ).passed
    hit = [_verdict("SE11", "critical", "high", "low")]
    gate = evaluate_gate(score=1, grade="E", verdicts=hit, profile=profile, options=options)
    assert not gate.passed and gate.reasons == ["2 unwaived finding(s) of severity high or higher"]
    assert gate.to_dict()["fail_on"] == "high"


def test_unknown_grade_or_severity_is_a_usage_error(profile) -> None:
    from compliance.errors import UsageError

    with pytest.raises(UsageError, match="no grade 'Z'"):
        GateOptions(fail_on_grade="Z").check(profile)
    with pytest.raises(UsageError, match="unknown severity"):
        GateOptions(fail_on="urgent").check(profile)


def test_cli_fail_on_grade(tmp_path) -> None:
    weak, data = _check(WEAK, tmp_path / "w", "--fail-on-grade", "C")
    assert data["grade"] in ("C", "D", "E")
    assert weak.exit_code == 1, weak.output
    assert data["gate"]["passed"] is False
    assert data["gate"]["fail_on_grade"] == "C"
    assert any("or worse" in r for r in data["gate"]["reasons"])
    strong, data = _check(STRONG, tmp_path / "s", "--fail-on-grade", "C")
    assert data["grade"] == "A"
    assert strong.exit_code == 0, strong.output
    # "A or worse" is every grade: the gate always fails.
    always, _ = _check(STRONG, tmp_path / "a", "--fail-on-grade", "A")
    assert always.exit_code == 1


def test_cli_fail_on_severity(tmp_path) -> None:
    weak, data = _check(WEAK, tmp_path / "w", "--fail-on", "critical")
    assert weak.exit_code == 1
    assert data["gate"]["fail_on"] == "critical"
    assert "severity critical or higher" in data["gate"]["reasons"][0]
    strong, data = _check(STRONG, tmp_path / "s", "--fail-on", "info")
    assert data["summary"]["findings"] == 0
    assert strong.exit_code == 0


def test_cli_bad_gate_values_exit_2(tmp_path) -> None:
    result, _ = _check(WEAK, tmp_path / "g", "--fail-on-grade", "Z")
    assert result.exit_code == 2
    assert "--fail-on-grade" in _one_line(result)
    result, _ = _check(WEAK, tmp_path / "s", "--fail-on", "urgent")
    assert result.exit_code == 2


def test_cli_gate_without_options_keeps_report_shape(tmp_path) -> None:
    result, data = _check(WEAK, tmp_path / "o")
    assert result.exit_code == 0
    assert data["gate"] == {"fail_under": None, "passed": True, "reasons": []}
    assert "waivers" not in data and "baseline" not in data


def test_allow_errors_exits_by_the_gate(tmp_path, monkeypatch) -> None:
    import compliance_builtin.se15_operation_safeguard as se15

    cls = next(c for c in se15.compliance_indicators())

    def explode(self, ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(cls, "evaluate", explode)
    crashed, data = _check(WEAK, tmp_path / "a", "--fail-on-grade", "C")
    assert crashed.exit_code == 3
    assert {v["code"]: v["status"] for v in data["indicators"]}["SE15"] == "error"
    gated, _ = _check(WEAK, tmp_path / "b", "--fail-on-grade", "C", "--allow-errors")
    assert gated.exit_code == 1
    passed, _ = _check(STRONG, tmp_path / "c", "--fail-on-grade", "C", "--allow-errors")
    assert passed.exit_code == 0


def test_cli_fail_under_reason_in_report(tmp_path) -> None:
    failed, data = _check(WEAK, tmp_path / "f", "--fail-under", "90", "--fail-on", "critical")
    assert failed.exit_code == 1
    assert data["gate"]["fail_under"] == 90
    reasons = data["gate"]["reasons"]
    assert len(reasons) == 2 and reasons[0].startswith(f"score {data['score']:.2f} is under 90")
    passed, data = _check(STRONG, tmp_path / "p", "--fail-under", "90")
    assert passed.exit_code == 0 and data["gate"]["passed"] is True
    assert "fail_on" not in data["gate"] and "fail_on_grade" not in data["gate"]
