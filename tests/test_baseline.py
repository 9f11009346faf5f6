"""Baselines: regressions and improvements against a previous report; only regressions
fail the gate; findings are matched by indicator, rule and location, never by message."""

from __future__ import annotations

import copy
import json
import shutil

import pytest
from click.testing import CliRunner

from compliance.baseline import BaselineError, compare, load_baseline
from compliance.cli import main

from .conftest import EXAMPLES

WEAK = EXAMPLES / "dongfeng-weak"
STRONG = EXAMPLES / "qingshui-strong"
ONLY = ["--only", "SE11", "--only", "SE12", "--only", "SE13", "--only", "SE14", "--only", "SE15"]


def _check(bundle, out, *args):
    result = CliRunner().invoke(
        main, ["check", str(bundle), "-o", str(out), "-f", "json", "-q", *ONLY, *args]
    )
    written = out / "report.json"
    data = json.loads(written.read_text("utf-8")) if written.is_file() else None
    return result, data


@pytest.fixture(scope="module")
def weak_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("weak")
    result, data = _check(WEAK, out)
    assert result.exit_code == 0, result.output
    return out / "report.json", data


def _verdict(code="SE15", score=50.0, rules=(), findings=()):
    return {
        "code": code,
        "status": "partial",
        "score": score,
        "rules": list(rules),
        "findings": list(findings),
    }


def _finding(rule="SE15.R4", row=3, message="patrol row: start missing", **extra):
    return {
        "rule": rule,
        "severity": "low",
        "message": message,
        "location": {"path": "tables/patrol_log.csv", "row": row, "column": "ended_at"},
        **extra,
    }


def test_same_findings_reworded_are_not_regressions() -> None:
    base = {"generated_at": "x", "indicators": [_verdict(findings=[_finding()])]}
    now = [_verdict(findings=[_finding(message="row 3: the start time is missing")])]
    diff = compare(base, now)
    assert diff.regressions == [] and diff.improvements == []


def test_new_location_is_a_regression_and_gone_one_an_improvement() -> None:
    base = {"generated_at": "x", "indicators": [_verdict(findings=[_finding(row=3)])]}
    now = [_verdict(findings=[_finding(row=4)])]
    diff = compare(base, now)
    assert [(r["kind"], r["location"]["row"]) for r in diff.regressions] == [("finding", 4)]
    assert [(i["kind"], i["location"]["row"]) for i in diff.improvements] == [("finding", 3)]


def test_a_second_finding_at_the_same_place_is_a_regression() -> None:
    base = {"generated_at": "x", "indicators": [_verdict(findings=[_finding()])]}
    now = [_verdict(findings=[_finding(), _finding(message="another")])]
    assert len(compare(base, now).regressions) == 1


def test_waived_findings_are_never_regressions() -> None:
    base = {"generated_at": "x", "indicators": [_verdict()]}
    now = [_verdict(findings=[_finding(waived=True, waiver="W-1")])]
    diff = compare(base, now)
    assert diff.regressions == [] and diff.improvements == []


def test_score_tolerance_and_rules() -> None:
    rule = {"rule": "SE15.R1", "severity": "high", "score": 1.0}
    base = {"generated_at": "x", "indicators": [_verdict(score=60.0, rules=[rule])]}
    assert compare(base, [_verdict(score=59.995, rules=[rule])]).regressions == []
    broken = dict(rule, score=0.5)
    diff = compare(base, [_verdict(score=55.0, rules=[broken])])
    assert {r["kind"] for r in diff.regressions} == {"score", "rule"}
    score = next(r for r in diff.regressions if r["kind"] == "score")
    assert (score["before"], score["after"]) == (60.0, 55.0)
    back = compare(
        {"generated_at": "x", "indicators": [_verdict(score=55.0, rules=[broken])]},
        [_verdict(score=60.0, rules=[rule])],
    )
    assert back.regressions == [] and {i["kind"] for i in back.improvements} == {"score", "rule"}
    gone = compare(base, [dict(_verdict(score=None), status="insufficient_evidence")])
    assert gone.regressions[0]["after"] is None


def test_indicators_missing_from_the_baseline_are_not_compared() -> None:
    diff = compare({"generated_at": "x", "indicators": []}, [_verdict(findings=[_finding()])])
    assert diff.regressions == [] and diff.not_compared == ["SE15"]


