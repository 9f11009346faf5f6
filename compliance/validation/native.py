"""The optional C helpers of the column validator (``compliance._native``).

``pip install`` builds ``compliance/_native.c`` where a C compiler is available; without
it, or with ``COMPLIANCE_PURE_PYTHON=1`` in the environment, every helper here returns
None and the validator computes the same values with polars expressions. The two paths
give the same verdicts and typed values (tests/test_native.py holds them to each other).

Columns cross into C and back through the Arrow C stream interface, without a copy.
"""

from __future__ import annotations

import functools
import os
import string
import struct
from types import ModuleType
from typing import Any

import polars as pl

PURE_PYTHON_ENV = "COMPLIANCE_PURE_PYTHON"

_native: ModuleType | None
try:
    from compliance import _native  # type: ignore[attr-defined,no-redef]
except ImportError:  # built without a C compiler: polars does it all
    _native = None


def built() -> bool:
    """Whether the C helpers were built into this installation."""
    return _native is not None


def enabled() -> bool:
    """Whether the validator uses the C helpers now: built, not switched off, and the
    installed polars exchanges columns through the Arrow PyCapsule interface."""
    return _native is not None and not os.environ.get(PURE_PYTHON_ENV) and _round_trip()


@functools.cache
def _round_trip() -> bool:
    """Whether a column goes to the helper and back (polars releases before about 1.10
    lack the Arrow PyCapsule interface on Series)."""
    try:
        cells = pl.Series(["2025-01-01T00:00:00Z"], dtype=pl.String)
        back = pl.Series(_Stream(_native.datetimes(cells.__arrow_c_stream__())))  # type: ignore[union-attr]
        return back.dtype == pl.Datetime("us") and back.len() == 1
    except Exception:  # any failure means: polars alone
        return False


class _Stream:
    """Hands an Arrow stream capsule made in C to polars (the PyCapsule interface)."""

    __slots__ = ("_capsule",)

    def __init__(self, capsule: Any) -> None:
        self._capsule = capsule

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._capsule


def _raw(function: str, series: pl.Series, *args: Any) -> Any:
    """What the C function returns for a String column, or None where the helper is not
    in use or refuses the column's layout (NotImplementedError: polars takes over)."""
    if not enabled() or series.dtype != pl.String:
        return None
    try:
        return getattr(_native, function)(series.__arrow_c_stream__(), *args)
    except NotImplementedError:
        return None


def _call(function: str, series: pl.Series, *args: Any) -> pl.Series | None:
    """The C function's result column, named as ``series``, or None (see :func:`_raw`)."""
    capsule = _raw(function, series, *args)
    return None if capsule is None else pl.Series(_Stream(capsule)).alias(series.name)


def datetimes(series: pl.Series) -> pl.Series | None:
    """RFC 3339 date-time text as ``Datetime("us")`` naive UTC, null where a cell is
    null, empty or not a valid date-time; None where the C helper is not in use.

    The same values and the same nulls as the polars path of the validator (the format's
    regular expression, the parse, the offset and the leap-second rule) in one pass.
    """
    return _call("datetimes", series)


def dates(series: pl.Series) -> pl.Series | None:
    """RFC 3339 full-date text (``YYYY-MM-DD``) as ``Date``, null where a cell is null,
    empty or not a valid date; None where the C helper is not in use."""
    return _call("dates", series)


def matches(series: pl.Series, pattern: str) -> pl.Series | None:
    """Whether each cell matches ``pattern`` (null where the cell is null), for patterns
    :func:`compile_pattern` can compile; None otherwise or where the helper is not in
    use."""
    program = compile_pattern(pattern)
    if program is None:
        return None
    return _call("matches", series, program)


def members(series: pl.Series, strings: list[str]) -> pl.Series | None:
    """Whether each cell is one of ``strings`` (null where the cell is null), exactly
    ``series.is_in(strings)`` for text; None where the helper is not in use or the set
    is larger than the helper takes (256)."""
    if len(strings) > 256:
        return None
    return _call("members", series, list(strings))


def digit_runs(series: pl.Series, length: int) -> pl.Series | None:
    """Whether each cell holds ``length`` or more ASCII digits in a row (null where the
    cell is null); None where the helper is not in use."""
    return _call("digit_runs", series, length)


def decimals(series: pl.Series) -> tuple[bool, bool, int] | None:
    """Facts about a text column read as numbers, in one pass: whether every non-null
    cell is empty or a plain decimal (``-?[0-9]+(\\.[0-9]+)?``), whether any cell holds
    a ``.``, and the byte length of the longest cell; None where the helper is not in
    use."""
    facts = _raw("decimals", series)
    if facts is None:
        return None
    plain, dot, widest = facts
    return bool(plain), bool(dot), int(widest)


def byte_lengths(series: pl.Series) -> tuple[int, int] | None:
    """The length in bytes of the shortest and of the longest non-null cell of a text
    column, ``(-1, -1)`` when it has none; None where the helper is not in use. A cell of
    n bytes holds at most n characters and at least ceil(n / 4)."""
    found = _raw("byte_lengths", series)
    if found is None:
        return None
    shortest, longest = found
    return int(shortest), int(longest)


def padded(series: pl.Series) -> bool | None:
    """Whether any cell of a text column begins or ends with white space, that is whether
    ``str.strip_chars()`` would change any cell; None where the helper is not in use."""
    found = _raw("padded", series)
    return None if found is None else bool(found)


