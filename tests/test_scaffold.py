"""``compliance plugin new``: the generated package is valid, and (slow) the full round
trip a vendor makes: install it with the engine into a fresh venv, run its tests, check a
bundle that includes its evidence."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.scaffold import plugin_names
from compliance.verify_plugin import verify_plugin

from .conftest import copy_sources, write_manifest


def _new(tmp_path: Path, *args: str) -> Path:
    result = CliRunner().invoke(
        main, ["plugin", "new", "lift-check", "-d", str(tmp_path), "--code", "LC01", *args]
    )
    assert result.exit_code == 0, result.output
    return tmp_path / "compliance-lift-check"


def test_new_writes_a_complete_package(tmp_path: Path) -> None:
    root = _new(tmp_path)
    expected = {
        "pyproject.toml",
        "README.md",
        "src/compliance_lift_check/__init__.py",
        "src/compliance_lift_check/schemas/lift_check_inspections.schema.json",
        "src/compliance_lift_check/profiles/lift-check.yaml",
        "src/compliance_lift_check/cases/LC01.yaml",
        "tests/test_compliance_lift_check.py",
    }
    written = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert written == expected
    pyproject = (root / "pyproject.toml").read_text("utf-8")
    assert '[project.entry-points."compliance.plugins"]' in pyproject
    assert 'compliance_lift_check = "compliance_lift_check"' in pyproject
    assert "{{" not in "".join((root / p).read_text("utf-8") for p in expected)


def test_generated_plugin_verifies(tmp_path: Path) -> None:
    root = _new(tmp_path)
    result = verify_plugin(str(root / "src" / "compliance_lift_check"))
    assert result.ok, result.text()
    assert any(c.subject.startswith("case LC01 strong") for c in result.checks)


def test_generated_code_is_lint_clean(tmp_path: Path) -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed")
    root = _new(tmp_path)
    for args in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [ruff, *args, "--line-length", "100", "--no-cache", str(root)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bad_Name"], "lower-case letters"),
        (["ok", "--code", "ev1"], "2-5 capitals"),
        (["ok", "--dimension", "si"], "dimension"),
        (["ok", "--title", 'say "hi"'], "title"),
    ],
)
def test_bad_choices_are_one_line_usage_errors(tmp_path: Path, args, message) -> None:
    result = CliRunner().invoke(main, ["plugin", "new", *args, "-d", str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_existing_folder_is_not_overwritten(tmp_path: Path) -> None:
    _new(tmp_path)
    result = CliRunner().invoke(main, ["plugin", "new", "lift-check", "-d", str(tmp_path)])
    assert result.exit_code == 2 and "already exists" in result.stderr


def test_names_are_derived() -> None:
    names = plugin_names("compliance-elevator-safety", code="EV01")
    assert (names.dist, names.module, names.cls) == (
        "compliance-elevator-safety",
        "compliance_elevator_safety",
        "ElevatorSafety",
    )


def _run(args: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.slow
def test_round_trip_in_fresh_venv(tmp_path: Path) -> None:
    """Generate, install with the engine into a fresh venv, run its tests, check."""
    src = copy_sources(tmp_path / "engine")
    root = _new(tmp_path)
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    assert made.returncode == 0, made.stderr
    bin_dir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    installed = _run([str(bin_dir / "pip"), "install", "-q", str(src), f"{root}[test]"], tmp_path)
    assert installed.returncode == 0, installed.stderr[-3000:]
    shutil.rmtree(src)

    tested = _run([str(bin_dir / "python"), "-m", "pytest", "-q", str(root / "tests")], root)
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-2000:]

    listed = _run([str(bin_dir / "compliance"), "indicators", "--format", "json"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = {r["code"]: r for r in json.loads(listed.stdout)}
    assert rows["LC01"]["plugin"] == "compliance_lift_check"

    bundle = tmp_path / "bundle"
    (bundle / "tables").mkdir(parents=True)
    (bundle / "tables" / "lifts.csv").write_text(
        "item_id,inspected_on,result\nA1,2025-11-02,passed\nA2,2025-12-01,passed\n", "utf-8"
    )
    write_manifest(bundle, [{"path": "tables/lifts.csv", "type": "lift_check_inspections"}])
    out = tmp_path / "out"
    checked = _run(
        [
            str(bin_dir / "compliance"),
            "check",
            str(bundle),
            "--profile",
            "lift-check",
            "-o",
            str(out),
            "-f",
            "json",
        ],
        tmp_path,
    )
    assert checked.returncode in (0, 1), checked.stderr
    report = json.loads((out / "report.json").read_text("utf-8"))
    ours = [i for i in report["indicators"] if i["code"] == "LC01"]
    assert ours and ours[0]["status"] == "pass", ours
    assert not report["plugin_errors"], report["plugin_errors"]

    verified = _run(
        [str(bin_dir / "compliance"), "plugin", "verify", "compliance-lift-check"], tmp_path
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


# -- the harness as a pytest plugin --------------------------------------------------------


def test_pytest_plugin_is_registered_and_light() -> None:
    import importlib.metadata as md

    eps = {ep.name: ep.value for ep in md.entry_points(group="pytest11")}
    assert eps.get("compliance") == "compliance.pytest_plugin"
    # Loaded into every pytest run once installed: importing it must not pull in the engine.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, compliance.pytest_plugin; "
            "print(sorted(m for m in ('polars', 'compliance.runner', 'jsonschema') "
            "if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"


def test_harness_fixtures(run_indicator, run_case, compliance_host) -> None:
    from compliance.testing import assert_verdict

    verdict = run_indicator("SE15", [])
    assert_verdict(verdict, status="insufficient_evidence", fired=["SE15.EVIDENCE"])
    with pytest.raises(AssertionError, match="status insufficient_evidence not in"):
        assert_verdict(verdict, status="pass")
    spec = {"indicator": "SE15"}
    result = run_case(spec, {"name": "empty", "evidence": [], "expect": {"status": "fail"}})
    assert not result.ok and "SE15" in compliance_host.indicators()


def test_run_case_folder(tmp_path: Path) -> None:
    from compliance.testing import run_case_folder

    (tmp_path / "SE15.yaml").write_text(
        "indicator: SE15\ncases:\n  - name: missing\n    evidence: []\n"
        "    expect: {status: insufficient_evidence}\n",
        "utf-8",
    )
    results = run_case_folder(tmp_path)
    assert [r.ok for r in results] == [True]
    with pytest.raises(ValueError, match="no case files"):
        run_case_folder(tmp_path / "empty")
