"""SE72 Training of community administrators: safety and emergency-management training
for community administrators and property-management staff.

Three tables: the courses held, who attended which course, and the staff who should be
trained (administrators and property staff, pseudonymous ids only). Shares of staff
trained and hours per person come from joins and group-bys in polars.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id

__all__ = ["AdministratorTraining"]

COURSES = "staff_training_courses"
ATTENDANCE = "staff_training_attendance"
STAFF = "management_staff"

#: The two groups the indicator names.
GROUPS = ("administrator", "property_staff")
#: Which course audiences serve which staff group.
AUDIENCE = {
    "administrator": ("administrators", "both"),
    "property_staff": ("property_staff", "both"),
}
LABELS = {"administrator": "community administrators", "property_staff": "property staff"}
MAX_EXAMPLES = 5


def _scaled(per_year: float, days: int) -> float:
    """A yearly quantity pro-rated to the period."""
    return per_year * days / 365


def _frames(ctx: Context) -> tuple[pl.LazyFrame, pl.LazyFrame, pl.LazyFrame] | None:
    """The course, attendance and staff frames, or None when one is unusable."""
    frames = [ctx.table(t) for t in (COURSES, ATTENDANCE, STAFF)]
    if any(t is None or t.frame is None for t in frames):
        return None
    courses, attendance, staff = (t.frame for t in frames if t is not None)
    assert courses is not None and attendance is not None and staff is not None
    return courses, attendance, staff


def _in_post(end: date) -> pl.Expr:
    return (
        pl.col("in_post_from").is_not_null()
        & (pl.col("in_post_from") <= end)
        & (pl.col("left_on").is_null() | (pl.col("left_on") > end))
    )


class AdministratorTraining(Indicator):
    """Community administrators and property-management staff are trained in the
    knowledge and skills of smart-community safety management and emergency management.

    The courses held in the period must cover the required topics, serve both groups and
    be frequent enough; a large enough share of the staff in post must have attended,
    for enough hours; and the attendance records must refer to real courses and staff.
    """

    code = "SE72"
    title = "Training of community administrators"
    dimension = "SPE"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(COURSES, purpose="safety and emergency-management courses held"),
        Need(ATTENDANCE, purpose="which staff attended which course, and for how long"),
        Need(STAFF, purpose="community administrators and property staff to be trained"),
    )

    def _trained(self, ctx: Context) -> pl.DataFrame | None:
        """Per staff member in post at the period's end: group and hours attended in
        courses held inside the period (0 when none). Computed once per evaluation."""
        cache: dict[int, pl.DataFrame | None] = self.__dict__.setdefault("_cache", {})
        if id(ctx) in cache:
            return cache[id(ctx)]
        frames = _frames(ctx)
        result = None
        if frames is not None:
            courses, attendance, staff = frames
            period = ctx.period
            held = courses.filter(pl.col("date").is_between(period.start, period.end)).select(
                "course_id", pl.col("hours").alias("course_hours")
            )
            hours = (
                attendance.filter(pl.col("attended").fill_null(False))
                .join(held, on="course_id", how="inner")
                .select(
                    "staff_id",
                    pl.min_horizontal(
                        pl.coalesce("hours", "course_hours"), pl.col("course_hours")
                    ).alias("h"),
                )
                .group_by("staff_id")
                .agg(pl.col("h").sum().alias("hours"), pl.len().alias("courses"))
            )
            result = (
                staff.filter(_in_post(period.end))
                .unique("staff_id", keep="first")
                .select("staff_id", "group", "__file", "__row")
                .join(hours, on="staff_id", how="left")
                .with_columns(pl.col("hours").fill_null(0.0), pl.col("courses").fill_null(0))
                .collect()
            )
        cache[id(ctx)] = result
        return result

    @rule(
        "R1",
        "Courses cover safety and emergency management for both groups, often enough",
        weight=2,
        severity="medium",
        thresholds=("courses_per_year_min", "required_topics"),
    )
    def courses_held(self, ctx: Context) -> float | None:
        """Three equal parts over the courses dated inside the period: their number
        against ``courses_per_year_min`` pro-rated (rounded up, at least one); the share
        of ``required_topics`` with at least one course; and the share of the two groups
        (administrators, property staff) with at least one course addressed to them
        (audience ``both`` serves both)."""
        table = ctx.table(COURSES)
        if table is None or table.frame is None:
            return 0.0
        period = ctx.period
        held = table.frame.filter(pl.col("date").is_between(period.start, period.end))
        summary, topics, audiences = pl.collect_all(
            [
                held.select(pl.len().alias("n")),
                held.select(pl.col("topic").drop_nulls().unique()),
                held.select(pl.col("audience").drop_nulls().unique()),
            ]
        )
        count = int(summary["n"][0])
        per_year = float(ctx.threshold("courses_per_year_min"))
        needed = max(1, math.ceil(_scaled(per_year, period.days) - 1e-9)) if per_year > 0 else 0
        required = [str(t) for t in ctx.threshold("required_topics")]
        seen_topics = set(topics["topic"].to_list())
        seen_aud = set(audiences["audience"].to_list())
        ctx.metric("courses", count)
        ctx.metric("courses_needed", needed)
        count_score = 1.0 if needed == 0 else min(1.0, count / needed)
        if count_score < 1.0:
            ctx.finding(
                f"{count} training course(s) held in the period; at least {needed} expected",
                at=ctx.at(table, column="date"),
                fix="Run a training programme through the year (about one course a quarter).",
            )
        absent = [t for t in required if t not in seen_topics]
        topic_score = (len(required) - len(absent)) / len(required) if required else 1.0
        if absent:
            ctx.finding(
                "no course in the period on: " + ", ".join(t.replace("_", " ") for t in absent),
                at=ctx.at(table, column="topic"),
                fix="Include courses on safety management and on emergency management.",
            )
        unserved = [g for g in GROUPS if not seen_aud.intersection(AUDIENCE[g])]
        group_score = (len(GROUPS) - len(unserved)) / len(GROUPS)
        for group in unserved:
            ctx.finding(
                f"no course in the period addressed to {LABELS[group]}",
                at=ctx.at(table, column="audience"),
                fix="Open courses to both community administrators and property staff.",
            )
        return (count_score + topic_score + group_score) / 3

    @rule(
        "R2",
        "Most administrators and property staff in post were trained in the period",
        weight=3,
        severity="high",
        thresholds=("trained_share_min",),
    )
    def share_trained(self, ctx: Context) -> float | None:
        """Takes the staff in post at the period's end (from ``in_post_from`` on, not
        left by then; each id once) and counts, per group, those who attended at least one
        course held in the period. Each group scores min(1, share trained /
        ``trained_share_min``), 0 when the group has nobody in post; the rule scores the
        mean of the two groups."""
        trained = self._trained(ctx)
        staff = ctx.table(STAFF)
        if trained is None or staff is None:
            return 0.0
        target = float(ctx.threshold("trained_share_min"))
        scores = []
        for group in GROUPS:
            members = trained.filter(pl.col("group") == group)
            total = members.height
            done = members.filter(pl.col("courses") > 0).height
            share = done / total if total else 0.0
            ctx.metric(f"{group}_in_post", total)
            ctx.metric(f"{group}_trained_share", round(share, 4))
            if total == 0:
                ctx.finding(
                    f"no {LABELS[group]} in post at the end of the period",
                    at=ctx.at(staff, column="group"),
                    fix="List every community administrator and property staff member in post.",
                )
                scores.append(0.0)
                continue
            score = min(1.0, share / target) if target > 0 else 1.0
            scores.append(score)
            if score < 1.0:
                ctx.finding(
                    f"{done} of {total} {LABELS[group]} attended a course in "
                    f"the period ({share:.0%}); at least {target:.0%} expected",
                    at=ctx.at(staff, column="group"),
                    fix="Train every staff member at least once a year, including newcomers.",
                )
                untrained = members.filter(pl.col("courses") == 0).sort("__file", "__row")
                for path, row in untrained.select("__file", "__row").head(3).iter_rows():
                    ctx.finding(
                        "staff member in post with no training in the period",
                        at=ctx.at(path, row=row, column="staff_id"),
                        severity="low",
                    )
        return sum(scores) / len(scores)

    @rule(
        "R3",
        "Trained staff receive enough hours of training",
        weight=2,
        severity="medium",
        thresholds=("min_hours_per_year", "hours_share_min"),
    )
    def hours(self, ctx: Context) -> float | None:
        """Sums each in-post staff member's hours over the courses of the period they
        attended (an attendance's own hours, capped at the course's length, or the
        course's length when not given). A person reaches the mark with at least
        ``min_hours_per_year`` pro-rated to the period. Score: min(1, share of in-post
        staff reaching the mark / ``hours_share_min``)."""
        trained = self._trained(ctx)
        staff = ctx.table(STAFF)
        if trained is None or staff is None or trained.height == 0:
            return 0.0
        mark = _scaled(float(ctx.threshold("min_hours_per_year")), ctx.period.days)
        target = float(ctx.threshold("hours_share_min"))
        enough = trained.filter(pl.col("hours") >= mark - 1e-9).height
        share = enough / trained.height
        median = trained.select(pl.col("hours").median()).item()
        ctx.metric("median_training_hours", round(float(median or 0.0), 2))
        ctx.metric("hours_mark", round(mark, 2))
        ctx.metric("staff_with_enough_hours_share", round(share, 4))
        if share >= target:
            return 1.0
        ctx.finding(
            f"{enough} of {trained.height} staff in post had at least {mark:.1f} hours of "
            f"training in the period ({share:.0%}); at least {target:.0%} expected",
            at=ctx.at(staff),
            fix="Lengthen courses or add follow-up sessions so each person gets the hours.",
        )
        return min(1.0, share / target) if target > 0 else 1.0

    @rule(
        "R4",
        "Attendance records refer to real courses and staff",
        weight=1,
        severity="low",
        thresholds=("consistent_share_min",),
    )
    def consistent(self, ctx: Context) -> float | None:
        """Each attendance row must name a course of the course table, a staff member of
        the staff table, and no more hours than the course lasted. Score: min(1, share of
        consistent rows / ``consistent_share_min``); an empty attendance table scores 0."""
        frames = _frames(ctx)
        table = ctx.table(ATTENDANCE)
        if frames is None or table is None:
            return 0.0
        courses, attendance, staff = frames
        known_courses = courses.select(
            "course_id", pl.col("hours").alias("course_hours"), pl.lit(True).alias("__c")
        ).unique("course_id", keep="first")
        known_staff = staff.select("staff_id", pl.lit(True).alias("__s")).unique("staff_id")
        reason = (
            pl.when(pl.col("__c").is_null())
            .then(pl.lit("course not in the course table|course_id"))
            .when(pl.col("__s").is_null())
            .then(pl.lit("staff id not in the staff table|staff_id"))
            .when((pl.col("hours") > pl.col("course_hours")).fill_null(False))
            .then(pl.lit("more hours than the course lasted|hours"))
            .otherwise(pl.lit(None, dtype=pl.String))
            .alias("reason")
        )
        rows = (
            attendance.join(known_courses, on="course_id", how="left")
            .join(known_staff, on="staff_id", how="left")
            .select("__file", "__row", reason)
        )
        summary, examples = pl.collect_all(
            [
                rows.select(pl.len().alias("n"), pl.col("reason").is_null().sum().alias("ok")),
                rows.filter(pl.col("reason").is_not_null())
                .sort("__file", "__row")
                .head(MAX_EXAMPLES),
            ]
        )
        total, ok = int(summary["n"][0]), int(summary["ok"][0] or 0)
        if total == 0:
            ctx.finding(
                "the attendance table has no rows",
                at=ctx.at(table),
                fix="Record who attended each course.",
            )
            return 0.0
        share = ok / total
        target = float(ctx.threshold("consistent_share_min"))
        ctx.metric("consistent_attendance_share", round(share, 4))
        if share >= target:
            return 1.0
        ctx.finding(
            f"{total - ok} of {total} attendance rows do not match the course or staff tables",
            at=ctx.at(table),
            fix="Export attendance from the same system as the courses and the staff list.",
        )
        for path, row, text in examples.iter_rows():
            message, column = text.rsplit("|", 1)
            ctx.finding(f"attendance row: {message}", at=ctx.at(path, row=row, column=column))
        return min(1.0, share / target) if target > 0 else 1.0


# -- sample evidence ---------------------------------------------------------------------

_COURSES = (
    ("safety_management", "both", 6, "Smart-community safety management basics"),
    ("emergency_management", "both", 6, "Emergency response and command procedures"),
    ("fire_safety", "property_staff", 4, "Fire facilities operation and inspection"),
    ("smart_platform", "administrators", 3, "Using the safety platform dashboards"),
    ("first_aid", "property_staff", 4, "First aid and AED use"),
    ("emergency_management", "administrators", 4, "Typhoon and flood season preparation"),
    ("safety_management", "property_staff", 3, "Hidden-danger inspection practice"),
    ("information_security", "administrators", 2, "Protecting residents' personal data"),
)
# quality -> (courses used, share of staff taking part, attendance rows of unknown staff)
_TRAIN_SHAPE = {"good": (8, 1.0, 0), "fair": (4, 0.6, 3), "poor": (2, 0.3, 6)}
_STAFF_COUNT = {"administrator": 12, "property_staff": 30}


def _staff_ids() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for group, n in _STAFF_COUNT.items():
        prefix = "A" if group == "administrator" else "P"
        out.extend((f"{prefix}{i:04d}", group) for i in range(1, n + 1))
    return out


def _course_days(spec: SampleSpec, used: int) -> list[date]:
    return [
        spec.period.start + timedelta(days=((2 * k + 1) * spec.period.days) // (2 * used))
        for k in range(used)
    ]


def _sample_courses(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """The first N courses of a fixed programme, spread evenly over the period."""
    used = _TRAIN_SHAPE.get(spec.quality, _TRAIN_SHAPE["fair"])[0]
    rows = []
    for k, ((topic, audience, hours, title), day) in enumerate(
        zip(_COURSES[:used], _course_days(spec, used), strict=True), start=1
    ):
        rows.append(
            [
                f"C{k:03d}",
                day,
                title,
                topic,
                audience,
                hours,
                rng.choice(("District emergency office", "Property association")),
                True,
            ]
        )
    header = ("course_id", "date", "title", "topic", "audience", "hours", "provider", "assessed")
    return [("tables/staff_training_courses.csv", csv_bytes(header, rows))]


def _sample_attendance(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """A fixed share of the staff (by the quality) takes part in the programme; each of
    them attends nine courses in ten of those addressed to their group."""
    used, share, unknown = _TRAIN_SHAPE.get(spec.quality, _TRAIN_SHAPE["fair"])
    staff = _staff_ids()
    # Spread the engaged people evenly over both groups instead of drawing them, so the
    # share trained per group is what the quality says.
    engaged = [s for i, s in enumerate(staff) if (i * 61) % 100 < share * 100]
    rows = []
    for k, (_, audience, hours, _) in enumerate(_COURSES[:used], start=1):
        for staff_id, group in engaged:
            if audience != "both" and AUDIENCE[group][0] != audience:
                continue
            if rng.random() < 0.9:
                rows.append([f"C{k:03d}", staff_id, True, hours, rng.random() < 0.9])
    for n in range(unknown):
        rows.append(["C001", f"X{n + 1:04d}", True, 6, None])
    header = ("course_id", "staff_id", "attended", "hours", "passed")
    return [("tables/staff_training_attendance.csv", csv_bytes(header, rows))]


def _sample_staff(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Twelve administrators and thirty property staff, a few of whom left."""
    rows = []
    for staff_id, group in _staff_ids():
        joined = spec.period.start - timedelta(days=rng.randrange(30, 2000))
        left = spec.period.start + timedelta(days=40) if rng.random() < 0.05 else None
        role = "Grid administrator" if group == "administrator" else "Property officer"
        rows.append([staff_id, group, role, joined, left])
    header = ("staff_id", "group", "role", "in_post_from", "left_on")
    return [("tables/management_staff.csv", csv_bytes(header, rows))]


# -- plugin hooks ------------------------------------------------------------------------


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=COURSES,
            kind="table",
            title="Safety training courses for staff",
            description="One row per course held for community administrators or property "
            "staff: date, title, topic, audience (administrators, property_staff, both), "
            "hours, provider, whether an assessment was held.",
            schema=schema_id(COURSES),
            template_name="staff_training_courses.csv",
            template_text="course_id,date,title,topic,audience,hours,provider,assessed\n"
            "C001,2025-03-12,Emergency response procedures,emergency_management,both,6,"
            "District emergency office,true\n",
            sample=_sample_courses,
        ),
        EvidenceType(
            id=ATTENDANCE,
            kind="table",
            title="Training attendance",
            description="One row per staff member per course: course id, pseudonymous staff "
            "id, attended, hours attended, passed the assessment.",
            schema=schema_id(ATTENDANCE),
            template_name="staff_training_attendance.csv",
            template_text="course_id,staff_id,attended,hours,passed\nC001,A0001,true,6,true\n",
            sample=_sample_attendance,
        ),
        EvidenceType(
            id=STAFF,
            kind="table",
            title="Community administrators and property staff",
            description="One row per community administrator or property-management staff "
            "member (pseudonymous id): group, role, in post from, left on.",
            schema=schema_id(STAFF),
            template_name="management_staff.csv",
            template_text="staff_id,group,role,in_post_from,left_on\n"
            "A0001,administrator,Grid administrator,2021-05-01,\n",
            sample=_sample_staff,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(COURSES), load_schema(ATTENDANCE), load_schema(STAFF)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [AdministratorTraining]
