"""Profiles: which indicators count, their weights, rule thresholds, grade bands and the
document keyword sets. A city tunes a profile instead of forking a plugin.

Profiles are YAML (or JSON) validated against ``profile.schema.json``. Plugins contribute
named profiles through the ``compliance_profiles`` hook; ``--profile`` takes such a name or
a file path. A file may ``extends: NAME`` another profile and override parts of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from compliance.errors import ProfileError
from compliance.verdict import Status

__all__ = ["Profile", "ProfileSource", "load_profile"]

PROFILE_SCHEMA_ID = "https://schemas.community-safety.dev/profile.schema.json"


@dataclass(frozen=True)
class ProfileSource:
    """A named profile a plugin ships: its name and the file holding it."""

    name: str
    resource: Traversable | Path
    description: str = ""


@dataclass(frozen=True)
class GradeBand:
    grade: str
    min: float
    label: str = ""


@dataclass
class Profile:
    name: str
    version: str
    description: str
    weights_note: str
    dimensions: dict[str, dict[str, Any]]
    indicators: dict[str, dict[str, Any]]
    grade_bands: list[GradeBand]
    pass_min: float
    partial_min: float
    red_line_cap: float
    insufficient_scores_zero: bool
    keywords: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: Rule ids (``SE11.R1``) the profile marks red-line on top of those declared in code;
    #: no waiver can waive them.
    red_lines: tuple[str, ...] = ()
    source: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def grade(self, score: float | None) -> str | None:
        """The grade whose band holds ``score`` (bands sorted from the highest minimum)."""
        if score is None:
            return None
        for band in self.grade_bands:
            if score >= band.min:
                return band.grade
        return self.grade_bands[-1].grade

    def status_for(self, score: float) -> Status:
        if score >= self.pass_min:
            return Status.PASS
        if score >= self.partial_min:
            return Status.PARTIAL
        return Status.FAIL

    def indicator_weight(self, code: str) -> float:
        spec = self.indicators.get(code)
        return float(spec.get("weight", 0.0)) if spec else 0.0

    def enabled(self, code: str) -> bool:
        spec = self.indicators.get(code)
        return spec is not None and bool(spec.get("enabled", True))

    def dimension_weight(self, dimension: str) -> float:
        spec = self.dimensions.get(dimension)
        return float(spec.get("weight", 0.0)) if spec else 0.0

    def dimension_name(self, dimension: str) -> str:
        spec = self.dimensions.get(dimension)
        return str(spec.get("name", dimension)) if spec else dimension

    def threshold(self, code: str, name: str) -> Any:
        try:
            return self.indicators[code]["thresholds"][name]
        except KeyError:
            raise ProfileError(
                f"profile {self.name!r} has no threshold {code}.thresholds.{name}"
            ) from None

    def keyword_set(self, name: str) -> dict[str, list[str]]:
        try:
            return self.keywords[name]
        except KeyError:
            raise ProfileError(f"profile {self.name!r} has no keyword set {name!r}") from None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "source": self.source}


def _read(resource: Traversable | Path, label: str) -> dict[str, Any]:
    from compliance._yaml import YAMLError, safe_load

    try:
        text = resource.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read profile ({type(exc).__name__})", where=label) from None
    try:
        data = json.loads(text) if str(resource).endswith(".json") else safe_load(text)
    except json.JSONDecodeError as exc:
        raise ProfileError(f"invalid JSON at line {exc.lineno}", where=label) from None
    except YAMLError as exc:
        where = f"{label}:{exc.line}" if exc.line else label
        raise ProfileError(f"invalid YAML: {exc}", where=where) from None
    if not isinstance(data, dict):
        raise ProfileError("a profile must be a mapping", where=label)
    return data


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_profile(
    name_or_path: str | Path,
    sources: Mapping[str, ProfileSource],
    *,
    validate: Any = None,
) -> Profile:
    """Load a profile by name (from ``sources``) or from a file path.

    :param validate: a callable ``(schema_id, data, label)`` raising ProfileError on a
        schema violation (the engine passes its registry-backed validator).
    """
    seen: list[str] = []
    data = _resolve(str(name_or_path), sources, seen)
    label = seen[0]
    if validate is not None:
        validate(PROFILE_SCHEMA_ID, data, label)
    return _build(data, label)


def _resolve(ref: str, sources: Mapping[str, ProfileSource], seen: list[str]) -> dict[str, Any]:
    if ref in seen:
        raise ProfileError("profiles extend each other in a loop", where=ref)
    if ref in sources:
        label = f"profile {ref}"
        data = _read(sources[ref].resource, label)
    else:
        path = Path(ref)
        if not path.is_file():
            known = ", ".join(sorted(sources)) or "none"
            raise ProfileError(f"no profile named {ref!r} and no such file (known: {known})")
        label = str(path)
        data = _read(path, label)
    seen.append(ref)
    parent = data.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str):
            raise ProfileError("extends must name a profile", where=label)
        data = _merge(_resolve(parent, sources, seen), data)
    return data


def _build(data: dict[str, Any], label: str) -> Profile:
    try:
        bands = sorted(
            (
                GradeBand(b["grade"], float(b["min"]), b.get("label", ""))
                for b in data["grade_bands"]
            ),
            key=lambda b: -b.min,
        )
        scoring = data.get("scoring", {})
        return Profile(
            name=str(data["name"]),
            version=str(data.get("version", "1")),
            description=str(data.get("description", "")),
            weights_note=str(data.get("weights_note", "")),
            dimensions=dict(data["dimensions"]),
            indicators=dict(data["indicators"]),
            grade_bands=bands,
            pass_min=float(scoring.get("pass_min", 80)),
            partial_min=float(scoring.get("partial_min", 50)),
            red_line_cap=float(scoring.get("red_line_cap", 59)),
            insufficient_scores_zero=bool(
                scoring.get("insufficient_evidence_counts_as_zero", True)
            ),
            keywords=dict(data.get("keywords", {})),
            red_lines=tuple(str(r) for r in data.get("red_lines", [])),
            source=label,
            raw=data,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProfileError(
            f"incomplete profile ({type(exc).__name__}: {exc})", where=label
        ) from None
