"""The example third-party plugin (examples/plugins/compliance-elevator-safety): it
verifies, its case files pass, and `compliance check` runs it next to the built-ins
when it is found through its entry point. (tox -e example-plugin installs it for real.)"""

from __future__ import annotations

import importlib.metadata as md
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.verify_plugin import verify_plugin

from .conftest import ROOT, write_manifest

EXAMPLE = ROOT / "examples" / "plugins" / "compliance-elevator-safety"
PACKAGE = EXAMPLE / "src" / "compliance_elevator_safety"


@pytest.fixture
def example_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example as if pip-installed: importable, with its entry point."""
    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    real = md.entry_points
    ep = md.EntryPoint(
        name="elevator_safety", value="compliance_elevator_safety", group="compliance.plugins"
    )

    def entry_points(**kw):
        found = list(real(**kw))
        if kw.get("group") == "compliance.plugins":
            found.append(ep)
        return found

    monkeypatch.setattr(md, "entry_points", entry_points)
    yield
    for name in [m for m in sys.modules if m.startswith("compliance_elevator_safety")]:
        del sys.modules[name]


def test_package_is_built_like_a_vendors() -> None:
    pyproject = (EXAMPLE / "pyproject.toml").read_text("utf-8")
    assert '[project.entry-points."compliance.plugins"]' in pyproject
    assert 'elevator_safety = "compliance_elevator_safety"' in pyproject
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text("utf-8")
        # Only the public API: no private engine modules, no built-in pack helpers.
        assert "compliance_builtin" not in text, path
        assert "from compliance._" not in text and "compliance.runner" not in text, path
    assert (PACKAGE / "cases" / "EV01.yaml").is_file()
    assert (EXAMPLE / "README.md").is_file() and (EXAMPLE / "tests").is_dir()


def test_example_verifies() -> None:
    result = verify_plugin(str(PACKAGE))
    assert result.ok, result.text()
    subjects = " ".join(c.subject for c in result.checks)
    assert "case EV01 strong" in subjects and "case EV01 malformed" in subjects
    for name in [m for m in sys.modules if m.startswith("compliance_elevator_safety")]:
        del sys.modules[name]


def test_check_runs_the_example_with_the_builtins(example_installed, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    (bundle / "tables").mkdir(parents=True)
    (bundle / "exports").mkdir()
    (bundle / "tables" / "lifts.csv").write_text(
        "elevator_id,inspected_on,result,certificate_expires\n"
        "L-1-1,2025-04-10,passed,2026-04-09\n"
        "L-1-2,2024-03-01,passed,2025-02-28\n",
        "utf-8",
    )
    (bundle / "exports" / "faults.xml").write_text(
        '<faults><fault fault_id="F1" elevator_id="L-1-1" occurred_at="2025-05-01T08:00:00Z"'
        ' entrapment="true" released_at="2025-05-01T08:10:00Z"/></faults>',
        "utf-8",
    )
    write_manifest(
        bundle,
        [
            {"path": "tables/lifts.csv", "type": "elevator_inspections"},
            {"path": "exports/faults.xml", "type": "elevator_faults"},
        ],
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["check", str(bundle), "-p", "elevator-safety", "-o", str(out), "-f", "json", "-q"],
    )
    assert result.exit_code in (0, 1), result.output
    report = json.loads((out / "report.json").read_text("utf-8"))
    ev01 = next(v for v in report["indicators"] if v["code"] == "EV01")
    assert ev01["plugin"] == "elevator_safety"
    # L-1-2's certificate lapsed: the red line caps the score below a pass.
    assert ev01["status"] in ("partial", "fail") and ev01["score"] < 80
    rules = {f["rule"] for f in ev01["findings"]}
    assert {"EV01.R1", "EV01.R2"} <= rules and "EV01.R3" not in rules
    used = {e["path"] for e in ev01["evidence"]}
    assert used == {"tables/lifts.csv", "exports/faults.xml"}
    assert any(v["code"] == "SE15" for v in report["indicators"])  # built-ins still run
    assert not report["plugin_errors"]
