"""Column-wise validation of table rows against a JSON Schema (draft 2020-12) row schema.

Device exports and logs run to millions of rows. Validating them one row at a time with
``jsonschema`` takes minutes and reports one error per row; here each keyword of each
column becomes a polars expression evaluated over the whole column at once, so a million
rows take well under a second, and violations come back as one :class:`Issue` per (column,
keyword) with a count and the first few row numbers.

What a cell *is*, in JSON terms, depends on the source:

* Text sources (CSV): every cell is text. An empty cell means the key is absent. A
  non-empty cell is read as the first of the property's declared types it fits, in the
  order boolean (``true``/``false``, any case), integer (a JSON number with an integral
  value; leading zeros allowed), number, string. A cell that fits none of them is read as
  what it naturally looks like, so a non-numeric cell in a ``number`` column is a string
  and fails ``type`` but not ``minimum``. A property without ``type`` is a string.
* Typed sources (Parquet, JSON Lines): the column's dtype says what its values are. A
  null cell means the key is absent, except when the reader supplies *JSON kinds* (the
  first character of each raw JSON value, see ``json_kinds``): then an explicit ``null``
  is a JSON null (a ``type`` violation unless the type allows null), and a value the
  reader had to coerce to text (a column mixing numbers and strings) keeps its real type.

Keywords evaluated column-wise: ``type``, ``enum``, ``const``, ``minimum``, ``maximum``,
``exclusiveMinimum``, ``exclusiveMaximum``, ``minLength``, ``maxLength`` (in code points),
``pattern`` (an unanchored search with polars' regex engine; a pattern it cannot compile,
such as one with look-around or backreferences, is searched with Python's ``re`` once per
distinct value), ``format`` (date, date-time, time, email, uuid, ipv4), ``required`` and
``additionalProperties``. Every other keyword of a property (``multipleOf``, ``oneOf``,
``not``, other formats, ...) is checked by ``jsonschema`` once per *distinct* value of that
column, and keywords on the row schema itself (``dependentRequired``, ``if``, ...) by
``jsonschema`` per row: the slow path is only taken for schemas that need it.

The validated frame has each declared column cast to its type: ``integer`` -> Int64,
``number`` -> Float64, ``boolean`` -> Boolean, ``string`` with ``format: date`` -> Date,
``string`` with ``format: date-time`` -> Datetime("us") holding **UTC without a time
zone**: RFC 3339 requires an offset, it is applied to convert to UTC and then dropped, so
values from files written in different offsets compare correctly (indicators that count
local days must convert back with the community's zone). Cells that fail any keyword are
null, so rules never compute on invalid data; columns the schema does not declare are kept
as they are.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from compliance.evidence.model import Issue
from compliance.validation import native
from compliance.validation.messages import describe, keyword_of

__all__ = ["FILE_COLUMN", "ROW_COLUMN", "ColumnValidator", "ValidationResult"]

ROW_COLUMN = "__row"
FILE_COLUMN = "__file"
_RESERVED = frozenset({ROW_COLUMN, FILE_COLUMN})

# What a cell is in JSON terms.
_ABSENT, _NULL, _BOOL, _INT, _NUM, _STR, _OBJ, _ARR, _OTHER = range(9)
_TYPE_CODES: dict[str, tuple[int, ...]] = {
    "null": (_NULL,),
    "boolean": (_BOOL,),
    "integer": (_INT,),
    "number": (_INT, _NUM),
    "string": (_STR,),
    "object": (_OBJ,),
    "array": (_ARR,),
}

# Keywords that never fail: annotations and structure.
_IGNORED = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "$comment",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentMediaType",
        "contentEncoding",
        "contentSchema",
        "$schema",
        "$id",
        "$anchor",
        "$dynamicAnchor",
        "$defs",
        "definitions",
        "$vocabulary",
    }
)
_NATIVE = frozenset(
    {
        "type",
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "pattern",
        "format",
    }
)
_NATIVE_FORMATS = frozenset({"date", "date-time", "time", "email", "uuid", "ipv4"})
_ROOT_NATIVE = frozenset({"properties", "required", "additionalProperties", "patternProperties"})

_TRUE_TEXT = ("true", "True", "TRUE")
_FALSE_TEXT = ("false", "False", "FALSE")
# Sets for ``is_in``, built once as one-element list Series (what polars wants for a set
# of the column's own type): turning a Python list into one costs about 20 us per
# expression, and every table's plan builds dozens of these tests.
_BOOLEAN_TEXT = pl.Series(_TRUE_TEXT + _FALSE_TEXT, dtype=pl.String).implode()
_TRUE_TEXT_SET = pl.Series(_TRUE_TEXT, dtype=pl.String).implode()
_BOOLEAN_KINDS = pl.Series(["t", "f"], dtype=pl.String).implode()
_NUMBER_CODES = pl.Series([_INT, _NUM], dtype=pl.UInt8).implode()
_NUMBER_KEYWORDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_NUMBER_RE = r"^-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$"
_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATETIME_RE = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
_TIME_RE = (
    r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)
# RFC 5321 mailbox: a dot-atom or quoted local part; a host name, an IPv4 literal or an
# IPv6 literal as the domain.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4_RE = rf"^{_OCTET}(?:\.{_OCTET}){{3}}$"
_EMAIL_RE = (
    rf'^(?:{_ATOM}(?:\.{_ATOM})*|"(?:[^"\\\r\n]|\\.)*")'
    rf"@(?:{_LABEL}(?:\.{_LABEL})*|\[{_OCTET}(?:\.{_OCTET}){{3}}\]|\[IPv6:[0-9A-Fa-f:.]+\])$"
)
_FORMAT_RES = {
    "date": _DATE_RE,
    "date-time": _DATETIME_RE,
    "time": _TIME_RE,
    "email": _EMAIL_RE,
    "uuid": _UUID_RE,
    "ipv4": _IPV4_RE,
}
_HELPER_DTYPES: dict[str, pl.DataType] = {
    "num": pl.Float64(),
    "int": pl.Int64(),
    "bool": pl.Boolean(),
    "txt": pl.String(),
}
_TEMPORAL_FORMAT = {pl.Date: "date", pl.Datetime: "date-time", pl.Time: "time"}
_MAX_REF_DEPTH = 32


_SCHEMA_CHECKER = Draft202012Validator(Draft202012Validator.META_SCHEMA)


@functools.lru_cache(maxsize=64)
def _code_set(codes: tuple[int, ...]) -> pl.Series:
    """The cell codes as a set for ``is_in`` (built once per distinct set)."""
    return pl.Series(codes, dtype=pl.UInt8).implode()


#: Below this many rows the validator's queries run on polars' in-memory engine: starting
#: it costs about half of what starting the streaming engine does (0.16 against 0.28 ms for
#: a small query, polars 2.1), which is most of the cost of a small table's validation; on
#: big tables the streaming engine is the faster one.
SMALL_ROWS = 50_000


def collect(lazy: pl.LazyFrame, rows: int) -> pl.DataFrame:
    """``lazy.collect()`` on the engine that suits a frame of ``rows`` rows."""
    return lazy.collect(engine="in-memory" if rows < SMALL_ROWS else "auto")


def _string_members(native_keywords: Mapping[str, Any], key: str) -> list[str] | None:
    """The string members of an ``enum`` (or the ``const``) when every other one is null,
    for a column of text cells: no such cell reads as JSON null (an empty one is absent),
    so a ``null`` member matches none of them and a cell is a member exactly when it is
    one of the strings. None when a member is a number, boolean, object or array."""
    if key not in native_keywords:
        return None
    members = native_keywords[key] if key == "enum" else [native_keywords[key]]
    if not isinstance(members, list) or not all(m is None or isinstance(m, str) for m in members):
        return None
    return [m for m in members if m is not None]


def _leap_second_ok(txt: pl.Expr, start: int) -> pl.Expr:
    """False where a time has second 60 anywhere but 23:59 UTC (RFC 3339, 5.7).

    ``start`` is where ``HH:MM:SS`` begins (0 in a ``time``, 11 in a ``date-time``). The
    format's regular expression has already fixed the layout, so the parts are read at
    fixed places: the offset is ``Z`` or the last six characters. Only the combination
    with that regex is meaningful; rows it rejects may compute anything here.
    """

    second_60 = txt.str.slice(start + 6, 2) == "60"
    offset, _ = _utc_offset(txt)
    utc_minute = (_number(txt, start) * 60 + _number(txt, start + 3) - offset) % 1440
    return (~second_60 | (utc_minute == 23 * 60 + 59)).fill_null(True)


def _number(txt: pl.Expr, offset: int, length: int = 2) -> pl.Expr:
    """The digits at a fixed place of the text, as an integer (null if they are not)."""
    return txt.str.slice(offset, length).cast(pl.Int64, strict=False)


def _zulu(txt: pl.Expr) -> pl.Expr:
    return txt.str.ends_with("Z") | txt.str.ends_with("z")


def _utc_offset(txt: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Minutes east of UTC of an RFC 3339 time's offset (``Z`` or the last six
    characters, ``+HH:MM``), and whether the offset is a possible one."""
    zulu = _zulu(txt)
    sign = pl.when(txt.str.slice(-6, 1) == "-").then(-1).otherwise(1)
    hours, minutes = _number(txt, -5), _number(txt, -2)
    offset = pl.when(zulu).then(0).otherwise(sign * (hours * 60 + minutes))
    return offset, zulu | ((hours <= 23) & (minutes <= 59))


