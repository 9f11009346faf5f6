"""Every built-in indicator's case files, run by one generic test, and the meta-checks
that the cases exercise every rule both satisfied and violated."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from compliance.testing import CaseResult, load_cases, run_case

CASE_DIR = Path(str(files("compliance_builtin").joinpath("cases")))
CASE_FILES = sorted(CASE_DIR.glob("*.yaml"))
_RESULTS: dict[tuple[str, str], CaseResult] = {}


def _all_cases() -> list[tuple[dict, dict]]:
    out = []
    for path in CASE_FILES:
        spec = load_cases(path)
        out.extend((spec, case) for case in spec["cases"])
    return out


def _result(spec: dict, case: dict, host) -> CaseResult:
    key = (spec["indicator"], case.get("name", "?"))
    if key not in _RESULTS:
        _RESULTS[key] = run_case(spec, case, host=host)
    return _RESULTS[key]


def test_every_builtin_indicator_has_cases(host) -> None:
    covered = {load_cases(p)["indicator"] for p in CASE_FILES}
    builtin = {
        code
        for code, e in host.indicators().items()
        if e.cls.__module__.startswith("compliance_builtin.")
    }
    assert builtin, "no built-in indicators loaded"
    assert builtin <= covered, f"indicators without case files: {sorted(builtin - covered)}"


def test_case_kinds_present() -> None:
    """Each case file exercises strong, weak, missing and malformed evidence."""
    for path in CASE_FILES:
        names = " ".join(c.get("name", "") for c in load_cases(path)["cases"]).lower()
        for kind in ("strong", "weak", "missing", "malformed"):
            assert kind in names, f"{path.name} has no {kind} case"


@pytest.mark.parametrize(
    ("spec", "case"),
    [pytest.param(s, c, id=f"{s['indicator']}-{c.get('name', '?')}") for s, c in _all_cases()],
)
def test_case(spec, case, host) -> None:
    result = _result(spec, case, host)
    assert result.ok, f"{result.indicator} {result.name}: " + "; ".join(result.problems)
    if result.verdict.score is not None:
        assert 0 <= result.verdict.score <= 100


def test_every_rule_seen_satisfied_and_violated(host) -> None:
    """Across an indicator's cases, each of its rules scores 1 somewhere and below 1
    somewhere else: no rule goes untested in either direction."""
    seen: dict[str, set[str]] = {}
    for spec, case in _all_cases():
        for rule in _result(spec, case, host).verdict.rules:
            if rule.score is not None:
                seen.setdefault(rule.rule, set()).add("met" if rule.score >= 1 else "not met")
    missing = []
    for code, entry in host.indicators().items():
        if not entry.cls.__module__.startswith("compliance_builtin."):
            continue
        for spec in entry.cls.rules:
            rule_id = f"{code}.{spec.id}"
            outcomes = seen.get(rule_id, set())
            if outcomes != {"met", "not met"}:
                missing.append(f"{rule_id} seen {sorted(outcomes) or 'never'}")
    assert not missing, "rules not covered both ways: " + ", ".join(missing)
