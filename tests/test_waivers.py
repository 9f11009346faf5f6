"""Waivers: the file format and its errors, expiry, red lines, and waived items in every
report format."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.waivers import WaiverError, parse_waivers

from .conftest import EXAMPLES

WEAK = EXAMPLES / "dongfeng-weak"
ONLY = ["--only", "SE11", "--only", "SE12", "--only", "SE13", "--only", "SE14", "--only", "SE15"]
ALL_FORMATS = ["json", "sarif", "junit", "oscal", "github", "md", "html"]

GOOD = """\
# Accepted exceptions for the weak example.
- id: W-1
  rule: SE15.R2
  scope: tables/patrol_*.csv
  justification: The patrol system was migrated in April; the gap is documented.
  approver: District safety office
  expires: "2099-12-31"
- id: W-2
  indicator: SE13
  justification: New rules are being drafted with the street office.
  approver: District safety office
  expires: 2099-12-31
"""


def _write(tmp_path: Path, text: str, name: str = "waivers.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _check(tmp_path: Path, *args: str, formats=("json",), bundle=WEAK):
    out = tmp_path / "out"
    fmt = [a for f in formats for a in ("-f", f)]
    result = CliRunner().invoke(
        main, ["check", str(bundle), "-o", str(out), "-q", *fmt, *ONLY, *args]
    )
    written = out / "report.json"
    data = json.loads(written.read_text("utf-8")) if written.is_file() else None
    return result, data, out


def _waiver(data, wid):
    return next(w for w in data["waivers"] if w["id"] == wid)


# -- the file -------------------------------------------------------------------------


def test_parse_good_file() -> None:
    waivers = parse_waivers(GOOD, "w.yaml")
    assert [w.id for w in waivers] == ["W-1", "W-2"]
    assert waivers[0].rule == "SE15.R2" and waivers[0].indicator is None
    assert waivers[0].expires == date(2099, 12, 31) and waivers[0].line == 2
    assert waivers[1].code == "SE13" and waivers[1].line == 8
    assert parse_waivers("", "empty.yaml") == []


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        (
            "- id: W-1\n  rule: SE15.R2\n  justification: j\n  approver: a\n"
            "  expires: 2025-13-01\n",
            5,
            "not a valid date",
        ),
        (
            "- id: W-1\n  justification: j\n  approver: a\n  expires: 2025-12-01\n",
            1,
            "exactly one of indicator or rule",
        ),
        (
            "- id: W-1\n  rule: SE15.R2\n  indicator: SE15\n  justification: j\n  approver: a\n"
            "  expires: 2025-12-01\n",
            1,
            "exactly one of indicator or rule",
        ),
        (
            "- id: W-1\n  rule: SE15.R2\n  justification: j\n  expires: 2025-12-01\n",
            1,
            "approver is missing",
        ),
        (
            "- id: W-1\n  rule: SE15.R2\n  justification: j\n  approver: a\n  expires: 2025-12-01\n"
            "  owner: b\n",
            6,
            "unknown field owner",
        ),
        (
            "- id: W-1\n  rule: se15-r2\n  justification: j\n  approver: a\n"
            "  expires: 2025-12-01\n",
            2,
            "/0/rule",
        ),
        ("- id: [W-1\n", 2, "invalid YAML"),
        ("waivers: none\n", 1, "must be of type array"),
        (
            "- id: W-1\n  rule: SE15.R2\n  justification: j\n  approver: a\n"
            "  expires: 2025-12-01\n"
            "- id: W-1\n  rule: SE15.R1\n  justification: j\n  approver: a\n"
            "  expires: 2025-12-01\n",
            6,
            "duplicate waiver id W-1",
        ),
    ],
)
def test_malformed_file_names_the_line(text: str, line: int, what: str) -> None:
    with pytest.raises(WaiverError) as info:
        parse_waivers(text, "w.yaml")
    message = info.value.line()
    assert message.startswith(f"w.yaml:{line}: "), message
    assert what in message, message
    assert "\n" not in message


def test_cli_malformed_file_exits_2_at_once(tmp_path) -> None:
    path = _write(
        tmp_path,
        "- id: W-1\n  rule: SE15.R2\n  justification: j\n  approver: a\n  expires: someday\n",
    )
    result, data, out = _check(tmp_path, "--waivers", str(path))
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert "\n" not in err and "Traceback" not in result.output
    assert f"{path}:5:" in err and "expires" in err
    assert data is None and not (out / "report.json").exists()  # nothing was assessed
    missing, _, _ = _check(tmp_path, "--waivers", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "nope.yaml" in missing.stderr


# -- what waivers do ------------------------------------------------------------------


def test_applied_waivers_in_every_format(tmp_path) -> None:
    result, data, out = _check(
        tmp_path, "--waivers", str(_write(tmp_path, GOOD)), formats=ALL_FORMATS
    )
    assert result.exit_code == 0, result.output
    w1, w2 = _waiver(data, "W-1"), _waiver(data, "W-2")
    assert w1["status"] == "applied" and w1["findings"] > 0 and w1["reason"] == ""
    assert w2["status"] == "applied" and w2["indicators"] == ["SE13"]
    assert "approver" not in w1  # an approver is a person: never in a report
    verdicts = {v["code"]: v for v in data["indicators"]}
    assert verdicts["SE13"]["status"] == "waived"
    assert "W-2" in verdicts["SE13"]["reason"]
    assert all(f.get("waiver") == "W-2" for f in verdicts["SE13"]["findings"])
    r2 = [f for f in verdicts["SE15"]["findings"] if f["rule"] == "SE15.R2"]
    assert r2 and all(f["waived"] is True and f["waiver"] == "W-1" for f in r2)
    others = [f for f in verdicts["SE15"]["findings"] if f["rule"] != "SE15.R2"]
    assert others and not any("waived" in f for f in others)
    assert data["summary"]["by_status"]["waived"] == 1
    # Every other format marks them too.
    sarif = json.loads((out / "report.sarif").read_text("utf-8"))
    suppressed = [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert {r["ruleId"].split(".")[0] for r in suppressed} == {"SE13", "SE15"}
    assert all(r["suppressions"][0]["status"] == "accepted" for r in suppressed)
    assert "[waived W-1]" in (out / "report.junit.xml").read_text("utf-8")
    assert 'type="waived"' not in (out / "report.junit.xml").read_text("utf-8")
    assert "<skipped" in (out / "report.junit.xml").read_text("utf-8")
    oscal = (out / "report.oscal.json").read_text("utf-8")
    assert "[waived W-1]" in oscal and '"waived"' in oscal
    assert "Waived: " in (out / "report.github").read_text("utf-8")
    assert "waived W-1" in (out / "report.md").read_text("utf-8")  # brackets escaped
    assert "[waived W-1]" in (out / "report.html").read_text("utf-8")


def test_waived_findings_do_not_trip_fail_on(tmp_path) -> None:
    only13 = ["--only", "SE13"]
    bare = CliRunner().invoke(
        main, ["check", str(WEAK), "-o", str(tmp_path / "a"), "-q", "--fail-on", "high", *only13]
    )
    assert bare.exit_code == 1
    waived = CliRunner().invoke(
        main,
        [
            "check",
            str(WEAK),
            "-o",
            str(tmp_path / "b"),
            "-q",
            "--fail-on",
            "high",
            *only13,
            "--waivers",
            str(_write(tmp_path, GOOD)),
        ],
    )
    assert waived.exit_code == 0, waived.output


def test_expired_waiver_does_not_apply(tmp_path) -> None:
    text = GOOD.replace("2099-12-31", "2020-01-01")
    result, data, _ = _check(
        tmp_path, "--waivers", str(_write(tmp_path, text)), "--fail-on", "high"
    )
    assert result.exit_code == 1
    for wid in ("W-1", "W-2"):
        waiver = _waiver(data, wid)
        assert waiver["status"] == "expired" and waiver["findings"] == 0
        assert "2020-01-01" in waiver["reason"]
    assert "waiver W-1 expired" in result.stderr
    verdicts = {v["code"]: v for v in data["indicators"]}
    assert verdicts["SE13"]["status"] != "waived"
    assert not any(f.get("waived") for v in data["indicators"] for f in v["findings"])


def test_expiry_is_inclusive_and_follows_source_date_epoch(tmp_path, monkeypatch) -> None:
    text = GOOD.replace("2099-12-31", "2024-01-01")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")  # 2024-01-01T00:00:00Z
    _, on_the_day, _ = _check(tmp_path, "--waivers", str(_write(tmp_path, text)))
    assert _waiver(on_the_day, "W-2")["status"] == "applied"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(1704067200 + 86400))
    _, day_after, _ = _check(tmp_path, "--waivers", str(_write(tmp_path, text)))
    assert _waiver(day_after, "W-2")["status"] == "expired"


def test_red_line_rules_cannot_be_waived(tmp_path) -> None:
    text = """\