def _datetime_from_text(
    txt: pl.Expr, offset_minutes: int | None = None, *, tail: str | None = None
) -> pl.Expr:
    """RFC 3339 date-time text as naive UTC microseconds (null for impossible dates,
    hours, minutes or offsets); meaningful only where ``_DATETIME_RE`` matches.

    ``offset_minutes``: every value of the column has no fraction and this one offset
    (see :func:`_text_shapes`), so only the local part needs parsing. ``tail``: moreover
    every value is in the strict layout (``T``, no fraction) and ends with this text, so
    the whole value parses with one fixed format and nothing needs cutting.

    That regex fixes the layout, so the local part is always the first 19 characters and
    the offset is ``Z``/``z`` or the last six: the local part goes through polars' fast
    ISO parser, and the fraction and offset are read at their places. This is up to twice
    as fast as chrono's generic ``%.f%#z`` parsing, which it matches value for value
    (tests/test_columns.py: test_datetime_parsing_matches_chrono), leap seconds included:
    ``:60`` carries into the next minute. polars' cache of parsed strings is off: export
    time stamps rarely repeat, and looking each one up costs more than parsing it.
    """
    if tail is not None and offset_minutes is not None:
        local = txt.str.to_datetime(
            f"%Y-%m-%dT%H:%M:%S{tail}", time_unit="us", strict=False, cache=False
        )
        return local - pl.duration(minutes=offset_minutes)
    local = (
        txt.str.slice(0, 19)
        .str.replace("t", "T", literal=True)
        .str.to_datetime("%Y-%m-%dT%H:%M:%S", time_unit="us", strict=False, cache=False)
    )
    if offset_minutes is not None:
        return local - pl.duration(minutes=offset_minutes)
    offset_length = pl.when(_zulu(txt)).then(1).otherwise(6)
    digits = (txt.str.len_bytes().cast(pl.Int64) - 20 - offset_length).clip(lower_bound=0)
    micros = (
        txt.str.slice(20, digits).str.slice(0, 6).str.pad_end(6, "0").cast(pl.Int64, strict=False)
    )
    offset, offset_ok = _utc_offset(txt)
    return pl.when(offset_ok).then(
        local + pl.duration(microseconds=micros) - pl.duration(minutes=offset)
    )


_OFFSET_TAIL_RE = re.compile(r"[+-]([01][0-9]|2[0-3]):([0-5][0-9])")
# The layout nearly every export uses: a capital T, whole seconds (no leap second), and
# the offset (Z or +HH:MM) appended as a literal.
_STRICT_LOCAL_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-5][0-9]"
_DECIMAL_RE = r"^-?[0-9]+(?:\.[0-9]+)?$"
_MAX_PLAIN_INTEGER = 18  # characters, sign included: always fits an Int64


@dataclass(frozen=True)
class _Shape:
    """What one pre-scan of a text column found (see :func:`_text_shapes`)."""

    offset: int | None = None  # date-time: one offset (minutes east of UTC), no fraction
    tail: str | None = None  # ...every value strict, no second 60, ending with this text
    decimals: bool = False  # every non-empty cell is -?digits, with an optional .digits
    integers: bool = False  # ...with no fraction and short enough for an Int64
    empty: bool = True  # some cell may be the empty string (False: known to be none)
    full: bool = False  # no cell is null or empty: every cell is present


def _text_shapes(
    frame: pl.DataFrame,
    datetimes: list[str],
    numbers: list[str],
    texts: list[str] | tuple[str, ...] = (),
    *,
    empty_text: bool = True,
) -> dict[str, _Shape]:
    """Cheap facts about text columns that let the validator skip per-cell work.

    For date-time columns: whether every value is in the strict layout, without a leap
    second, and ends with the same offset as the first (the common case: one export, one
    clock; then the parse with one fixed format is the whole format check), or else
    whether the values at least share one offset and have no fraction. For columns read
    as numbers: whether every cell is a plain decimal or integer (then no number regex, no
    boolean test and no float round trip per cell). For any text column in ``texts``:
    whether no cell is the empty string (then "present" is "not null" and the column
    passes through untouched), and whether no cell is null either (then every cell is
    present); ``empty_text=False`` says there is no empty cell, unprobed. A
    column whose probe fails takes the general path, so the facts only ever decide
    speed, never a verdict (tests/test_columns.py: test_shape_shortcuts_change_nothing).
    """
    if not datetimes and not numbers and not texts:
        return {}
    # Whether a text column has an empty cell: one comparison each, as Series calls (a
    # query costs some 0.1 ms to plan and start, as much as the comparison on a small
    # table).
    empties = [empty_text and bool((frame.get_column(column) == "").any()) for column in texts]
    probes: list[pl.Expr] = []
    tails: dict[str, str] = {}
    loose: list[str] = []
    for i, column in enumerate(datetimes):
        first = _first_text(frame.get_column(column))
        if first is None:
            continue  # no value at all: nothing to gain
        tail = "Z" if first.endswith("Z") else first[-6:]
        if _offset_minutes(tail) is None:
            loose.append(column)
            continue
        tails[column] = tail
        txt = pl.col(column)
        strict = txt.str.contains(_STRICT_LOCAL_RE + re.escape(tail) + "$")
        probes.append((strict | (txt == "")).all().alias(f"l{i}"))
    known: dict[str, tuple[bool, bool, int]] = {}  # from the C helper, if in use
    for column in numbers:
        facts_of = native.decimals(frame.get_column(column))
        if facts_of is not None:
            known[column] = facts_of
    for i, column in enumerate(numbers):
        if column in known:
            continue
        txt = pl.col(column)
        probes += [
            (txt.str.contains(_DECIMAL_RE) | (txt == "")).all().alias(f"d{i}"),
            txt.str.contains(".", literal=True).any().alias(f"p{i}"),
            txt.str.len_bytes().max().alias(f"w{i}"),
        ]
    facts = collect(frame.lazy().select(probes), frame.height).row(0, named=True) if probes else {}
    found: dict[str, dict[str, Any]] = {}
    for column, empty in zip(texts, empties, strict=True):
        if not empty:
            full = frame.get_column(column).null_count() == 0  # kept by the column
            found.setdefault(column, {}).update(empty=False, full=full)
    for i, column in enumerate(datetimes):
        if column not in tails:
            continue
        if facts[f"l{i}"]:
            tail = tails[column]
            found.setdefault(column, {}).update(offset=_offset_minutes(tail), tail=tail)
        else:
            loose.append(column)
    for column, offset in _loose_datetime_offsets(frame, loose).items():
        found.setdefault(column, {})["offset"] = offset
    for i, column in enumerate(numbers):
        plain, dot, widest = known.get(column) or (facts[f"d{i}"], facts[f"p{i}"], facts[f"w{i}"])
        if plain:
            integers = not dot and (widest or 0) <= _MAX_PLAIN_INTEGER
            found.setdefault(column, {}).update(decimals=True, integers=integers)
    return {column: _Shape(**fields) for column, fields in found.items()}


