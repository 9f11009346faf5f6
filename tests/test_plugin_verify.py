"""``compliance plugin verify`` and broken plugins in ``compliance check``, through the CLI:
a plugin that fails to import, one with invalid metadata and one whose indicator raises
are each named, and the rest completes."""

from __future__ import annotations

import importlib.metadata as md
import json
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main

from .conftest import write_manifest

GOOD = '''
"""A small, well-formed plugin (a test fixture)."""
from compliance import hookimpl
from compliance.indicator import EvidenceType, Indicator, Need, rule

__version__ = "2.1.0"
SCHEMA = "https://t.example/{pkg}/memo.json"


class Memo(Indicator):
    """A memo record is present and signed."""

    code = "{code}"
    title = "Memo"
    dimension = "SI"
    evidence = (Need("{pkg}_memo"),)

    @rule("R1", "the memo is signed")
    def signed(self, ctx):
        """Full marks when the memo's ``signed`` field is true."""
        memo = ctx.record("{pkg}_memo")
        if not memo.data.get("signed"):
            ctx.finding("the memo is not signed", at=ctx.at(memo, pointer="/signed"))
            return 0.0
        return 1.0
{extra}

@hookimpl
def compliance_indicators():
    return [Memo]


@hookimpl
def compliance_evidence_types():
    return [EvidenceType("{pkg}_memo", "record", "Memo", schema=SCHEMA)]


@hookimpl
def compliance_schemas():
    return [{schema}]
'''

CASES = """
indicator: {code}
cases:
  - name: strong - signed
    evidence:
      - {{path: memo.json, type: {pkg}_memo, content: '{{"signed": true}}'}}
    expect: {{status: pass, score: [100, 100]}}
  - name: weak - unsigned
    evidence:
      - {{path: memo.json, type: {pkg}_memo, content: '{{"signed": false}}'}}
    expect: {{status: fail, findings: [{code}.R1]}}
"""

VALID_SCHEMA = '{"$id": SCHEMA, "type": "object", "required": ["signed"]}'


def _package(
    root: Path,
    pkg: str,
    *,
    code: str = "TX01",
    extra: str = "",
    schema: str = "",
    cases: bool = True,
) -> Path:
    folder = root / pkg
    folder.mkdir(parents=True)
    text = GOOD.format(pkg=pkg, code=code, extra=extra, schema=schema or VALID_SCHEMA)
    (folder / "__init__.py").write_text(textwrap.dedent(text), "utf-8")
    if cases:
        (folder / "cases").mkdir()
        (folder / "cases" / f"{code}.yaml").write_text(CASES.format(pkg=pkg, code=code), "utf-8")
    return folder


@pytest.fixture(autouse=True)
def _forget_test_modules():
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith(("vplug_", "bad_", "crash_")):
            del sys.modules[name]


def _verify(*args: str):
    return CliRunner().invoke(main, ["plugin", "verify", *args])


def test_good_plugin_by_path_passes(tmp_path: Path) -> None:
    folder = _package(tmp_path, "vplug_good")
    result = _verify(str(folder))
    assert result.exit_code == 0, result.output
    assert "ok   indicator TX01: Memo (SI, 1.0.0)" in result.stdout
    assert "ok   case TX01 strong - signed: pass" in result.stdout
    # Not marked thread_safe: a warning, not a failure (it runs by itself under --jobs).
    assert "warn indicator TX01: not marked thread_safe" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("passed:")


def test_good_plugin_by_module_name_json(tmp_path: Path, monkeypatch) -> None:
    _package(tmp_path, "vplug_named")
    monkeypatch.syspath_prepend(str(tmp_path))
    result = _verify("vplug_named", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] and data["failed"] == 0
    assert data["plugins"][0]["version"] == "2.1.0"


def test_installed_distribution_is_verified() -> None:
    """The engine's own distribution: every built-in indicator's metadata and case files
    (not run here: test_cases.py runs them)."""
    result = _verify("community-safety-compliance", "--no-cases")
    assert result.exit_code == 0, result.output[-2000:]
    assert "ok   indicator SE15: Operation safeguard" in result.stdout
    assert "thread_safe" not in result.stdout  # every built-in is marked


def test_invalid_metadata_is_named(tmp_path: Path) -> None:
    extra = """
    version = "banana"

    @rule("R2", "undocumented")
    def second(self, ctx):
        return 1.0
"""
    extra = textwrap.indent(textwrap.dedent(extra), "    ").replace("    \n", "\n")
    folder = _package(
        tmp_path,
        "vplug_bad",
        code="TX09",
        extra="",
        cases=False,
    )
    init = folder / "__init__.py"
    text = init.read_text("utf-8").replace('    dimension = "SI"\n', '    dimension = "ZZ"\n')
    text = text.replace("        return 1.0\n", "        return 1.0\n" + extra, 1)
    init.write_text(text, "utf-8")
    result = _verify(str(folder))
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "FAIL indicator TX09: dimension 'ZZ' is not one of" in out
    assert "version 'banana' is not a PEP 440 version" in out
    assert "FAIL indicator TX09 rules: without a docstring: TX09.R2" in out
    assert "FAIL indicator TX09 cases: no case file" in out
    assert out.strip().splitlines()[-1].startswith("FAILED:")


