"""SE46 Building monitoring: structural sensors watch the buildings continuously and every
reading beyond its limit is followed by a warning in time.

Evidence: the sensors' reading export (tilt, crack width, vibration per building and
sensor; it can run to millions of rows) and the warnings the monitoring system issued.
Every measurement is a polars aggregation; exceedances are matched to warnings with an
as-of join per sensor.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.frames import duplicated
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id
from ._cps import MAX_EXAMPLES, first_defect, number, period_utc, ratio_score, report_rows

__all__ = ["BuildingMonitoring", "sensor_stats"]

READINGS = "structural_sensor_readings"
WARNINGS = "structural_warnings"
METRICS = ("tilt", "crack_width", "vibration")
#: metric -> the profile threshold holding its limit.
LIMIT_NAMES = {
    "tilt": "tilt_limit_permille",
    "crack_width": "crack_width_limit_mm",
    "vibration": "vibration_limit_mm_s",
}


@dataclass(frozen=True)
class SensorStats:
    """What the readings say, computed once per evaluation and shared by the rules."""

    sensors: pl.DataFrame  # sensor_id, building_id, readings, slots, longest_gap_h, long_gaps
    slots: int  # coverage slots in the period
    episodes: pl.DataFrame  # one row per exceedance: __file, __row, sensor_id, at, warned
    quality: dict[str, int]  # rows, well_formed and a count per defect
    examples: pl.DataFrame  # __file, __row, reason, column


def sensor_stats(
    readings: pl.LazyFrame,
    warnings: pl.LazyFrame | None,
    *,
    start: datetime,
    end: datetime,
    slot_hours: float,
    gap_hours: float,
    limits: dict[str, float],
    delay_minutes: float,
) -> SensorStats:
    """Per-sensor coverage and gaps, exceedance episodes matched to warnings, and row
    quality of a reading export (``start``/``end`` are naive UTC bounds of the period)."""
    slot = timedelta(hours=slot_hours)
    n_slots = max(1, int(-(-(end - start) // slot)))
    in_period = pl.col("measured_at").is_between(start, end, closed="left")
    # A chain of comparisons: for the three metrics it costs a quarter of a lookup in a
    # mapping (replace_strict) over the 315k readings of the 5M sample.
    limit = pl.lit(None, dtype=pl.Float64)
    for metric, value in reversed(limits.items()):
        limit = pl.when(pl.col("metric") == metric).then(pl.lit(value, pl.Float64)).otherwise(limit)
    # Sensors with two metrics or more, found per sensor and then looked up per row: a
    # window n_unique over every row cost 15 times more (315k readings: 48 ms -> 3 ms).
    mixed = (
        readings.group_by("sensor_id")
        .agg(pl.col("metric").drop_nulls().n_unique().alias("metrics"))
        .filter(pl.col("metrics") > 1)
        .select("sensor_id")
        .collect()
        .to_series()
    )
    defects = {
        "time missing or outside the period": ~in_period,
        "sensor or building missing": pl.col("sensor_id").is_null()
        | pl.col("building_id").is_null(),
        "metric missing": pl.col("metric").is_null(),
        "value missing": pl.col("value").is_null(),
        "negative crack width or vibration": (pl.col("metric") != "tilt") & (pl.col("value") < 0),
        # (a null sensor is caught by an earlier defect)
        "sensor reports more than one metric": pl.col("sensor_id").is_in(mixed.implode()),
        "reading repeated for the same time": duplicated(readings, "sensor_id", "measured_at"),
    }
    reason = first_defect(defects)
    checked = readings.select("__file", "__row", reason.alias("reason"))
    good = (
        readings.filter(
            in_period & pl.col("sensor_id").is_not_null() & pl.col("value").is_not_null()
        )
        .select("__file", "__row", "sensor_id", "building_id", "metric", "measured_at", "value")
        .sort("measured_at")  # each sensor's readings in time order, for the windows below
    )
    # Within a group the rows keep the frame's (time) order: the gaps are diffs there,
    # cheaper than a window over every row.
    hours = pl.col("measured_at").diff().dt.total_seconds() / 3600.0
    lead = (pl.col("measured_at").min() - pl.lit(start)).dt.total_seconds() / 3600.0
    tail = (pl.lit(end) - pl.col("measured_at").max()).dt.total_seconds() / 3600.0
    per_sensor = (
        good.with_columns(
            ((pl.col("measured_at") - pl.lit(start)).dt.total_seconds() // slot.total_seconds())
            .cast(pl.Int64)
            .alias("slot"),
        )
        .group_by("sensor_id")
        .agg(
            pl.col("building_id").first(),
            pl.col("metric").first(),
            pl.len().alias("readings"),
            pl.col("slot").n_unique().alias("slots"),
            pl.max_horizontal(hours.max(), lead, tail).alias("longest_gap_h"),
            (
                (hours > gap_hours).sum()
                + (lead > gap_hours).cast(pl.UInt32)
                + (tail > gap_hours).cast(pl.UInt32)
            ).alias("long_gaps"),
        )
        .sort("sensor_id")
    )
    # Whether each reading is over its limit, computed once as a column: the window then
    # shifts a boolean column instead of evaluating the comparison again per group.
    over = pl.col("__over")
    episodes = (
        good.with_columns((pl.col("value") > limit).fill_null(False).alias("__over"))
        .filter(over & ~over.shift(1).over("sensor_id").fill_null(False))
        .select("__file", "__row", "sensor_id", pl.col("measured_at").alias("at"))
    )
    quality = checked.select(
        pl.len().alias("rows"),
        pl.col("reason").is_null().sum().alias("well_formed"),
        *(
            (pl.col("reason") == name).sum().alias(name)
            for name in defects  # one count per defect, by the first defect of each row
        ),
    )
    examples = checked.filter(pl.col("reason").is_not_null()).head(MAX_EXAMPLES)
    sensors, eps, qual, ex = pl.collect_all([per_sensor, episodes, quality, examples])
    eps = eps.sort("at")
    if warnings is not None and eps.height:
        issued = (
            warnings.filter(pl.col("sensor_id").is_not_null() & pl.col("issued_at").is_not_null())
            .select("sensor_id", pl.col("issued_at").alias("warned_at"))
            .sort("warned_at")
            .collect()
        )
        # Both sides are sorted by time; polars cannot verify it per sensor group.
        eps = eps.join_asof(
            issued,
            check_sortedness=False,
            left_on="at",
            right_on="warned_at",
            by="sensor_id",
            strategy="forward",
            tolerance=timedelta(minutes=delay_minutes),
        )
    else:
        eps = eps.with_columns(pl.lit(None, dtype=pl.Datetime("us")).alias("warned_at"))
    eps = eps.with_columns(pl.col("warned_at").is_not_null().alias("warned"))
    ex = ex.with_columns(
        pl.col("reason")
        .replace_strict(
            {
                "time missing or outside the period": "measured_at",
                "sensor or building missing": "sensor_id",
                "metric missing": "metric",
                "sensor reports more than one metric": "metric",
            },
            default="value",
        )
        .alias("column")
    )
    counts = {k: int(v or 0) for k, v in qual.row(0, named=True).items()}
    return SensorStats(sensors, n_slots, eps, counts, ex)


class BuildingMonitoring(Indicator):
    """Sensors (and drone surveys) watch the structural safety of the community's
    buildings, their data cover the whole period, and every reading beyond a safe limit
    leads to a timely warning.

    The reading export is judged per sensor: the share of the period's time slots with
    a reading, the longest silence, whether readings beyond the profile's limits for
    tilt, crack width and vibration were followed by a warning within the allowed time,
    and whether the rows are well formed.
    """

    code = "SE46"
    title = "Building monitoring"
    dimension = "CPS"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(READINGS, purpose="structural sensor readings per building and sensor"),
        Need(
            WARNINGS,
            required=False,
            purpose="warnings issued by the monitoring system (absent: no warning issued)",
        ),
    )

    def _stats(self, ctx: Context) -> SensorStats | None:
        cache: dict[int, SensorStats | None] = self.__dict__.setdefault("_cache", {})
        if id(ctx) in cache:
            return cache[id(ctx)]
        table = ctx.table(READINGS)
        stats = None
        if table is not None and table.frame is not None:
            warnings = ctx.table(WARNINGS) if ctx.has(WARNINGS) else None
            start, end = period_utc(ctx)
            stats = sensor_stats(
                table.frame,
                warnings.frame if warnings is not None else None,
                start=start,
                end=end,
                slot_hours=float(ctx.threshold("coverage_slot_hours")),
                gap_hours=float(ctx.threshold("gap_max_hours")),
                limits={m: float(ctx.threshold(n)) for m, n in LIMIT_NAMES.items()},
                delay_minutes=float(ctx.threshold("warning_delay_max_minutes")),
            )
        cache[id(ctx)] = stats
        return stats

    @rule(
        "R1",
        "Every sensor's data cover the period",
        weight=3,
        severity="high",
        thresholds=("coverage_slot_hours", "coverage_min", "timezone"),
    )
    def coverage(self, ctx: Context) -> float | None:
        """Cuts the period into slots of ``coverage_slot_hours`` hours and, per sensor,
        counts the slots holding at least one valid reading. A sensor's coverage is that
        count over the number of slots; its score is coverage over ``coverage_min``
        (capped at 1) and the rule's score is the mean over the sensors. Findings name
        the least covered sensors."""
        table, stats = ctx.table(READINGS), self._stats(ctx)
        if table is None or stats is None or stats.sensors.height == 0:
            return None
        target = float(ctx.threshold("coverage_min"))
        sensors = stats.sensors.with_columns((pl.col("slots") / stats.slots).alias("cov"))
        ctx.metric("sensors", sensors.height)
        ctx.metric("buildings", sensors["building_id"].n_unique())
        ctx.metric("mean_coverage", round(number(sensors["cov"].mean()), 4))
        short = sensors.filter(pl.col("cov") < target).sort("cov")
        ctx.metric("sensors_below_coverage", short.height)
        if short.height == 0:
            return 1.0
        worst = ", ".join(f"{s} ({c:.1%})" for s, c in short.select("sensor_id", "cov").rows())
        ctx.finding(
            f"{short.height} of {sensors.height} sensors cover less than {target:.0%} of "
            f"the period's {ctx.threshold('coverage_slot_hours')}-hour slots: "
            + ", ".join(worst.split(", ")[:MAX_EXAMPLES])
            + (" ..." if short.height > MAX_EXAMPLES else ""),
            at=ctx.at(table, column="sensor_id"),
            fix="Repair or replace sensors that stop reporting and check the data link of "
            "each building's gateway.",
        )
        scores = sensors.select((pl.col("cov") / target).clip(upper_bound=1.0).mean()).item()
        return float(scores) if target > 0 else 1.0

    @rule(
        "R2",
        "No sensor falls silent for long",
        weight=2,
        severity="medium",
        thresholds=("gap_max_hours", "gap_free_share_min", "timezone"),
    )
    def gaps(self, ctx: Context) -> float | None:
        """Measures, per sensor, the longest stretch without a reading (counting from
        the period's start to the first reading and from the last reading to the end).
        A sensor is gap-free when it never stays silent longer than ``gap_max_hours``.
        The score is the share of gap-free sensors over ``gap_free_share_min``, capped
        at 1."""
        table, stats = ctx.table(READINGS), self._stats(ctx)
        if table is None or stats is None or stats.sensors.height == 0:
            return None
        limit = float(ctx.threshold("gap_max_hours"))
        target = float(ctx.threshold("gap_free_share_min"))
        sensors = stats.sensors
        gappy = sensors.filter(pl.col("long_gaps") > 0).sort("longest_gap_h", descending=True)
        share = 1 - gappy.height / sensors.height
        ctx.metric("longest_gap_hours", round(number(sensors["longest_gap_h"].max()), 1))
        ctx.metric("gap_free_sensor_share", round(share, 4))
        if gappy.height == 0:
            return 1.0
        for sensor, longest, n in (
            gappy.select("sensor_id", "longest_gap_h", "long_gaps").head(MAX_EXAMPLES).rows()
        ):
            ctx.finding(
                f"sensor {sensor} was silent for up to {longest:.1f} hours "
                f"({n} gap(s) longer than {limit:g} hours)",
                at=ctx.at(table, column="sensor_id"),
                fix="Alert the maintenance team when a sensor stops reporting and restore it "
                "within a day.",
                severity="medium" if share < target else "low",
            )
        return ratio_score(share, target)

    @rule(
        "R3",
        "Every exceedance is followed by a timely warning",
        weight=3,
        severity="high",
        red_line=True,
        thresholds=(
            "tilt_limit_permille",
            "crack_width_limit_mm",
            "vibration_limit_mm_s",
            "warning_delay_max_minutes",
            "warned_share_min",
        ),
    )
    def warnings_follow(self, ctx: Context) -> float | None:
        """Finds every exceedance: a reading above its metric's limit (tilt
        ``tilt_limit_permille``, crack width ``crack_width_limit_mm``, vibration
        ``vibration_limit_mm_s``) when the sensor's previous reading was within it. Each
        is matched (as-of join per sensor) with the first warning the system issued for
        that sensor at or after the reading, within ``warning_delay_max_minutes``. The
        score is the share of exceedances warned in time over ``warned_share_min``
        (capped at 1); with no exceedance the rule is met. It is a red-line rule: a
        structural alarm nobody was told about caps the indicator's score."""
        table, stats = ctx.table(READINGS), self._stats(ctx)
        if table is None or stats is None:
            return None
        eps = stats.episodes
        ctx.metric("exceedances", eps.height)
        if eps.height == 0:
            return 1.0
        warned = int(eps["warned"].sum())
        share = warned / eps.height
        target = float(ctx.threshold("warned_share_min"))
        delay = float(ctx.threshold("warning_delay_max_minutes"))
        ctx.metric("exceedances_warned_share", round(share, 4))
        if share >= target:
            return 1.0
        ctx.finding(
            f"{eps.height - warned} of {eps.height} exceedances had no warning within "
            f"{delay:g} minutes ({share:.0%} warned; {target:.0%} required)",
            at=ctx.at(table, column="value"),
            fix="Connect the sensors' limits to the warning system so an exceedance raises a "
            "warning automatically, and keep the warning log.",
        )
        report_rows(
            ctx,
            eps.filter(~pl.col("warned")),
            "reading above its limit with no timely warning",
            column="value",
            severity="high",
        )
        return ratio_score(share, target)

    @rule(
        "R4",
        "Readings are well formed",
        weight=1,
        severity="medium",
        thresholds=("well_formed_share_min", "timezone"),
    )
    def well_formed(self, ctx: Context) -> float | None:
        """A reading row is well formed when it has a time inside the period, a sensor,
        a building, a metric and a value, crack width and vibration are not negative,
        each sensor reports one metric only and no sensor has two readings for the same
        time. The score is the share of well-formed rows over ``well_formed_share_min``,
        capped at 1."""
        table, stats = ctx.table(READINGS), self._stats(ctx)
        if table is None or stats is None or not stats.quality["rows"]:
            return None
        q = stats.quality
        share = q["well_formed"] / q["rows"]
        target = float(ctx.threshold("well_formed_share_min"))
        ctx.metric("well_formed_share", round(share, 4))
        if share >= target:
            return 1.0
        detail = "; ".join(
            f"{k}: {v}" for k, v in q.items() if k not in ("rows", "well_formed") and v
        )
        ctx.finding(
            f"{q['rows'] - q['well_formed']} of {q['rows']} readings are not well formed "
            f"({detail})",
            at=ctx.at(table),
            fix="Export readings with the sensor, building, metric, value and time of each "
            "measurement, once per time, for the assessment period only.",
        )
        report_rows(ctx, stats.examples, "reading")
        return ratio_score(share, target)