def csv_fields(
    path: os.PathLike[str] | str,
    width: int,
    limit: int | None,
    *,
    wide: bool,
    report: int,
    data: bytes | None = None,
) -> tuple[list[int], int, bool] | None:
    """The CSV field-count check of ``compliance.evidence.tables`` in one pass over the
    file: the first ``report`` line numbers whose field count differs from ``width``, how
    many differ, and whether a line it looked at closely has an odd number of quotes;
    None where the helper is not in use. ``data``: the file's content, when it has been
    read already (then the file is not read again)."""
    if not enabled():
        return None
    assert _native is not None
    lines, count, odd = _native.csv_fields(
        os.fspath(path) if data is None else data,
        width,
        -1 if limit is None else limit,
        wide,
        report,
    )
    return list(lines), int(count), bool(odd)


# -- patterns -----------------------------------------------------------------------------

# What compile_pattern accepts: ^, then atoms, each optionally quantified, then $. An
# atom is a literal character or a class of literal characters and ranges. Everything in
# it is ASCII and means the same in ECMA-262 (JSON Schema's dialect) and in polars' Rust
# engine; anything else (groups, alternation, dots, escapes such as \d, negated or
# nested classes, lazy quantifiers) returns None and polars matches the pattern.
_LITERAL = frozenset(string.ascii_letters + string.digits + "_ ,:;/@#%=!<>'\"~&-")
_ESCAPED = frozenset(".-+*?()[]{}|^$\\")
_IN_CLASS = frozenset(string.ascii_letters + string.digits + "_ .,:;/@#+")
_CLASS_ESCAPED = frozenset(".-]\\^[")
_RANGES = (string.digits, string.ascii_uppercase, string.ascii_lowercase)
_MAX_REPEAT = 1000
_MAX_ITEMS = 64
_UNBOUNDED = 0xFFFFFFFF


class _Unsupported(Exception):
    pass


def _class(pattern: str, i: int) -> tuple[set[str], int]:
    """The class starting after ``[`` at ``i``: its characters, and the index after ``]``."""
    chars: set[str] = set()
    start = i
    while True:
        if i >= len(pattern):
            raise _Unsupported
        c = pattern[i]
        if c == "]" and i > start:
            return chars, i + 1
        if c == "\\":
            if i + 1 >= len(pattern) or pattern[i + 1] not in _CLASS_ESCAPED:
                raise _Unsupported
            chars.add(pattern[i + 1])
            i += 2
            continue
        if c == "-":
            # Only a first or last "-" is a literal in both dialects without doubt.
            if i == start or pattern[i + 1 : i + 2] == "]":
                chars.add("-")
                i += 1
                continue
            raise _Unsupported
        if c not in _IN_CLASS:
            raise _Unsupported
        if pattern[i + 1 : i + 2] == "-" and pattern[i + 2 : i + 3] not in ("]", ""):
            end = pattern[i + 2]
            run = next((r for r in _RANGES if c in r and end in r), None)
            if run is None or run.index(c) > run.index(end):
                raise _Unsupported
            chars.update(run[run.index(c) : run.index(end) + 1])
            i += 3
            continue
        chars.add(c)
        i += 1


def _quantifier(pattern: str, i: int) -> tuple[int, int, int]:
    """``(min, max, next index)`` of the quantifier at ``i`` (``{1, 1}`` if none)."""
    c = pattern[i : i + 1]
    if c == "?":
        low, high, i = 0, 1, i + 1
    elif c == "*":
        low, high, i = 0, _UNBOUNDED, i + 1
    elif c == "+":
        low, high, i = 1, _UNBOUNDED, i + 1
    elif c == "{":
        end = pattern.find("}", i)
        if end < 0:
            raise _Unsupported
        body = pattern[i + 1 : end]
        low_text, comma, high_text = body.partition(",")
        digits = low_text.isdigit() and (not high_text or high_text.isdigit())
        if not digits or not body.isascii() or (high_text and not comma):
            raise _Unsupported
        low = int(low_text)
        high = int(high_text) if high_text else (_UNBOUNDED if comma else low)
        if low > _MAX_REPEAT or (high != _UNBOUNDED and (high > _MAX_REPEAT or high < low)):
            raise _Unsupported
        i = end + 1
    else:
        return 1, 1, i
    if pattern[i : i + 1] in ("?", "+", "*", "{"):  # lazy, possessive or doubled
        raise _Unsupported
    return low, high, i


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> bytes | None:
    """The C helper's program for an anchored pattern of character classes, or None.

    ``^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$`` becomes two items: a set of bytes, and how
    often in a row it must match (1..1, then 0..39).
    """
    if len(pattern) < 2 or pattern[0] != "^" or not pattern.endswith("$"):
        return None
    body = pattern[1:-1]
    if body.endswith("\\") and (len(body) - len(body.rstrip("\\"))) % 2:
        return None  # the final $ is escaped
    items: list[bytes] = []
    i = 0
    try:
        while i < len(body):
            c = body[i]
            if c == "[":
                if body[i + 1 : i + 2] == "^":
                    raise _Unsupported
                chars, i = _class(body, i + 1)
            elif c == "\\":
                if body[i + 1 : i + 2] not in _ESCAPED or i + 1 >= len(body):
                    raise _Unsupported
                chars, i = {body[i + 1]}, i + 2
            elif c in _LITERAL:
                chars, i = {c}, i + 1
            else:
                raise _Unsupported
            low, high, i = _quantifier(body, i)
            bits = bytearray(32)
            for ch in chars:
                bits[ord(ch) >> 3] |= 1 << (ord(ch) & 7)
            items.append(bytes(bits) + struct.pack("<II", low, high))
            if len(items) > _MAX_ITEMS:
                raise _Unsupported
    except _Unsupported:
        return None
    return b"".join(items) if items else None
