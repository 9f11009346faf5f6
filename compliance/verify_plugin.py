"""``compliance plugin verify``: check one plugin in isolation before it is published.

The plugin is loaded into its own :class:`~compliance.plugins.PluginHost` holding only
that plugin, the engine's default plugins (report formats) and the built-in default
profile (every profile preset extends it). Then, for what it contributes:

* it imports and every hook it implements runs without raising;
* each indicator's metadata: code format, a dimension the default profile knows, a title,
  a version (PEP 440), a docstring, and every rule documented by its docstring;
* the profile thresholds each rule reads exist in a profile the plugin ships or in the
  default profile;
* every contributed JSON Schema is a valid Draft 2020-12 schema, and every evidence type
  names a schema that is loaded;
* each indicator has a case file (``cases/<CODE>.yaml`` in the plugin's package) and every
  case in it passes.

The result lists each check as passed, failed or a warning; the command exits 1 when any
check failed.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import importlib.util
import re
import sys
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from types import ModuleType
from typing import Any

from compliance.errors import UsageError
from compliance.plugins import ENTRY_POINT_GROUP, PluginHost, _one_line

__all__ = ["Check", "VerifyResult", "verify_plugin"]

_VERSION = re.compile(r"^\d+(\.\d+)*([abc]|rc)?\d*(\.post\d+)?(\.dev\d+)?$")
#: The built-in pack's default profile: plugin profiles extend it, so it is loaded too.
_DEFAULT_PROFILE_PLUGIN = ("core", "compliance_builtin.core")


@dataclass(frozen=True)
class Check:
    """One check: what was checked, its outcome (``ok``, ``fail``, ``warn``), and why."""

    subject: str
    outcome: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"subject": self.subject, "outcome": self.outcome, "message": self.message}


@dataclass
class VerifyResult:
    """Everything ``verify`` found about one plugin."""

    target: str
    plugins: list[dict[str, Any]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.outcome != "fail" for c in self.checks)

    def add(self, subject: str, ok: bool, message: str, *, warn: bool = False) -> None:
        outcome = "ok" if ok else ("warn" if warn else "fail")
        self.checks.append(Check(subject, outcome, message))

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "ok": self.ok,
            "plugins": self.plugins,
            "checks": [c.to_dict() for c in self.checks],
            "failed": sum(c.outcome == "fail" for c in self.checks),
            "warnings": sum(c.outcome == "warn" for c in self.checks),
        }

    def text(self) -> str:
        lines = [f"verify {self.target}"]
        for info in self.plugins:
            version = info.get("version") or "no version"
            lines.append(f"  plugin {info['name']} ({info['module']}, {version})")
        marks = {"ok": "ok  ", "fail": "FAIL", "warn": "warn"}
        lines += [f"  {marks[c.outcome]} {c.subject}: {c.message}" for c in self.checks]
        failed = sum(c.outcome == "fail" for c in self.checks)
        warned = sum(c.outcome == "warn" for c in self.checks)
        verdict = "passed" if self.ok else "FAILED"
        lines.append(f"{verdict}: {len(self.checks)} checks, {failed} failed, {warned} warnings")
        return "\n".join(lines)


# -- loading the target -----------------------------------------------------------------


def _load_target(target: str, result: VerifyResult) -> list[tuple[str, ModuleType, str | None]]:
    """``(plugin name, module, version)`` for each plugin the target holds."""
    dist = _distribution(target)
    if dist is not None:
        eps = [ep for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP]
        if not eps:
            raise UsageError(
                f"distribution {target} declares no {ENTRY_POINT_GROUP} entry point", where=target
            )
        out: list[tuple[str, ModuleType, str | None]] = []
        for ep in sorted(eps, key=lambda e: e.name):
            try:
                obj = ep.load()
            except Exception as exc:  # reported as the check's outcome, never a traceback
                result.add(f"import {ep.value}", False, _one_line(exc))
                continue
            result.add(f"import {ep.value}", True, "imports")
            out.append((ep.name, obj, dist.version))
        return out
    path = Path(target)
    try:
        if path.suffix == ".py" or path.is_dir():
            module = _import_path(path)
        else:
            module = importlib.import_module(target)
    except UsageError:
        raise
    except ModuleNotFoundError as exc:
        if exc.name and target.startswith(exc.name):
            raise UsageError(
                "no installed distribution, module or .py file of this name", where=target
            ) from None
        result.add(f"import {target}", False, _one_line(exc))
        return []
    except Exception as exc:
        result.add(f"import {target}", False, _one_line(exc))
        return []
    result.add(f"import {target}", True, "imports")
    return [(module.__name__, module, getattr(module, "__version__", None))]


def _distribution(name: str) -> md.Distribution | None:
    if "/" in name or name.endswith(".py"):
        return None
    try:
        return md.distribution(name)
    except md.PackageNotFoundError:
        return None


def _import_path(path: Path) -> ModuleType:
    if not path.exists():
        raise UsageError("no such file or folder", where=str(path))
    init = path / "__init__.py" if path.is_dir() else path
    if not init.is_file():
        raise UsageError("a plugin folder needs an __init__.py", where=str(path))
    name = path.name if path.is_dir() else path.stem
    spec = importlib.util.spec_from_file_location(
        name, init, submodule_search_locations=[str(path)] if path.is_dir() else None
    )
    if spec is None or spec.loader is None:
        raise UsageError("cannot import this file", where=str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


# -- the checks -------------------------------------------------------------------------


def verify_plugin(target: str, *, run_cases: bool = True) -> VerifyResult:
    """Load ``target`` in isolation and check it (see the module docstring).

    :param target: an installed distribution name, an importable module name, or the
        path of a plugin module (``.py``) or package folder.
    :param run_cases: run the case files (the slow part).
    :raises UsageError: the target names nothing that can be found.
    """
    result = VerifyResult(target)
    loaded = _load_target(target, result)
    if not loaded:
        if not result.checks:
            result.add(target, False, "nothing to verify")
        return result
    names = {name for name, _, _ in loaded}
    host = PluginHost(plugins=_with_default_profile(loaded), entry_points=False)
    for name, module, version in loaded:
        result.plugins.append({"name": name, "module": module.__name__, "version": version})
    own_hooks = [h for info in host.plugins() if info.name in names for h in info.hooks]
    result.add("hooks", bool(own_hooks), ", ".join(sorted(set(own_hooks))) or "implements none")
    host.collected()
    for error in host.errors:
        if error.plugin in names:
            result.add(f"hook {error.stage}", False, error.message)
    _check_schemas(host, names, result)
    _check_evidence_types(host, names, result)
    _check_indicators(host, names, loaded, result, run_cases=run_cases)
    return result


def _with_default_profile(loaded: list[tuple[str, ModuleType, str | None]]) -> list[Any]:
    plugins: list[Any] = [(name, module) for name, module, _ in loaded]
    if _DEFAULT_PROFILE_PLUGIN[0] not in {name for name, _, _ in loaded}:
        try:
            core = importlib.import_module(_DEFAULT_PROFILE_PLUGIN[1])
        except Exception:  # an engine without the built-in pack: no default profile
            return plugins
        plugins.insert(0, (_DEFAULT_PROFILE_PLUGIN[0], core))
    return plugins


def _own(host: PluginHost, names: set[str], hook: str) -> list[Any]:
    """What the target's own plugins return from a contributing hook."""
    out: list[Any] = []
    for impl in getattr(host.pm.hook, hook).get_hookimpls():
        if impl.plugin_name in names:
            try:
                out.extend(impl.function() or ())
            except Exception:  # already reported by the host's collection
                continue
    return out


