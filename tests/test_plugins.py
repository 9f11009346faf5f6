"""Plugin loading: isolation of broken plugins, blocking, replacement, listing."""

from __future__ import annotations

import importlib.metadata as md
import json

import pytest
from click.testing import CliRunner

from compliance import hookimpl
from compliance.cli import main
from compliance.indicator import EvidenceType, Indicator, Need, rule
from compliance.plugins import PluginHost
from compliance.runner import check
from compliance.verdict import Status

from .conftest import write_manifest


class Steady(Indicator):
    """Always fully met (a test indicator)."""

    code = "TT01"
    title = "Steady"
    dimension = "SMD"

    @rule("R1", "always met")
    def always(self, ctx):
        ctx.metric("answer", 42)
        return 1.0


class Crashing(Indicator):
    """Raises inside a rule (a test indicator)."""

    code = "TT02"
    title = "Crashing"
    dimension = "SMD"

    @rule("R1", "divides by zero")
    def boom(self, ctx):
        return 1 / 0


class NeedsNote(Indicator):
    """Needs a record that no test bundle has."""

    code = "TT03"
    title = "Needs a note"
    dimension = "PS"
    evidence = (Need("note"),)

    @rule("R1", "note present")
    def present(self, ctx):
        return 1.0 if ctx.record("note") else 0.0


class TestPack:
    name = "testpack"

    @hookimpl
    def compliance_indicators(self):
        return [Steady, Crashing, NeedsNote]

    @hookimpl
    def compliance_evidence_types(self):
        return [EvidenceType("note", "record", "A note", schema="https://t.example/note.json")]

    @hookimpl
    def compliance_schemas(self):
        return [{"$id": "https://t.example/note.json", "type": "object", "required": ["text"]}]


class BrokenHook:
    name = "brokenhook"

    @hookimpl
    def compliance_indicators(self):
        raise RuntimeError("cannot list indicators")


class Duplicate:
    name = "duplicate"

    @hookimpl
    def compliance_indicators(self):
        return [Steady, "not an indicator"]


def _host(*plugins: object) -> PluginHost:
    import compliance_builtin.core as core

    return PluginHost(plugins=[("core", core), *plugins])


def test_crash_becomes_error_verdict_and_others_finish(tmp_path) -> None:
    write_manifest(tmp_path, [])
    report = check(tmp_path, host=_host(TestPack()))
    by_code = {v.code: v for v in report.verdicts}
    assert by_code["TT01"].status == Status.PASS and by_code["TT01"].score == 100
    crashed = by_code["TT02"]
    assert crashed.status == Status.ERROR
    assert "ZeroDivisionError" in crashed.reason and "TT02.R1" in crashed.reason
    assert by_code["TT03"].status == Status.INSUFFICIENT_EVIDENCE
    assert report.checker_failed


def test_broken_hook_is_named_and_rest_load() -> None:
    host = _host(BrokenHook(), TestPack())
    assert "TT01" in host.indicators()
    assert any(e.plugin == "brokenhook" and "RuntimeError" in e.message for e in host.errors)


def test_duplicate_code_and_bad_items_reported() -> None:
    host = _host(TestPack(), Duplicate())
    assert host.indicators()["TT01"].plugin == "testpack"
    messages = " ".join(e.message for e in host.errors if e.plugin == "duplicate")
    assert "already given by plugin testpack" in messages
    assert "not an Indicator subclass" in messages


def test_explicit_replacement_is_recorded(tmp_path) -> None:
    class Better(Indicator):
        """A replacement for TT01."""

        code = "TT01"
        title = "Steadier"
        dimension = "SMD"
        replaces = "TT01"

        @rule("R1", "still met")
        def met(self, ctx):
            return 0.5

    class Replacer:
        name = "replacer"

        @hookimpl
        def compliance_indicators(self):
            return [Better]

    host = _host(TestPack(), Replacer())
    entry = host.indicators()["TT01"]
    assert entry.plugin == "replacer"
    assert "replaced" in entry.replaced
    write_manifest(tmp_path, [])
    report = check(tmp_path, host=host)
    assert any("replaced by TT01 from plugin replacer" in n for n in report.notes)


