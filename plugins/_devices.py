"""Helpers for the smart-infrastructure indicators (SE51-SE54) that read device exports.

Device exports can hold millions of rows, so everything here is a polars expression or
query that returns aggregates; nothing loops over rows in Python. The sample helpers at
the end build CSV text from precomputed string pieces so a generator spends about a
microsecond per row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from compliance.errors import ProfileError

if TYPE_CHECKING:
    from compliance.evidence.model import Table
    from compliance.indicator import Context

__all__ = [
    "MAX_LISTED",
    "clock_table",
    "day_strings",
    "device_gaps",
    "list_findings",
    "local_months",
    "period_bounds_utc",
    "scaled_minimum",
    "share_score",
    "stamp",
    "zone",
]

#: Findings name at most this many items; one more finding counts the rest.
MAX_LISTED = 5


def zone(code: str, name: object) -> ZoneInfo:
    """The ``timezone`` threshold of indicator ``code``, checked so a typo is a clear
    profile error rather than an exception inside a rule."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ProfileError(
            f"{code}.thresholds.timezone: {name!r} is not a known IANA time zone"
        ) from None


def period_bounds_utc(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The period's first and last local days as naive UTC instants ``[begin, finish)``,
    comparable with the naive UTC date-time columns the table reader produces."""
    utc = ZoneInfo("UTC")
    begin = datetime.combine(start, time(0), tz).astimezone(utc).replace(tzinfo=None)
    finish = (
        datetime.combine(end + timedelta(days=1), time(0), tz).astimezone(utc).replace(tzinfo=None)
    )
    return begin, finish


def local_months(start: date, end: date) -> list[str]:
    """``YYYY-MM`` of every calendar month the period touches."""
    months = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def share_score(measured: float, target: float) -> float:
    """Partial credit: the measured share over the target share, capped at 1."""
    if target <= 0:
        return 1.0
    return max(0.0, min(1.0, measured / target))


def scaled_minimum(per_year: float, period_days: int) -> int:
    """A yearly minimum scaled to the period's length, rounded up; at least one unless
    the yearly minimum is zero."""
    if per_year <= 0:
        return 0
    return max(1, math.ceil(per_year * period_days / 365 - 1e-9))


def device_gaps(
    frame: pl.LazyFrame,
    *,
    device: str,
    at: str,
    begin: datetime,
    finish: datetime,
    devices: Sequence[str],
    limit_minutes: float,
) -> pl.DataFrame:
    """Per device, the silences in its stream of timestamps over ``[begin, finish)``.

    The period's two ends count as sentinel timestamps of every device, so a device that
    starts late, stops early or never reports at all has those silences as gaps too.
    Returns one row per device of ``devices``: ``rows`` (timestamps in the period),
    ``longest_min`` (longest silence in minutes), ``over`` (silences longer than
    ``limit_minutes``), ``over_min`` (their total length beyond the limit, in minutes) and
    ``longest_from`` (when the longest silence began, naive UTC).
    """
    ids = pl.DataFrame({device: list(devices)}, schema={device: pl.String})
    sentinels = pl.concat(
        [
            ids.with_columns(pl.lit(begin).cast(pl.Datetime("us")).alias(at)),
            ids.with_columns(pl.lit(finish).cast(pl.Datetime("us")).alias(at)),
        ]
    ).with_columns(pl.lit(False).alias("__real"))
    real = (
        frame.select(pl.col(device).cast(pl.String), pl.col(at).cast(pl.Datetime("us")))
        .filter(pl.col(at).is_not_null() & (pl.col(at) >= begin) & (pl.col(at) < finish))
        .with_columns(pl.lit(True).alias("__real"))
    )
    stamps = pl.concat([real, sentinels.lazy()])
    # Each device's timestamps are sorted within its group: cheaper than sorting the
    # whole stream by device and time and then shifting over windows.
    ordered = pl.col(at).sort()
    gap_min = ordered.diff().dt.total_seconds() / 60.0
    limit = float(limit_minutes)
    out = (
        stamps.group_by(device)
        .agg(
            pl.col("__real").sum().alias("rows"),
            gap_min.max().fill_null(0.0).alias("longest_min"),
            (gap_min > limit).sum().alias("over"),
            (gap_min - limit).clip(lower_bound=0).sum().alias("over_min"),
            ordered.shift(1)
            .sort_by(gap_min, descending=True, nulls_last=True)
            .first()
            .alias("longest_from"),
        )
        # Devices not in the list are dropped after the aggregation: a filter of every
        # row by membership cost more than their few extra groups.
        .join(ids.lazy(), on=device, how="semi")
        .sort(device)
        .collect()
    )
    return out.with_columns(pl.col("rows").cast(pl.Int64), pl.col("over").cast(pl.Int64))


def list_findings(ctx: Any, items: Sequence[tuple[Any, str]], *, fix: str, what: str) -> None:
    """Report up to :data:`MAX_LISTED` findings ``(location, message)``, then one more
    that counts the rest (``what`` names them: "devices", "events")."""
    for location, message in items[:MAX_LISTED]:
        ctx.finding(message, at=location, fix=fix)
    if len(items) > MAX_LISTED:
        ctx.finding(f"{len(items) - MAX_LISTED} more {what} like these", at=items[0][0], fix=fix)


# -- sample helpers ----------------------------------------------------------------------


def clock_table() -> tuple[str, ...]:
    """``HH:MM:SS`` for every second of a day would be 86,400 strings; minutes of the
    day (``HH:MM``) are enough when seconds are drawn separately."""
    return tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60))


_CLOCK = clock_table()
_SECONDS = tuple(f"{s:02d}" for s in range(60))


def stamp(days: Sequence[str], seconds: int) -> str:
    """An RFC 3339 UTC time ``seconds`` after the first of ``days`` (ISO dates), built from
    lookups so it costs well under a microsecond."""
    d, rest = divmod(seconds, 86400)
    return f"{days[d]}T{_CLOCK[rest // 60]}:{_SECONDS[rest % 60]}Z"


def day_strings(begin: datetime, count: int) -> list[str]:
    """ISO dates of ``count`` days from ``begin`` (a UTC instant's date)."""
    first = begin.date()
    return [(first + timedelta(days=i)).isoformat() for i in range(count)]


def score_row_consistency(
    ctx: Context,
    table: Table,
    checked: pl.LazyFrame,
    *,
    metric: str,
    rows_are: str,
    row_label: str,
    fix: str,
) -> float | None:
    """Score the share of well-formed rows against the profile's ``consistent_share_min``.

    ``checked`` holds ``__file``, ``__row`` and a ``reason`` column: null for a good row,
    else ``"what is wrong|column"``. One finding sums the defects up by kind (at the rule's
    severity when the share is under the target, else low) and the first few defective rows
    get a finding each, pointing at the cell. None when there are no rows.

    :param rows_are: what the rows are, plural ("roster shifts"), for the summary.
    :param row_label: the label of a single row's finding ("roster row").
    """
    counts, examples = pl.collect_all(
        [
            checked.group_by("reason").agg(pl.len().alias("n")),
            checked.filter(pl.col("reason").is_not_null()).sort("__file", "__row").head(MAX_LISTED),
        ]
    )
    by_reason = {r: int(k) for r, k in counts.iter_rows()}
    total = sum(by_reason.values())
    if not total:
        return None
    bad = total - by_reason.get(None, 0)  # type: ignore[call-overload]
    share = 1 - bad / total
    ctx.metric(metric, round(share, 4))
    target = float(ctx.threshold("consistent_share_min"))
    if bad:
        detail = "; ".join(
            f"{r.split('|')[0]}: {k}" for r, k in sorted(by_reason.items(), key=str) if r
        )
        ctx.finding(
            f"{bad} of {total} {rows_are} are inconsistent ({detail})",
            at=ctx.at(table),
            fix=fix,
            severity=None if share < target else "low",
        )
        for path, row, text in examples.iter_rows():
            message, column = text.rsplit("|", 1)
            ctx.finding(
                f"{row_label}: {message}",
                at=ctx.at(path, row=row, column=column),
                severity="low",
            )
    return share_score(share, target)