def _check_schemas(host: PluginHost, names: set[str], result: VerifyResult) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    for schema in _own(host, names, "compliance_schemas"):
        sid = schema.get("$id", "?") if isinstance(schema, dict) else repr(schema)
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.path) or "the root"
            result.add(f"schema {sid}", False, f"not a valid draft 2020-12 schema at {where}")
            continue
        result.add(f"schema {sid}", True, "valid draft 2020-12 schema")


def _check_evidence_types(host: PluginHost, names: set[str], result: VerifyResult) -> None:
    from compliance.runner import make_registry

    try:
        registry = make_registry(host)
    except Exception as exc:
        result.add("schema registry", False, getattr(exc, "message", None) or _one_line(exc))
        return
    owners = host.collected().evidence_owner
    for type_id, et in host.evidence_types().items():
        if owners.get(type_id) not in names:
            continue
        if et.schema and et.schema not in registry:
            result.add(f"evidence type {type_id}", False, f"names unknown schema {et.schema}")
        else:
            result.add(f"evidence type {type_id}", True, f"{et.kind}, schema loaded")


def _check_indicators(
    host: PluginHost,
    names: set[str],
    loaded: list[tuple[str, ModuleType, str | None]],
    result: VerifyResult,
    *,
    run_cases: bool,
) -> None:
    from compliance.indicator import CODE_PATTERN
    from compliance.runner import make_registry, resolve_profile

    entries = {c: e for c, e in host.indicators().items() if e.plugin in names}
    if not entries and not any(c.subject.startswith("hook ") for c in result.checks):
        result.add("indicators", True, "contributes no indicator", warn=True)
    profiles: list[Any] = []
    try:
        registry = make_registry(host)
    except Exception as exc:
        # Reported by the schema checks; the metadata checks below still run.
        registry = None
        result.add("profiles", False, f"not loaded: the schema registry failed ({exc})")
    owners = {p: o for o, items in _profile_owners(host) for p in items}
    for name in host.profiles() if registry is not None else ():
        try:
            profiles.append(resolve_profile(name, host, registry))
        except Exception as exc:
            result.add(f"profile {name}", False, _one_line(exc))
            continue
        if owners.get(name) in names:
            result.add(f"profile {name}", True, "valid")
    dimensions = {d for p in profiles for d in p.dimensions}
    for code, entry in entries.items():
        cls = entry.cls
        subject = f"indicator {code}"
        problems = []
        if not CODE_PATTERN.match(code):
            problems.append(f"code {code!r} is not 2-5 capitals and digits")
        if dimensions and cls.dimension not in dimensions:
            problems.append(
                f"dimension {cls.dimension!r} is not one of {', '.join(sorted(dimensions))}"
            )
        if not str(getattr(cls, "title", "")).strip():
            problems.append("no title")
        version = entry.version or ""
        if not _VERSION.match(str(version)):
            problems.append(f"version {version!r} is not a PEP 440 version")
        if not (cls.__doc__ or "").strip():
            problems.append("the class has no docstring (its description)")
        result.add(
            subject,
            not problems,
            "; ".join(problems) or f"{cls.title} ({cls.dimension}, {version})",
        )
        undocumented = [f"{code}.{r.id}" for r in cls.rules if not r.doc]
        result.add(
            f"{subject} rules",
            not undocumented,
            f"without a docstring: {', '.join(undocumented)}"
            if undocumented
            else f"{len(cls.rules)} rules, each documented",
        )
        _check_thresholds(cls, profiles, result)
        if cls.replaces:
            result.add(subject, True, f"replaces {cls.replaces}; every report says so", warn=True)
        if getattr(cls, "thread_safe", False) is not True:
            result.add(
                subject,
                False,
                "not marked thread_safe: evaluated with no other indicator running (slower); "
                "see docs/writing-indicators.md",
                warn=True,
            )
        _check_cases(host, cls, loaded, result, run_cases=run_cases)