def test_entry_point_import_failure_is_named(monkeypatch) -> None:
    real = md.entry_points

    class FakeDist:
        name = "vendor-broken"
        version = "9.9"

    class FakeEP:
        name = "vendor_broken"
        dist = FakeDist()
        value = "vendor_broken_module"

        def load(self):
            raise ImportError("No module named 'vendor_broken_module'")

    def fake_entry_points(**kw):
        found = list(real(**kw))
        if kw.get("group") == "compliance.plugins":
            found.append(FakeEP())
        return found

    monkeypatch.setattr(md, "entry_points", fake_entry_points)
    host = PluginHost()
    assert any(e.plugin == "vendor_broken" and e.stage == "load" for e in host.errors)
    assert "SE15" in host.indicators()  # the built-ins still load


def test_block_by_name() -> None:
    host = PluginHost(block=["SE11"])
    assert "SE11" not in host.indicators()
    assert "SE12" in host.indicators()
    assert "SE11" in host.blocked


def test_indicators_json_lists_builtins() -> None:
    result = CliRunner().invoke(main, ["indicators", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    codes = {r["code"] for r in rows}
    assert {"SE11", "SE12", "SE13", "SE14", "SE15"} <= codes
    for row in rows:
        for key in ("code", "title", "dimension", "plugin", "version"):
            assert row[key], (row["code"], key)


def test_plugins_command_lists_versions() -> None:
    result = CliRunner().invoke(main, ["plugins", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    names = {p["name"] for p in data["plugins"]}
    assert {"formats", "core", "SE15"} <= names
    assert all(p["version"] for p in data["plugins"])


@pytest.mark.parametrize("bad_code", ["se11", "S1", "TOOLONG1", "SE"])
def test_indicator_pattern_is_enforced(bad_code) -> None:
    from compliance.indicator import IndicatorDefinitionError

    with pytest.raises(IndicatorDefinitionError):
        type(
            "Bad",
            (Indicator,),
            {
                "code": bad_code,
                "title": "t",
                "dimension": "SMD",
                "r": rule("R1", "x")(lambda s, c: 1),
            },
        )


def test_scans_names_an_evidence_kind() -> None:
    from compliance.indicator import IndicatorDefinitionError

    body = {"code": "TT08", "title": "t", "dimension": "SMD", "r": rule("R1", "x")(lambda s, c: 1)}
    assert type("Scan", (Indicator,), {**body, "scans": "table"}).scans == "table"
    with pytest.raises(IndicatorDefinitionError, match="scans must be one of"):
        type("Bad", (Indicator,), {**body, "scans": "tables"})


def test_builtin_indicators_are_marked_thread_safe(host) -> None:
    """They keep no module-level state; --jobs runs them side by side (the reports are the
    same with one job and three: tests/test_reproducible.py)."""
    builtin = {c: e for c, e in host.indicators().items() if e.plugin.startswith("SE")}
    assert len(builtin) == 32
    assert all(e.cls.thread_safe is True for e in builtin.values())


def test_indicator_needs_a_rule() -> None:
    from compliance.indicator import IndicatorDefinitionError

    with pytest.raises(IndicatorDefinitionError):
        type("NoRules", (Indicator,), {"code": "TT09", "title": "t", "dimension": "SMD"})


def test_every_builtin_module_is_an_entry_point() -> None:
    """A built-in indicator module without an entry point would silently never load."""
    from importlib.resources import files

    modules = {
        p.name.removesuffix(".py")
        for p in files("compliance_builtin").iterdir()
        if p.name.startswith("se") and p.name.endswith(".py")
    }
    values = {ep.value for ep in md.entry_points(group="compliance.plugins")}
    missing = sorted(m for m in modules if f"compliance_builtin.{m}" not in values)
    assert len(modules) == 32 and not missing, missing


def test_every_shipped_schema_is_valid_and_trusted_only_when_ours() -> None:
    """A run does not check the schemas this distribution ships against the metaschema
    (verified_schema_ids); this test is what makes that safe."""
    from jsonschema import Draft202012Validator

    from compliance.validation.registry import engine_schemas

    host = PluginHost()
    ours = [*engine_schemas(), *host.schemas()]
    assert len(ours) > 60
    for schema in ours:
        Draft202012Validator.check_schema(schema)
    verified = host.verified_schema_ids()
    assert {s["$id"] for s in host.schemas()} <= verified
    # Plugins passed in (or installed from another distribution) are never trusted.
    assert not _host(TestPack()).verified_schema_ids() & {"https://t.example/note.json"}


class BadSchema:
    name = "badschema"

    @hookimpl
    def compliance_evidence_types(self):
        return [EvidenceType("memo", "record", "A memo", schema="https://t.example/memo.json")]

    @hookimpl
    def compliance_schemas(self):
        return [{"$id": "https://t.example/memo.json", "type": "object", "minProperties": -1}]


def test_invalid_plugin_schema_is_named_and_the_run_goes_on(tmp_path) -> None:
    write_manifest(tmp_path, [])
    report = check(tmp_path, host=_host(BadSchema(), TestPack()))
    errors = [e for e in report.plugin_errors if e["plugin"] == "badschema"]
    messages = " | ".join(e["message"] for e in errors)
    assert "https://t.example/memo.json is not a valid JSON Schema" in messages
    assert "/minProperties" in messages
    assert "names unknown schema" in messages  # the evidence type that used it
    assert {v.code for v in report.verdicts} >= {"TT01", "TT02", "TT03"}


def test_registering_a_module_finds_what_pluggy_finds() -> None:
    """The module fast path of the plugin manager (compliance/plugins.py) answers as
    pluggy's own lookup for every name of every built-in plugin and of a module holding
    each kind of value a name can have."""
    import functools
    import types

    import pluggy

    from compliance.hookspecs import PROJECT_NAME
    from compliance.plugins import _PluginManager

    odd = types.ModuleType("odd_plugin")

    @hookimpl
    def compliance_indicators() -> list[type]:
        return []

    def plain() -> None: ...

    def bad_marker() -> None: ...

    bad_marker.compliance_impl = "not options"  # type: ignore[attr-defined]

    @hookimpl(specname="compliance_profiles")
    def renamed() -> list[object]:
        return []

    class Holder:
        @hookimpl
        def compliance_evidence_types(self) -> list[object]:
            return []

    odd.__dict__.update(
        compliance_indicators=compliance_indicators,
        plain=plain,
        bad_marker=bad_marker,
        renamed=renamed,
        wrapped_static=staticmethod(compliance_indicators),
        wrapped_class=classmethod(compliance_indicators),
        bound=Holder().compliance_evidence_types,
        partial=functools.partial(plain),
        builtin=len,
        lam=lambda: None,
        Holder=Holder,
        number=3,
        nothing=None,
    )
    modules = [odd, *(m for _, m in PluginHost().pm.list_name_plugin())]
    ours = _PluginManager(PROJECT_NAME)
    theirs = pluggy.PluginManager(PROJECT_NAME)
    checked = 0
    for module in modules:
        assert isinstance(module, types.ModuleType)
        for name in dir(module):
            assert ours.parse_hookimpl_opts(module, name) == theirs.parse_hookimpl_opts(
                module, name
            ), (module.__name__, name)
            checked += 1
    assert checked > 1000
    found = [n for n in dir(odd) if ours.parse_hookimpl_opts(odd, n) is not None]
    assert {"compliance_indicators", "renamed", "bound"} <= set(found)
