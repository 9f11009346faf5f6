"""SE32 Emergency exercise: exercises are held regularly, practise communications and
evacuation, involve every part of the community, and time the evacuations.

The indicator reads the community's register of emergency exercises (one row per exercise
and kind) with the participants counted by category.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id
from ._platform import list_findings, scaled_minimum, share_score

__all__ = ["EmergencyExercise"]

EXERCISES = "emergency_exercises"

#: Participant categories the register counts (its columns), as the indicator names them.
CATEGORIES = {
    "residents": "residents",
    "enterprises_institutions": "enterprises and institutions",
    "social_organizations": "social organizations",
    "volunteers": "volunteers",
}


def _in_period(ctx: Context) -> pl.LazyFrame | None:
    table = ctx.table(EXERCISES)
    if table is None or table.frame is None:
        return None
    return table.frame.filter(pl.col("date").is_between(ctx.period.start, ctx.period.end))


class EmergencyExercise(Indicator):
    """The community holds emergency exercises, chiefly on keeping communications going
    and on evacuating people, and counts who takes part: residents, enterprises and
    institutions, social organizations and volunteers.

    Evidence: an ``emergency_exercises`` table (one row per exercise and kind practised).
    """

    code = "SE32"
    title = "Emergency exercise"
    dimension = "EEP"
    version = "1.0.0"
    thread_safe = True
    evidence = (Need(EXERCISES, purpose="the exercises held, with participants by category"),)

    @rule(
        "R1",
        "Enough exercises are held in the period",
        weight=3,
        severity="high",
        thresholds=("min_exercises_per_year",),
    )
    def enough_exercises(self, ctx: Context) -> float | None:
        """Counts the distinct exercise ids dated inside the period. The yearly minimum
        ``min_exercises_per_year`` is scaled to the period's length and rounded up; the
        score is the count over that minimum, capped at 1. Rows dated outside the period
        are reported."""
        frame = _in_period(ctx)
        table = ctx.table(EXERCISES)
        if frame is None or table is None or table.frame is None:
            return None
        held, outside = pl.collect_all(
            [
                frame.select(pl.col("exercise_id").drop_nulls().n_unique().alias("n")),
                table.frame.filter(
                    pl.col("date").is_not_null()
                    & ~pl.col("date").is_between(ctx.period.start, ctx.period.end)
                ).select("__file", "__row"),
            ]
        )
        count = int(held["n"][0] or 0)
        needed = scaled_minimum(float(ctx.threshold("min_exercises_per_year")), ctx.period.days)
        ctx.metric("exercises", count)
        ctx.metric("exercises_required", needed)
        if outside.height:
            path, row = outside.row(0)
            ctx.finding(
                f"{outside.height} rows are dated outside the period and not counted",
                at=ctx.at(path, row=row, column="date"),
                severity="low",
            )
        if needed == 0 or count >= needed:
            return 1.0
        ctx.finding(
            f"{count} exercises were held in the period; at least {needed} expected",
            at=ctx.at(table, column="exercise_id"),
            fix="Plan exercises through the year (at least one each half-year) and register "
            "each one.",
        )
        return count / needed

    @rule(
        "R2",
        "Communication and evacuation are practised",
        weight=3,
        severity="high",
        thresholds=("required_kinds", "min_per_required_kind_per_year"),
    )
    def kinds_practised(self, ctx: Context) -> float | None:
        """For each kind in ``required_kinds`` (communication guarantee and evacuation),
        counts the distinct exercises of that kind in the period against
        ``min_per_required_kind_per_year`` scaled to the period. Each kind scores its count
        over its minimum, capped at 1; the score is the mean."""
        frame = _in_period(ctx)
        table = ctx.table(EXERCISES)
        if frame is None or table is None:
            return None
        kinds = [str(k) for k in ctx.threshold("required_kinds")]
        if not kinds:
            return None
        counts = dict(
            frame.group_by("kind")
            .agg(pl.col("exercise_id").n_unique().alias("n"))
            .collect()
            .iter_rows()
        )
        needed = scaled_minimum(
            float(ctx.threshold("min_per_required_kind_per_year")), ctx.period.days
        )
        scores = []
        for kind in kinds:
            n = int(counts.get(kind, 0))
            ctx.metric(f"{kind}_exercises", n)
            if needed == 0 or n >= needed:
                scores.append(1.0)
                continue
            scores.append(n / needed)
            ctx.finding(
                f"{n} {kind.replace('_', ' ')} exercises in the period; at least {needed} expected",
                at=ctx.at(table, column="kind"),
                fix=f"Hold a {kind.replace('_', ' ')} exercise and register it.",
            )
        return sum(scores) / len(scores)

    @rule(
        "R3",
        "Participation is counted for every category",
        weight=2,
        severity="medium",
        thresholds=("resident_participants_per_1000_min",),
    )
    def participation(self, ctx: Context) -> float | None:
        """Three equal parts: the share of exercises in the period whose participants were
        counted (at least one category filled); the share of the four categories
        (residents, enterprises and institutions, social organizations, volunteers) with
        participants somewhere in the period; and resident participations per 1,000
        residents a year against ``resident_participants_per_1000_min`` (capped at 1)."""
        frame = _in_period(ctx)
        table = ctx.table(EXERCISES)
        if frame is None or table is None:
            return None
        cols = list(CATEGORIES)
        # One row per exercise: a kind listed twice must not count its people twice.
        per_exercise = frame.group_by("exercise_id").agg(
            *(pl.col(c).max() for c in cols),
            pl.col("__file").first(),
            pl.col("__row").min(),
        )
        uncounted_expr = pl.all_horizontal(*(pl.col(c).is_null() for c in cols))
        totals, uncounted = pl.collect_all(
            [
                per_exercise.select(pl.len().alias("exercises"), *(pl.col(c).sum() for c in cols)),
                per_exercise.filter(uncounted_expr).select("__file", "__row").sort("__row"),
            ]
        )
        row = totals.row(0, named=True)
        exercises = int(row["exercises"] or 0)
        if exercises == 0:
            ctx.finding("no exercise in the period to count participants of", at=ctx.at(table))
            return 0.0
        counted = 1 - uncounted.height / exercises
        present = [c for c in cols if (row[c] or 0) > 0]
        population = max(1, int(getattr(ctx.community, "population", 0) or 0))
        years = ctx.period.days / 365
        rate = (row["residents"] or 0) * 1000 / population / years
        target = float(ctx.threshold("resident_participants_per_1000_min"))
        ctx.metric("exercises_uncounted", uncounted.height)
        ctx.metric("resident_participants_per_1000_per_year", round(rate, 2))
        for c in cols:
            ctx.metric(f"participants_{c}", int(row[c] or 0))
        list_findings(
            ctx,
            [
                (ctx.at(path, row=r), "exercise without any participant count")
                for path, r in uncounted.iter_rows()
            ],
            fix="Count the participants of every exercise by category from the sign-in sheet.",
            more="exercises without participant counts",
        )
        for c in cols:
            if c not in present:
                ctx.finding(
                    f"no {CATEGORIES[c]} took part in any exercise of the period",
                    at=ctx.at(table, column=c),
                    fix=f"Invite {CATEGORIES[c]} to the exercises and count them.",
                )
        if rate < target:
            ctx.finding(
                f"{rate:.1f} resident participations per 1,000 residents a year "
                f"(target {target:g})",
                at=ctx.at(table, column="residents"),
                fix="Open exercises to residents building by building and publicize them.",
            )
        return (counted + len(present) / len(cols) + share_score(rate, target)) / 3

    @rule(
        "R4",
        "Evacuations are timed and fast enough",
        weight=2,
        severity="medium",
        thresholds=("evacuation_timed_share_min", "evacuation_minutes_max"),
    )
    def evacuation_times(self, ctx: Context) -> float | None:
        """Looks at the evacuation exercises of the period. Two equal parts: the share with
        the evacuation time recorded, over ``evacuation_timed_share_min`` (capped at 1); and
        the share of timed evacuations completed within ``evacuation_minutes_max``. Does not
        apply when no evacuation exercise was held (the kinds rule reports that)."""
        frame = _in_period(ctx)
        if frame is None:
            return None
        limit = float(ctx.threshold("evacuation_minutes_max"))
        evac = frame.filter(pl.col("kind") == "evacuation")
        summary, untimed, slow = pl.collect_all(
            [
                evac.select(
                    pl.len().alias("n"),
                    pl.col("evacuation_minutes").is_not_null().sum().alias("timed"),
                    (pl.col("evacuation_minutes") <= limit).sum().alias("fast"),
                ),
                evac.filter(pl.col("evacuation_minutes").is_null()).select("__file", "__row"),
                evac.filter(pl.col("evacuation_minutes") > limit).select(
                    "__file", "__row", "evacuation_minutes"
                ),
            ]
        )
        n, timed, fast = (int(v or 0) for v in summary.row(0))
        if n == 0:
            return None
        ctx.metric("evacuation_exercises", n)
        ctx.metric("evacuations_timed", timed)
        items = [
            (ctx.at(p, row=r, column="evacuation_minutes"), "evacuation exercise not timed")
            for p, r in untimed.iter_rows()
        ] + [
            (
                ctx.at(p, row=r, column="evacuation_minutes"),
                f"evacuation took {m:g} minutes (at most {limit:g})",
            )
            for p, r, m in slow.iter_rows()
        ]
        list_findings(
            ctx,
            items,
            fix="Time every evacuation from the alarm to the last person at the assembly "
            "point; review routes and guidance where it took too long.",
            more="evacuation exercises untimed or too slow",
        )
        timed_part = share_score(timed / n, float(ctx.threshold("evacuation_timed_share_min")))
        fast_part = fast / timed if timed else 0.0
        return (timed_part + fast_part) / 2


# -- sample evidence ---------------------------------------------------------------------

# One year's exercises per quality: (kind, title, share of residents taking part per
# 1,000, enterprises, social organizations, volunteers, evacuation minutes or None).
_PLAN: dict[str, tuple[tuple[str, str, float, int, int, int, float | None], ...]] = {
    "good": (
        ("communication_guarantee", "Typhoon communication drill", 8, 6, 3, 20, None),
        ("evacuation", "Building fire evacuation", 25, 12, 4, 30, 9.5),
        ("fire", "Fire pump and hydrant drill", 4, 8, 2, 15, None),
        ("evacuation", "Flood evacuation of the garage", 15, 5, 3, 25, 12.0),
        ("communication_guarantee", "Power outage radio drill", 5, 4, 2, 18, None),
    ),
    "fair": (
        ("evacuation", "Building fire evacuation", 12, 6, 0, 20, None),
        ("fire", "Fire pump and hydrant drill", 3, 4, 0, 10, None),
    ),
    "poor": (("fire", "Fire extinguisher demonstration", 1, 0, 0, 6, None),),
}


def _sample_exercises(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """The year's exercises repeated for each year of the period, spread over the year;
    participant counts scale with the population."""
    plan = _PLAN.get(spec.quality, _PLAN["fair"])
    start, days = spec.period.start, spec.period.days
    population = max(1000, int(getattr(spec.community, "population", 0) or 10000))
    years = max(1, round(days / 365))
    rows: list[list[Any]] = []
    n = 0
    for year in range(years):
        for k, (kind, title, per_1000, ent, soc, vol, minutes) in enumerate(plan):
            n += 1
            offset = year * 365 + (k * 365) // len(plan) + rng.randrange(20, 60)
            when = start + timedelta(days=min(offset, days - 1))
            residents = round(population * per_1000 / 1000 * rng.uniform(0.9, 1.1))
            evacuated = residents + ent + vol if kind == "evacuation" else None
            mins = round(minutes * rng.uniform(0.9, 1.1), 1) if minutes else None
            rows.append(
                [
                    f"EX-{when.year}-{n:02d}",
                    when,
                    kind,
                    title,
                    residents,
                    ent,
                    soc,
                    vol,
                    evacuated,
                    mins,
                    f"EXR-{when.year}-{n:03d}",
                ]
            )
    header = (
        "exercise_id",
        "date",
        "kind",
        "title",
        "residents",
        "enterprises_institutions",
        "social_organizations",
        "volunteers",
        "evacuated_people",
        "evacuation_minutes",
        "report_ref",
    )
    return [("tables/emergency_exercises.csv", csv_bytes(header, rows))]


_TEMPLATE = (
    "exercise_id,date,kind,title,residents,enterprises_institutions,social_organizations,"
    "volunteers,evacuated_people,evacuation_minutes,report_ref\n"
    "EX-2025-01,2025-03-15,communication_guarantee,Typhoon communication drill,80,6,3,20,,,"
    "EXR-2025-001\n"
    "EX-2025-02,2025-06-20,evacuation,Building fire evacuation,300,12,4,30,342,9.5,"
    "EXR-2025-002\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=EXERCISES,
            kind="table",
            title="Emergency exercise register",
            description="One row per exercise and kind practised: date, kind, participants "
            "by category (residents, enterprises and institutions, social organizations, "
            "volunteers), people evacuated and evacuation time.",
            schema=schema_id(EXERCISES),
            template_name="emergency_exercises.csv",
            template_text=_TEMPLATE,
            sample=_sample_exercises,
            sample_rows=0.0,
        )
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(EXERCISES)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [EmergencyExercise]
