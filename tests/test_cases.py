"""Every built-in indicator's case files, run by one generic test."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from compliance.testing import load_cases, run_case

CASE_DIR = Path(str(files("compliance_builtin").joinpath("cases")))
CASE_FILES = sorted(CASE_DIR.glob("*.yaml"))


def _params() -> list[object]:
    out = []
    for path in CASE_FILES:
        spec = load_cases(path)
        for case in spec["cases"]:
            out.append(pytest.param(spec, case, id=f"{spec['indicator']}-{case.get('name', '?')}"))
    return out


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


@pytest.mark.parametrize(("spec", "case"), _params())
def test_case(spec, case, host) -> None:
    result = run_case(spec, case, host=host)
    assert result.ok, f"{result.indicator} {result.name}: " + "; ".join(result.problems)
    if result.verdict.score is not None:
        assert 0 <= result.verdict.score <= 100
