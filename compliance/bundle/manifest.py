"""Reading and validating the bundle manifest, and matching its evidence index to files.

The manifest is the one file every bundle must have, and it is written by the party
being audited, so it is parsed defensively: a size cap, no duplicate JSON keys, YAML
through :mod:`compliance._yaml` (aliases capped, dates left as text), then the JSON
Schema shipped as ``compliance.schemas/bundle.schema.json``. Error messages are
written here from the schema keyword, never from jsonschema's text, because that text
quotes the offending value and the value may be personal data.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from compliance import _yaml
from compliance.bundle.archive import show_name
from compliance.bundle.model import (
    Bundle,
    Community,
    EvidenceEntry,
    Limits,
    Manifest,
    Period,
)
from compliance.errors import BundleError

__all__ = [
    "MANIFEST_NAMES",
    "SCHEMA_ID",
    "EvidenceResolution",
    "find_manifest",
    "load_manifest",
    "manifest_schema",
    "resolve_evidence",
]

#: Names a manifest may have, at the bundle root (``data/`` in a BagIt bag).
MANIFEST_NAMES = ("bundle.json", "bundle.yaml", "bundle.yml")
SCHEMA_ID = "https://schemas.community-safety.dev/bundle.schema.json"

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)

# The schema holds the same patterns, but Python's ``re.search`` lets ``$`` match before
# a trailing newline, so "abc\n" would pass there: the code repeats them with fullmatch.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_TYPE = re.compile(r"[a-z][a-z0-9_]{1,63}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_ERRORS = 1000


@lru_cache(maxsize=1)
def manifest_schema() -> dict[str, Any]:
    """The manifest's JSON Schema, read from package data (works from an installed wheel)."""
    text = resources.files("compliance.schemas").joinpath("bundle.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(manifest_schema(), format_checker=FormatChecker())


@lru_cache(maxsize=1)
def _quick() -> Any:
    """The manifest schema's quick check (compliance.validation.quick), or None."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    from compliance.validation.quick import compile_schema

    schema = manifest_schema()
    uri = str(schema.get("$id") or "urn:compliance:bundle-schema")
    resource = Resource.from_contents(schema, default_specification=DRAFT202012)
    return compile_schema(
        schema,
        registry=Registry().with_resource(uri, resource),
        base_uri=uri,
        format_checker=_validator().format_checker,
    )


def find_manifest(root: Path, *, where: str | None = None) -> Path:
    """The manifest file under ``root``; exactly one of :data:`MANIFEST_NAMES` must exist.

    :param where: how the bundle is named in messages (defaults to ``root``).
    """
    found = [name for name in MANIFEST_NAMES if os.path.lexists(root / name)]
    if not found:
        raise BundleError(
            "no manifest: expected bundle.json or bundle.yaml at the bundle root",
            where=where or str(root),
        )
    if len(found) > 1:
        raise BundleError(
            f"more than one manifest ({', '.join(found)}); keep exactly one",
            where=where or str(root),
        )
    return root / found[0]


def load_manifest(
    root: Path, *, limits: Limits | None = None, where: str | None = None
) -> Manifest:
    """Find, parse and validate the manifest at the root of an opened bundle folder.

    :param root: the bundle root (for a BagIt bag, its ``data/`` folder).
    :param where: how the bundle is named when the manifest is missing or doubled.
    :raises BundleError: missing, duplicated, too large, unparseable or invalid; the
        message names the manifest file and, for schema errors, the JSON pointer.
    """
    limits = limits or Limits()
    path = find_manifest(Path(root), where=where)
    name = path.name
    text = _read_text(path, name, limits.max_manifest_bytes)
    data = _parse(text, name)
    _validate(data, name)
    return _build(data, name)


def _read_text(path: Path, name: str, cap: int) -> str:
    """Read at most ``cap`` bytes of a regular file without following a link to it."""
    try:
        fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        if os.path.islink(path):
            raise BundleError(
                "is a symbolic link; the manifest must be a regular file", where=name
            ) from None
        raise BundleError(
            f"cannot open ({exc.strerror or type(exc).__name__})", where=name
        ) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise BundleError("the manifest must be a regular file", where=name)
        if info.st_size > cap:
            raise BundleError(f"larger than {cap} bytes (manifest limit)", where=name)
        raw = handle.read(cap + 1)
    if len(raw) > cap:
        raise BundleError(f"larger than {cap} bytes (manifest limit)", where=name)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BundleError(f"not UTF-8 text (bad byte at offset {exc.start})", where=name) from None


def _parse(text: str, name: str) -> Any:
    if name.endswith(".json"):
        return _parse_json(text, name)
    try:
        return _yaml.safe_load(text)
    except _yaml.YAMLError as exc:
        at = f" at line {exc.line}" if exc.line else ""
        raise BundleError(f"invalid YAML{at}: {show_name(str(exc))[1:-1]}", where=name) from None


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A second "community" key would silently replace the first: refuse it instead.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _no_constants(token: str) -> Any:
    raise ValueError(f"{token} is not valid JSON")


def _parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise BundleError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", where=name
        ) from None
    except _DuplicateKey as exc:
        raise BundleError(
            f"invalid JSON: duplicate key {show_name(str(exc))}", where=name
        ) from None
    except ValueError as exc:
        raise BundleError(f"invalid JSON: {exc}", where=name) from None
    except RecursionError:
        raise BundleError("invalid JSON: nested too deeply", where=name) from None


def _pointer(parts: Any) -> str:
    """A JSON pointer (RFC 6901) for a jsonschema error path, with unsafe characters
    escaped for display; the document root is shown as ``(root)``."""
    if not parts:
        return "(root)"
    tokens = [str(p).replace("~", "~0").replace("/", "~1") for p in parts]
    return show_name("/" + "/".join(tokens), limit=160)[1:-1]


def _sort_key(error: ValidationError) -> tuple[Any, ...]:
    path = tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path)
    return (path, str(error.validator))


_ARTICLE_TYPES = {
    "object": "an object",
    "array": "an array",
    "integer": "an integer",
    "string": "a string",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}

_FORMATS = {
    "date": "a valid date (YYYY-MM-DD)",
    "email": "an email address",
}


def _message(error: ValidationError) -> tuple[list[Any], str]:
    """Our own one-line text for a schema error: it names the rule, never the value.

    :returns: the path to point at (an unknown property points at itself) and the text.
    """
    path = list(error.absolute_path)
    keyword = str(error.validator)
    expected = error.validator_value
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    instance = error.instance
    if keyword == "type":
        kinds = [expected] if isinstance(expected, str) else list(expected)
        return path, "must be " + " or ".join(_ARTICLE_TYPES.get(k, k) for k in kinds)
    if keyword == "required":
        missing = [k for k in expected if isinstance(instance, dict) and k not in instance]
        return path, f'missing required property "{missing[0] if missing else expected[0]}"'
    if keyword == "additionalProperties":
        allowed = set(schema.get("properties", {}))
        extra = (
            sorted(k for k in instance if k not in allowed) if isinstance(instance, dict) else []
        )
        if extra:
            return [*path, extra[0]], "property not allowed here"
        return path, "has a property that is not allowed here"
    if keyword == "const":
        if path == ["schema_version"]:
            return path, f"unsupported manifest version; this tool reads version {expected}"
        return path, f"must be {json.dumps(expected)}"
    if keyword == "enum":
        return path, "must be one of " + ", ".join(json.dumps(v) for v in expected)
    if keyword == "pattern":
        hint = schema.get("x-error-message")
        return path, hint or f"does not match the pattern {expected}"
    if keyword == "format":
        return path, "must be " + _FORMATS.get(expected, f"a valid {expected}")
    if keyword in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}
        return path, f"must be {sign[keyword]} {expected}"
    if keyword == "minLength":
        if expected == 1:
            return path, "must not be empty"
        return path, f"must be at least {expected} characters long"
    if keyword == "maxLength":
        return path, f"must be at most {expected} characters long"
    if keyword == "minItems":
        return path, f"must have at least {expected} items"
    if keyword == "maxItems":
        return path, f"must have at most {expected} items"
    return path, f'fails the schema rule "{keyword}"'


def _validate(data: Any, name: str) -> None:
    # A 4 MiB manifest can hold a million wrong items: look at a bounded number of errors.
    # The quick check answers for a valid manifest; jsonschema finds the errors.
    from compliance.validation.quick import passes

    found = (
        []
        if passes(_quick(), data)
        else list(itertools.islice(_validator().iter_errors(data), _MAX_ERRORS + 1))
    )
    errors = sorted(found[:_MAX_ERRORS], key=_sort_key)
    if errors:
        path, text = _message(errors[0])
        if len(found) > _MAX_ERRORS:
            more = f" (and more than {_MAX_ERRORS - 1} more problems)"
        elif len(errors) > 1:
            more = f" (and {len(errors) - 1} more problems)"
        else:
            more = ""
        raise BundleError(f"{_pointer(path)}: {text}{more}", where=name)
    # Checks the schema cannot say (or says with Python's lenient "$"): see _ID.
    community = data["community"]
    if not _ID.fullmatch(community["id"]):
        raise BundleError(f"/community/id: {_hint('community', 'id')}", where=name)
    for index, entry in enumerate(data["evidence"]):
        if not _TYPE.fullmatch(entry["type"]):
            raise BundleError(f"/evidence/{index}/type: {_hint('evidence', 'type')}", where=name)
        if _CONTROL.search(entry["path"]):
            raise BundleError(f"/evidence/{index}/path: {_hint('evidence', 'path')}", where=name)
    start = date.fromisoformat(data["period"]["start"])
    end = date.fromisoformat(data["period"]["end"])
    if end < start:
        raise BundleError("/period/end: must not be before /period/start", where=name)


def _hint(section: str, field: str) -> str:
    props = manifest_schema()["properties"][section]
    if section == "evidence":
        props = props["items"]
    return str(props["properties"][field]["x-error-message"])


def _build(data: dict[str, Any], name: str) -> Manifest:
    c = data["community"]
    community = Community(
        id=c["id"],
        name=c["name"],
        city=c["city"],
        district=c["district"],
        population=c["population"],
        households=c["households"],
    )
    period = Period(
        start=date.fromisoformat(data["period"]["start"]),
        end=date.fromisoformat(data["period"]["end"]),
    )
    evidence = tuple(
        EvidenceEntry(path=e["path"], type=e["type"], description=e.get("description"))
        for e in data["evidence"]
    )
    return Manifest(
        community=community,
        period=period,
        submitter=dict(data["submitter"]),
        evidence=evidence,
        raw=data,
        path=name,
    )


# -- evidence index ----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class EvidenceResolution(Mapping[str, list[str]]):
    """The manifest's evidence index matched against the bundle's files.

    It reads as a mapping from evidence type id to the sorted bundle paths of that type
    (every type named in the manifest is a key, possibly with an empty list);
    ``files`` is the same mapping as a plain dict, and ``unmatched`` lists the
    manifest entries whose path or pattern named no file, for the runner to report.
    """

    files: dict[str, list[str]]
    unmatched: tuple[EvidenceEntry, ...] = ()

    def __getitem__(self, key: str) -> list[str]:
        return self.files[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)


#: The characters fnmatch reads as wildcards; a pattern without them is a plain path.
_GLOB_CHARS = frozenset("*?[")


def _pattern_parts(pattern: str) -> list[str]:
    return [p for p in pattern.split("/") if p not in ("", ".")]


def _matches(pattern: str, path: str) -> bool:
    """Glob match one segment at a time, so ``*`` never crosses a ``/``: ``logs/*.csv``
    names the files in ``logs/`` and not those in its subfolders."""
    pattern_parts = _pattern_parts(pattern)
    path_parts = path.split("/")
    if len(pattern_parts) != len(path_parts):
        return False
    return all(fnmatchcase(seg, pat) for pat, seg in zip(pattern_parts, path_parts, strict=True))


def resolve_evidence(bundle: Bundle) -> EvidenceResolution:
    """Expand the manifest's evidence paths and patterns against ``bundle.files``.

    A path that matches nothing is not an error here: the runner reports it as missing
    evidence, so one typo costs one finding rather than the whole audit.
    """
    files: dict[str, set[str]] = {}
    unmatched: list[EvidenceEntry] = []
    present = set(bundle.files)
    for entry in bundle.manifest.evidence:
        if _GLOB_CHARS.isdisjoint(entry.path):
            # Without a wildcard every segment matches only itself: one lookup instead
            # of a match against every file (64 entries x 65 files cost 11 ms).
            literal = "/".join(_pattern_parts(entry.path))
            hits = {literal} if literal in present else set()
        else:
            hits = {path for path in bundle.files if _matches(entry.path, path)}
        files.setdefault(entry.type, set()).update(hits)
        if not hits:
            unmatched.append(entry)
    return EvidenceResolution(
        files={type_id: sorted(paths) for type_id, paths in files.items()},
        unmatched=tuple(unmatched),
    )