def _first_text(series: pl.Series, step: int = 256) -> str | None:
    """The first value of a text column that is neither null nor empty (usually row 1)."""
    for start in range(0, series.len(), step):
        for value in series.slice(start, step).to_list():
            if value:
                return str(value)
    return None


def _offset_minutes(tail: str) -> int | None:
    """Minutes east of UTC of ``Z``/``z`` or a possible ``+HH:MM``; None for anything else."""
    if tail in ("Z", "z"):
        return 0
    if m := _OFFSET_TAIL_RE.fullmatch(tail):
        return (-1 if tail[0] == "-" else 1) * (int(m.group(1)) * 60 + int(m.group(2)))
    return None


def _loose_datetime_offsets(frame: pl.DataFrame, columns: list[str]) -> dict[str, int]:
    """Date-time columns outside the strict layout whose values still share one offset and
    have no fraction: only their local part needs parsing."""
    if not columns:
        return {}
    probes = []
    for i, column in enumerate(columns):
        txt = pl.col(column)
        empty = txt == ""
        first_tail = txt.filter(~empty).first().str.slice(-6)
        probes += [
            txt.str.contains(".", literal=True).any().alias(f"f{i}"),
            (txt.str.ends_with("Z") | txt.str.ends_with("z") | empty).all().alias(f"z{i}"),
            (txt.str.ends_with(first_tail) | empty).all().alias(f"s{i}"),
            first_tail.alias(f"t{i}"),
        ]
    facts = collect(frame.lazy().select(probes), frame.height).row(0, named=True)
    offsets: dict[str, int] = {}
    for i, column in enumerate(columns):
        if facts[f"f{i}"] or facts[f"t{i}"] is None:
            continue
        offset = 0 if facts[f"z{i}"] else None
        if offset is None and facts[f"s{i}"]:
            offset = _offset_minutes(facts[f"t{i}"])
        if offset is not None:
            offsets[column] = offset
    return offsets


def _leap_second_ok_parsed(txt: pl.Expr, parsed: pl.Expr) -> pl.Expr:
    """The same for a ``date-time`` already parsed to UTC: polars (chrono) carries a leap
    second into the next minute, so a valid one lands exactly on a UTC midnight."""
    midnight = (parsed.dt.hour() == 0) & (parsed.dt.minute() == 0) & (parsed.dt.second() == 0)
    return ((txt.str.slice(17, 2) != "60") | midnight).fill_null(True)


@dataclass
class ValidationResult:
    """What :meth:`ColumnValidator.validate` found.

    ``frame`` holds the typed columns (invalid cells null, undeclared columns unchanged,
    declared columns missing from the input added as nulls); ``issues`` has one entry per
    (column, keyword) that failed; ``rows`` is the number of data rows.
    """

    frame: pl.LazyFrame
    issues: list[Issue] = field(default_factory=list)
    rows: int = 0


@dataclass
class _Plan:
    """How one column is checked against one subschema."""

    column: str
    schema: Any  # the subschema as written ($ref included), for jsonschema
    merged: dict[str, Any]  # the subschema with its $ref chain merged in
    types: tuple[str, ...] | None
    native: dict[str, Any]  # keyword -> schema value, checked with polars
    fallback: frozenset[str]  # keywords checked with jsonschema per distinct value
    conflicts: frozenset[str] = frozenset()  # keywords both the $ref and its siblings set
    implied: tuple[str, ...] | None = None  # how to read text cells when `type` is absent
    required: bool = False
    forbidden: bool = False  # the subschema is `false`
    index: int = 0

    def h(self, name: str) -> str:
        """Name of a helper column private to this plan."""
        return f"\x00{self.index}:{name}"


def _types_of(schema: Mapping[str, Any]) -> tuple[str, ...] | None:
    value = schema.get("type")
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


@functools.lru_cache(maxsize=256)
def _rust_regex_ok(pattern: str) -> bool:
    """Whether polars' regex engine accepts ``pattern`` (it lacks look-around, backrefs)."""
    try:
        pl.select(pl.lit("").str.contains(pattern))
    except pl.exceptions.PolarsError:
        return False
    return True


_NUMERIC_KEYWORDS = frozenset(
    {
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    }
)
_STRING_KEYWORDS = frozenset({"minLength", "maxLength", "pattern", "format"})


def _implied_types(schema: Mapping[str, Any]) -> tuple[str, ...] | None:
    """Types an untyped property's keywords suggest, to read its text cells by.

    ``{"enum": [1, 2]}`` on a CSV column means the cell ``1`` is the number 1, not the
    string "1"; ``{"maxLength": 3}`` means cells are strings.
    """
    found: list[str] = []
    members = list(schema.get("enum", [])) if isinstance(schema.get("enum"), list) else []
    if "const" in schema:
        members.append(schema["const"])
    for member in members:
        if isinstance(member, bool):
            found.append("boolean")
        elif isinstance(member, int | float):
            found.append("number")
        elif isinstance(member, str):
            found.append("string")
    if _NUMERIC_KEYWORDS & schema.keys():
        found.append("number")
    if _STRING_KEYWORDS & schema.keys():
        found.append("string")
    return tuple(dict.fromkeys(found)) or None


