"""SE71 Propaganda and education of emergency safety: publicity over several channels,
held regularly, reaching students, the elderly and the disabled, with on-site education
that teaches risk-avoidance skills.

The evidence is one table of publicity and education activities; every measurement is a
polars aggregation over it.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id

__all__ = ["SafetyPropagandaEducation"]

ACTIVITIES = "safety_publicity_activities"
MAX_EXAMPLES = 5


def _scaled(per_year: float, days: int) -> int:
    """A yearly minimum pro-rated to the period, rounded up; at least one unless zero."""
    if per_year <= 0:
        return 0
    return max(1, math.ceil(per_year * days / 365 - 1e-9))


def _groups() -> pl.Expr:
    """The target groups of a row as a list of normalized codes."""
    return (
        pl.col("target_groups")
        .fill_null("")
        .str.to_lowercase()
        .str.split(";")
        .list.eval(pl.element().str.strip_chars().str.replace_all(r"[\s-]+", "_"))
    )


class SafetyPropagandaEducation(Indicator):
    """Safety knowledge is publicized through radio, television, the internet, electronic
    displays and on-site sessions; the community runs publicity and education regularly
    and serves students, the elderly and the disabled in particular, teaching them how to
    avoid risks.

    Measured from the log of publicity and education activities over the assessment
    period: channels used, frequency through the year, groups reached, and on-site
    participation with risk-avoidance training.
    """

    code = "SE71"
    title = "Propaganda and education of emergency safety"
    dimension = "SPE"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(ACTIVITIES, purpose="every safety publicity and education activity of the period"),
    )

    def _period_rows(self, ctx: Context) -> tuple[Any, pl.LazyFrame] | None:
        table = ctx.table(ACTIVITIES)
        if table is None or table.frame is None:
            return None
        rows = table.frame.filter(
            pl.col("date").is_not_null()
            & pl.col("date").is_between(ctx.period.start, ctx.period.end)
        )
        return table, rows

    @rule(
        "R1",
        "Safety knowledge is publicized over the required channels",
        weight=2,
        severity="medium",
        thresholds=("required_channels", "channel_coverage_min"),
    )
    def channels(self, ctx: Context) -> float | None:
        """Counts activities per channel inside the period. The share of
        ``required_channels`` (radio, tv, internet, display, on_site by default) used at
        least once is divided by ``channel_coverage_min`` and capped at 1. Findings name
        the channels never used."""
        got = self._period_rows(ctx)
        if got is None:
            return 0.0
        table, rows = got
        required = [str(c) for c in ctx.threshold("required_channels")]
        target = float(ctx.threshold("channel_coverage_min"))
        counts = dict(
            rows.group_by("channel").agg(pl.len().alias("n")).drop_nulls().collect().iter_rows()
        )
        for channel in required:
            ctx.metric(f"{channel}_activities", int(counts.get(channel, 0)))
        unused = [c for c in required if not counts.get(c)]
        share = (len(required) - len(unused)) / len(required) if required else 1.0
        ctx.metric("required_channel_share", round(share, 4))
        if unused:
            ctx.finding(
                "no activity in the period over: " + ", ".join(unused),
                at=ctx.at(table, column="channel"),
                fix="Use every channel residents follow: community radio, local TV, the "
                "platform and social media, electronic displays, and on-site sessions.",
                severity="medium" if share < target else "low",
            )
        return min(1.0, share / target) if target > 0 else 1.0

    @rule(
        "R2",
        "Publicity and education happen regularly through the period",
        weight=3,
        severity="high",
        thresholds=("activities_per_year_min", "active_month_share_min"),
    )
    def frequency(self, ctx: Context) -> float | None:
        """Two halves: the number of activities in the period against
        ``activities_per_year_min`` pro-rated to the period (min(1, count / needed)), and
        the share of the period's calendar months with at least one activity against
        ``active_month_share_min`` (min(1, share / target)). Findings list the months
        without any activity."""
        got = self._period_rows(ctx)
        if got is None:
            return 0.0
        table, rows = got
        period = ctx.period
        needed = _scaled(float(ctx.threshold("activities_per_year_min")), period.days)
        target = float(ctx.threshold("active_month_share_min"))
        months = rows.select(pl.col("date").dt.strftime("%Y-%m").unique().alias("m"))
        summary, active = pl.collect_all([rows.select(pl.len().alias("n")), months])
        count = int(summary["n"][0])
        every = (
            pl.date_range(period.start.replace(day=1), period.end, interval="1mo", eager=True)
            .dt.strftime("%Y-%m")
            .to_list()
        )
        quiet = sorted(set(every) - set(active["m"].to_list()))
        share = (len(every) - len(quiet)) / len(every) if every else 1.0
        ctx.metric("activities", count)
        ctx.metric("activities_needed", needed)
        ctx.metric("active_month_share", round(share, 4))
        count_score = 1.0 if needed == 0 else min(1.0, count / needed)
        month_score = min(1.0, share / target) if target > 0 else 1.0
        if count_score < 1.0:
            ctx.finding(
                f"{count} publicity or education activities in the period; at least "
                f"{needed} expected",
                at=ctx.at(table, column="date"),
                fix="Plan safety publicity as a year-round programme, about weekly.",
            )
        if month_score < 1.0:
            ctx.finding(
                f"no activity in {len(quiet)} of {len(every)} months: " + ", ".join(quiet[:12]),
                at=ctx.at(table, column="date"),
                fix="Spread activities over the year instead of concentrating them.",
            )
        return (count_score + month_score) / 2

    @rule(
        "R3",
        "Students, the elderly and the disabled are reached",
        weight=3,
        severity="high",
        thresholds=("required_groups", "group_activities_per_year_min"),
    )
    def groups(self, ctx: Context) -> float | None:
        """Splits each activity's ``target_groups`` (semicolon-separated) and counts the
        activities in the period aimed at each of ``required_groups``. Each group needs
        ``group_activities_per_year_min`` activities pro-rated to the period; it scores
        min(1, count / needed) and the rule scores the mean over the groups."""
        got = self._period_rows(ctx)
        if got is None:
            return 0.0
        table, rows = got
        required = [str(g) for g in ctx.threshold("required_groups")]
        needed = _scaled(float(ctx.threshold("group_activities_per_year_min")), ctx.period.days)
        counts = dict(
            rows.select(_groups().alias("g"))
            .explode("g")
            .group_by("g")
            .agg(pl.len().alias("n"))
            .collect()
            .iter_rows()
        )
        scores = []
        for group in required:
            found = int(counts.get(group, 0))
            ctx.metric(f"{group}_activities", found)
            if needed == 0 or found >= needed:
                scores.append(1.0)
                continue
            scores.append(found / needed)
            ctx.finding(
                f"{found} activities aimed at {group.replace('_', ' ')}; at least {needed} "
                "expected",
                at=ctx.at(table, column="target_groups"),
                fix=f"Hold sessions designed for {group.replace('_', ' ')} (at schools, "
                "elderly centres, home visits with accessible material) and record the group.",
            )
        return sum(scores) / len(scores) if scores else 1.0

    @rule(
        "R4",
        "On-site education reaches enough residents and teaches risk avoidance",
        weight=2,
        severity="medium",
        thresholds=("onsite_participants_per_1000_min", "risk_avoidance_per_year_min"),
    )
    def onsite_reach(self, ctx: Context) -> float | None:
        """Two halves: participants of on-site activities in the period per 1,000
        residents (the manifest's population) against
        ``onsite_participants_per_1000_min``, and the number of activities marked as
        teaching risk-avoidance skills against ``risk_avoidance_per_year_min`` pro-rated to
        the period; each min(1, measured / target). On-site rows with no participant
        count are reported by row. When the population is 0 only the second half counts."""
        got = self._period_rows(ctx)
        if got is None:
            return 0.0
        table, rows = got
        onsite = pl.col("channel") == "on_site"
        summary, uncounted = pl.collect_all(
            [
                rows.select(
                    pl.col("participants").filter(onsite).sum().alias("people"),
                    pl.col("risk_avoidance").fill_null(False).sum().alias("skills"),
                ),
                rows.filter(onsite & pl.col("participants").is_null())
                .select("__file", "__row")
                .sort("__file", "__row")
                .head(MAX_EXAMPLES),
            ]
        )
        people = int(summary["people"][0] or 0)
        skills = int(summary["skills"][0] or 0)
        needed = _scaled(float(ctx.threshold("risk_avoidance_per_year_min")), ctx.period.days)
        skill_score = 1.0 if needed == 0 else min(1.0, skills / needed)
        ctx.metric("onsite_participants", people)
        ctx.metric("risk_avoidance_activities", skills)
        parts = [skill_score]
        if skill_score < 1.0:
            ctx.finding(
                f"{skills} activities teach risk-avoidance skills; at least {needed} expected",
                at=ctx.at(table, column="risk_avoidance"),
                fix="Include hands-on training: evacuation, fire extinguisher use, first aid, "
                "self-rescue in floods and typhoons.",
            )
        population = ctx.community.population
        if population > 0:
            per_1000 = people * 1000 / population
            target = float(ctx.threshold("onsite_participants_per_1000_min"))
            ctx.metric("onsite_participants_per_1000", round(per_1000, 2))
            parts.append(min(1.0, per_1000 / target) if target > 0 else 1.0)
            if per_1000 < target:
                ctx.finding(
                    f"on-site activities drew {per_1000:.0f} participants per 1,000 "
                    f"residents; at least {target:g} expected",
                    at=ctx.at(table, column="participants"),
                    fix="Open an education site and invite residents building by building.",
                )
        for path, row in uncounted.iter_rows():
            ctx.finding(
                "on-site activity without a participant count",
                at=ctx.at(path, row=row, column="participants"),
                severity="low",
                fix="Record how many people attended (a sign-in count, not their names).",
            )
        return sum(parts) / len(parts)


# -- sample evidence ---------------------------------------------------------------------

_TOPICS = {
    "radio": ("Typhoon season safety tips", "Fire safety minute"),
    "tv": ("Community safety special", "Flood self-rescue feature"),
    "internet": ("Platform article: gas safety", "Video: using an extinguisher"),
    "display": ("Rolling notice: evacuation routes", "Rolling notice: anti-fraud"),
    "on_site": ("Evacuation and self-rescue class", "First aid workshop", "Fire drill talk"),
}
_GROUPS = ("general", "students", "elderly", "disabled", "general;elderly", "students;general")
# quality -> (activities per week, channels left out, groups left out, on-site participants
# per resident over a year)
_ACT_SHAPE = {
    "good": (3, (), (), 0.16),
    "fair": (1, ("tv", "radio"), ("disabled",), 0.03),
    "poor": (0.4, ("tv", "radio", "display"), ("disabled", "students"), 0.01),
}


def _sample_activities(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Activities spread over the period (a few a week for "good"); "fair" skips some
    channels, never targets the disabled and has quiet months; "poor" is sparse."""
    per_week, no_channel, no_group, rate = _ACT_SHAPE.get(spec.quality, _ACT_SHAPE["fair"])
    channels = [c for c in _TOPICS if c not in no_channel]
    groups = [g for g in _GROUPS if not any(x in g for x in no_group)]
    start, n_days = spec.period.start, spec.period.days
    quiet = set()
    if spec.quality != "good" and n_days > 120:
        first = rng.randrange(0, n_days - 90)
        quiet = set(range(first, first + 75))
    count = max(1, round(per_week * n_days / 7))
    # Size on-site sessions to the community, so the rate per resident is the quality's.
    onsite_count = max(1, count // len(channels))
    people = max(3, round(rate * spec.community.population * n_days / 365 / onsite_count))
    rows = []
    for n in range(1, count + 1):
        offset = (n * n_days) // (count + 1)
        if offset in quiet:
            continue
        channel = channels[n % len(channels)]
        group = groups[(n // len(channels)) % len(groups)]
        onsite = channel == "on_site"
        rows.append(
            [
                f"A{n:05d}",
                start + timedelta(days=offset),
                channel,
                rng.choice(_TOPICS[channel]),
                onsite and rng.random() < 0.7,
                group,
                round(people * rng.uniform(0.8, 1.25)) if onsite else None,
                None if onsite else rng.randrange(200, 5000),
                "Community education site" if onsite else None,
            ]
        )
    header = (
        "activity_id",
        "date",
        "channel",
        "topic",
        "risk_avoidance",
        "target_groups",
        "participants",
        "reach",
        "site",
    )
    return [("tables/safety_publicity_activities.csv", csv_bytes(header, rows))]


_TEMPLATE = (
    "activity_id,date,channel,topic,risk_avoidance,target_groups,participants,reach,site\n"
    "A00001,2025-03-08,on_site,Evacuation and self-rescue class,true,elderly;disabled,32,,"
    "Community education site\n"
    "A00002,2025-03-10,display,Rolling notice: evacuation routes,false,general,,1800,\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=ACTIVITIES,
            kind="table",
            title="Safety publicity and education activities",
            description="One row per publicity or education activity: date, channel (radio, "
            "tv, internet, display, on_site...), topic, whether it taught risk-avoidance "
            "skills, target groups (semicolon-separated), participants or reach.",
            schema=schema_id(ACTIVITIES),
            template_name="safety_publicity_activities.csv",
            template_text=_TEMPLATE,
            sample=_sample_activities,
            sample_rows=0.0,
        )
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(ACTIVITIES)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [SafetyPropagandaEducation]
