"""The plugin host: loads every ``compliance.plugins`` entry point one by one, names the
ones that fail, and collects what each plugin contributes.

The built-in indicator pack registers through the same entry-point group as any
third-party plugin. A plugin that fails to import, or whose contribution hook raises, is
recorded in :attr:`PluginHost.errors` (shown on stderr and in the report) and the rest
carry on.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import FunctionType, MethodType, ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from compliance import hookspecs
from compliance.hookspecs import PROJECT_NAME

if TYPE_CHECKING:
    from compliance.indicator import Indicator

__all__ = [
    "ENTRY_POINT_GROUP",
    "IndicatorEntry",
    "PluginError",
    "PluginHost",
    "PluginInfo",
]

ENTRY_POINT_GROUP = "compliance.plugins"
DISTRIBUTION = "community-safety-compliance"  # this package, as installed

#: The engine's own features that are plugins too (registered first, blockable by name),
#: as pytest does with its default plugins.
DEFAULT_PLUGINS = (("formats", "compliance.report.formats"),)


@dataclass(frozen=True)
class PluginInfo:
    """A loaded plugin: its entry-point name, module, distribution and version."""

    name: str
    module: str
    distribution: str | None
    version: str | None
    hooks: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "module": self.module,
            "distribution": self.distribution,
            "version": self.version,
            "hooks": list(self.hooks),
        }


@dataclass(frozen=True)
class PluginError:
    """A plugin that could not be used, and why (one line, no traceback)."""

    plugin: str
    stage: str  # "load" | "register" | hook name
    message: str

    def line(self) -> str:
        return f"plugin {self.plugin}: {self.stage} failed: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"plugin": self.plugin, "stage": self.stage, "message": self.message}


@dataclass(frozen=True)
class IndicatorEntry:
    """An indicator class with the plugin that contributed it."""

    cls: type[Indicator]
    plugin: str
    version: str | None
    replaced: str | None = None  # "<code> from plugin X" when it replaced another


@dataclass
class _Collected:
    indicators: dict[str, IndicatorEntry] = field(default_factory=dict)
    evidence_types: dict[str, Any] = field(default_factory=dict)
    evidence_owner: dict[str, str] = field(default_factory=dict)
    schemas: list[dict[str, Any]] = field(default_factory=list)
    schema_owner: dict[str, str] = field(default_factory=dict)
    profiles: dict[str, Any] = field(default_factory=dict)
    renderers: dict[str, Any] = field(default_factory=dict)
    readers: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _PluginManager(pluggy.PluginManager):
    """pluggy's manager, quicker to register a module.

    To find hook implementations pluggy looks every name of a plugin up with
    ``inspect.getattr_static`` (so that no property runs). A module's names are its
    ``__dict__``, which holds no descriptors to run: a value there that is neither a
    function nor a method wrapper is no hook implementation, and a plain function is one
    exactly when it carries the marker. Anything else takes pluggy's own path. Registering
    the built-in plugins: PluginHost() 21 -> 12 ms (tests/test_plugins.py checks the two agree).
    """

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        if isinstance(plugin, ModuleType):
            value = plugin.__dict__.get(name)
            if isinstance(value, FunctionType):
                opts = getattr(value, self.project_name + "_impl", None)
                if opts is None or isinstance(opts, dict):
                    return opts
            elif not isinstance(value, staticmethod | classmethod | MethodType):
                return None
        return super().parse_hookimpl_opts(plugin, name)


class PluginHost:
    """Loads plugins and gathers their contributions.

    :param block: plugin (entry-point) names not to load.
    :param plugins: an exact set of plugin objects (modules or instances) to load
        instead of entry points; tests use this. Items may be ``(name, object)`` pairs.
    :param entry_points: load the ``compliance.plugins`` entry points (default True
        unless ``plugins`` is given).
    :param defaults: register the engine's own default plugins (the report formats).
    """

    def __init__(
        self,
        *,
        block: Iterable[str] = (),
        plugins: Sequence[object] | None = None,
        entry_points: bool | None = None,
        defaults: bool = True,
    ) -> None:
        self.pm: pluggy.PluginManager = _PluginManager(PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.blocked = sorted(set(block))
        self.infos: dict[str, PluginInfo] = {}
        self.errors: list[PluginError] = []
        for name in self.blocked:
            self.pm.set_blocked(name)
        if entry_points is None:
            entry_points = plugins is None
        if defaults:
            for name, module in DEFAULT_PLUGINS:
                if name in self.blocked:
                    continue
                try:
                    obj = importlib.import_module(module)
                except Exception as exc:
                    self.errors.append(PluginError(name, "load", _one_line(exc)))
                    continue
                self._register(name, obj, distribution=DISTRIBUTION, version=_own_version())
        if entry_points:
            self._load_entry_points()
        for item in plugins or ():
            name, obj = item if isinstance(item, tuple) else (_name_of(item), item)
            self._register(name, obj, distribution=None, version=getattr(obj, "__version__", None))
        self._collected: _Collected | None = None

    # -- loading ------------------------------------------------------------------

    def _load_entry_points(self) -> None:
        # A distribution's metadata is parsed once (each .name or .version re-reads it).
        about: dict[int, tuple[str | None, str | None]] = {}

        def dist_of(ep: md.EntryPoint) -> tuple[str | None, str | None]:
            if ep.dist is None:
                return None, None
            if id(ep.dist) not in about:
                about[id(ep.dist)] = (ep.dist.name, ep.dist.version)
            return about[id(ep.dist)]

        found = list(md.entry_points(group=ENTRY_POINT_GROUP))
        eps = sorted(found, key=lambda e: (dist_of(e)[0] or "", e.name))
        for ep in eps:
            if ep.name in self.blocked:
                continue
            dist, version = dist_of(ep)
            try:
                obj = ep.load()
            except Exception as exc:  # a broken plugin must not stop the others
                self.errors.append(PluginError(ep.name, "load", _one_line(exc)))
                continue
            self._register(ep.name, obj, distribution=dist, version=version)

    def _register(
        self, name: str, obj: object, *, distribution: str | None, version: str | None
    ) -> None:
        if name in self.blocked:
            return
        if name in self.infos:
            self.errors.append(
                PluginError(name, "register", "a plugin with this name is already loaded")
            )
            return
        try:
            self.pm.register(obj, name=name)
        except Exception as exc:
            self.errors.append(PluginError(name, "register", _one_line(exc)))
            return
        hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(obj) or ()))
        module = obj.__name__ if isinstance(obj, ModuleType) else type(obj).__module__
        self.infos[name] = PluginInfo(name, module, distribution, version, hooks)

    # -- contributions --------------------------------------------------------------

    def _call_each(self, hook_name: str) -> list[tuple[str, list[Any]]]:
        """Call a contributing hook plugin by plugin, so one failure is contained."""
        caller = getattr(self.pm.hook, hook_name)
        out = []
        for impl in caller.get_hookimpls():  # registration order
            try:
                result = impl.function()
                items = list(result or ())
            except Exception as exc:
                self.errors.append(PluginError(impl.plugin_name, hook_name, _one_line(exc)))
                continue
            out.append((impl.plugin_name, items))
        return out

    def collected(self) -> _Collected:
        if self._collected is None:
            self._collected = self._collect()
        return self._collected

    def _collect(self) -> _Collected:
        from compliance.indicator import EvidenceType, Indicator

        c = _Collected()
        for plugin, items in self._call_each("compliance_schemas"):
            for schema in items:
                if isinstance(schema, dict) and isinstance(schema.get("$id"), str):
                    c.schemas.append(schema)
                    c.schema_owner.setdefault(schema["$id"], plugin)
                else:
                    self.errors.append(
                        PluginError(
                            plugin, "compliance_schemas", "a schema without an $id was ignored"
                        )
                    )
        for plugin, items in self._call_each("compliance_evidence_types"):
            for et in items:
                if not isinstance(et, EvidenceType):
                    self.errors.append(
                        PluginError(
                            plugin, "compliance_evidence_types", f"{et!r} is not an EvidenceType"
                        )
                    )
                elif et.id in c.evidence_types:
                    self.errors.append(
                        PluginError(
                            plugin,
                            "compliance_evidence_types",
                            f"evidence type {et.id} already given by plugin "
                            f"{c.evidence_owner[et.id]}",
                        )
                    )
                else:
                    c.evidence_types[et.id] = et
                    c.evidence_owner[et.id] = plugin
        deferred: list[tuple[str, type[Indicator]]] = []
        for plugin, items in self._call_each("compliance_indicators"):
            for cls in items:
                if not (isinstance(cls, type) and issubclass(cls, Indicator)):
                    self.errors.append(
                        PluginError(
                            plugin, "compliance_indicators", f"{cls!r} is not an Indicator subclass"
                        )
                    )
                    continue
                if cls.replaces:
                    deferred.append((plugin, cls))
                    continue
                if cls.code in c.indicators:
                    other = c.indicators[cls.code].plugin
                    self.errors.append(
                        PluginError(
                            plugin,
                            "compliance_indicators",
                            f"indicator {cls.code} is already given by plugin {other}; "
                            f"set replaces = {cls.code!r} to replace it",
                        )
                    )
                    continue
                c.indicators[cls.code] = IndicatorEntry(cls, plugin, self._version(plugin, cls))
        for plugin, cls in deferred:
            target = cls.replaces or cls.code
            old = c.indicators.get(target)
            if old is None:
                self.errors.append(
                    PluginError(
                        plugin,
                        "compliance_indicators",
                        f"{cls.code} replaces {target}, which is not loaded",
                    )
                )
                continue
            del c.indicators[target]
            note = f"{target} from plugin {old.plugin} replaced by {cls.code} from plugin {plugin}"
            c.indicators[cls.code] = IndicatorEntry(
                cls, plugin, self._version(plugin, cls), replaced=note
            )
            c.notes.append(note)
        for _plugin, items in self._call_each("compliance_profiles"):
            for source in items:
                c.profiles.setdefault(source.name, source)
        for _plugin, items in self._call_each("compliance_renderers"):
            for renderer in items:
                c.renderers.setdefault(renderer.name, renderer)
        self._collect_readers(c)
        return c

    def _collect_readers(self, c: _Collected) -> None:
        from compliance.evidence.store import EvidenceReader

        for plugin, items in self._call_each("compliance_evidence_readers"):
            for reader in items:
                if isinstance(reader, EvidenceReader):
                    c.readers.append(reader)
                else:
                    self.errors.append(
                        PluginError(
                            plugin,
                            "compliance_evidence_readers",
                            f"{reader!r} is not an EvidenceReader",
                        )
                    )

    def _version(self, plugin: str, cls: type[Indicator]) -> str | None:
        info = self.infos.get(plugin)
        dist_version = info.version if info else None
        own = getattr(cls, "version", None)
        return own or dist_version

    # -- conveniences -------------------------------------------------------------------

    def indicators(self) -> dict[str, IndicatorEntry]:
        return dict(sorted(self.collected().indicators.items()))

    def evidence_types(self) -> dict[str, Any]:
        return dict(sorted(self.collected().evidence_types.items()))

    def profiles(self) -> dict[str, Any]:
        return dict(self.collected().profiles)

    def renderers(self) -> dict[str, Any]:
        return dict(self.collected().renderers)

    def schemas(self) -> list[dict[str, Any]]:
        return list(self.collected().schemas)

    def schema_owner(self, schema_id: str) -> str | None:
        """The plugin that contributed the schema with this ``$id`` (first one wins)."""
        return self.collected().schema_owner.get(schema_id)

    def verified_schema_ids(self) -> frozenset[str]:
        """``$id`` of the schemas this distribution ships itself.

        Their validity against the draft 2020-12 metaschema is checked by the test suite
        (tests/test_plugins.py), so a run does not check them again; every other
        plugin's schemas are checked when the registry is built.
        """
        c = self.collected()
        return frozenset(
            schema_id
            for schema_id, plugin in c.schema_owner.items()
            if (info := self.infos.get(plugin)) is not None and info.distribution == DISTRIBUTION
        )

    def evidence_readers(self) -> list[Any]:
        return list(self.collected().readers)

    def notes(self) -> list[str]:
        return list(self.collected().notes)

    def plugins(self) -> list[PluginInfo]:
        return sorted(self.infos.values(), key=lambda p: p.name)

    def notify(self, hook_name: str, **kwargs: Any) -> None:
        """Call an observer hook on each plugin; one that raises is recorded and skipped."""
        caller = getattr(self.pm.hook, hook_name)
        for impl in caller.get_hookimpls():
            try:
                impl.function(**{k: kwargs[k] for k in impl.argnames})
            except Exception as exc:
                self.errors.append(PluginError(impl.plugin_name, hook_name, _one_line(exc)))


def _own_version() -> str:
    from compliance import __version__

    return __version__


def _name_of(obj: object) -> str:
    if isinstance(obj, ModuleType):
        return obj.__name__
    return getattr(obj, "name", None) or type(obj).__name__