def test_baseline_of_itself_passes(weak_report, tmp_path) -> None:
    path, _ = weak_report
    result, data = _check(WEAK, tmp_path / "o", "--baseline", str(path))
    assert result.exit_code == 0, result.output
    assert data["baseline"]["regressions"] == [] and data["baseline"]["improvements"] == []
    assert data["baseline"]["source"] == "report.json"
    assert data["gate"]["passed"] is True
    # Fails only on regressions: the absolute severity gate is narrowed to new findings.
    narrowed, _ = _check(WEAK, tmp_path / "n", "--baseline", str(path), "--fail-on", "low")
    assert narrowed.exit_code == 0


def test_regression_fails_the_gate_and_is_listed(weak_report, tmp_path) -> None:
    # The strong community's report as the baseline: everything the weak one lacks is new.
    strong_out = tmp_path / "strong"
    _check(STRONG, strong_out)
    result, data = _check(WEAK, tmp_path / "o", "--baseline", str(strong_out / "report.json"))
    assert result.exit_code == 1, result.output
    regressions = data["baseline"]["regressions"]
    assert {r["kind"] for r in regressions} == {"score", "rule", "finding"}
    assert any(r["kind"] == "score" and r["indicator"] == "SE11" for r in regressions)
    assert any("regression(s) against the baseline" in r for r in data["gate"]["reasons"])
    assert (
        "regression(s)"
        in CliRunner()
        .invoke(
            main,
            [
                "check",
                str(WEAK),
                "-o",
                str(tmp_path / "p"),
                *ONLY,
                "--baseline",
                str(strong_out / "report.json"),
            ],
        )
        .output
    )
    # The other way round: only improvements, the gate passes.
    path, _ = weak_report
    better, data = _check(STRONG, tmp_path / "b", "--baseline", str(path))
    assert better.exit_code == 0
    assert data["baseline"]["regressions"] == [] and data["baseline"]["improvements"]


def test_edited_bundle_regresses_only_where_it_changed(weak_report, tmp_path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(WEAK, bundle)
    org = bundle / "records" / "safety_organization.yaml"
    text = org.read_text("utf-8")
    # A regression in one place: drop the organization's meetings.
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("meetings:"))
    org.write_text("\n".join([*lines[:start], "meetings: []", ""]), "utf-8")
    path, _ = weak_report
    result, data = _check(bundle, tmp_path / "o", "--baseline", str(path))
    changed = {r["indicator"] for r in data["baseline"]["regressions"]}
    assert changed == {"SE11"}, data["baseline"]["regressions"]
    assert result.exit_code == 1


def test_invalid_baselines_exit_2(tmp_path) -> None:
    cases = {
        "missing.json": None,
        "text.json": "not json at all",
        "other.json": json.dumps({"hello": "world"}),
        "binary.json": b"\xff\xfe\x00",
    }
    for name, body in cases.items():
        path = tmp_path / name
        if isinstance(body, bytes):
            path.write_bytes(body)
        elif body is not None:
            path.write_text(body, "utf-8")
        result, _ = _check(WEAK, tmp_path / "o", "--baseline", str(path))
        assert result.exit_code == 2, (name, result.output)
        err = result.stderr.strip()
        assert name in err and "\n" not in err and "Traceback" not in result.output


def test_load_baseline_validates(weak_report, tmp_path) -> None:
    path, data = weak_report
    assert load_baseline(path)["community"] == data["community"]
    broken = copy.deepcopy(data)
    broken["indicators"][0]["score"] = "high"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken), "utf-8")
    with pytest.raises(BaselineError, match="/indicators/0/score"):
        load_baseline(bad)


def test_sarif_marks_new_results(weak_report, tmp_path) -> None:
    path, _ = weak_report
    out = tmp_path / "same"
    CliRunner().invoke(
        main,
        ["check", str(WEAK), "-o", str(out), "-q", "-f", "sarif", *ONLY, "--baseline", str(path)],
    )
    results = json.loads((out / "report.sarif").read_text("utf-8"))["runs"][0]["results"]
    assert results and {r["baselineState"] for r in results} == {"unchanged"}
    strong = tmp_path / "strong"
    _check(STRONG, strong)
    out = tmp_path / "worse"
    CliRunner().invoke(
        main,
        [
            "check",
            str(WEAK),
            "-o",
            str(out),
            "-q",
            "-f",
            "sarif",
            *ONLY,
            "--baseline",
            str(strong / "report.json"),
        ],
    )
    results = json.loads((out / "report.sarif").read_text("utf-8"))["runs"][0]["results"]
    assert {r["baselineState"] for r in results} == {"new"}
