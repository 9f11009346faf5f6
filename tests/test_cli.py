"""The command line through click's CliRunner: exit codes, one-line errors, outputs."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator, FormatChecker

from compliance.cli import main

from .conftest import EXAMPLES, write_manifest


def _report_validator() -> Draft202012Validator:
    schema = json.loads(
        files("compliance.schemas").joinpath("report.schema.json").read_text("utf-8")
    )
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _one_line_error(result) -> str:
    err = result.stderr.strip()
    assert err, "expected a message on stderr"
    assert "\n" not in err, err
    assert "Traceback" not in result.output
    return err


def test_version_and_help() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["--version"]).exit_code == 0
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("check", "indicators", "plugins", "bundle", "sample"):
        assert command in result.output


def test_check_sample_writes_json_and_html(sample_bundle, tmp_path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["check", str(sample_bundle), "--output", str(out), "-f", "json", "-f", "html", "-f", "md"],
    )
    assert result.exit_code in (0, 1), result.output
    data = json.loads((out / "report.json").read_text("utf-8"))
    errors = list(_report_validator().iter_errors(data))
    assert not errors, errors[0].message
    html = (out / "report.html").read_text("utf-8")
    assert "<svg" in html and data["community"]["name"] in html
    assert (out / "report.md").read_text("utf-8").startswith("#")


def test_fail_under_sets_exit_code(sample_bundle, tmp_path) -> None:
    runner = CliRunner()
    low = runner.invoke(
        main, ["check", str(sample_bundle), "-o", str(tmp_path / "a"), "--fail-under", "0"]
    )
    high = runner.invoke(
        main, ["check", str(sample_bundle), "-o", str(tmp_path / "b"), "--fail-under", "100"]
    )
    assert low.exit_code == 0, low.output
    score = json.loads((tmp_path / "b" / "report.json").read_text())["score"]
    assert high.exit_code == (0 if score >= 100 else 1)


@pytest.mark.parametrize(
    "example", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()) if EXAMPLES.is_dir() else []
)
def test_examples_check(example, tmp_path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["check", str(EXAMPLES / example), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    data = json.loads((out / "report.json").read_text("utf-8"))
    assert not list(_report_validator().iter_errors(data))
    assert (out / "report.html").is_file()
    used = {e["type"] for v in data["indicators"] for e in v["evidence"]}
    assert used, "the example uses no evidence"


def test_examples_cover_every_kind_and_differ() -> None:
    assert EXAMPLES.is_dir(), "examples/bundles is missing"
    names = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
    assert len(names) >= 2
    suffixes = {p.suffix for p in EXAMPLES.rglob("*") if p.is_file()}
    assert {".csv", ".yaml"} <= suffixes or {".csv", ".json"} <= suffixes
    assert suffixes & {".pdf", ".docx", ".md"}


def test_missing_bundle_exits_2(tmp_path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path / "nope")])
    assert result.exit_code == 2
    _one_line_error(result)


def test_malformed_manifest_exits_2(tmp_path) -> None:
    (tmp_path / "bundle.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "bundle.json" in _one_line_error(result)


def test_invalid_manifest_names_pointer_not_value(tmp_path) -> None:
    write_manifest(
        tmp_path,
        [],
        community={
            "id": "x",
            "name": "13800138000",
            "city": "c",
            "district": "d",
            "population": "many",
            "households": 1,
        },
    )
    result = CliRunner().invoke(main, ["check", str(tmp_path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    err = _one_line_error(result)
    assert "/community/population" in err and "many" not in err


def test_unknown_format_exits_2(sample_bundle, tmp_path) -> None:
    result = CliRunner().invoke(
        main, ["check", str(sample_bundle), "-f", "pdfx", "-o", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "pdfx" in _one_line_error(result)


def test_bad_profile_exits_2(sample_bundle, tmp_path) -> None:
    result = CliRunner().invoke(
        main, ["check", str(sample_bundle), "--profile", "nope", "-o", str(tmp_path)]
    )
    assert result.exit_code == 2
    _one_line_error(result)


def test_random_bytes_bundle_exits_2(tmp_path) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(bytes(range(256)) * 10)
    result = CliRunner().invoke(main, ["check", str(path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    _one_line_error(result)


def test_plugin_crash_exits_3_unless_allowed(sample_bundle, tmp_path, monkeypatch) -> None:
    import compliance_builtin.se15_operation_safeguard as se15

    cls = next(c for c in se15.compliance_indicators())

    def explode(self, ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(cls, "evaluate", explode)
    runner = CliRunner()
    result = runner.invoke(main, ["check", str(sample_bundle), "-o", str(tmp_path / "a")])
    assert result.exit_code == 3
    assert "SE15" in result.stderr and "RuntimeError" in result.stderr
    data = json.loads((tmp_path / "a" / "report.json").read_text())
    assert {v["code"]: v["status"] for v in data["indicators"]}["SE15"] == "error"
    allowed = runner.invoke(
        main, ["check", str(sample_bundle), "-o", str(tmp_path / "b"), "--allow-errors"]
    )
    assert allowed.exit_code in (0, 1)


def test_bundle_init_writes_templates(tmp_path, host) -> None:
    target = tmp_path / "skeleton"
    result = CliRunner().invoke(main, ["bundle", "init", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "bundle.yaml").is_file()
    written = {p.name for p in target.rglob("*") if p.is_file()}
    for et in host.evidence_types().values():
        if et.template_name:
            assert et.template_name in written, et.id
    again = CliRunner().invoke(main, ["bundle", "init", str(target)])
    assert again.exit_code == 2


def test_sample_same_seed_same_bytes(tmp_path) -> None:
    runner = CliRunner()
    for name in ("a", "b"):
        result = runner.invoke(
            main,
            ["sample", str(tmp_path / name), "--seed", "3", "--rows", "2000", "--quality", "fair"],
        )
        assert result.exit_code == 0, result.output
    files_a = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    files_b = sorted(
        p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file()
    )
    assert files_a == files_b and len(files_a) > 3
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    other = runner.invoke(main, ["sample", str(tmp_path / "c"), "--seed", "4", "--rows", "2000"])
    assert other.exit_code == 0


def test_sample_quality_orders_scores(tmp_path, host) -> None:
    from compliance.runner import check
    from compliance.sample import write_sample

    scores = {}
    for quality in ("good", "poor"):
        write_sample(tmp_path / quality, host=host, seed=5, rows=3000, quality=quality)
        scores[quality] = check(tmp_path / quality, host=host).score
    assert scores["good"] > scores["poor"] + 20, scores


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_import_nothing_heavy(flag: str) -> None:
    """Start-up stays a small multiple of a bare interpreter: polars, jinja2, the document
    parsers, jsonschema and PyYAML load only when a command needs them."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from compliance.cli import main\n"
        "try:\n"
        f"    main([{flag!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('polars', 'jinja2', 'pypdf', 'docx', 'jsonschema', 'yaml')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