def test_invalid_schema_is_named(tmp_path: Path) -> None:
    folder = _package(tmp_path, "vplug_schema", schema='{"$id": SCHEMA, "type": 12}')
    result = _verify(str(folder))
    assert result.exit_code == 1
    out = result.stdout
    assert "FAIL schema https://t.example/vplug_schema/memo.json: not a valid draft 2020-12" in out
    assert "ok   indicator TX01 rules" in out  # the other checks still ran


def test_failing_case_is_named(tmp_path: Path) -> None:
    folder = _package(tmp_path, "vplug_case")
    case_file = folder / "cases" / "TX01.yaml"
    case_file.write_text(
        case_file.read_text("utf-8").replace("status: fail,", "status: pass,"), "utf-8"
    )
    result = _verify(str(folder))
    assert result.exit_code == 1
    assert "FAIL case TX01 weak - unsigned: status fail not in ['pass']" in result.stdout


def test_import_failure_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "vplug_broken"
    folder.mkdir()
    (folder / "__init__.py").write_text("raise RuntimeError('vendor SDK missing')\n", "utf-8")
    result = _verify(str(folder))
    assert result.exit_code == 1
    assert "FAIL import" in result.stdout and "RuntimeError: vendor SDK missing" in result.stdout
    assert "Traceback" not in result.output


def test_raising_hook_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "vplug_hook"
    folder.mkdir()
    (folder / "__init__.py").write_text(
        "from compliance import hookimpl\n\n\n@hookimpl\ndef compliance_indicators():\n"
        "    raise LookupError('no registry')\n",
        "utf-8",
    )
    result = _verify(str(folder))
    assert result.exit_code == 1
    assert "FAIL hook compliance_indicators: LookupError: no registry" in result.stdout


def test_unknown_target_is_a_usage_error() -> None:
    result = _verify("no-such-plugin-anywhere")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "compliance: error: no-such-plugin-anywhere: no installed distribution, module or "
        ".py file of this name"
    ]


# -- broken plugins in `compliance check` ---------------------------------------------------

BAD_META = '''
from compliance import hookimpl
from compliance.indicator import Indicator, rule


class Lifts(Indicator):
    """Declares a code that breaks the pattern."""

    code = "lift-1"
    title = "Lifts"
    dimension = "SI"

    @rule("R1", "never runs")
    def r1(self, ctx):
        return 1.0


@hookimpl
def compliance_indicators():
    return [Lifts]
'''

CRASHING = '''
from compliance import hookimpl
from compliance.indicator import Indicator, rule


class Fragile(Indicator):
    """Raises while evaluating."""

    code = "TX02"
    title = "Fragile"
    dimension = "SI"

    @rule("R1", "divides by zero")
    def r1(self, ctx):
        """Always raises."""
        return 1 / 0


@hookimpl
def compliance_indicators():
    return [Fragile]
'''


def test_check_names_each_broken_plugin_and_completes(tmp_path: Path, monkeypatch) -> None:
    _package(tmp_path, "vplug_fine")
    (tmp_path / "bad_import.py").write_text("import vendor_sdk_that_is_not_installed\n", "utf-8")
    (tmp_path / "bad_meta.py").write_text(BAD_META, "utf-8")
    (tmp_path / "crash_plugin.py").write_text(CRASHING, "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    real = md.entry_points
    extra = [
        md.EntryPoint(name=n, value=v, group="compliance.plugins")
        for n, v in [
            ("vplug_fine", "vplug_fine"),
            ("bad_import", "bad_import"),
            ("bad_meta", "bad_meta"),
            ("crash_plugin", "crash_plugin"),
        ]
    ]

    def entry_points(**kw):
        found = list(real(**kw))
        return found + extra if kw.get("group") == "compliance.plugins" else found

    monkeypatch.setattr(md, "entry_points", entry_points)
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "memo.json").write_text('{"signed": true}', "utf-8")
    write_manifest(bundle, [{"path": "memo.json", "type": "vplug_fine_memo"}])
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["check", str(bundle), "-o", str(out), "-f", "json", "-q"])
    assert result.exit_code == 3, result.output
    err = result.stderr
    assert "plugin bad_import: load failed: ModuleNotFoundError" in err
    assert "plugin bad_meta: load failed: IndicatorDefinitionError: Lifts: code 'lift-1'" in err
    assert "indicator TX02 failed: ZeroDivisionError in rule TX02.R1" in err
    assert "Traceback" not in result.output
    report = json.loads((out / "report.json").read_text("utf-8"))
    verdicts = {v["code"]: v for v in report["indicators"]}
    assert verdicts["TX01"]["status"] == "pass"  # the good plugin still ran
    assert verdicts["TX02"]["status"] == "error"
    assert "SE15" in verdicts  # and so did the built-ins
    named = {e["plugin"] for e in report["plugin_errors"]}
    assert {"bad_import", "bad_meta"} <= named
