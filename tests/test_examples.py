"""The example bundles show what they promise: the strong community scores high on every
built-in indicator, the weak one has failing rules with findings that point somewhere."""

from __future__ import annotations

import pytest

from compliance.runner import check

from .conftest import EXAMPLES


@pytest.fixture(scope="module")
def reports(host):
    return {
        name: check(EXAMPLES / name, host=host) for name in ("qingshui-strong", "dongfeng-weak")
    }


def _builtin(report, host):
    codes = {
        c
        for c, e in host.indicators().items()
        if e.cls.__module__.startswith("compliance_builtin.")
    }
    return [v for v in report.verdicts if v.code in codes]


def test_strong_example_scores_high(reports, host) -> None:
    low = [
        (v.code, v.status, v.score)
        for v in _builtin(reports["qingshui-strong"], host)
        if (v.score or 0) < 80
    ]
    assert not low, f"strong example scores low on {low}"


def test_weak_example_fails_rules_with_locations(reports, host) -> None:
    problems = []
    for verdict in _builtin(reports["dongfeng-weak"], host):
        failing = [r for r in verdict.rules if r.score is not None and r.score < 1]
        located = [
            f
            for f in verdict.findings
            if f.location is not None and not f.rule.endswith(".EVIDENCE")
        ]
        if not failing or not located:
            problems.append(verdict.code)
    assert not problems, f"weak example shows no failing rule with a located finding for {problems}"


def test_examples_use_no_unknown_evidence(reports) -> None:
    for name, report in reports.items():
        assert not report.manifest_issues, (name, report.manifest_issues)
        assert not report.plugin_errors, (name, report.plugin_errors)
