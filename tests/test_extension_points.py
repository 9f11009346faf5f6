"""Every extension point beyond indicators, each through its hook: evidence types and
readers, profile presets, report formats (the built-in ones use the same hook), observers,
and the explicit replacement of a built-in indicator (reported in every report)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import compliance_builtin.core as builtin_core
import compliance_builtin.se15_operation_safeguard as se15
import polars as pl
import pytest
from click.testing import CliRunner

from compliance import hookimpl
from compliance.cli import main
from compliance.evidence.store import EvidenceReader
from compliance.indicator import EvidenceType, Indicator, Need, rule
from compliance.plugins import PluginHost
from compliance.profile import ProfileSource
from compliance.report.renderers import Renderer
from compliance.runner import check
from compliance.testing import assert_verdict

from .conftest import write_manifest

SCHEMA = "https://t.example/ext/"


class Readings(Indicator):
    """Reads one evidence type of each kind, all in formats the engine does not know."""

    code = "XR01"
    title = "Readings"
    dimension = "SI"
    evidence = (Need("meter_table"), Need("meter_card"), Need("meter_note"))

    @rule("R1", "the table has readings")
    def table_rows(self, ctx):
        """Full marks with at least one reading; records the total."""
        table = ctx.table("meter_table")
        total = table.frame.select(pl.col("value").sum()).collect().item()
        ctx.metric("total", total)
        return 1.0 if total else 0.0

    @rule("R2", "the card is signed")
    def card(self, ctx):
        """Full marks when the TOML card says signed = true."""
        return 1.0 if ctx.record("meter_card").data.get("signed") else 0.0

    @rule("R3", "the note has a heading")
    def note(self, ctx):
        """Full marks when the note's text mentions the meter room."""
        return 1.0 if "meter room" in ctx.documents("meter_note")[0].text else 0.0


def _pipe_rows(path: Path) -> list[dict[str, object]]:
    lines = path.read_text("utf-8").splitlines()
    header = lines[0].split("|")
    return [dict(zip(header, line.split("|"), strict=True)) for line in lines[1:]]


def _broken(path: Path) -> object:
    raise ValueError("cannot parse")


class ReaderPack:
    name = "readerpack"

    @hookimpl
    def compliance_indicators(self):
        return [Readings]

    @hookimpl
    def compliance_evidence_types(self):
        return [
            EvidenceType("meter_table", "table", "Meter", schema=SCHEMA + "row.json"),
            EvidenceType("meter_card", "record", "Card", schema=SCHEMA + "card.json"),
            EvidenceType("meter_note", "document", "Note"),
        ]

    @hookimpl
    def compliance_schemas(self):
        return [
            {
                "$id": SCHEMA + "row.json",
                "type": "object",
                "required": ["meter", "value"],
                "properties": {"meter": {"type": "string"}, "value": {"type": "integer"}},
            },
            {"$id": SCHEMA + "card.json", "type": "object", "required": ["signed"]},
        ]

    @hookimpl
    def compliance_evidence_readers(self):
        return [
            EvidenceReader("table", (".psv",), lambda p: pl.DataFrame(_pipe_rows(p)), "pipe"),
            EvidenceReader("record", (".toml",), lambda p: tomllib.loads(p.read_text("utf-8"))),
            EvidenceReader("document", (".html",), lambda p: p.read_text("utf-8")),
            # Built-in extensions stay with the built-in readers: this claim is ignored.
            EvidenceReader("table", (".csv", ".bad"), _broken, "broken"),
            "not a reader",
        ]


def _bundle(directory: Path, *, psv: str = "meter|value\nM1|3\nM2|4\n") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "meters.psv").write_text(psv, "utf-8")
    (directory / "card.toml").write_text("signed = true\n", "utf-8")
    (directory / "note.html").write_text("<h1>Checked the meter room</h1>", "utf-8")
    write_manifest(
        directory,
        [
            {"path": "meters.psv", "type": "meter_table"},
            {"path": "card.toml", "type": "meter_card"},
            {"path": "note.html", "type": "meter_note"},
        ],
    )
    return directory


def _host(*plugins: object) -> PluginHost:
    return PluginHost(plugins=[("core", builtin_core), *plugins], entry_points=False)


def _verdict(report, code: str):
    return next(v for v in report.verdicts if v.code == code)


