"""SE15 Operation safeguard: complete, standardized electronic work files.

The indicator asks whether the community keeps its day-to-day safety work in electronic
files that are complete and well kept: a patrol inspection every day, and files for major
maintenance, major events, emergency exercises and safety education. It reads the patrol
log (potentially millions of rows, so every measurement is a polars aggregation) and an
index of the other work files.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from compliance import hookimpl
from compliance.errors import ProfileError
from compliance.frames import duplicated, local_date, one_of
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id

__all__ = ["OperationSafeguard"]

PATROL_LOG = "patrol_log"
WORK_RECORDS = "work_records"

#: Patrol statuses that show a round actually took place (a cancelled round did not).
PATROLLED = ("completed", "interrupted")
#: The four kinds of work file the indicator asks for besides daily patrols.
WORK_KINDS = ("maintenance", "major_event", "exercise", "education")
#: At most this many example rows or gaps are reported per problem; the rest are counted.
MAX_EXAMPLES = 5
#: Defects of a patrol row: name -> (column a finding points at, what is wrong).
_DEFECTS = {
    "missing_time": ("ended_at", "start or end time missing"),
    "reversed": ("ended_at", "end not after the start"),
    "too_long": ("ended_at", "round longer than the maximum duration"),
    "too_short": ("ended_at", "completed round shorter than the minimum duration"),
    "outside_period": ("started_at", "started outside the assessment period"),
    "no_status": ("status", "status missing"),
    "duplicate_id": ("patrol_id", "patrol id used more than once"),
}


# -- the indicator ----------------------------------------------------------------------


@dataclass(frozen=True)
class _PatrolStats:
    """What the patrol log says, computed once per evaluation and shared by the rules."""

    days: pl.DataFrame  # one column "day": distinct local dates with a patrol, in the period
    quality: dict[str, int]  # row counts by defect
    examples: pl.DataFrame  # a few ill-formed rows: __file, __row, column, reason


class OperationSafeguard(Indicator):
    """Standardized, complete electronic work files record daily patrol inspections,
    major maintenance, major events, emergency exercises and safety education.

    Daily patrols are measured from the patrol log: how many days of the assessment
    period have a patrol and how long the longest run of days without one is. The other
    work files are measured from an index of the archived files: each of the four kinds
    must be present in the period, in the number the profile asks for. A final rule
    checks that the files are well formed, since incomplete or inconsistent rows are not
    a usable record of the work.
    """

    code = "SE15"
    title = "Operation safeguard"
    dimension = "SMD"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(PATROL_LOG, purpose="daily patrol inspection rounds from the work-file system"),
        Need(WORK_RECORDS, purpose="index of maintenance, major-event, exercise, education files"),
    )

    # -- rules ------------------------------------------------------------------------

    @rule(
        "R1",
        "A patrol is recorded on (nearly) every day of the period",
        weight=3,
        severity="high",
        thresholds=("patrol_day_coverage_min", "timezone"),
    )
    def patrol_day_coverage(self, ctx: Context) -> float | None:
        """Counts the days of the assessment period on which at least one patrol round
        was completed or interrupted (cancelled rounds do not count), taking each round's
        start in the community's local time zone (``timezone``). Coverage is that count
        over the number of days in the period; the score is coverage divided by
        ``patrol_day_coverage_min``, capped at 1. Findings name the months with the most
        days missing."""
        table = ctx.table(PATROL_LOG)
        stats = self._patrol_stats(ctx)
        if table is None or stats is None:
            return None
        period = ctx.period
        covered = stats.days.height
        coverage = covered / period.days
        target = float(ctx.threshold("patrol_day_coverage_min"))
        ctx.metric("patrol_days", covered)
        ctx.metric("period_days", period.days)
        ctx.metric("patrol_day_coverage", round(coverage, 4))
        if coverage >= target:
            return 1.0
        missing = _missing_days(stats.days, period.start, period.end)
        worst = (
            missing.group_by(pl.col("day").dt.strftime("%Y-%m").alias("month"))
            .agg(pl.len().alias("days"))
            .sort(["days", "month"], descending=[True, False])
            .head(3)
        )
        months = ", ".join(f"{m} ({d} days)" for m, d in worst.iter_rows())
        ctx.finding(
            f"patrols are recorded on {covered} of {period.days} days ({coverage:.1%}); "
            f"the profile asks for {target:.0%}. Most days without a patrol: {months}",
            at=ctx.at(table),
            fix="Patrol every day and make sure each round is entered in the electronic "
            "work-file system the same day.",
        )
        return min(1.0, coverage / target) if target > 0 else 1.0

    @rule(
        "R2",
        "No long run of days without a patrol",
        weight=2,
        severity="high",
        thresholds=("patrol_gap_max_days", "timezone"),
    )
    def patrol_gaps(self, ctx: Context) -> float | None:
        """Finds the longest run of consecutive days in the period with no patrol round
        (counting the days before the first and after the last patrol too). Within
        ``patrol_gap_max_days`` the score is 1; beyond it the score is (allowed gap + 1) /
        (longest gap + 1), so a one-day overshoot loses little and a month without
        patrols scores near zero. Findings list the longest gaps with their dates."""
        table = ctx.table(PATROL_LOG)
        stats = self._patrol_stats(ctx)
        if table is None or stats is None:
            return None
        allowed = int(ctx.threshold("patrol_gap_max_days"))
        gaps = _gaps(stats.days, ctx.period.start, ctx.period.end)
        longest = int(gaps["length"].max() or 0) if gaps.height else 0
        ctx.metric("longest_patrol_gap_days", longest)
        over = gaps.filter(pl.col("length") > allowed)
        ctx.metric("patrol_gaps_over_limit", over.height)
        if over.height == 0:
            return 1.0
        for first, last, length in over.head(MAX_EXAMPLES).iter_rows():
            ctx.finding(
                f"no patrol recorded for {length} consecutive days, {first} to {last} "
                f"(at most {allowed} allowed)",
                at=ctx.at(table),
                fix="Keep patrolling through holidays and bad weather, or record why a "
                "round could not take place and make it up the next day.",
            )
        if over.height > MAX_EXAMPLES:
            ctx.finding(
                f"{over.height - MAX_EXAMPLES} more gaps longer than {allowed} days",
                at=ctx.at(table),
            )
        return (allowed + 1) / (longest + 1)

    @rule(
        "R3",
        "Maintenance, major-event, exercise and education files exist for the period",
        weight=3,
        severity="medium",
        thresholds=(
            "min_maintenance_records",
            "min_major_event_records",
            "min_exercise_records",
            "min_education_records",
        ),
    )
    def work_files_present(self, ctx: Context) -> float | None:
        """Counts the work files dated inside the period for each of the four kinds:
        maintenance, major_event, exercise and education. The profile gives the minimum
        per kind for a year (``min_<kind>_records``); it is scaled to the period's length
        and rounded up (at least one when the yearly minimum is above zero). Each kind
        scores its count over its minimum, capped at 1; the rule's score is the mean of
        the four."""
        table = ctx.table(WORK_RECORDS)
        if table is None or table.frame is None:
            return None
        period = ctx.period
        counts = dict(
            table.frame.filter(pl.col("date").is_between(period.start, period.end))
            .group_by("kind")
            .agg(pl.len().alias("n"))
            .collect()
            .iter_rows()
        )
        scores = []
        for kind in WORK_KINDS:
            found = int(counts.get(kind, 0))
            needed = _scaled_minimum(float(ctx.threshold(f"min_{kind}_records")), period.days)
            ctx.metric(f"{kind}_records", found)
            if needed == 0 or found >= needed:
                scores.append(1.0)
                continue
            scores.append(found / needed)
            label = kind.replace("_", "-")
            ctx.finding(
                f"{found} {label} file(s) dated in the period; at least {needed} expected",
                at=ctx.at(table, column="kind"),
                fix=f"Archive a file for every {label} activity in the work-file system "
                "and list it in the work-file index with its date and reference.",
            )
        return sum(scores) / len(scores)

    @rule(
        "R4",
        "Work files are well formed and dated inside the period",
        weight=2,
        severity="medium",
        thresholds=(
            "well_formed_share_min",
            "patrol_min_minutes",
            "patrol_max_minutes",
            "timezone",
        ),
    )
    def well_formed(self, ctx: Context) -> float | None:
        """Checks every row of both files. A patrol row is well formed when its start and
        end are given, the end is after the start, the round lasted at most
        ``patrol_max_minutes`` (and, when completed, at least ``patrol_min_minutes``), it
        started inside the period and its patrol id is not repeated; a cancelled round
        needs only a start inside the period. A work-file row is well formed when its date
        is inside the period and it has a kind, a title and a file reference. Each file's
        share of well-formed rows is divided by ``well_formed_share_min`` (capped at 1);
        the score is the mean over the files that have rows."""
        target = float(ctx.threshold("well_formed_share_min"))
        parts: list[float] = []
        patrol = ctx.table(PATROL_LOG)
        stats = self._patrol_stats(ctx)
        if patrol is not None and stats is not None and stats.quality["rows"]:
            q = stats.quality
            share = q["well_formed"] / q["rows"]
            ctx.metric("patrol_well_formed_share", round(share, 4))
            parts.append(min(1.0, share / target) if target > 0 else 1.0)
            if share < target:
                self._report_patrol_defects(ctx, patrol, stats)
        work = ctx.table(WORK_RECORDS)
        if work is not None and work.frame is not None:
            work_share = self._check_work_rows(ctx, work, target)
            if work_share is not None:
                parts.append(min(1.0, work_share / target) if target > 0 else 1.0)
        return sum(parts) / len(parts) if parts else None

    # -- shared computations ------------------------------------------------------------

    def _patrol_stats(self, ctx: Context) -> _PatrolStats | None:
        """Day coverage and row quality of the patrol log in one pass over the rows
        (polars runs the three queries together and shares the scan)."""
        cache: dict[int, _PatrolStats | None] = self.__dict__.setdefault("_stats_cache", {})
        if id(ctx) in cache:
            return cache[id(ctx)]
        table = ctx.table(PATROL_LOG)
        stats = None
        if table is not None and table.frame is not None:
            stats = _compute_patrol_stats(
                table.frame,
                start=ctx.period.start,
                end=ctx.period.end,
                timezone=_zone(ctx.threshold("timezone")),
                min_minutes=float(ctx.threshold("patrol_min_minutes")),
                max_minutes=float(ctx.threshold("patrol_max_minutes")),
            )
        cache[id(ctx)] = stats
        return stats

    def _report_patrol_defects(self, ctx: Context, table: Any, stats: _PatrolStats) -> None:
        q = stats.quality
        counts = "; ".join(f"{text}: {q[k]}" for k, (_, text) in _DEFECTS.items() if q[k])
        bad = q["rows"] - q["well_formed"]
        ctx.finding(
            f"{bad} of {q['rows']} patrol rows are not well formed ({counts})",
            at=ctx.at(table),
            fix="Fix the export of the patrol system so every round has a unique id, a start "
            "and an end time in order, and only rounds of the assessment period are included.",
        )
        for path, row, column, reason in stats.examples.iter_rows():
            ctx.finding(
                f"patrol row: {reason}",
                at=ctx.at(path, row=row, column=column),
                severity="low",
            )

    def _check_work_rows(self, ctx: Context, table: Any, target: float) -> float | None:
        period = ctx.period
        reason = (
            pl.when(pl.col("date").is_null())
            .then(pl.lit("date missing|date"))
            .when(~pl.col("date").is_between(period.start, period.end))
            .then(pl.lit("dated outside the assessment period|date"))
            .when(pl.col("kind").is_null())
            .then(pl.lit("kind missing|kind"))
            .when(~_text_present("title"))
            .then(pl.lit("title missing|title"))
            .when(~_text_present("reference"))
            .then(pl.lit("no file reference|reference"))
            .otherwise(pl.lit(None, dtype=pl.String))
            .alias("reason")
        )
        checked = table.frame.select("__file", "__row", reason)
        summary, examples = pl.collect_all(
            [
                checked.select(
                    pl.len().alias("rows"), pl.col("reason").is_null().sum().alias("good")
                ),
                checked.filter(pl.col("reason").is_not_null()).head(MAX_EXAMPLES),
            ]
        )
        rows, good = int(summary["rows"][0]), int(summary["good"][0])
        if rows == 0:
            return None
        share = good / rows
        ctx.metric("work_records_well_formed_share", round(share, 4))
        if share >= target:
            return share
        ctx.finding(
            f"{rows - good} of {rows} work-file rows are incomplete or dated outside the period",
            at=ctx.at(table),
            fix="Give every work file a date inside the period, its kind, a title and the "
            "archive reference of the full file.",
        )
        for path, row, text in examples.iter_rows():
            message, column = text.rsplit("|", 1)
            ctx.finding(
                f"work-file row: {message}",
                at=ctx.at(path, row=row, column=column),
                severity="low",
            )
        return share


# -- polars helpers (pure functions, unit-tested directly) ------------------------------


def _zone(name: object) -> str:
    """The ``timezone`` threshold, checked so a typo is a clear profile error rather than
    a polars exception in the middle of a rule."""
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ProfileError(
            f"SE15.thresholds.timezone: {name!r} is not a known IANA time zone"
        ) from None
    return str(name)


def _text_present(column: str) -> pl.Expr:
    return pl.col(column).is_not_null() & (pl.col(column).str.strip_chars().str.len_chars() > 0)


def _compute_patrol_stats(
    frame: pl.LazyFrame,
    *,
    start: date,
    end: date,
    timezone: str,
    min_minutes: float,
    max_minutes: float,
) -> _PatrolStats:
    day = local_date(frame, "started_at", timezone)
    minutes = (pl.col("ended_at") - pl.col("started_at")).dt.total_seconds() / 60.0
    held = one_of(pl.col("status"), PATROLLED)
    in_period = day.is_between(start, end)

    # Each defect as a boolean column; a row is well formed when none holds. Rounds that
    # were cancelled need no end time, and interrupted ones may be short.
    defects = {
        "missing_time": pl.col("started_at").is_null() | (held & pl.col("ended_at").is_null()),
        "reversed": held & (pl.col("ended_at") <= pl.col("started_at")),
        "too_long": held & (minutes > max_minutes),
        "too_short": (pl.col("status") == "completed") & (minutes > 0) & (minutes < min_minutes),
        "outside_period": pl.col("started_at").is_not_null() & ~in_period,
        "no_status": pl.col("status").is_null(),
        "duplicate_id": pl.col("patrol_id").is_not_null() & duplicated(frame, "patrol_id"),
    }
    flagged = frame.select(
        "__file",
        "__row",
        *(expr.fill_null(False).alias(name) for name, expr in defects.items()),
    )
    any_defect = pl.any_horizontal(*defects)
    reason = pl.coalesce(
        *(
            pl.when(pl.col(name)).then(pl.lit(name)).otherwise(pl.lit(None, dtype=pl.String))
            for name in defects
        )
    )
    days_q = (
        frame.filter(held & pl.col("started_at").is_not_null() & in_period)
        .select(day.alias("day"))
        .unique()
        .sort("day")
    )
    quality_q = flagged.select(
        pl.len().alias("rows"),
        (~any_defect).sum().alias("well_formed"),
        *(pl.col(name).sum().alias(name) for name in defects),
    )
    examples_q = (
        flagged.filter(any_defect)
        .select("__file", "__row", reason.alias("reason"))
        .head(MAX_EXAMPLES)
    )
    days, quality, examples = pl.collect_all([days_q, quality_q, examples_q])
    examples = examples.select(
        "__file",
        "__row",
        pl.col("reason")
        .replace_strict({k: c for k, (c, _) in _DEFECTS.items()}, default="started_at")
        .alias("column"),
        pl.col("reason")
        .replace_strict({k: t for k, (_, t) in _DEFECTS.items()}, default="ill-formed row")
        .alias("text"),
    )
    counts = {k: int(v or 0) for k, v in quality.row(0, named=True).items()}
    return _PatrolStats(days=days, quality=counts, examples=examples)


def _missing_days(days: pl.DataFrame, start: date, end: date) -> pl.DataFrame:
    """The days of the period on which no patrol took place."""
    every = pl.DataFrame({"day": pl.date_range(start, end, interval="1d", eager=True)})
    return every.join(days, on="day", how="anti")


def _gaps(days: pl.DataFrame, start: date, end: date) -> pl.DataFrame:
    """Runs of days without a patrol: first day, last day and length, longest first.

    Sentinel days just before the period and just after it make the leading and trailing
    runs ordinary gaps between consecutive patrol days."""
    bounds = pl.DataFrame({"day": [start - timedelta(days=1), end + timedelta(days=1)]})
    ordered = pl.concat([days.select("day"), bounds]).unique().sort("day")
    return (
        ordered.with_columns(
            (pl.col("day").diff().dt.total_days() - 1).alias("length"),
            (pl.col("day").shift(1) + pl.duration(days=1)).alias("first"),
            (pl.col("day") - pl.duration(days=1)).alias("last"),
        )
        .filter(pl.col("length") > 0)
        .select("first", "last", pl.col("length").cast(pl.Int64))
        .sort(["length", "first"], descending=[True, False])
    )


def _scaled_minimum(per_year: float, period_days: int) -> int:
    """A yearly minimum scaled to the period, rounded up; never zero unless asked."""
    if per_year <= 0:
        return 0
    return max(1, math.ceil(per_year * period_days / 365 - 1e-9))


# -- sample evidence ---------------------------------------------------------------------

_AREAS = (
    "Building 1",
    "Building 2",
    "Building 3",
    "Building 4",
    "Building 5",
    "Building 6",
    "Underground garage",
    "East gate",
    "West gate",
    "Central garden",
    "Fire pump room",
    "Power distribution room",
    "Monitoring centre",
    "Children's playground",
    "Bicycle shed",
    "Refuse station",
)
_INSPECTORS = tuple(f"S{n:04d}" for n in range(1, 25))
# Minutes of the day as "HH:MM" so the per-row work is one lookup, not a format call.
_CLOCK = tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60))

# quality -> (share of days skipped at random, length of one long gap, ill-formed rows per
# 1,024); "good" skips no day, so its longest gap is zero.
_PATROL_SHAPE = {"good": (0.0, 0, 3), "fair": (0.08, 6, 30), "poor": (0.35, 25, 120)}


def _sample_patrol_log(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """About ``spec.rows`` patrol rounds (at least one per patrolled day) spread over the
    period, between 06:00 and 23:00 local time (+08:00). One random draw per row feeds
    every field, so a million rows take a couple of seconds."""
    skip_share, gap_len, bad_per_1024 = _PATROL_SHAPE.get(spec.quality, _PATROL_SHAPE["fair"])
    start, n_days = spec.period.start, spec.period.days
    skipped = {i for i in range(n_days) if rng.random() < skip_share}
    if gap_len and n_days > gap_len + 2:
        first = rng.randrange(1, n_days - gap_len)
        skipped.update(range(first, first + gap_len))
    active = [i for i in range(n_days) if i not in skipped]
    per_day, extra = divmod(max(spec.rows, len(active)), max(1, len(active)))
    lines = ["patrol_id,started_at,ended_at,area,inspector_id,issues_found,status\n"]
    n = 0
    n_areas, n_insp = len(_AREAS), len(_INSPECTORS)
    for k, i in enumerate(active):
        day = (start + timedelta(days=i)).isoformat()
        stamp = day + "T"
        for _ in range(per_day + (1 if k < extra else 0)):
            n += 1
            r = rng.getrandbits(48)
            begin = 360 + r % 900  # 06:00 .. 20:59
            length = 20 + (r >> 10) % 100  # 20 .. 119 minutes
            status = "completed" if (r >> 17) % 50 else "interrupted"
            issues = (r >> 23) % 4 if (r >> 25) % 8 == 0 else 0
            area = _AREAS[(r >> 28) % n_areas]
            inspector = _INSPECTORS[(r >> 33) % n_insp]
            end = f"{stamp}{_CLOCK[begin + length]}:00+08:00"
            if r >> 38 < bad_per_1024:  # the top 10 bits: 0 .. 1023
                kind = (r >> 8) % 3
                if kind == 0:
                    end = ""  # the end time was never recorded
                elif kind == 1:
                    end = f"{stamp}{_CLOCK[begin - 30]}:00+08:00"  # end before start
                else:
                    end, status = f"{stamp}{_CLOCK[begin + 2]}:00+08:00", "completed"
            lines.append(
                f"P{n:07d},{stamp}{_CLOCK[begin]}:00+08:00,{end},{area},{inspector},"
                f"{issues},{status}\n"
            )
    return [("tables/patrol_log.csv", "".join(lines).encode("utf-8"))]


# quality -> records per kind, number of rows with no reference, rows dated before period
_WORK_SHAPE = {
    "good": ({"maintenance": 12, "major_event": 3, "exercise": 4, "education": 8}, 0, 0),
    "fair": ({"maintenance": 5, "major_event": 1, "exercise": 0, "education": 2}, 1, 0),
    "poor": ({"maintenance": 2, "major_event": 0, "exercise": 0, "education": 1}, 1, 2),
}
_WORK_TITLES = {
    "maintenance": (
        "Fire pump controller overhaul",
        "Access-control system upgrade",
        "Surveillance camera replacement",
        "Elevator emergency phone repair",
        "Smoke detector battery replacement",
        "Emergency lighting inspection and repair",
    ),
    "major_event": (
        "Typhoon response and clean-up",
        "Community festival crowd safety",
        "Water main burst handling",
        "Power outage handling",
    ),
    "exercise": (
        "Fire evacuation exercise",
        "Flood emergency exercise",
        "Gas leak emergency exercise",
        "Elevator entrapment rescue exercise",
    ),
    "education": (
        "Fire safety lecture for residents",
        "Anti-fraud publicity day",
        "First aid training for volunteers",
        "Safety class for the elderly",
        "Smart platform user guide session",
    ),
}


def _sample_work_records(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """A small index of work files (a few dozen rows at most), spread over the period."""
    counts, unreferenced, early = _WORK_SHAPE.get(spec.quality, _WORK_SHAPE["fair"])
    start, n_days = spec.period.start, spec.period.days
    rows: list[list[Any]] = []
    for kind in WORK_KINDS:
        titles = _WORK_TITLES[kind]
        for j in range(counts[kind]):
            offset = (j * n_days) // max(1, counts[kind]) + rng.randrange(max(1, n_days // 30))
            rows.append([start + timedelta(days=min(offset, n_days - 1)), kind, rng.choice(titles)])
    for _ in range(early):
        rows.append([start - timedelta(days=rng.randrange(20, 200)), "maintenance", "Old repair"])
    rows.sort(key=lambda r: (r[0], r[1]))
    out = []
    for n, (day, kind, title) in enumerate(rows, start=1):
        reference = f"WF-{day.year}-{n:04d}" if n > unreferenced else None
        out.append([f"W{n:04d}", day, kind, title, reference])
    header = ("record_id", "date", "kind", "title", "reference")
    return [("tables/work_records.csv", csv_bytes(header, out))]


# -- plugin hooks ------------------------------------------------------------------------

_PATROL_TEMPLATE = (
    "patrol_id,started_at,ended_at,area,inspector_id,issues_found,status\n"
    "P0000001,2025-01-01T08:30:00+08:00,2025-01-01T09:15:00+08:00,Building 1,S0001,0,completed\n"
)
_WORK_TEMPLATE = (
    "record_id,date,kind,title,reference\n"
    "W0001,2025-03-12,maintenance,Fire pump controller overhaul,WF-2025-0001\n"
    "W0002,2025-06-05,exercise,Fire evacuation exercise,WF-2025-0002\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=PATROL_LOG,
            kind="table",
            title="Daily patrol inspection log",
            description="Every patrol round exported from the electronic work-file system: "
            "start and end time (with UTC offset), area, inspector id, problems found, status.",
            schema=schema_id(PATROL_LOG),
            template_name="patrol_log.csv",
            template_text=_PATROL_TEMPLATE,
            sample=_sample_patrol_log,
            sample_rows=0.6,
        ),
        EvidenceType(
            id=WORK_RECORDS,
            kind="table",
            title="Electronic work-file index",
            description="One row per archived work file of major maintenance, major events, "
            "emergency exercises and safety education: date, kind, title, archive reference.",
            schema=schema_id(WORK_RECORDS),
            template_name="work_records.csv",
            template_text=_WORK_TEMPLATE,
            sample=_sample_work_records,
            sample_rows=0.0,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(PATROL_LOG), load_schema(WORK_RECORDS)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [OperationSafeguard]
