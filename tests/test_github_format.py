"""The GitHub format (escaping, caps, summary) and the CI material of docs/ci.md: the
GitHub Actions workflow and the pre-commit hook definition, run for real."""

from __future__ import annotations

import re
import shlex
import shutil

import pytest
import yaml
from click.testing import CliRunner

from compliance.cli import check as check_command
from compliance.cli import main
from compliance.report.github import MAX_PER_LEVEL, escape_data, escape_property, render_github
from compliance.runner import check
from compliance.verdict import Finding, Location, Severity
from compliance.waivers import parse_waivers

from .conftest import EXAMPLES, ROOT

WEAK = EXAMPLES / "dongfeng-weak"
DOCS = ROOT / "docs" / "ci.md"
HOOKS = ROOT / ".pre-commit-hooks.yaml"


@pytest.fixture(scope="module")
def weak(host):
    return check(WEAK, host=host)


def _lines(report) -> list[str]:
    return render_github(report).decode("utf-8").splitlines()


def test_escaping() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert escape_data("bell\x07") == "bell\ufffd"


def test_evidence_text_cannot_inject_a_command(weak) -> None:
    verdict = weak.verdicts[0]
    saved = verdict.findings
    verdict.findings = [
        Finding(
            f"{verdict.code}.R1",
            Severity.CRITICAL,
            "bad\n::error::pwned\r::set-env name=X::1 %0A",
            Location(path="tables/x,y:z\n::warning::also.csv", row=2),
        ),
        *saved,
    ]
    try:
        lines = _lines(weak)
    finally:
        verdict.findings = saved
    first = lines[0]
    assert first.startswith("::error file=tables/x%2Cy%3Az%0A%3A%3Awarning%3A%3Aalso.csv,")
    assert first.endswith("::bad%0A::error::pwned%0D::set-env name=X::1 %250A")
    # Every line is exactly one command: nothing in the evidence started another.
    assert all(re.match(r"^::(error|warning|notice)( [^:]*)?::", line) for line in lines)
    assert not any(line.startswith(("::error::pwned", "::set-env")) for line in lines)


def test_caps_and_summary(weak) -> None:
    lines = _lines(weak)
    errors = [x for x in lines if x.startswith("::error")]
    warnings = [x for x in lines if x.startswith("::warning")]
    notices = [x for x in lines if x.startswith("::notice")]
    assert len(errors) <= MAX_PER_LEVEL and len(warnings) <= MAX_PER_LEVEL
    assert len(notices) == 1 and lines[-1] == notices[0]
    findings = [f for v in weak.verdicts for f in v.findings]
    high = [f for f in findings if f.severity.rank >= Severity.HIGH.rank]
    mid = [f for f in findings if Severity.LOW.rank <= f.severity.rank < Severity.HIGH.rank]
    assert len(errors) == min(MAX_PER_LEVEL, len(high))
    assert len(warnings) == min(MAX_PER_LEVEL, len(mid))
    summary = notices[0]
    assert "sz-lg-dongfeng" in summary and "Gate passed." in summary
    hidden = len(high) - len(errors), len(mid) - len(warnings)
    assert f"{hidden[0]} error(s), {hidden[1]} warning(s)" in summary
    # The most severe are annotated first.
    assert all("(critical)" in x or "(high)" in x for x in errors)
    if any(f.severity == Severity.CRITICAL for f in findings):
        assert "(critical)" in errors[0]


def test_lines_follow_the_sarif_region(weak) -> None:
    for line in _lines(weak):
        match = re.search(r"file=([^,:]+\.csv),line=(\d+)", line)
        if match:
            assert int(match.group(2)) >= 2  # row 1 is line 2: the header is line 1


# -- docs/ci.md and .pre-commit-hooks.yaml ---------------------------------------------


def _yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)


def _workflow() -> dict:
    blocks = [b for b in _yaml_blocks(DOCS.read_text("utf-8")) if "jobs:" in b]
    assert len(blocks) == 1, "docs/ci.md should hold exactly one workflow"
    return yaml.safe_load(blocks[0])


def _known_options() -> set[str]:
    return {opt for param in check_command.params for opt in param.opts + param.secondary_opts}


def _check_argv(run: str) -> list[str]:
    argv = shlex.split(run)
    assert argv[:2] == ["compliance", "check"], run
    return argv[2:]


def test_workflow_parses_and_uses_existing_flags() -> None:
    workflow = _workflow()
    steps = workflow["jobs"]["audit"]["steps"]
    runs = [s["run"] for s in steps if "compliance check" in s.get("run", "")]
    assert len(runs) == 1
    argv = _check_argv(runs[0])
    known = _known_options()
    used = [a for a in argv if a.startswith("-")]
    assert used and set(used) <= known, set(used) - known
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action"))
    assert upload["if"].startswith("always()")
    assert workflow["permissions"]["security-events"] == "write"


def test_workflow_commands_run_on_an_example(tmp_path, monkeypatch) -> None:
    workflow = _workflow()
    steps = workflow["jobs"]["audit"]["steps"]
    argv = _check_argv(next(s["run"] for s in steps if "compliance check" in s.get("run", "")))
    monkeypatch.chdir(tmp_path)
    bundle = argv[0]
    shutil.copytree(WEAK, tmp_path / bundle)
    # The waiver file of the docs, so the example in the docs is checked too.
    waivers = next(b for b in _yaml_blocks(DOCS.read_text("utf-8")) if "justification" in b)
    assert len(parse_waivers(waivers, "docs/ci.md")) == 2
    (tmp_path / "waivers.yaml").write_text(waivers, "utf-8")
    result = CliRunner().invoke(main, ["check", *argv])
    assert result.exit_code in (0, 1), result.output
    sarif_step = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action"))
    assert (tmp_path / sarif_step["with"]["sarif_file"]).is_file()
    artifact = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert (tmp_path / artifact["with"]["path"] / "report.html").is_file()
    cat = next(s["run"] for s in steps if s.get("run", "").startswith("cat "))
    assert (tmp_path / shlex.split(cat)[1]).is_file()


def test_pre_commit_hook_runs_its_entry(tmp_path, monkeypatch) -> None:
    hooks = yaml.safe_load(HOOKS.read_text("utf-8"))
    hook = next(h for h in hooks if h["id"] == "compliance-check")
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    argv = _check_argv(hook["entry"])
    assert {a for a in argv if a.startswith("-")} <= _known_options()
    # The docs' example config passes these args; pre-commit appends them to the entry.
    config = next(b for b in _yaml_blocks(DOCS.read_text("utf-8")) if "repos:" in b)
    args = yaml.safe_load(config)["repos"][0]["hooks"][0]["args"]
    monkeypatch.chdir(tmp_path)
    shutil.copytree(WEAK, tmp_path / args[0])
    result = CliRunner().invoke(main, ["check", *argv, *args])
    assert result.exit_code == 1, result.output  # the weak example has critical findings
    assert (tmp_path / ".compliance-report" / "report.json").is_file()
    assert result.output == ""  # --quiet: pre-commit shows only what went wrong
    good = CliRunner().invoke(
        main, ["check", *argv, str(EXAMPLES / "qingshui-strong"), *args[1:], "--only", "SE11"]
    )
    assert good.exit_code == 0, good.output


def test_entry_point_is_installed() -> None:
    # pre-commit's python hooks run the console script the entry names.
    from importlib.metadata import entry_points

    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts.get("compliance") == "compliance.cli:main"