- id: R-1
  rule: SE11.R1
  justification: We would like to.
  approver: Office
  expires: 2099-01-01
- id: R-2
  indicator: SE11
  justification: The whole indicator, red line included.
  approver: Office
  expires: 2099-01-01
"""
    result, data, _ = _check(
        tmp_path, "--waivers", str(_write(tmp_path, text)), "--fail-on", "critical"
    )
    assert result.exit_code == 1
    for wid in ("R-1", "R-2"):
        waiver = _waiver(data, wid)
        assert waiver["status"] == "refused", waiver
        assert "SE11.R1" in waiver["reason"] and "red-line" in waiver["reason"]
    assert "waiver R-1 refused" in result.stderr
    se11 = next(v for v in data["indicators"] if v["code"] == "SE11")
    assert se11["status"] == "fail"
    assert not any(f.get("waived") for f in se11["findings"])


def test_profile_red_lines_cannot_be_waived(tmp_path) -> None:
    profile = tmp_path / "strict.yaml"
    profile.write_text("extends: default\nname: strict\nred_lines: [SE15.R2]\n", "utf-8")
    text = GOOD.split("- id: W-2")[0]
    result, data, _ = _check(
        tmp_path, "--waivers", str(_write(tmp_path, text)), "--profile", str(profile)
    )
    assert result.exit_code == 0, result.output
    assert _waiver(data, "W-1")["status"] == "refused"
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: default\nname: bad\nred_lines: [SE15]\n", "utf-8")
    rejected, _, _ = _check(tmp_path, "--profile", str(bad))
    assert rejected.exit_code == 2 and "red_lines" in rejected.stderr


def test_scope_by_community_and_unmatched(tmp_path) -> None:
    text = """\
- id: C-1
  indicator: SE12
  scope: sz-lg-dongfeng
  justification: Budget reform under way in this community.
  approver: Office
  expires: 2099-01-01
- id: C-2
  indicator: SE14
  scope: sz-somewhere-else
  justification: Another community.
  approver: Office
  expires: 2099-01-01
"""
    _, data, _ = _check(tmp_path, "--waivers", str(_write(tmp_path, text)))
    assert _waiver(data, "C-1")["status"] == "applied"
    assert _waiver(data, "C-2")["status"] == "unmatched"
    statuses = {v["code"]: v["status"] for v in data["indicators"]}
    assert statuses["SE12"] == "waived" and statuses["SE14"] != "waived"


def test_waived_indicator_leaves_the_means(tmp_path) -> None:
    _, plain, _ = _check(tmp_path / "a")
    _, waived, _ = _check(tmp_path / "b", "--waivers", str(_write(tmp_path, GOOD)))
    smd = {d["code"]: d for d in plain["dimensions"]}["SMD"]
    smd_w = {d["code"]: d for d in waived["dimensions"]}["SMD"]
    assert smd_w["assessed"] == smd["assessed"] - 1
