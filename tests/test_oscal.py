"""The OSCAL Assessment Results report: valid against the official 1.0.6 schema (checked
with jsonschema-rs: Python's ``re`` cannot compile the schema's ``\\p{L}`` patterns),
evidence cited with SHA-256, satisfied / not-satisfied findings, uuid5 identifiers."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from compliance.report.oscal import oscal_document, render_oscal
from compliance.runner import check
from compliance.verdict import Status

from .conftest import EXAMPLES

STANDARDS = Path(__file__).resolve().parents[2] / "shared" / "standards"
SCHEMA = "oscal-assessment-results-schema-1.0.6.json"
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def validator():
    path = STANDARDS / SCHEMA
    if not path.is_file():
        pytest.skip(f"{SCHEMA} not found in {STANDARDS} (the shared/ folder beside the checkout)")
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    return jsonschema_rs.Draft7Validator(json.loads(path.read_text("utf-8")))


@pytest.fixture(scope="module")
def reports(host):
    return {name: check(EXAMPLES / name, host=host) for name in EXAMPLE_NAMES}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_examples_validate_against_the_official_schema(validator, reports, name) -> None:
    document = json.loads(render_oscal(reports[name]))
    errors = [str(e) for e in validator.iter_errors(document)]
    assert not errors, errors[:3]


def test_the_validator_really_validates(validator, reports) -> None:
    document = oscal_document(reports["dongfeng-weak"])
    document["assessment-results"]["results"][0]["findings"][0]["target"]["status"] = {
        "state": "mostly"
    }
    assert not validator.is_valid(document)
    del document["assessment-results"]["import-ap"]
    assert not validator.is_valid(document)


def test_observations_cite_evidence_with_sha256(reports) -> None:
    report = reports["dongfeng-weak"]
    document = oscal_document(report)["assessment-results"]
    resources = {r["uuid"]: r for r in document["back-matter"]["resources"]}
    hashes = {
        r["rlinks"][0]["href"]: r["rlinks"][0]["hashes"][0]["value"]
        for r in resources.values()
        if "rlinks" in r
    }
    expected = {e["path"]: e["sha256"] for e in report.to_dict()["evidence"]}
    assert hashes == expected
    result = document["results"][0]
    assert len(result["observations"]) == len(report.verdicts)
    for observation, verdict in zip(result["observations"], report.verdicts, strict=True):
        cited = observation.get("relevant-evidence", [])
        assert len(cited) == len(verdict.evidence)
        for ref, used in zip(cited, verdict.evidence, strict=True):
            assert resources[ref["href"].lstrip("#")]["rlinks"][0]["hashes"][0]["value"] == (
                used.sha256
            )
            assert used.sha256 in ref["description"]
    assert document["import-ap"]["href"].lstrip("#") in resources


def test_findings_are_satisfied_or_not(reports) -> None:
    for report in reports.values():
        result = oscal_document(report)["assessment-results"]["results"][0]
        states = {
            f["target"]["target-id"]: f["target"]["status"]["state"] for f in result["findings"]
        }
        for verdict in report.verdicts:
            want = (
                "satisfied"
                if verdict.status in (Status.PASS, Status.NOT_APPLICABLE)
                else "not-satisfied"
            )
            assert states[verdict.code] == want, verdict.code
    strong = oscal_document(reports["qingshui-strong"])["assessment-results"]["results"][0]
    assert "satisfied" in {f["target"]["status"]["state"] for f in strong["findings"]}


def test_uuids_are_deterministic_uuid5(host, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")
    text = render_oscal(check(EXAMPLES / "dongfeng-weak", host=host))
    assert text == render_oscal(check(EXAMPLES / "dongfeng-weak", host=host, jobs=3))
    defined: list[str] = []
    referenced: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "uuid":
                    defined.append(value)
                elif key.endswith("-uuid"):
                    referenced.append(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(text))
    assert defined and all(uuid.UUID(u).version == 5 for u in defined + referenced)
    assert len(set(defined)) == len(defined)
    assert set(referenced) <= set(defined)
