"""The JUnit XML report: a suite per dimension, a test case per indicator, and failure,
error and skipped where CI servers expect them."""

from __future__ import annotations

import dataclasses

import pytest
from defusedxml import ElementTree as SafeET

from compliance.report.junit import render_junit
from compliance.runner import check
from compliance.verdict import Finding, Severity, Status

from .conftest import EXAMPLES

EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def reports(host):
    return {name: check(EXAMPLES / name, host=host) for name in EXAMPLE_NAMES}


def _parse(report):
    # Our own output, but parsed the safe way all the same: it carries evidence text.
    return SafeET.fromstring(render_junit(report))


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_one_case_per_indicator_and_one_suite_per_dimension(reports, name) -> None:
    report = reports[name]
    root = _parse(report)
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(report.verdicts)
    assert sorted(c.get("name").split()[0] for c in cases) == sorted(
        v.code for v in report.verdicts
    )
    suites = root.findall("./testsuite")
    dims = {v.dimension for v in report.verdicts}
    assert len(suites) == len(dims)
    for suite in suites:
        members = suite.findall("testcase")
        assert int(suite.get("tests")) == len(members)
        assert suite.get("name").split()[0] in dims
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        assert int(suite.get("skipped")) == len(suite.findall("testcase/skipped"))
        assert int(suite.get("errors")) == len(suite.findall("testcase/error"))
    assert int(root.get("tests")) == len(report.verdicts)


def test_status_mapping(reports) -> None:
    report = reports["dongfeng-weak"]
    saved = [(v.status, v.reason) for v in report.verdicts]
    wanted = [Status.PASS, Status.FAIL, Status.ERROR, Status.WAIVED, Status.NOT_APPLICABLE]
    for verdict, status in zip(report.verdicts, wanted, strict=False):
        verdict.status = status
        if status == Status.ERROR:
            verdict.reason = "RuntimeError at se15.py:1"
    try:
        root = _parse(report)
    finally:
        for verdict, (status, reason) in zip(report.verdicts, saved, strict=True):
            verdict.status, verdict.reason = status, reason
    cases = {c.get("name").split()[0]: c for c in root.iter("testcase")}
    codes = [v.code for v in report.verdicts]
    passed, failed, broken, waived, na = (cases[c] for c in codes[:5])
    assert passed.find("failure") is None and passed.find("error") is None
    assert failed.find("failure").get("type") == "fail"
    assert "RuntimeError" in broken.find("error").get("message")
    assert waived.find("skipped") is not None and na.find("skipped") is not None
    assert int(root.get("errors")) == 1


def test_insufficient_evidence_is_a_failure(reports) -> None:
    report = reports["qingshui-strong"]
    root = _parse(report)
    for verdict in report.verdicts:
        case = next(c for c in root.iter("testcase") if c.get("name").startswith(verdict.code))
        if verdict.status == Status.INSUFFICIENT_EVIDENCE:
            assert case.find("failure").get("type") == "insufficient_evidence"
        if verdict.status == Status.PASS:
            assert case.find("failure") is None


def test_hostile_text_stays_well_formed(reports) -> None:
    report = reports["dongfeng-weak"]
    verdict = report.verdicts[0]
    saved = verdict.findings
    verdict.findings = [
        *saved,
        Finding(
            f"{verdict.code}.R1",
            Severity.HIGH,
            'bad \x00\x1b]8;; <x a="1"> & ]]> \udcff end',
        ),
    ]
    try:
        body = render_junit(report)
    finally:
        verdict.findings = saved
    root = SafeET.fromstring(body)
    text = "".join(root.itertext())
    assert '<x a="1"> & ]]>' in text and "\x00" not in text and "end" in text


def test_deterministic(reports) -> None:
    report = reports["dongfeng-weak"]
    assert render_junit(report) == render_junit(dataclasses.replace(report))
    assert b"time=" not in render_junit(report) and b"timestamp" not in render_junit(report)
