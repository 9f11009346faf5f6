"""SE65 Emergency supplies reserve: emergency supplies are stocked in proportion to the
population, kept within their shelf life, and monitored continuously so shortfalls reach
administrators and are made good quickly."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import load_schema, schema_id
from .se62_emergency_warning import period_bounds_utc

__all__ = ["EmergencySuppliesReserve", "shortfall_episodes"]

READINGS = "supply_stock_readings"
CATEGORIES = (
    "drinking_water",
    "food",
    "medical",
    "lighting",
    "bedding",
    "rescue_tools",
    "protective",
)
MAX_EXAMPLES = 5
_KEY = ["warehouse_id", "item_id"]


def latest_stock(frame: pl.LazyFrame, end: datetime) -> pl.LazyFrame:
    """The last reading of each item in each warehouse taken before ``end``."""
    return (
        frame.filter(pl.col("reading_at") < end)
        .sort("reading_at")
        .group_by(_KEY)
        .agg(pl.all().last())
    )


def shortfall_episodes(frame: pl.LazyFrame, start: datetime, end: datetime) -> pl.LazyFrame:
    """Runs of consecutive readings of an item below its reorder level within [start,
    end): item key, first reading time of the run (``began``), the time of the first
    reading back at or above the level (``ended``, null when the run lasts to the end of
    the readings), and the first row of the run (``__file``, ``__row``)."""
    below = pl.col("quantity") < pl.col("reorder_level")
    rows = (
        frame.filter(
            pl.col("reading_at").is_between(start, end, closed="left")
            & pl.col("reorder_level").is_not_null()
            & pl.col("quantity").is_not_null()
        )
        # Time order is enough: the window below keeps each item's rows in frame order.
        .sort("reading_at")
        .with_columns(below.alias("below"))
    )
    # A run starts wherever the state changes within an item's series; only those first
    # rows go on (numbering every row's run and grouping by it cost a third more).
    firsts = rows.filter((pl.col("below") != pl.col("below").shift(1).over(_KEY)).fill_null(True))
    runs = (
        firsts.select(*_KEY, "below", pl.col("reading_at").alias("began"), "__file", "__row")
        .sort(_KEY, maintain_order=True)  # each item's runs stay in time order
        .with_columns(pl.col("began").shift(-1).over(_KEY).alias("ended"))
    )
    return runs.filter(pl.col("below")).drop("below")


class EmergencySuppliesReserve(Indicator):
    """The community keeps a reserve of emergency supplies (drinking water, food, medical
    kits, lighting, bedding, rescue tools, protective equipment) sized to its population,
    keeps it within its shelf life, and monitors the stock continuously so that
    administrators see shortfalls and replenish them in time.

    Evidence: ``supply_stock_readings``, the stock-monitoring export (one row per reading
    of one item in one warehouse, with its expiry date and reorder level).
    """

    code = "SE65"
    title = "Emergency supplies reserve"
    dimension = "EMD"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(READINGS, purpose="stock levels over time per item and warehouse, with expiry"),
    )

    def _frame(self, ctx: Context) -> pl.LazyFrame | None:
        table = ctx.table(READINGS)
        return None if table is None else table.frame

    def _latest(self, ctx: Context, frame: pl.LazyFrame, end: datetime) -> pl.LazyFrame:
        """:func:`latest_stock`, computed once per evaluation (R1 and R2 both read it)."""
        cache: dict[tuple[int, datetime], pl.DataFrame] = self.__dict__.setdefault("_cache", {})
        key = (id(ctx), end)
        if key not in cache:
            cache[key] = latest_stock(frame, end).collect()
        return cache[key].lazy()

    @rule(
        "R1",
        "Stock per resident meets the minimum for every category",
        weight=3,
        severity="high",
        thresholds=("min_per_capita", "timezone"),
    )
    def per_capita(self, ctx: Context) -> float | None:
        """Takes each item's last reading before the end of the period, leaves out stock
        already expired by then, adds up the quantities by category and divides by the
        community's population. Each category named in ``min_per_capita`` (units per
        resident, in the unit the readings use) scores its stock per resident over the
        minimum, capped at 1; the score is the mean over those categories."""
        frame = self._frame(ctx)
        if frame is None:
            return None
        _, end = period_bounds_utc(ctx.period, ctx.threshold("timezone"), self.code)
        minimums = {str(k): float(v) for k, v in dict(ctx.threshold("min_per_capita")).items()}
        stock = dict(
            self._latest(ctx, frame, end)
            .filter(pl.col("expires_on").is_null() | (pl.col("expires_on") >= ctx.period.end))
            .group_by("category")
            .agg(pl.col("quantity").sum())
            .collect()
            .iter_rows()
        )
        population = max(1, int(ctx.community.population))
        scores = []
        short = []
        for category, need in minimums.items():
            have = float(stock.get(category) or 0.0) / population
            ctx.metric(f"{category}_per_capita", round(have, 4))
            scores.append(min(1.0, have / need) if need > 0 else 1.0)
            if have < need:
                short.append(f"{category} {have:.3g} (minimum {need:g})")
        if short:
            ctx.finding(
                "stock per resident at the end of the period is below the minimum for: "
                + "; ".join(short),
                at=ctx.at(ctx.table(READINGS), column="quantity"),  # type: ignore[arg-type]
                fix="Top up the short categories to the profile's per-resident minimum and "
                "replace expired stock.",
            )
        return sum(scores) / len(scores) if scores else None

    @rule(
        "R2",
        "Stock is within its shelf life",
        weight=2,
        severity="high",
        thresholds=("unexpired_share_min", "expiry_warning_days", "timezone"),
    )
    def shelf_life(self, ctx: Context) -> float | None:
        """Looks at each item's last reading before the end of the period that still
        holds stock. An item is expired when its ``expires_on`` date is before the last
        day of the period. The score is the share of unexpired items over
        ``unexpired_share_min``, capped at 1. Items expiring within
        ``expiry_warning_days`` after the period are reported without lowering the
        score, so they can be rotated in time."""
        frame = self._frame(ctx)
        if frame is None:
            return None
        _, end = period_bounds_utc(ctx.period, ctx.threshold("timezone"), self.code)
        target = float(ctx.threshold("unexpired_share_min"))
        soon = ctx.period.end + timedelta(days=int(ctx.threshold("expiry_warning_days")))
        stocked = self._latest(ctx, frame, end).filter(pl.col("quantity") > 0)
        expired = pl.col("expires_on") < ctx.period.end
        expiring = ~expired & (pl.col("expires_on") <= soon)
        summary, examples = pl.collect_all(
            [
                stocked.select(
                    pl.len().alias("n"),
                    expired.fill_null(False).sum().alias("expired"),
                    expiring.fill_null(False).sum().alias("expiring"),
                ),
                stocked.filter(expired.fill_null(False))
                .sort(["expires_on", "__row"])
                .select("__file", "__row", "expires_on")
                .head(MAX_EXAMPLES),
            ]
        )
        total = int(summary["n"][0])
        if total == 0:
            return None
        n_expired = int(summary["expired"][0] or 0)
        n_expiring = int(summary["expiring"][0] or 0)
        share = (total - n_expired) / total
        ctx.metric("unexpired_item_share", round(share, 4))
        ctx.metric("items_expiring_soon", n_expiring)
        table = ctx.table(READINGS)
        if n_expiring:
            ctx.finding(
                f"{n_expiring} stocked item(s) expire within the warning window after the period",
                at=ctx.at(table, column="expires_on"),  # type: ignore[arg-type]
                fix="Rotate these supplies (use, donate or replace them) before they expire.",
                severity="low",
            )
        if share >= target:
            return 1.0
        ctx.finding(
            f"{n_expired} of {total} stocked items were past their expiry date at the end "
            "of the period",
            at=ctx.at(table, column="expires_on"),  # type: ignore[arg-type]
            fix="Replace expired supplies and set expiry reminders in the stock system.",
        )
        for path, row, expires in examples.iter_rows():
            ctx.finding(
                f"item expired on {expires}",
                at=ctx.at(path, row=row, column="expires_on"),
                severity="low",
            )
        return min(1.0, share / target) if target > 0 else 1.0

    @rule(
        "R3",
        "Stock is monitored continuously",
        weight=2,
        severity="medium",
        thresholds=("max_reading_gap_hours", "fresh_share_min", "timezone"),
    )
    def monitoring_fresh(self, ctx: Context) -> float | None:
        """For each item in each warehouse, finds the longest interval without a reading
        in the period, counting from the start of the period to the first reading and
        from the last reading to the end. An item is monitored when that interval is at
        most ``max_reading_gap_hours``. The score is the share of monitored items over
        ``fresh_share_min``, capped at 1."""
        frame = self._frame(ctx)
        if frame is None:
            return None
        start, end = period_bounds_utc(ctx.period, ctx.threshold("timezone"), self.code)
        limit = float(ctx.threshold("max_reading_gap_hours"))
        target = float(ctx.threshold("fresh_share_min"))
        hours = pl.duration(hours=1).dt.total_seconds()
        gaps = (
            frame.filter(pl.col("reading_at").is_between(start, end, closed="left"))
            .group_by(_KEY)
            .agg(
                pl.col("reading_at").sort().diff().max().alias("inner"),
                (pl.col("reading_at").min() - pl.lit(start)).alias("head"),
                (pl.lit(end) - pl.col("reading_at").max()).alias("tail"),
                pl.col("__file").first(),
                pl.col("__row").min(),
            )
            .select(
                "__file",
                "__row",
                *_KEY,
                (
                    pl.max_horizontal(
                        pl.col("inner").fill_null(pl.duration(seconds=0)), "head", "tail"
                    ).dt.total_seconds()
                    / hours
                ).alias("gap_h"),
            )
        )
        summary, worst = pl.collect_all(
            [
                gaps.select(
                    pl.len().alias("n"),
                    (pl.col("gap_h") <= limit).sum().alias("ok"),
                    pl.col("gap_h").max().alias("longest"),
                ),
                gaps.filter(pl.col("gap_h") > limit)
                .sort(["gap_h", "__row"], descending=[True, False])
                .head(MAX_EXAMPLES),
            ]
        )
        total, ok = int(summary["n"][0]), int(summary["ok"][0] or 0)
        if total == 0:
            ctx.finding(
                "no stock reading falls inside the period",
                at=ctx.at(ctx.table(READINGS), column="reading_at"),  # type: ignore[arg-type]
                fix="Export the stock-monitoring readings for the assessment period.",
            )
            return 0.0
        share = ok / total
        ctx.metric("monitored_item_share", round(share, 4))
        ctx.metric("longest_reading_gap_hours", round(float(summary["longest"][0] or 0), 1))
        if share >= target:
            return 1.0
        ctx.finding(
            f"{total - ok} of {total} items went more than {limit:g} hours without a stock reading",
            at=ctx.at(ctx.table(READINGS), column="reading_at"),  # type: ignore[arg-type]
            fix="Keep the stock sensors or scanners reporting and count manually while they "
            "are down.",
        )
        for path, row, warehouse, item, gap in worst.iter_rows():
            ctx.finding(
                f"item {item} in warehouse {warehouse}: {gap:.0f} hours without a reading "
                "(row is the item's first reading)",
                at=ctx.at(path, row=row, column="reading_at"),
                severity="low",
            )
        return min(1.0, share / target) if target > 0 else 1.0

    @rule(
        "R4",
        "Shortfalls are replenished in time",
        weight=2,
        severity="medium",
        thresholds=("restock_max_days", "timezone"),
    )
    def replenished(self, ctx: Context) -> float | None:
        """Finds every run of readings in which an item stood below its reorder level
        and measures how long it took to get back above it. A run counts as late when it
        lasted longer than ``restock_max_days`` (a run still open at the end of the
        period counts from its start to the end). The score is the share of runs that
        were not late; with no shortfall at all it is 1."""
        frame = self._frame(ctx)
        if frame is None:
            return None
        start, end = period_bounds_utc(ctx.period, ctx.threshold("timezone"), self.code)
        limit = float(ctx.threshold("restock_max_days"))
        days = (
            pl.col("ended").fill_null(pl.lit(end)) - pl.col("began")
        ).dt.total_seconds() / 86400.0
        runs = shortfall_episodes(frame, start, end).with_columns(days.alias("days"))
        summary, worst = pl.collect_all(
            [
                runs.select(
                    pl.len().alias("n"),
                    (pl.col("days") > limit).sum().alias("late"),
                    pl.col("days").max().alias("longest"),
                ),
                runs.filter(pl.col("days") > limit)
                .sort(["days", "__row"], descending=[True, False])
                .head(MAX_EXAMPLES),
            ]
        )
        total, late = int(summary["n"][0]), int(summary["late"][0] or 0)
        ctx.metric("shortfalls", total)
        ctx.metric("shortfalls_late", late)
        if total == 0:
            return 1.0
        ctx.metric("longest_shortfall_days", round(float(summary["longest"][0] or 0), 1))
        if late == 0:
            return 1.0
        ctx.finding(
            f"{late} of {total} shortfalls below the reorder level lasted more than {limit:g} days",
            at=ctx.at(ctx.table(READINGS), column="quantity"),  # type: ignore[arg-type]
            fix="Alert administrators as soon as an item drops below its reorder level and "
            "order replacements at once.",
        )
        for row in worst.iter_rows(named=True):
            ctx.finding(
                f"item {row['item_id']} in warehouse {row['warehouse_id']} stayed below its "
                f"reorder level for {row['days']:.0f} days (from this reading)",
                at=ctx.at(row["__file"], row=row["__row"], column="quantity"),
                severity="low",
            )
        return (total - late) / total


# -- sample evidence ---------------------------------------------------------------------

#: category -> (unit, items of the category, stock per resident at restock for "good")
_ITEMS = {
    "drinking_water": ("litre", ("Bottled water 5 L", "Bottled water 550 ml"), 6.0),
    "food": ("ration", ("Compressed biscuits", "Instant rice"), 3.0),
    "medical": ("kit", ("First-aid kit",), 0.06),
    "lighting": ("piece", ("Flashlight", "Emergency lamp"), 0.15),
    "bedding": ("piece", ("Blanket", "Folding bed"), 0.3),
    "rescue_tools": ("set", ("Rescue tool set",), 0.006),
    "protective": ("piece", ("Protective mask", "Life jacket"), 0.6),
}
_WAREHOUSES = ("WH1", "WH2")
# quality -> (stock factor, deepest drop of a cycle, expired series, gap days in some series)
_SHAPE = {
    "good": (1.0, 0.6, 0, 0),
    "fair": (0.55, 0.85, 2, 6),
    "poor": (0.25, 0.95, 6, 20),
}
_CYCLE_DAYS = 60


def _series(rng: random.Random, spec: SampleSpec) -> pl.DataFrame:
    """One row per (warehouse, item): base quantity, phase, reorder level, expiry."""
    factor, _, expired, _ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    pop = spec.community.population
    rows = []
    for wh in _WAREHOUSES:
        for category, (unit, names, per_capita) in _ITEMS.items():
            for k, name in enumerate(names):
                base = per_capita * pop * factor / (len(names) * len(_WAREHOUSES))
                life = rng.randrange(200, 900)
                rows.append(
                    {
                        "warehouse_id": wh,
                        "item_id": f"{category[:3].upper()}-{k + 1:02d}",
                        "category": category,
                        "unit": unit,
                        "base": round(max(1.0, base), 1),
                        "phase": rng.random() * _CYCLE_DAYS,
                        "expires_on": spec.period.end + timedelta(days=life),
                        "name": name,
                    }
                )
    frame = pl.DataFrame(rows).with_row_index("s")
    # The first ``expired`` series of the community hold stock past its shelf life.
    late = spec.period.end - timedelta(days=30)
    return frame.with_columns(
        pl.when(pl.col("s") < expired)
        .then(pl.lit(late))
        .otherwise(pl.col("expires_on"))
        .alias("expires_on")
    )


def _sample_readings(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Readings of every item in both warehouses, evenly spaced (at least two a day),
    built column-wise: stock falls through a 60-day cycle and is restocked; fair and poor
    communities let it fall further (below the reorder level for longer), leave expired
    stock, and have monitoring outages."""
    _, drop, _, gap_days = _SHAPE.get(spec.quality, _SHAPE["fair"])
    series = _series(rng, spec)
    n_series = series.height
    days = spec.period.days
    per_series = max(spec.rows // n_series, days * 2)
    step = days * 86400 / per_series
    origin = datetime.combine(spec.period.start, time(0))
    n = per_series * n_series
    jitter = pl.Series("j", [rng.getrandbits(16) for _ in range(n)], dtype=pl.Int64)
    gap_start = rng.randrange(max(1, days - gap_days)) if gap_days else 0
    frame = (
        pl.DataFrame(jitter)
        .with_row_index("i")
        .with_columns(
            (pl.col("i") % n_series).alias("s"),
            (pl.col("i") // n_series).alias("k"),
        )
        .with_columns(
            # Offset in seconds from local midnight of the first day; the jitter keeps
            # readings off a perfect grid without letting two of a series swap order.
            (pl.col("k") * step + (pl.col("j") % 1000) * step / 4000).alias("sec")
        )
        .join(series.select("s", "base", "phase"), on="s")
        .with_columns(
            (((pl.col("sec") / 86400 + pl.col("phase")) % _CYCLE_DAYS) / _CYCLE_DAYS).alias("f")
        )
    )
    if gap_days:
        # Outages: every third series stops reporting for ``gap_days`` days.
        day = pl.col("sec") / 86400
        frame = frame.filter(
            ~((pl.col("s") % 3 == 0) & (day >= gap_start) & (day < gap_start + gap_days))
        )
    fmt = "%Y-%m-%dT%H:%M:%S+08:00"
    out = (
        frame.select(
            "s",
            "sec",
            (pl.col("base") * (1 - drop * pl.col("f"))).round(1).alias("quantity"),
        )
        .join(series.drop("base", "phase"), on="s")
        .sort("sec", "s")
        .select(
            (pl.lit(origin) + pl.duration(milliseconds=(pl.col("sec") * 1000).cast(pl.Int64)))
            .dt.strftime(fmt)
            .alias("reading_at"),
            "warehouse_id",
            "item_id",
            "category",
            "quantity",
            "unit",
            pl.col("expires_on").cast(pl.String),
            (pl.col("quantity").max().over("s") * 0.5).round(1).alias("reorder_level"),
        )
    )
    return [("tables/supply_stock_readings.csv", out.write_csv().encode("utf-8"))]


_TEMPLATE = (
    "reading_at,warehouse_id,item_id,category,quantity,unit,expires_on,reorder_level\n"
    "2025-03-01T08:00:00+08:00,WH1,DRI-01,drinking_water,18000,litre,2026-08-31,9000\n"
    "2025-03-01T08:00:00+08:00,WH1,MED-01,medical,360,kit,2026-02-28,180\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=READINGS,
            kind="table",
            title="Emergency supply stock readings",
            description="The stock-monitoring export: one row per reading of one item in one "
            "warehouse (time with UTC offset, category, quantity and unit, expiry date, "
            "reorder level).",
            schema=schema_id(READINGS),
            template_name="supply_stock_readings.csv",
            template_text=_TEMPLATE,
            sample=_sample_readings,
            sample_rows=0.15,
        )
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(READINGS)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [EmergencySuppliesReserve]