def _profile_owners(host: PluginHost) -> list[tuple[str, list[str]]]:
    hook = host.pm.hook.compliance_profiles
    out = []
    for impl in hook.get_hookimpls():
        try:
            returned: Any = impl.function()
            sources: list[Any] = list(returned or ())
            out.append((impl.plugin_name, [source.name for source in sources]))
        except Exception:  # already reported by the host's collection
            continue
    return out


def _check_thresholds(cls: Any, profiles: list[Any], result: VerifyResult) -> None:
    needed = sorted({t for r in cls.rules for t in r.thresholds})
    if not needed:
        return
    defined = [p.name for p in profiles if all(_has(p, cls.code, t) for t in needed)]
    result.add(
        f"indicator {cls.code} thresholds",
        bool(defined),
        f"{', '.join(needed)} defined in profile {', '.join(defined)}"
        if defined
        else f"no loaded profile defines all of {', '.join(needed)}",
    )


def _has(profile: Any, code: str, name: str) -> bool:
    return name in (profile.indicators.get(code, {}).get("thresholds") or {})


def _case_files(cls: Any, loaded: list[tuple[str, ModuleType, str | None]]) -> list[Path]:
    """``cases/*.yaml`` files for the indicator, next to its module or in its package."""
    places = {cls.__module__, cls.__module__.split(".")[0]}
    places |= {m.__name__ for _, m, _ in loaded}
    found: list[Path] = []
    for place in sorted(places):
        module = sys.modules.get(place)
        if module is None:
            continue
        try:
            root = (
                Path(str(files(place)))
                if getattr(module, "__path__", None)
                else Path(module.__file__ or "").parent
            )
        except (TypeError, ModuleNotFoundError):
            continue
        for path in sorted((root / "cases").glob("*.y*ml")):
            if path not in found and _case_indicator(path) == cls.code:
                found.append(path)
    return found


_INDICATOR_LINE = re.compile(r"^indicator:\s*[\"']?([A-Za-z0-9]+)", re.MULTILINE)


def _case_indicator(path: Path) -> str | None:
    """The ``indicator:`` of a case file, read from its top-level line: case files can
    hold large inline evidence, and a pack has one per indicator, so parsing each one
    for every indicator would be slow."""
    try:
        match = _INDICATOR_LINE.search(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError):
        return path.stem
    return match.group(1) if match else path.stem


def _check_cases(
    host: PluginHost,
    cls: Any,
    loaded: list[tuple[str, ModuleType, str | None]],
    result: VerifyResult,
    *,
    run_cases: bool,
) -> None:
    from compliance.testing import run_case_file

    subject = f"indicator {cls.code} cases"
    paths = _case_files(cls, loaded)
    if not paths:
        result.add(subject, False, f"no case file (cases/{cls.code}.yaml in the package)")
        return
    if not run_cases:
        result.add(subject, True, f"{len(paths)} case files (not run)")
        return
    for path in paths:
        try:
            outcomes = list(run_case_file(path, host=host))
        except Exception as exc:
            result.add(f"{subject} {path.name}", False, _one_line(exc))
            continue
        if not outcomes:
            result.add(f"{subject} {path.name}", False, "holds no case")
        for outcome in outcomes:
            result.add(
                f"case {cls.code} {outcome.name}",
                outcome.ok,
                "; ".join(outcome.problems) or f"{outcome.verdict.status}",
            )