# -- evidence types and readers ---------------------------------------------------------


def test_contributed_readers_feed_every_kind(tmp_path: Path) -> None:
    host = _host(ReaderPack())
    report = check(_bundle(tmp_path / "b"), host=host)
    verdict = _verdict(report, "XR01")
    assert_verdict(verdict, status="pass", score_range=(100, 100), not_fired=["XR01.EVIDENCE"])
    assert verdict.metrics["total"] == 7  # the pipe reader's strings were typed by the schema
    assert {e.path for e in verdict.evidence} == {"meters.psv", "card.toml", "note.html"}
    assert all(len(e.sha256) == 64 for e in verdict.evidence)
    errors = [e for e in host.errors if e.stage == "compliance_evidence_readers"]
    assert [e.plugin for e in errors] == ["readerpack"] and "not an EvidenceReader" in errors[
        0
    ].message


def test_reader_output_is_validated_like_builtin_formats(tmp_path: Path) -> None:
    report = check(_bundle(tmp_path / "b", psv="meter|value\nM1|three\n"), host=_host(ReaderPack()))
    verdict = _verdict(report, "XR01")
    evidence = [f for f in verdict.findings if f.rule == "XR01.EVIDENCE"]
    assert evidence and evidence[0].location.path == "meters.psv"
    assert evidence[0].location.column == "value"


def test_builtin_extensions_stay_with_builtin_readers(tmp_path: Path) -> None:
    host = _host(ReaderPack())
    bundle = _bundle(tmp_path / "b")
    (bundle / "meters.csv").write_text("meter,value\nM1,5\n", "utf-8")
    manifest = [
        {"path": "card.toml", "type": "meter_card"},
        {"path": "note.html", "type": "meter_note"},
    ]
    write_manifest(bundle, [{"path": "meters.csv", "type": "meter_table"}, *manifest])
    verdict = _verdict(check(bundle, host=host), "XR01")
    assert verdict.metrics["total"] == 5  # the engine read the CSV, not the "broken" reader


def test_reader_that_raises_is_a_finding(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path / "b")
    (bundle / "meters.bad").write_text("x", "utf-8")
    write_manifest(
        bundle,
        [
            {"path": "meters.bad", "type": "meter_table"},
            {"path": "card.toml", "type": "meter_card"},
            {"path": "note.html", "type": "meter_note"},
        ],
    )
    verdict = _verdict(check(bundle, host=_host(ReaderPack())), "XR01")
    assert verdict.status == "insufficient_evidence"
    messages = [f.message for f in verdict.findings if f.rule == "XR01.EVIDENCE"]
    assert any("broken reader could not read it (ValueError)" in m for m in messages)


# -- profile presets -----------------------------------------------------------------------


class StrictProfile:
    name = "strictprofile"

    def __init__(self, path: Path) -> None:
        self.path = path

    @hookimpl
    def compliance_profiles(self):
        return [ProfileSource("strict", self.path, "Default, with a pass at 100.")]


def test_profile_preset_is_selectable_by_name(tmp_path: Path) -> None:
    preset = tmp_path / "strict.yaml"
    preset.write_text(
        "extends: default\nname: strict\nscoring: {pass_min: 100, partial_min: 90}\n", "utf-8"
    )
    host = _host(ReaderPack(), StrictProfile(preset))
    assert {"default", "strict"} <= set(host.profiles())  # built-in and plugin, one hook
    bundle = _bundle(tmp_path / "b", psv="meter|value\nM1|0\n")
    relaxed = _verdict(check(bundle, host=host), "XR01")
    strict = _verdict(check(bundle, host=host, profile="strict"), "XR01")
    assert relaxed.score == strict.score
    assert (relaxed.status, strict.status) == ("partial", "fail")
    assert check(bundle, host=host, profile="strict").profile["name"] == "strict"


# -- report formats ---------------------------------------------------------------------------


class CsvFormat:
    name = "csvformat"

    @hookimpl
    def compliance_renderers(self):
        def render(report) -> bytes:
            rows = ["code,status"] + [f"{v.code},{v.status}" for v in report.verdicts]
            return ("\n".join(rows) + "\n").encode()

        return [Renderer("csv", "csv", "text/csv", render, "One line per indicator.")]