# -- sample evidence -----------------------------------------------------------------

# metric -> (short code, typical value, noise, value written for an exceedance)
_METRIC_SHAPE = {
    "tilt": ("TL", 1.0, 0.3, 5.5),
    "crack_width": ("CW", 0.10, 0.03, 0.42),
    "vibration": ("VB", 0.4, 0.3, 14.0),
}
# quality -> (share of sensors with an outage, outage days, exceedances per sensor-year,
#             share of exceedances warned, share of warnings late)
_SHAPE = {
    "good": (0.0, 0, 1.0, 1.0, 0.0),
    "fair": (0.35, 20, 1.5, 0.8, 0.1),
    "poor": (0.7, 60, 2.0, 0.4, 0.3),
}


#: Reading intervals in minutes the generator picks from: multiples of five, so sample
#: exceedance readings (at minutes ending in 4 or 9) never share a regular reading's time.
_STEPS = (5, 10, 15, 20, 30, 60, 120, 180, 240, 360)


def _plan(spec: SampleSpec) -> list[tuple[str, str, str, tuple[int, int] | None, list, list]]:
    """The sensors and their story, shared by both generators so the warnings match the
    readings' exceedances. It depends on the community, period, quality and seed only
    (not on the row budget, which the warning log does not get): outages, exceedance and
    warning times are minutes from the period's start. Each sensor is
    ``(id, building, metric, outage, exceedance minutes, [(minute, delay), ...])``."""
    outage_share, outage_days, per_year, warned, late = _SHAPE.get(spec.quality, _SHAPE["fair"])
    rng = random.Random(f"{spec.seed}:structural-plan:{spec.quality}")
    minutes = spec.period.days * 1440
    buildings = max(2, min(12, spec.community.households // 3000))
    plan = []
    for i in range(buildings * 3):
        sid, building, metric = _sensor(i)
        outage = None
        if rng.random() < outage_share and minutes > (outage_days + 2) * 1440:
            first = rng.randrange(1440, minutes - (outage_days + 1) * 1440)
            outage = (first, first + outage_days * 1440)
        k = int(per_year * spec.period.days / 365 + rng.random())
        peaks = sorted(rng.randrange(720, minutes - 720) // 5 * 5 + 4 for _ in range(k))
        warns = []
        for p in peaks:
            if rng.random() < warned:
                delay = rng.randrange(90, 240) if rng.random() < late else rng.randrange(1, 9)
                warns.append((p, delay))
        plan.append((sid, building, metric, outage, peaks, warns))
    return plan


def _sensor(i: int) -> tuple[str, str, str]:
    metric = METRICS[i % 3]
    building = f"B{i // 3 + 1:02d}"
    return f"{building}-{_METRIC_SHAPE[metric][0]}{i // 3 + 1:02d}", building, metric


def _sample_readings(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Readings of every sensor at a fixed interval chosen so the total is about
    ``spec.rows`` (at least four readings a day, at most one every five minutes), plus
    one reading above the limit at each planned exceedance. Built as columns with
    polars; one random draw per reading."""
    plan = _plan(spec)
    minutes = spec.period.days * 1440
    wanted = 1440 * len(plan) * spec.period.days / max(1, spec.rows)
    step = next((s for s in _STEPS if s >= wanted), _STEPS[-1])
    frames = []
    for sid, building, metric, outage, peaks, _ in plan:
        _, base, noise, high = _METRIC_SHAPE[metric]
        grid = range(0, minutes, step)
        if outage:
            grid = [m for m in grid if not outage[0] <= m < outage[1]]  # type: ignore[assignment]
        draws = [rng.random() for _ in grid]
        offsets = [m + int(d * 4) for m, d in zip(grid, draws, strict=True)]
        values = [abs(base + noise * (d - 0.5)) for d in draws]
        offsets += peaks
        values += [high] * len(peaks)
        frames.append(
            pl.DataFrame(
                {"offset": offsets, "value": values},
                schema={"offset": pl.Int64, "value": pl.Float64},
            ).with_columns(
                pl.lit(sid).alias("sensor_id"),
                pl.lit(building).alias("building_id"),
                pl.lit(metric).alias("metric"),
            )
        )
    start = datetime.combine(spec.period.start, datetime.min.time())
    frame = (
        pl.concat(frames)
        .sort("offset", "sensor_id")
        .with_columns(
            (pl.lit(start) + pl.duration(minutes=pl.col("offset")))
            .dt.strftime("%Y-%m-%dT%H:%M:00+08:00")
            .alias("measured_at"),
            pl.col("value").round(3),
        )
        .with_row_index("n", offset=1)
        .select(
            pl.format("R{}", pl.col("n")).alias("reading_id"),
            "building_id",
            "sensor_id",
            "metric",
            "measured_at",
            "value",
        )
    )
    return [("tables/structural_sensor_readings.csv", frame.write_csv().encode("utf-8"))]


def _sample_warnings(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """The warnings the plan's exceedances raised (a few dozen rows)."""
    start = datetime.combine(spec.period.start, datetime.min.time())
    rows = []
    for sid, building, metric, _, _, warns in _plan(spec):
        for p, delay in warns:
            rows.append((start + timedelta(minutes=p + delay), sid, building, metric))
    rows.sort()
    out = [
        [
            f"W{n:05d}",
            at.strftime("%Y-%m-%dT%H:%M:00+08:00"),
            b,
            s,
            m,
            ("warning", "alarm")[rng.randrange(2)],
            "platform;sms",
        ]
        for n, (at, s, b, m) in enumerate(rows, start=1)
    ]
    header = ("warning_id", "issued_at", "building_id", "sensor_id", "metric", "level", "channels")
    return [("tables/structural_warnings.csv", csv_bytes(header, out))]


_READINGS_TEMPLATE = (
    "reading_id,building_id,sensor_id,metric,measured_at,value\n"
    "R1,B01,B01-TL01,tilt,2025-01-01T00:00:00+08:00,0.92\n"
    "R2,B01,B01-CW01,crack_width,2025-01-01T00:00:00+08:00,0.11\n"
)
_WARNINGS_TEMPLATE = (
    "warning_id,issued_at,building_id,sensor_id,metric,level,channels\n"
    "W00001,2025-04-02T10:07:00+08:00,B01,B01-CW01,crack_width,warning,platform;sms\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=READINGS,
            kind="table",
            title="Structural sensor readings",
            description="Readings of the buildings' structural sensors: building, sensor, "
            "metric (tilt in per mille, crack width in mm, vibration velocity in mm/s), time "
            "with UTC offset, value.",
            schema=schema_id(READINGS),
            template_name="structural_sensor_readings.csv",
            template_text=_READINGS_TEMPLATE,
            sample=_sample_readings,
            sample_rows=0.3,
        ),
        EvidenceType(
            id=WARNINGS,
            kind="table",
            title="Structural monitoring warnings",
            description="Warnings the building monitoring system issued: time, building, "
            "sensor, metric, level and channels.",
            schema=schema_id(WARNINGS),
            template_name="structural_warnings.csv",
            template_text=_WARNINGS_TEMPLATE,
            sample=_sample_warnings,
            sample_rows=0.0,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(READINGS), load_schema(WARNINGS)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [BuildingMonitoring]
