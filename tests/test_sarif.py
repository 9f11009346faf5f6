"""The SARIF report: valid against the official 2.1.0 schema, located, fingerprinted,
deterministic."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.report.sarif import location_region, render_sarif, sarif_log
from compliance.runner import check

from .conftest import EXAMPLES

STANDARDS = Path(__file__).resolve().parents[2] / "shared" / "standards"
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
MACHINE_FORMATS = ["sarif", "junit", "oscal", "github", "json"]


def _schema_validator(name: str):
    path = STANDARDS / name
    if not path.is_file():
        pytest.skip(f"{name} not found in {STANDARDS} (the shared/ folder beside the checkout)")
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    return jsonschema_rs.validator_for(json.loads(path.read_text("utf-8")))


@pytest.fixture(scope="module")
def reports(host):
    return {name: check(EXAMPLES / name, host=host) for name in EXAMPLE_NAMES}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_examples_validate_against_the_official_schema(reports, name) -> None:
    validator = _schema_validator("sarif-schema-2.1.0.json")
    log = json.loads(render_sarif(reports[name]))
    errors = [str(e) for e in validator.iter_errors(log)]
    assert not errors, errors[:3]


def test_the_validator_really_validates() -> None:
    validator = _schema_validator("sarif-schema-2.1.0.json")
    assert not validator.is_valid({"version": "2.1.0", "runs": [{"tool": {}}]})


def test_rules_results_and_levels(reports) -> None:
    report = reports["dongfeng-weak"]
    run = sarif_log(report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    declared = {r.rule for v in report.verdicts for r in v.rules}
    assert declared <= set(ids)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"]
    levels = {"critical": "error", "high": "error", "medium": "warning", "low": "warning"}
    findings = [f for v in report.verdicts for f in v.findings]
    results = run["results"]
    assert len(results) >= len(findings)
    by_rule = {}
    for result in results:
        assert result["ruleId"] == ids[result["ruleIndex"]]
        by_rule.setdefault(result["ruleId"], []).append(result)
    for finding in findings:
        assert any(r["level"] == levels[str(finding.severity)] for r in by_rule[finding.rule])
    assert run["automationDetails"]["id"].startswith("compliance/sz-lg-dongfeng/")
    assert run["invocations"][0]["executionSuccessful"] is True
    assert run["originalUriBaseIds"]["BUNDLE"]


def test_locations_point_into_the_bundle(reports) -> None:
    run = sarif_log(reports["dongfeng-weak"])["runs"][0]
    located = [r["locations"][0] for r in run["results"]]
    assert all(
        loc["physicalLocation"]["artifactLocation"]["uriBaseId"] == "BUNDLE" for loc in located
    )
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for loc in located}
    assert "tables/patrol_log.csv" in uris and "records/safety_organization.yaml" in uris
    csv_rows = [
        loc
        for loc in located
        if loc.get("properties", {}).get("row")
        and loc["physicalLocation"]["artifactLocation"]["uri"].endswith(".csv")
    ]
    assert csv_rows
    for loc in csv_rows:
        # CSV data row N is on line N + 1: line 1 is the header.
        assert loc["physicalLocation"]["region"]["startLine"] == loc["properties"]["row"] + 1


def test_region_rules() -> None:
    assert location_region({"path": "r.yaml", "line": 7, "pointer": "/a"}) == {"startLine": 7}
    assert location_region({"path": "t.csv", "row": 1}) == {"startLine": 2}
    assert location_region({"path": "t.jsonl", "row": 5}) == {"startLine": 5}
    assert location_region({"path": "t.parquet", "row": 5}) is None
    assert location_region({"path": "d.pdf", "page": 2}) is None


def _fingerprints(report) -> list[str]:
    run = sarif_log(report)["runs"][0]
    return [r["partialFingerprints"]["complianceFinding/v1"] for r in run["results"]]


def test_fingerprints_are_stable_and_ignore_message_text(reports, host) -> None:
    report = reports["dongfeng-weak"]
    first = _fingerprints(report)
    assert len(first) == len(set(first)), "two results share a fingerprint"
    assert first == _fingerprints(check(EXAMPLES / "dongfeng-weak", host=host, jobs=2))
    for verdict in report.verdicts:
        verdict.findings = [
            dataclasses.replace(f, message=f"reworded: {f.message} 123") for f in verdict.findings
        ]
    try:
        assert _fingerprints(report) == first
    finally:
        for verdict in report.verdicts:
            verdict.findings = [
                dataclasses.replace(f, message=f.message.removeprefix("reworded: ")[:-4])
                for f in verdict.findings
            ]


def test_plugin_failures_become_notifications(reports) -> None:
    report = reports["dongfeng-weak"]
    saved = list(report.plugin_errors)
    report.plugin_errors = [{"plugin": "SE99", "stage": "load", "message": "ImportError"}]
    try:
        run = sarif_log(report)["runs"][0]
    finally:
        report.plugin_errors = saved
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert notes[0]["level"] == "error" and "SE99" in notes[0]["message"]["text"]


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_source_date_epoch_gives_identical_bytes(name, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")
    fmt = [a for f in MACHINE_FORMATS for a in ("-f", f)]
    outs = []
    for run, jobs in (("a", "1"), ("b", "3")):
        out = tmp_path / run
        result = CliRunner().invoke(
            main, ["check", str(EXAMPLES / name), "-o", str(out), "-q", "-j", jobs, *fmt]
        )
        assert result.exit_code in (0, 1), result.output
        outs.append(_digest(out))
    assert outs[0] == outs[1]
    assert set(outs[0]) == {
        "report.sarif",
        "report.junit.xml",
        "report.oscal.json",
        "report.github",
        "report.json",
    }
