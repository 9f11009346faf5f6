"""polars helpers for indicator rules: the same answers as the plain expressions, found
with less work on the data evidence usually is.

Rules run over tables of millions of rows, and a few textbook expressions cost far more
than the rest of a rule. The helpers here first ask ``frame`` a cheap question (are the
ids sorted, do any two hashes meet) and build the expensive expression only when the
answer leaves it necessary; the result is always the plain expression's result
(tests/test_frames.py checks them side by side on generated tables).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime, timedelta

import polars as pl

__all__ = ["digit_runs", "duplicated", "local_date", "one_of", "stripped"]

_SAMPLE_STEP = "15m"  # no zone has changed its offset twice within 15 minutes
_SAMPLE_SPAN = timedelta(days=366 * 50)  # longer spans take the exact path

#: Up to this many strings, comparisons cost less than a set lookup (polars 2.1, 900,000
#: cells: 2 strings 3.1 ms against 7.5 ms, 8 strings 10.5 ms against 19.6 ms, 12 strings
#: 16.2 ms against 10.8 ms).
_FEW = 8

_ORDERED = (pl.String, pl.Date, pl.Datetime, pl.Time, pl.Duration, pl.Boolean)


def _ordered(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() or isinstance(dtype, _ORDERED)


def _hash_exact(dtype: pl.DataType) -> bool:
    """Whether equal values of ``dtype`` always hash alike (not so for floats)."""
    return dtype.is_integer() or isinstance(dtype, (*_ORDERED, pl.Categorical, pl.Enum))


def duplicated(frame: pl.LazyFrame | pl.DataFrame, *columns: str) -> pl.Expr:
    """``is_duplicated()`` of one column, or of several taken together, for ``frame``.

    The expression marks the rows whose value (or combination of values) occurs more than
    once, nulls counting as equal to each other, exactly like
    ``pl.col(c).is_duplicated()`` or ``pl.struct(*columns).is_duplicated()``. Use it in a
    query over ``frame`` itself, or over a frame with the same rows (a left join on a
    unique key, say).

    Two probes come first: a single column whose non-null values strictly increase, with
    at most one null, repeats nothing (ids exported in order: one comparison per row);
    otherwise, when no two rows share a hash, no two share a value (one hash per row). On
    such columns the answer is the constant False; only when hashes meet is the
    hash-table test built, which is some 5 to 20 times slower than the probes.
    """
    if not columns:
        raise ValueError("duplicated() needs at least one column")
    lazy = frame.lazy()
    schema = lazy.collect_schema()
    key = pl.col(columns[0]) if len(columns) == 1 else pl.struct(*columns)
    exact = key.is_duplicated()
    if len(columns) == 1 and _ordered(schema[columns[0]]):
        values = key.drop_nulls()
        increasing, nulls = (
            lazy.select(
                (values > values.shift(1)).all().alias("increasing"),
                key.null_count().alias("nulls"),
            )
            .collect()
            .row(0)
        )
        if increasing and nulls <= 1:
            return pl.lit(False)
    if not all(_hash_exact(schema[c]) for c in columns):
        return exact  # equal floats (0.0 and -0.0) need not hash alike
    rows, hashes = lazy.select(pl.len(), key.hash().n_unique()).collect().row(0)
    return pl.lit(False) if hashes == rows else exact


@functools.lru_cache(maxsize=64)  # indicators ask again for the same span and zone
def _fixed_offset(first: datetime, last: datetime, zone: str) -> timedelta | None:
    """The UTC offset ``zone`` keeps from ``first`` to ``last`` (naive UTC), or None when it
    changes (daylight saving, a change of standard time) or the span is very long."""
    if last - first > _SAMPLE_SPAN:
        return None
    instants = pl.concat(
        [
            pl.datetime_range(first, last, _SAMPLE_STEP, time_unit="us", eager=True),
            pl.Series([last], dtype=pl.Datetime("us")),
        ]
    )
    local = instants.dt.replace_time_zone("UTC").dt.convert_time_zone(zone)
    offsets = (local.dt.replace_time_zone(None) - instants).unique()
    return offsets[0] if offsets.len() == 1 else None


def local_date(frame: pl.LazyFrame | pl.DataFrame, column: str, zone: str) -> pl.Expr:
    """The calendar day in ``zone`` of a date-time column of ``frame``.

    Naive values are UTC, as the table reader hands them over; zone-aware values are
    converted from their own zone. The same as
    ``col.dt.replace_time_zone("UTC").dt.convert_time_zone(zone).dt.date()``, but when
    the zone keeps one UTC offset over the column's whole span (most of the world has no
    daylight saving; sampled every 15 minutes between the earliest and latest value), the
    offset is added instead of converting each value, about ten times faster.
    """
    lazy = frame.lazy()
    dtype = lazy.collect_schema()[column]
    col = pl.col(column)
    aware = isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
    utc = col if aware else col.dt.replace_time_zone("UTC")
    exact = utc.dt.convert_time_zone(zone).dt.date()
    if not isinstance(dtype, pl.Datetime):
        return exact
    naive = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None) if aware else col
    first, last = lazy.select(naive.min().alias("a"), naive.max().alias("b")).collect().row(0)
    if first is None:
        return exact
    offset = _fixed_offset(first, last, zone)
    return exact if offset is None else (naive + offset).dt.date()


def digit_runs(series: pl.Series, length: int) -> pl.Series:
    """Whether each cell of a text column holds ``length`` or more ASCII digits in a row:
    exactly ``series.str.contains(f"[0-9]{{{length}}}")``, null where the cell is null.

    Looking for identity, card or phone numbers in free text can start here: a cell
    without such a run cannot hold one, and few cells have one, so the costlier pattern
    then runs on those few. Where the C helper is built (compliance._native) this is one
    pass that skips ahead a window at a time; elsewhere it is the regular expression.
    """
    if length < 1:
        raise ValueError("length must be at least 1")
    from compliance.validation import native

    found = native.digit_runs(series, length)
    if found is not None:
        return found
    return series.str.contains(f"[0-9]{{{length}}}")


def stripped(frame: pl.LazyFrame | pl.DataFrame, column: str) -> pl.Expr:
    """``pl.col(column).cast(pl.String).str.strip_chars()``, for ``frame``: the column's
    text without surrounding white space.

    Stripping builds a new text column (some 6 ms per 455,000 cells, every time a query
    uses it), while exported identifiers and codes seldom have anything to strip. Where
    the C helper is built (compliance._native), one pass over the column's cells first
    asks whether any begins or ends with white space; when none does, the expression is
    the column itself. Use it in a query over ``frame`` itself, or over some of its rows
    (a filter of it, say): what holds for every cell holds for those.
    """
    from compliance.validation import native

    lazy = frame.lazy()
    col = pl.col(column)
    if lazy.collect_schema()[column] != pl.String or not native.enabled():
        return col.cast(pl.String).str.strip_chars()
    found = native.padded(lazy.select(col).collect().to_series())
    return col if found is False else col.str.strip_chars()


def one_of(expr: pl.Expr, values: Iterable[str]) -> pl.Expr:
    """``expr.is_in(values)`` for a few literal strings: true where the cell is one of
    them, false where it is another value, null where it is null.

    polars looks every cell up in a hash set, which for a handful of values costs two to
    four times what comparing the cell with each value does; up to eight strings this is
    those comparisons, otherwise ``is_in`` itself.
    """
    strings = list(values)
    if not 0 < len(strings) <= _FEW or not all(isinstance(v, str) for v in strings):
        return expr.is_in(strings)
    if len(strings) == 1:
        return expr == strings[0]
    return pl.any_horizontal([expr == v for v in strings])