def _jsonable(value: Any) -> Any:
    """A polars cell as the JSON value jsonschema expects (temporal values as ISO text)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _is_plain(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


class ColumnValidator:
    """Validates whole tables against one row schema, column by column.

    :param row_schema: a draft 2020-12 object schema: ``properties``, ``required``,
        ``additionalProperties`` and, for the slow path, any other keyword.
    :param registry: where ``$ref`` to other schemas resolves (nothing is fetched).
    :param report_rows: how many offending row numbers each Issue keeps.
    :param checked: the caller has already checked ``row_schema`` against the metaschema
        (a :class:`~compliance.validation.registry.SchemaRegistry` does).
    """

    def __init__(
        self,
        row_schema: dict[str, Any],
        *,
        registry: Registry[Any] | None = None,
        report_rows: int = 5,
        checked: bool = False,
    ) -> None:
        # The metaschema's "regex" format is checked with Python's ``re``, which rejects
        # ECMA-262 patterns such as ``\p{Letter}`` that the column path (Rust regex) runs;
        # check the schema's shape without asserting formats.
        if not checked:
            _SCHEMA_CHECKER.validate(row_schema)
        self.row_schema = row_schema
        self.report_rows = report_rows
        resource = Resource.from_contents(row_schema, default_specification=DRAFT202012)
        base: Registry[Any] = registry if registry is not None else Registry()
        self._resolver = base.resolver_with_root(resource)
        self._base = base
        self._jsonschema: Any = None  # built on first use: most tables never need it
        props = row_schema.get("properties", {})
        self._properties: dict[str, Any] = dict(props) if isinstance(props, dict) else {}
        self._required: list[str] = [str(r) for r in row_schema.get("required", [])]
        self._patterns: list[tuple[re.Pattern[str], Any]] = [
            (re.compile(p), sub) for p, sub in row_schema.get("patternProperties", {}).items()
        ]
        self._additional: Any = row_schema.get("additionalProperties", True)
        root_type = _types_of(row_schema)
        root_fallback = {
            k for k in row_schema if k not in _ROOT_NATIVE and k not in _IGNORED and k != "type"
        }
        if root_type is not None and "object" not in root_type:
            root_fallback.add("type")
        self._root_fallback = frozenset(root_fallback)

    def _row_validator(self) -> Any:
        """The per-row ``jsonschema`` validator for keywords the column path leaves to it."""
        if self._jsonschema is None:
            self._jsonschema = Draft202012Validator(
                self.row_schema, registry=self._base, format_checker=FormatChecker()
            )
        return self._jsonschema

    # -- planning -------------------------------------------------------------------------

    def _merge_ref(self, schema: Any, resolver: Any, depth: int) -> tuple[Any, set[str]]:
        """The subschema with its ``$ref`` chain merged in, and the keywords both define.

        Keywords defined on both sides with different values cannot be checked as one
        column expression; they go to jsonschema, which applies both.
        """
        if isinstance(schema, bool) or not isinstance(schema, dict) or "$ref" not in schema:
            return schema, set()
        if depth > _MAX_REF_DEPTH:
            raise ValueError("row schema: $ref chain too deep")
        resolved = resolver.lookup(schema["$ref"])
        target, conflicts = self._merge_ref(resolved.contents, resolved.resolver, depth + 1)
        own = {k: v for k, v in schema.items() if k != "$ref"}
        if target is False:
            return False, set()
        if target is True or not isinstance(target, dict):
            return own, conflicts
        merged = dict(target)
        for key, value in own.items():
            if key in merged and merged[key] != value and key not in _IGNORED:
                conflicts.add(key)
            else:
                merged[key] = value
        return merged, conflicts

    def _plan(self, column: str, schema: Any, *, required: bool, index: int) -> _Plan:
        merged, conflicts = self._merge_ref(schema, self._resolver, 0)
        if not isinstance(merged, dict):
            return _Plan(
                column,
                schema,
                {},
                None,
                {},
                frozenset(),
                required=required,
                forbidden=merged is False,
                index=index,
            )
        native: dict[str, Any] = {}
        fallback: set[str] = set(conflicts)
        for key, value in merged.items():
            if key in _IGNORED or key in conflicts:
                continue
            if key == "format" and value not in _NATIVE_FORMATS:
                fallback.add(key)
            elif key in ("enum", "const"):
                members = value if key == "enum" else [value]
                if all(_is_plain(m) for m in members):
                    native[key] = value
                else:
                    fallback.add(key)
            elif key == "pattern" and not _rust_regex_ok(str(value)):
                fallback.add(key)
            elif key in _NATIVE:
                native[key] = value
            else:
                fallback.add(key)
        return _Plan(
            column,
            schema,
            merged,
            _types_of(merged),
            native,
            frozenset(fallback),
            frozenset(conflicts),
            _implied_types(merged),
            required=required,
            index=index,
        )

    def _plans(self, columns: list[str]) -> tuple[list[_Plan], list[str]]:
        """Plans for every column present, and the unexpected columns."""
        plans: list[_Plan] = []
        unexpected: list[str] = []
        for column in columns:
            subschemas: list[Any] = []
            if column in self._properties:
                subschemas.append(self._properties[column])
            subschemas.extend(sub for rx, sub in self._patterns if rx.search(column))
            if not subschemas:
                if self._additional is False:
                    unexpected.append(column)
                    continue
                # True: nothing to check, unless the column is required.
                subschemas.append(self._additional)
                if self._additional is True and column not in self._required:
                    continue
            for number, sub in enumerate(subschemas):
                required = number == 0 and column in self._required
                plans.append(self._plan(column, sub, required=required, index=len(plans)))
        return plans, unexpected

    # -- reading cells --------------------------------------------------------------------

    def _cells(
        self,
        plan: _Plan,
        dtype: pl.DataType,
        text: bool,
        kind: str | None,
        shape: _Shape | None = None,
    ) -> dict[str, pl.Expr]:
        """Helper columns saying what each cell is: code, and its value per JSON type."""
        s = pl.col(plan.column)
        out: dict[str, pl.Expr] = {}
        reading = plan.types or plan.implied
        types = set(reading or ())
        code: Any
        if (
            text
            and dtype == pl.String
            and kind is None
            and shape is not None
            and shape.decimals
            and types & {"integer", "number"}
        ):
            # Every non-empty cell is a plain decimal (see _text_shapes), so it is a number
            # whatever else the types allow: no regex, no boolean test per cell.
            if shape.integers:
                integer = s.cast(pl.Int64, strict=False)
                out["code"] = pl.when(integer.is_null()).then(_ABSENT).otherwise(_INT)
                out["num"] = integer.cast(pl.Float64)
                out["int"] = integer
            else:
                num = s.cast(pl.Float64, strict=False)
                is_int = num.is_finite() & (num.floor() == num)
                # As in the general reading: a fraction is a string where only integers
                # and strings are allowed.
                fraction = _STR if "number" not in types and "string" in types else _NUM
                out["code"] = (
                    pl.when(num.is_null()).then(_ABSENT).when(is_int).then(_INT).otherwise(fraction)
                )
                out["num"] = num
                out["int"] = pl.when(is_int).then(
                    pl.coalesce(s.cast(pl.Int64, strict=False), num.cast(pl.Int64, strict=False))
                )
            out["code"] = out["code"].cast(pl.UInt8)
            out["bool"] = pl.lit(None, dtype=pl.Boolean)
            out["txt"] = s
            return out
        if text and dtype == pl.String and kind is None:
            present = s.is_not_null()
            if shape is None or shape.empty:
                present = present & (s != "")
            chain: Any = pl.when(~present).then(_ABSENT)
            if self._reads_as_string(plan):
                # Every present cell is a string: the readings as a number or a boolean
                # are not built (some 0.3 ms of Python per column, then dropped).
                out["code"] = chain.otherwise(_STR).cast(pl.UInt8)
                out["txt"] = s
                return out
            looks_num = s.str.contains(_NUMBER_RE)
            num = pl.when(looks_num).then(s.cast(pl.Float64, strict=False))
            is_int = looks_num & num.is_finite() & (num.floor() == num)
            is_bool = s.is_in(_BOOLEAN_TEXT)
            if "boolean" in types:
                chain = chain.when(is_bool).then(_BOOL)
            if types & {"integer", "number"}:
                chain = chain.when(is_int).then(_INT)
            if "number" in types:
                chain = chain.when(looks_num).then(_NUM)
            if "string" in types:
                code = chain.otherwise(_STR)
            else:
                code = (
                    chain.when(is_bool)
                    .then(_BOOL)
                    .when(is_int)
                    .then(_INT)
                    .when(looks_num)
                    .then(_NUM)
                    .otherwise(_STR)
                )
            out["code"] = code.cast(pl.UInt8)
            if types - {"string", "null"}:
                out["num"] = num
                out["int"] = pl.when(is_int).then(
                    pl.coalesce(s.cast(pl.Int64, strict=False), num.cast(pl.Int64, strict=False))
                )
                out["bool"] = pl.when(is_bool).then(s.is_in(_TRUE_TEXT_SET))
            out["txt"] = s
            return out
        # Typed columns: the dtype says what the values are.
        is_null = s.is_null()
        if dtype == pl.Boolean:
            code = pl.when(is_null).then(_ABSENT).otherwise(_BOOL)
            out["bool"] = s
        elif dtype.is_numeric():
            as_float = s.cast(pl.Float64)
            integral = as_float.is_finite() & (as_float.floor() == as_float)
            code = pl.when(is_null).then(_ABSENT).when(integral).then(_INT).otherwise(_NUM)
            out["num"] = as_float
            exact = dtype.is_integer()
            out["int"] = pl.when(integral).then(
                (s if exact else as_float).cast(pl.Int64, strict=False)
            )
        elif dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum):
            code = pl.when(is_null).then(_ABSENT).otherwise(_STR)
            out["txt"] = s.cast(pl.String)
            if kind is not None:
                # A column the reader coerced to text: numbers and booleans come back.
                txt = s.cast(pl.String)
                looks_num = txt.str.contains(_NUMBER_RE)
                num = pl.when(looks_num).then(txt.cast(pl.Float64, strict=False))
                out["num"] = num
                out["int"] = pl.when(num.is_finite() & (num.floor() == num)).then(
                    pl.coalesce(txt.cast(pl.Int64, strict=False), num.cast(pl.Int64, strict=False))
                )
                out["bool"] = txt == "true"
        elif isinstance(dtype, pl.Date):
            code = pl.when(is_null).then(_ABSENT).otherwise(_STR)
            out["txt"] = s.dt.to_string("%Y-%m-%d")
        elif isinstance(dtype, pl.Datetime):
            zone = "%:z" if dtype.time_zone else ""  # type: ignore[attr-defined]
            code = pl.when(is_null).then(_ABSENT).otherwise(_STR)
            out["txt"] = s.dt.to_string(f"%Y-%m-%dT%H:%M:%S%.f{zone}")
        elif isinstance(dtype, pl.Time):
            code = pl.when(is_null).then(_ABSENT).otherwise(_STR)
            out["txt"] = s.dt.to_string("%H:%M:%S%.f")
        elif isinstance(dtype, pl.List | pl.Array):
            code = pl.when(is_null).then(_ABSENT).otherwise(_ARR)
        elif isinstance(dtype, pl.Struct):
            code = pl.when(is_null).then(_ABSENT).otherwise(_OBJ)
        elif dtype == pl.Null:
            code = pl.lit(_ABSENT)
        else:
            code = pl.when(is_null).then(_ABSENT).otherwise(_OTHER)
        if kind is not None:
            k = pl.col(kind)
            number = (
                pl.when(out["num"].is_finite() & (out["num"].floor() == out["num"]))
                .then(_INT)
                .otherwise(_NUM)
                if "num" in out
                else pl.lit(_NUM)
            )
            code = (
                pl.when(k.is_null())
                .then(_ABSENT)
                .when(k == "n")
                .then(_NULL)
                .when(k == '"')
                .then(_STR)
                .when(k.is_in(_BOOLEAN_KINDS))
                .then(_BOOL)
                .when(k == "{")
                .then(_OBJ)
                .when(k == "[")
                .then(_ARR)
                .otherwise(number)
            )
        out["code"] = code.cast(pl.UInt8)
        return out

    def _parsed_temporal(
        self,
        plan: _Plan,
        dtype: pl.DataType,
        helpers: set[str],
        shapes: Mapping[str, _Shape] | None = None,
    ) -> pl.Expr | None:
        """The typed value of a ``format: date``/``date-time`` column, or None."""
        fmt = plan.native.get("format")
        if fmt not in ("date", "date-time") or (plan.types and "string" not in plan.types):
            return None
        s = pl.col(plan.column)
        if isinstance(dtype, pl.Date):
            return s if fmt == "date" else None
        if isinstance(dtype, pl.Datetime):
            if fmt != "date-time":
                return None
            if dtype.time_zone:  # type: ignore[attr-defined]
                s = s.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            return s.cast(pl.Datetime("us"))
        if plan.h("txt") not in helpers:
            return None
        txt = pl.col(plan.h("txt"))
        if fmt == "date":
            # A year has 366 days at most, so dates repeat: each distinct one is parsed once
            # (a 455,000-row log of one year: 0.026 s -> 0.011 s). Time stamps do not.
            return txt.str.to_date("%Y-%m-%d", strict=False, cache=True)
        shape = (shapes or {}).get(plan.column, _Shape())
        return _datetime_from_text(txt, shape.offset, tail=shape.tail)

    # -- keywords -------------------------------------------------------------------------

    def _masks(
        self,
        plan: _Plan,
        dtype: pl.DataType,
        has_kind: bool,
        helpers: set[str],
        shape: _Shape | None = None,
        *,
        exact: bool = False,
        lengths: tuple[int, int] | None = None,
    ) -> dict[str, pl.Expr]:
        """One boolean expression per keyword: True where the cell violates it.

        ``exact``: the ``parsed`` helper of this ``format: date``/``date-time`` column is
        null exactly where a non-empty cell is not a valid date or date-time (the C helper
        made it), so it is the whole format check. ``lengths``: the byte lengths of the
        shortest and the longest non-null cell of this text column
        (:func:`native.byte_lengths`).
        """
        code = pl.col(plan.h("code"))
        present = code != _ABSENT
        # Every cell is present text that can only read as a string (see _Shape.full): the
        # keywords need no type code per cell, and "required" cannot fail.
        full = (
            shape is not None
            and shape.full
            and not has_kind
            and dtype == pl.String
            and self._reads_as_string(plan)
        )

        def on_strings(mask: pl.Expr) -> pl.Expr:
            return mask if full else is_string() & mask

        def if_present(mask: pl.Expr) -> pl.Expr:
            return mask if full else present & mask

        def col(name: str) -> pl.Expr:
            if plan.h(name) in helpers:
                return pl.col(plan.h(name))
            return pl.lit(None, dtype=_HELPER_DTYPES[name])

        # Built where a keyword needs them (a polars expression costs some 20 us of Python).
        txt = col("txt")

        def num() -> pl.Expr:
            return col("num")

        def is_number() -> pl.Expr:
            return code.is_in(_NUMBER_CODES)

        def is_string() -> pl.Expr:
            return code == _STR

        masks: dict[str, pl.Expr] = {}
        if plan.forbidden:
            return {"false": pl.lit(True) if full else present}
        if plan.required and not full:
            null_ok = plan.types is not None and "null" in plan.types and not has_kind
            if not null_ok:
                masks["required"] = ~present
        for key, value in plan.native.items():
            if key == "type":
                if self._type_always_holds(plan, dtype, has_kind, shape):
                    continue
                allowed = sorted({c for t in plan.types or () for c in _TYPE_CODES.get(t, ())})
                masks[key] = present & ~code.is_in(_code_set(tuple(allowed)))
            elif key in ("enum", "const") and plan.h(f"in:{key}") in helpers:
                # Only strings allowed, and the C helper found the members (the same
                # test as _member's for such a list).
                hit = on_strings(pl.col(plan.h(f"in:{key}")))
                masks[key] = if_present(~hit.fill_null(False))
            elif key in ("enum", "const"):
                members = value if key == "enum" else [value]
                if full:  # a cell is a string: only string members can equal it
                    strings = [m for m in members if isinstance(m, str)]
                    masks[key] = ~txt.is_in(strings) if strings else pl.lit(True)
                else:
                    masks[key] = present & ~self._member(members, code, num(), txt, col("bool"))
            elif key in _NUMBER_KEYWORDS and full:
                continue  # no cell is a number
            elif key == "minimum":
                masks[key] = is_number() & (num() < value)
            elif key == "maximum":
                masks[key] = is_number() & (num() > value)
            elif key == "exclusiveMinimum":
                masks[key] = is_number() & (num() <= value)
            elif key == "exclusiveMaximum":
                masks[key] = is_number() & (num() >= value)
            elif key == "pattern":
                if plan.h("match") in helpers:  # matched by the C helper
                    masks[key] = on_strings(~pl.col(plan.h("match")))
                else:
                    masks[key] = on_strings(~txt.str.contains(str(value)))
            elif key == "minLength":
                # A cell of n bytes holds at least ceil(n / 4) characters and at most n:
                # when the byte lengths say every cell passes, no character is counted.
                if lengths is not None and lengths[0] >= 0 and -(-lengths[0] // 4) >= value:
                    continue
                masks[key] = on_strings(txt.str.len_chars() < value)
            elif key == "maxLength":
                if lengths is not None and lengths[1] <= value:
                    continue
                masks[key] = on_strings(txt.str.len_chars() > value)
            elif key == "format":
                temporal = next(
                    (f for t, f in _TEMPORAL_FORMAT.items() if isinstance(dtype, t)), None
                )
                if temporal is not None:
                    ok: pl.Expr = pl.lit(temporal == value)
                    if temporal != value:
                        ok = txt.str.contains(_FORMAT_RES[value])
                elif exact:
                    ok = pl.col(plan.h("parsed")).is_not_null()
                else:
                    parsed = plan.h("parsed")
                    has_parsed = parsed in helpers and value in ("date", "date-time")
                    strict = has_parsed and value == "date-time" and shape and shape.tail
                    # In the strict layout (checked by _text_shapes) the parse is the check.
                    ok = pl.lit(True) if strict else txt.str.contains(_FORMAT_RES[value])
                    if has_parsed:
                        ok = ok & pl.col(parsed).is_not_null()
                    if value == "date-time" and has_parsed:
                        if not strict:  # the strict layout has no second 60
                            ok = ok & _leap_second_ok_parsed(txt, pl.col(parsed))
                    elif value in ("time", "date-time"):
                        ok = ok & _leap_second_ok(txt, 0 if value == "time" else 11)
                masks[key] = on_strings(~ok)
        return {k: m.fill_null(False) for k, m in masks.items()}

    @staticmethod
    def _reads_as_string(plan: _Plan) -> bool:
        """Whether :meth:`_cells` reads every present text cell of the column as a string:
        the column has no type, or only ``string`` (and ``null``)."""
        reading = plan.types or plan.implied
        return reading is None or ("string" in reading and set(reading) <= {"string", "null"})

    @staticmethod
    def _type_always_holds(
        plan: _Plan, dtype: pl.DataType, has_kind: bool, shape: _Shape | None
    ) -> bool:
        """Whether every code :meth:`_cells` can give this column is an allowed type.

        True for CSV text read where ``string`` is allowed (a cell that is nothing else is
        a string), and for columns of plain numbers (see :func:`_text_shapes`) where
        ``number``, or ``integer`` for whole numbers, is.
        """
        types = set(plan.types or ())
        if has_kind or dtype != pl.String or not types:
            return False
        if shape is not None and shape.decimals:
            return "number" in types or (shape.integers and "integer" in types)
        return "string" in types

    @staticmethod
    def _member(
        members: list[Any], code: pl.Expr, num: pl.Expr, txt: pl.Expr, boo: pl.Expr
    ) -> pl.Expr:
        """True where the cell equals one of ``members`` (JSON equality: 1 == 1.0)."""
        strings = [m for m in members if isinstance(m, str)]
        numbers = [
            float(m) for m in members if isinstance(m, int | float) and not isinstance(m, bool)
        ]
        hit: pl.Expr = pl.lit(False)
        if strings:
            hit = hit | ((code == _STR) & txt.is_in(strings))
        if numbers:
            hit = hit | (code.is_in(_NUMBER_CODES) & num.is_in(numbers))
        for flag in {m for m in members if isinstance(m, bool)}:
            hit = hit | ((code == _BOOL) & (boo == flag))
        if any(m is None for m in members):
            hit = hit | (code == _NULL)
        return hit.fill_null(False)

    # -- the slow path ----------------------------------------------------------------------

    @staticmethod
    def _py_value(code: int, num: Any, integer: Any, boo: Any, txt: Any, raw: Any) -> Any:
        """The JSON value a cell stands for, for jsonschema."""
        if code == _NULL:
            return None
        if code == _BOOL:
            return boo
        if code == _INT:
            return integer if integer is not None else int(num)
        if code == _NUM:
            return num
        if code == _STR:
            return txt
        if isinstance(raw, str) and code in (_OBJ, _ARR):
            try:
                return json.loads(raw)
            except ValueError:
                return raw
        return _jsonable(raw)

    def _fallback_masks(
        self, plan: _Plan, mat: pl.DataFrame, kind: str | None, helpers: set[str]
    ) -> dict[str, pl.Series]:
        """Keywords polars cannot evaluate, checked once per distinct value of the column."""
        height = mat.height
        code = pl.col(plan.h("code"))
        masks: dict[str, pl.Series] = {}
        rest = set(plan.fallback)
        if "pattern" in rest and "pattern" not in plan.conflicts and plan.h("txt") in helpers:
            # Python's re, as jsonschema uses, on each distinct string once.
            rest.discard("pattern")
            rx = re.compile(str(plan.merged["pattern"]))
            distinct = (
                mat.lazy()
                .filter(code == _STR)
                .select(pl.col(plan.h("txt")).unique())
                .collect()
                .to_series()
                .to_list()
            )
            bad = [v for v in distinct if v is not None and not rx.search(v)]
            masks["pattern"] = mat.select(
                ((code == _STR) & pl.col(plan.h("txt")).is_in(bad)).fill_null(False)
            ).to_series()
        if not rest:
            return masks
        keys = [plan.column] + ([kind] if kind else [])
        names = ("code", "num", "int", "bool", "txt")
        firsts = [
            (pl.col(plan.h(n)) if plan.h(n) in helpers else pl.lit(None)).first().alias(n)
            for n in names
        ]
        groups = (
            mat.lazy()
            .with_row_index("\x00i")
            .filter(code != _ABSENT)
            .group_by(keys)
            .agg(*firsts, pl.col(plan.column).first().alias("\x00raw"), pl.col("\x00i"))
            .collect()
        )
        validator = self._row_validator().evolve(schema=plan.schema)
        failing: dict[str, list[int]] = {}
        for row in groups.iter_rows(named=True):
            value = self._py_value(
                row["code"], row["num"], row["int"], row["bool"], row["txt"], row["\x00raw"]
            )
            seen: set[str] = set()
            for error in validator.iter_errors(value):
                keyword = next(
                    (str(p) for p in error.relative_schema_path if p != "$ref"), keyword_of(error)
                )
                if keyword in rest and keyword not in seen:
                    seen.add(keyword)
                    failing.setdefault(keyword, []).extend(row["\x00i"])
        for keyword, indexes in failing.items():
            masks[keyword] = pl.Series(keyword, [False] * height, dtype=pl.Boolean).scatter(
                indexes, True
            )
        return masks

    def _row_fallback(
        self,
        plans: list[_Plan],
        mat: pl.DataFrame,
        columns: list[str],
        text: bool,
        kinds: Mapping[str, str],
        helpers: set[str],
    ) -> dict[str, list[int]]:
        """Row-schema keywords (``dependentRequired``, ``if``...) checked row by row."""
        first: dict[str, _Plan] = {}
        for plan in plans:
            first.setdefault(plan.column, plan)
        exprs: list[pl.Expr] = []
        for column in columns:
            found = first.get(column)
            if found is None:
                exprs.append(pl.col(column).alias(f"raw:{column}"))
                continue
            for n in ("code", "num", "int", "bool", "txt"):
                name = found.h(n)
                exprs.append(
                    (pl.col(name) if name in helpers else pl.lit(None)).alias(f"{n}:{column}")
                )
            exprs.append(pl.col(column).alias(f"raw:{column}"))
        if self._root_fallback & {"unevaluatedProperties", "unevaluatedItems"}:
            # what is "unevaluated" depends on the rest of the schema
            validator = self._row_validator()
        else:
            validator = self._row_validator().evolve(
                schema={k: self.row_schema[k] for k in self._root_fallback}
            )
        failing: dict[str, list[int]] = {}
        for index, row in enumerate(mat.select(exprs).iter_rows(named=True)):
            instance: dict[str, Any] = {}
            for column in columns:
                raw = row[f"raw:{column}"]
                if column in first:
                    code = row[f"code:{column}"]
                    if code == _ABSENT:
                        continue
                    instance[column] = self._py_value(
                        code,
                        row[f"num:{column}"],
                        row[f"int:{column}"],
                        row[f"bool:{column}"],
                        row[f"txt:{column}"],
                        raw,
                    )
                elif raw is not None and not (text and raw == ""):
                    instance[column] = _jsonable(raw)
            seen: set[str] = set()
            for error in validator.iter_errors(instance):
                keyword = (
                    str(error.relative_schema_path[0])
                    if error.relative_schema_path
                    else keyword_of(error)
                )
                if keyword in self._root_fallback and keyword not in seen:
                    seen.add(keyword)
                    failing.setdefault(keyword, []).append(index)
        return failing

    # -- output ---------------------------------------------------------------------------

    def _typed(
        self,
        plan: _Plan,
        dtype: pl.DataType,
        text: bool,
        helpers: set[str],
        shape: _Shape | None = None,
    ) -> pl.Expr:
        """The declared column cast to its type (before invalid cells are nulled)."""
        s = pl.col(plan.column)
        code = pl.col(plan.h("code"))
        kinds = set(plan.types or ()) - {"null"}
        parsed = plan.h("parsed")
        if parsed in helpers:
            return pl.col(parsed)
        if (
            shape is not None
            and shape.decimals
            and kinds
            and kinds <= {"integer", "number"}
            and plan.h("int") in helpers
        ):
            # Plain numbers (see _cells): the helpers are null exactly where the code is
            # not an integer (int) or not a number (num), so they are the typed column.
            return pl.col(plan.h("int") if kinds == {"integer"} else plan.h("num"))
        if kinds == {"integer"} and plan.h("int") in helpers:
            return pl.when(code == _INT).then(pl.col(plan.h("int"))).cast(pl.Int64)
        if kinds and kinds <= {"integer", "number"} and plan.h("num") in helpers:
            return pl.when(code.is_in(_NUMBER_CODES)).then(pl.col(plan.h("num")))
        if kinds == {"boolean"} and plan.h("bool") in helpers:
            return pl.when(code == _BOOL).then(pl.col(plan.h("bool"))).cast(pl.Boolean)
        if text and dtype == pl.String and (shape is None or shape.empty):
            return pl.when(s != "").then(s)
        return s

    # -- entry point ----------------------------------------------------------------------

    def validate(
        self,
        frame: pl.LazyFrame | pl.DataFrame,
        *,
        path: str,
        source_is_text: bool,
        json_kinds: Mapping[str, str] | None = None,
        empty_text: bool = True,
    ) -> ValidationResult:
        """Check every column of ``frame`` and return it typed, with the issues found.

        :param path: bundle path of the file, for the issues.
        :param source_is_text: cells are text to parse (CSV) rather than typed values.
        :param json_kinds: property name -> name of a column in ``frame`` holding the first
            character of each cell's raw JSON value (``n``, ``"``, ``t``, ``{``, a digit...;
            null when the key is absent). Those columns are dropped from the result.
        :param empty_text: False when the reader knows that no text cell is the empty
            string (a CSV file without a quote character); the columns are then not
            searched for one.
        Row numbers come from a ``__row`` column when the frame has one, else the
        1-based position.
        """
        df = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
        kinds = dict(json_kinds or {})
        kind_columns = set(kinds.values())
        columns = [c for c in df.columns if c not in kind_columns and c not in _RESERVED]
        schema = df.schema
        issues: list[Issue] = []
        for name in self._required:
            if name not in schema:
                issues.append(
                    Issue(
                        path=path,
                        keyword="required",
                        column=name,
                        fatal=True,
                        message=f"required column '{name}' is missing",
                    )
                )
        plans, unexpected = self._plans(columns)

        # Helper columns the C helper computes in one pass each, where it is in use (see
        # native.py): the typed value of a date or date-time text column ("parsed", null
        # exactly where the format fails) and whether each cell matches a class pattern
        # ("match"). Plan helper name -> column. The polars path below then neither probes
        # nor parses those columns, nor runs their pattern.
        exact: dict[str, pl.Series] = {}
        # Text column -> byte lengths of its shortest and longest cell, where a length
        # keyword may then need no character count (see _masks).
        lengths: dict[str, tuple[int, int]] = {}
        if source_is_text:
            done: dict[tuple[str, str], pl.Series | None] = {}
            for plan in plans:
                if schema[plan.column] != pl.String or plan.column in kinds:
                    continue
                fmt, pattern = plan.native.get("format"), plan.native.get("pattern")
                wanted: list[tuple[str, Any]] = []
                if fmt in ("date", "date-time"):
                    wanted.append(("parsed", fmt))
                if isinstance(pattern, str):
                    wanted.append(("match", pattern))
                if plan.column not in lengths and (
                    "minLength" in plan.native or "maxLength" in plan.native
                ):
                    extent = native.byte_lengths(df.get_column(plan.column))
                    if extent is not None:
                        lengths[plan.column] = extent
                for key in ("enum", "const"):
                    strings = _string_members(plan.native, key)
                    if strings is not None:
                        wanted.append((f"in:{key}", strings))
                for helper, what in wanted:
                    memo = (plan.column, repr(what))
                    if memo not in done:
                        text = df.get_column(plan.column)
                        done[memo] = (
                            native.members(text, what)
                            if isinstance(what, list)
                            else native.datetimes(text)
                            if what == "date-time"
                            else native.dates(text)
                            if what == "date"
                            else native.matches(text, what)
                        )
                    found = done[memo]
                    if found is not None:
                        exact[plan.h(helper)] = found.alias(plan.h(helper))
        exact_columns = {
            plan.column
            for plan in plans
            if plan.h("parsed") in exact and plan.native.get("format") == "date-time"
        }

        text_columns = {
            plan.column
            for plan in plans
            if source_is_text and schema[plan.column] == pl.String and plan.column not in kinds
        }
        shapes = _text_shapes(
            df,
            list(
                dict.fromkeys(
                    plan.column
                    for plan in plans
                    if plan.native.get("format") == "date-time"
                    and schema[plan.column] == pl.String
                    and plan.column not in exact_columns
                )
            ),
            list(
                dict.fromkeys(
                    plan.column
                    for plan in plans
                    if plan.column in text_columns
                    and set(plan.types or plan.implied or ()) & {"integer", "number"}
                )
            ),
            [c for c in columns if source_is_text and schema[c] == pl.String and c not in kinds],
            empty_text=empty_text,
        )
        helpers_exprs: list[pl.Expr] = []
        for plan in plans:
            kind = kinds.get(plan.column)
            if kind is not None and kind not in schema:
                kind = None
            cells = self._cells(
                plan, schema[plan.column], source_is_text, kind, shapes.get(plan.column)
            )
            for name, expr in cells.items():
                helpers_exprs.append(expr.alias(plan.h(name)))
        helpers = {e.meta.output_name() for e in helpers_exprs} | set(exact)
        parsed_exprs: list[pl.Expr] = []
        for plan in plans:
            if plan.h("parsed") in exact:
                continue
            parsed = self._parsed_temporal(plan, schema[plan.column], helpers, shapes)
            if parsed is not None:
                parsed_exprs.append(parsed.alias(plan.h("parsed")))
        helpers |= {e.meta.output_name() for e in parsed_exprs}

        mask_exprs: list[pl.Expr] = []
        mask_of: list[tuple[_Plan, str, str]] = []  # plan, keyword, mask column
        for plan in plans:
            has_kind = kinds.get(plan.column) in schema
            masks = self._masks(
                plan,
                schema[plan.column],
                has_kind,
                helpers,
                shapes.get(plan.column),
                exact=plan.h("parsed") in exact,
                lengths=lengths.get(plan.column),
            )
            for keyword, expr in masks.items():
                name = plan.h(f"bad:{keyword}")
                mask_exprs.append(expr.alias(name))
                mask_of.append((plan, keyword, name))
        for column in unexpected:
            name = f"\x00extra:{column}"
            present = pl.col(column).is_not_null()
            if kinds.get(column) in schema:
                present = pl.col(kinds[column]).is_not_null()
            elif (
                source_is_text
                and schema[column] == pl.String
                and shapes.get(column, _Shape()).empty
            ):
                present = present & (pl.col(column) != "")
            mask_exprs.append(present.alias(name))

        # Helper columns nothing reads are not computed: a plain-decimal "number" column,
        # say, needs no integer reading of its cells. Keywords left to jsonschema and
        # row-level keywords read every helper of their columns.
        if not self._root_fallback:
            needed = {n for e in (*mask_exprs, *parsed_exprs) for n in e.meta.root_names()}
            first: dict[str, _Plan] = {}
            for plan in plans:
                first.setdefault(plan.column, plan)
                if plan.fallback:
                    needed |= {plan.h(n) for n in ("code", "num", "int", "bool", "txt")}
            for plan in first.values():
                typed = self._typed(
                    plan, schema[plan.column], source_is_text, helpers, shapes.get(plan.column)
                )
                needed |= set(typed.meta.root_names())
            helpers_exprs = [e for e in helpers_exprs if e.meta.output_name() in needed]

        lazy = df.lazy()
        if exact:
            lazy = lazy.with_columns(list(exact.values()))
        if helpers_exprs:
            lazy = lazy.with_columns(helpers_exprs)
        if parsed_exprs:
            lazy = lazy.with_columns(parsed_exprs)
        if mask_exprs:
            lazy = lazy.with_columns(mask_exprs)
        mat = collect(lazy, df.height)

        extra_masks: list[pl.Series] = []
        for plan in plans:
            if not plan.fallback:
                continue
            kind = kinds.get(plan.column) if kinds.get(plan.column) in schema else None
            for keyword, series in self._fallback_masks(plan, mat, kind, helpers).items():
                name = plan.h(f"bad:{keyword}")
                extra_masks.append(series.alias(name))
                mask_of.append((plan, keyword, name))
        if extra_masks:
            mat = mat.with_columns(extra_masks)

        mask_of.sort(key=lambda item: item[0].index)  # issues in column order
        rownum = (
            pl.col(ROW_COLUMN).cast(pl.Int64)
            if ROW_COLUMN in schema
            else pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
        )
        report: list[tuple[str | None, str, str, str]] = [
            (
                plan.column,
                keyword,
                name,
                self._message(plan, keyword, has_kind=kinds.get(plan.column) in schema),
            )
            for plan, keyword, name in mask_of
        ]
        report += [
            (
                column,
                "additionalProperties",
                f"\x00extra:{column}",
                f"unexpected column '{column}' is not allowed by the schema",
            )
            for column in unexpected
        ]
        failing: set[str] = set()  # mask columns with at least one True
        if report:
            # Counts first (a sum per mask); row numbers only for the masks that failed.
            # Series calls, not a query: a query costs some 0.1 ms to plan and start,
            # which is most of the time of a small table's count.
            counts = [mat.get_column(name).sum() for _, _, name, _ in report]
            failed = [i for i, n in enumerate(counts) if n]
            firsts: list[list[int]] = []
            if failed:
                numbers = mat.select(rownum).to_series()
                firsts = [
                    numbers.filter(mat.get_column(report[i][2])).head(self.report_rows).to_list()
                    for i in failed
                ]
            for i, rows_found in zip(failed, firsts, strict=True):
                where, keyword, name, message = report[i]
                failing.add(name)
                issues.append(
                    Issue(
                        path=path,
                        keyword=keyword,
                        message=message,
                        column=where,
                        rows=tuple(rows_found),
                        count=int(counts[i]),
                    )
                )

        if self._root_fallback and mat.height:
            by_row = self._row_fallback(plans, mat, columns, source_is_text, kinds, helpers)
            numbers = mat.select(rownum.alias("n")).to_series()
            for keyword, indexes in by_row.items():
                issues.append(
                    Issue(
                        path=path,
                        keyword=keyword,
                        message=f"row {describe(keyword, self.row_schema.get(keyword))}",
                        rows=tuple(int(numbers[i]) for i in indexes[: self.report_rows]),
                        count=len(indexes),
                    )
                )

        # Only masks that failed somewhere can null a cell.
        nulling = [item for item in mask_of if item[2] in failing]
        out = self._output(
            plans, mat, df, schema, columns, source_is_text, helpers, nulling, shapes
        )
        return ValidationResult(frame=out.lazy(), issues=issues, rows=df.height)

    def _message(self, plan: _Plan, keyword: str, *, has_kind: bool) -> str:
        if keyword == "required":
            if has_kind:
                return f"required column '{plan.column}' is missing from some rows"
            return f"required column '{plan.column}' is empty"
        if keyword == "false":
            return f"column '{plan.column}' is not allowed by the schema"
        if keyword in plan.conflicts:
            return f"column '{plan.column}' fails one of its '{keyword}' constraints"
        return f"column '{plan.column}' {describe(keyword, plan.merged.get(keyword))}"

    def _output(
        self,
        plans: list[_Plan],
        mat: pl.DataFrame,
        df: pl.DataFrame,
        schema: pl.Schema,
        columns: list[str],
        text: bool,
        helpers: set[str],
        mask_of: list[tuple[_Plan, str, str]],
        shapes: Mapping[str, _Shape],
    ) -> pl.DataFrame:
        """Typed declared columns with failing cells nulled; other columns as they were."""
        first: dict[str, _Plan] = {}
        for plan in plans:
            first.setdefault(plan.column, plan)
        bad: dict[str, list[str]] = {}
        for plan, _keyword, name in mask_of:
            bad.setdefault(plan.column, []).append(name)
        exprs: list[pl.Expr] = []
        for column in df.columns:
            if column not in columns and column not in _RESERVED:
                continue  # JSON kind helper columns
            found = first.get(column)
            shape = shapes.get(column)
            if found is None:
                if text and schema[column] == pl.String and (shape is None or shape.empty):
                    exprs.append(pl.when(pl.col(column) != "").then(pl.col(column)).alias(column))
                else:
                    exprs.append(pl.col(column))
                continue
            typed = self._typed(found, schema[column], text, helpers, shape)
            if bad.get(column):
                typed = (
                    pl.when(pl.any_horizontal([pl.col(n) for n in bad[column]]))
                    .then(None)
                    .otherwise(typed)
                )
            exprs.append(typed.alias(column))
        missing: dict[str, pl.DataType] = {}
        for name in self._properties:
            if name not in schema:
                plan = self._plan(name, self._properties[name], required=False, index=-1)
                missing[name] = self._declared_dtype(plan)
        # Columns that pass through are taken as they are: a select would first copy every
        # column to line up its chunks with the helpers'.
        computed = [e for e in exprs if not e.meta.undo_aliases().meta.is_column()]
        names = [e.meta.output_name() for e in computed]
        values = dict(
            zip(names, collect(mat.lazy().select(computed), mat.height).get_columns(), strict=True)
        )
        out: list[pl.Series] = []
        for expr in exprs:
            name = expr.meta.output_name()
            if name in values:
                out.append(values[name])
            else:
                source = expr.meta.undo_aliases().meta.output_name()
                out.append(mat.get_column(source).alias(name))
        out += [
            pl.Series(name, dtype=dtype).extend_constant(None, mat.height)
            for name, dtype in missing.items()
        ]
        return pl.DataFrame(out)

    @staticmethod
    def _declared_dtype(plan: _Plan) -> pl.DataType:
        kinds = set(plan.types or ()) - {"null"}
        fmt = plan.native.get("format")
        if kinds == {"integer"}:
            return pl.Int64()
        if kinds and kinds <= {"integer", "number"}:
            return pl.Float64()
        if kinds == {"boolean"}:
            return pl.Boolean()
        if kinds <= {"string"} and fmt == "date":
            return pl.Date()
        if kinds <= {"string"} and fmt == "date-time":
            return pl.Datetime("us")
        return pl.String()