def test_builtin_formats_use_the_renderer_hook() -> None:
    host = PluginHost(plugins=[], entry_points=False)
    impls = host.pm.hook.compliance_renderers.get_hookimpls()
    assert [i.plugin_name for i in impls] == ["formats"]
    assert {"json", "html", "md"} <= set(host.renderers())
    blocked = PluginHost(plugins=[], entry_points=False, block=["formats"])
    assert blocked.renderers() == {}


def test_contributed_format_is_rendered(tmp_path: Path) -> None:
    host = _host(ReaderPack(), CsvFormat())
    report = check(_bundle(tmp_path / "b"), host=host)
    text = host.renderers()["csv"].render(report).decode()
    assert "XR01,pass" in text.splitlines()


def test_contributed_format_through_the_cli(tmp_path: Path, monkeypatch) -> None:
    import importlib.metadata as md

    real = md.entry_points
    ep = md.EntryPoint(
        name="csvformat", value="tests.test_extension_points:CSV", group="compliance.plugins"
    )

    def entry_points(**kw):
        found = list(real(**kw))
        return [*found, ep] if kw.get("group") == "compliance.plugins" else found

    monkeypatch.setattr(md, "entry_points", entry_points)
    bundle = _bundle(tmp_path / "b")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["check", str(bundle), "-f", "csv", "-o", str(out), "-q"])
    assert result.exit_code in (0, 1, 3), result.output
    assert (out / "report.csv").read_text("utf-8").startswith("code,status\n")


CSV = CsvFormat()


# -- observers ------------------------------------------------------------------------------


class Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def compliance_verdict_finished(self, verdict):
        self.seen.append(verdict.code)

    @hookimpl
    def compliance_report_finished(self, report):
        self.seen.append(f"report {report.score is not None}")
        raise RuntimeError("notifier down")


def test_observers_see_verdicts_and_report_and_cannot_break_it(tmp_path: Path) -> None:
    recorder = Recorder()
    host = _host(ReaderPack(), recorder)
    report = check(_bundle(tmp_path / "b"), host=host)
    assert recorder.seen[0] == "XR01" and recorder.seen[-1].startswith("report")
    assert any(e["stage"] == "compliance_report_finished" for e in report.plugin_errors)


# -- explicit replacement -----------------------------------------------------------------------


class CityPatrols(se15.OperationSafeguard):
    """A city's own take on SE15: same rules, its own code, explicitly replacing it."""

    code = "SE15"
    replaces = "SE15"
    version = "7.0.0"


class CityPack:
    name = "citypack"

    @hookimpl
    def compliance_indicators(self):
        return [CityPatrols]


def test_replacement_is_reported_in_json_and_html(tmp_path: Path) -> None:
    host = _host(("SE15", se15), CityPack())
    bundle = tmp_path / "b"
    write_manifest(bundle, [])
    report = check(bundle, host=host)
    entry = host.indicators()["SE15"]
    assert entry.plugin == "citypack" and entry.replaced
    note = "SE15 from plugin SE15 replaced by SE15 from plugin citypack"
    data = report.to_dict()
    assert note in data["notes"]
    assert next(v for v in data["indicators"] if v["code"] == "SE15")["plugin"] == "citypack"
    html = host.renderers()["html"].render(report).decode()
    md_text = host.renderers()["md"].render(report).decode()
    assert note in html and note in md_text
    assert json.loads(host.renderers()["json"].render(report))["notes"] == data["notes"]


def test_silent_duplicate_is_refused(tmp_path: Path) -> None:
    class Shadow(se15.OperationSafeguard):
        """SE15 again without saying it replaces it."""

        code = "SE15"

    class ShadowPack:
        name = "shadowpack"

        @hookimpl
        def compliance_indicators(self):
            return [Shadow]

    host = _host(("SE15", se15), ShadowPack())
    assert host.indicators()["SE15"].plugin == "SE15"
    assert any(e.plugin == "shadowpack" and "replaces" in e.message for e in host.errors)


@pytest.mark.parametrize("kind", ["table", "record", "document"])
def test_reader_kinds_are_checked(kind: str) -> None:
    with pytest.raises(ValueError):
        EvidenceReader(kind, ("psv",), _pipe_rows)  # no dot
    with pytest.raises(ValueError):
        EvidenceReader("spreadsheet", (".psv",), _pipe_rows)
