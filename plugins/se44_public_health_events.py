"""SE44 Public health events processing: a grass-roots working group for public health
emergencies, and an incident database, connected to the community platform, in which
events are recorded completely and reported in time."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import load_schema, schema_id, yaml_bytes
from ._cps import (
    MAX_EXAMPLES,
    as_date,
    first_defect,
    listed,
    number,
    period_utc,
    ratio_score,
    report_rows,
    stamp,
    text_present,
)

__all__ = ["PublicHealthEvents"]

GROUP = "health_working_group"
EVENTS = "public_health_events"


class PublicHealthEvents(Indicator):
    """The community has a grass-roots working group for public health emergencies with
    defined roles and duties, and a database of public health events that is connected
    to the community platform; events are recorded completely and reported to the health
    authorities in time.

    The working group record shows the group's members, roles, duties and the platform
    connection; the event table shows what was recorded and how fast it was reported.
    """

    code = "SE44"
    title = "Public health events processing"
    dimension = "CPS"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(GROUP, purpose="the public health emergency working group and its platform link"),
        Need(EVENTS, purpose="the public health event database export"),
    )

    @rule(
        "R1",
        "The working group is staffed, with the required roles and written duties",
        weight=3,
        severity="high",
        thresholds=("min_members", "required_roles"),
    )
    def working_group(self, ctx: Context) -> float | None:
        """Reads the group's members. Three parts, averaged: the number of members over
        ``min_members`` (capped at 1), the share of ``required_roles`` held by at least
        one member, and the share of members with at least one written duty. Findings
        point at the members without duties and name the roles nobody holds."""
        record = ctx.record(GROUP)
        if record is None or not isinstance(record.data, dict):
            return None
        members = [
            (i, m) for i, m in enumerate(record.data.get("members") or []) if isinstance(m, dict)
        ]
        needed = int(ctx.threshold("min_members"))
        required = [str(r) for r in ctx.threshold("required_roles")]
        roles = {str(m.get("role")) for _, m in members}
        absent = [r for r in required if r not in roles]
        no_duty = [
            i for i, m in members if not [d for d in m.get("duties") or [] if str(d).strip()]
        ]
        ctx.metric("group_members", len(members))
        ctx.metric("members_without_duties", len(no_duty))
        size = min(1.0, len(members) / needed) if needed > 0 else 1.0
        cover = 1 - len(absent) / len(required) if required else 1.0
        duties = 1 - len(no_duty) / len(members) if members else 0.0
        if size < 1:
            ctx.finding(
                f"the working group has {len(members)} member(s); at least {needed} expected",
                at=ctx.at(record, pointer="/members"),
                fix="Staff the group with the community's health, grid and property staff.",
            )
        if absent:
            ctx.finding(
                f"no member of the working group holds these roles: {listed(absent)}",
                at=ctx.at(record, pointer="/members"),
                fix="Assign each required role to a named member (by staff id).",
            )
        for i in no_duty[:MAX_EXAMPLES]:
            ctx.finding(
                "working group member without written duties",
                at=ctx.at(record, pointer=f"/members/{i}/duties"),
                fix="Write down what the member does in a public health emergency.",
            )
        return (size + cover + duties) / 3

    @rule(
        "R2",
        "Events are recorded completely in the database",
        weight=2,
        severity="medium",
        thresholds=("complete_share_min",),
    )
    def complete(self, ctx: Context) -> float | None:
        """A database row is complete when it has a detection time, a category, the
        number of people affected, a status and, once closed, a closing time not before
        detection; a row with a report time before detection is inconsistent. The score
        is the share of complete rows over ``complete_share_min``, capped at 1."""
        table = ctx.table(EVENTS)
        if table is None or table.frame is None:
            return None
        defects = {
            "detection time missing": pl.col("detected_at").is_null(),
            "category missing": pl.col("category").is_null(),
            "people affected missing": pl.col("affected").is_null(),
            "status missing": pl.col("status").is_null(),
            "closed without a closing time": (pl.col("status") == "closed")
            & pl.col("closed_at").is_null(),
            "closed before detection": pl.col("closed_at") < pl.col("detected_at"),
            "reported before detection": pl.col("reported_at") < pl.col("detected_at"),
        }
        checked = table.frame.select("__file", "__row", first_defect(defects).alias("reason"))
        summary, examples = pl.collect_all(
            [
                checked.group_by("reason").agg(pl.len().alias("n")),
                checked.filter(pl.col("reason").is_not_null()).head(MAX_EXAMPLES),
            ]
        )
        counts = {r: int(n) for r, n in summary.iter_rows()}
        rows = sum(counts.values())
        if rows == 0:
            return None
        good = counts.get(None, 0)  # type: ignore[call-overload]
        share = good / rows
        target = float(ctx.threshold("complete_share_min"))
        ctx.metric("events", rows)
        ctx.metric("complete_share", round(share, 4))
        if share >= target:
            return 1.0
        detail = "; ".join(f"{r}: {n}" for r, n in sorted(counts.items(), key=str) if r)
        ctx.finding(
            f"{rows - good} of {rows} event rows are incomplete or inconsistent ({detail})",
            at=ctx.at(table),
            fix="Make detection time, category, people affected and status mandatory in "
            "the event database, and close events with their closing time.",
        )
        report_rows(ctx, examples, "event row")
        return ratio_score(share, target)

    @rule(
        "R3",
        "Events are reported to the health authorities in time",
        weight=3,
        severity="high",
        thresholds=("report_hours_max", "timely_report_share_min", "timezone"),
    )
    def reporting(self, ctx: Context) -> float | None:
        """For the events detected in the period, measures the hours from detection to
        the report to the health authorities (``reported_at``). An event never reported
        counts as late. The share reported within ``report_hours_max`` is divided by
        ``timely_report_share_min`` (capped at 1)."""
        table = ctx.table(EVENTS)
        if table is None or table.frame is None:
            return None
        start, end = period_utc(ctx)
        limit = float(ctx.threshold("report_hours_max"))
        hours = (pl.col("reported_at") - pl.col("detected_at")).dt.total_seconds() / 3600
        frame = (
            table.frame.filter(pl.col("detected_at").is_between(start, end, closed="left"))
            .select(
                "__file",
                "__row",
                hours.alias("h"),
                ((hours >= 0) & (hours <= limit)).fill_null(False).alias("timely"),
            )
            .collect()
        )
        if frame.height == 0:
            return None
        share = number(frame["timely"].mean())
        target = float(ctx.threshold("timely_report_share_min"))
        median = frame.filter(pl.col("h") >= 0)["h"].median()
        ctx.metric("timely_report_share", round(share, 4))
        ctx.metric("median_report_hours", round(number(median), 2) if median is not None else None)
        if share >= target:
            return 1.0
        late = frame.filter(~pl.col("timely"))
        ctx.finding(
            f"{late.height} of {frame.height} events were reported later than {limit:g} "
            f"hours after detection or not at all ({share:.0%} in time; {target:.0%} expected)",
            at=ctx.at(table, column="reported_at"),
            fix="Report every public health event to the health authority as soon as it is "
            "detected, through the platform's direct reporting channel.",
        )
        report_rows(ctx, late, "event reported late or never", column="reported_at")
        return ratio_score(share, target)

    @rule(
        "R4",
        "The event database is connected to the community platform",
        weight=2,
        severity="medium",
        thresholds=("platform_linked_share_min",),
    )
    def platform_link(self, ctx: Context) -> float | None:
        """The group record must declare the database connected to the community
        platform (``platform.connected`` true, connected no later than the period's
        end); otherwise the score is 0. When connected, the share of events carrying a
        platform reference (``platform_ref``) is divided by ``platform_linked_share_min``
        (capped at 1)."""
        record, table = ctx.record(GROUP), ctx.table(EVENTS)
        if record is None or table is None or table.frame is None:
            return None
        platform = record.data.get("platform") if isinstance(record.data, dict) else None
        platform = platform if isinstance(platform, dict) else {}
        since = as_date(platform.get("connected_on"))
        connected = platform.get("connected") is True and (since is None or since <= ctx.period.end)
        ctx.metric("platform_connected", connected)
        if not connected:
            ctx.finding(
                "the public health event database is not connected to the community platform",
                at=ctx.at(record, pointer="/platform"),
                fix="Connect the event database to the community platform so events are "
                "shared with the platform's monitoring and dispatch.",
            )
            return 0.0
        present = text_present("platform_ref", table.frame)  # probes the column once
        linked = (
            table.frame.select(pl.len().alias("n"), present.sum().alias("linked")).collect().row(0)
        )
        n, k = int(linked[0]), int(linked[1] or 0)
        if n == 0:
            return 1.0
        share = k / n
        target = float(ctx.threshold("platform_linked_share_min"))
        ctx.metric("platform_linked_share", round(share, 4))
        if share >= target:
            return 1.0
        rows = table.frame.filter(~present).select("__file", "__row").head(3)
        ctx.finding(
            f"{n - k} of {n} events have no platform reference ({share:.0%} linked; "
            f"{target:.0%} expected)",
            at=ctx.at(table, column="platform_ref"),
            fix="Synchronize every event to the community platform and keep its reference.",
        )
        report_rows(ctx, rows.collect(), "event not on the platform", column="platform_ref")
        return ratio_score(share, target)


# -- sample evidence -----------------------------------------------------------------

_ROLES = (
    ("leader", ["Leads the response and decides on escalation"]),
    ("deputy", ["Stands in for the leader", "Coordinates with the sub-district office"]),
    ("medical_officer", ["Assesses cases with the health centre", "Advises on isolation"]),
    ("grid_worker", ["Visits affected households", "Collects health information by building"]),
    ("grid_worker", ["Visits affected households", "Organizes testing queues"]),
    ("property_manager", ["Disinfects public areas", "Controls building access"]),
    ("volunteer_coordinator", ["Organizes volunteers for deliveries"]),
    ("liaison_officer", ["Reports events to the health authority", "Keeps the event database"]),
)
_CATS = (
    ("infectious_disease",) * 5
    + ("food_poisoning",) * 2
    + ("heat_illness",) * 2
    + (
        "environmental_health",
        "other",
    )
)
# quality -> (members kept, members without duties, platform connected, late report %,
#             unlinked %, incomplete %)
_SHAPE = {
    "good": (8, 0, True, 0, 0, 0),
    "fair": (6, 3, True, 35, 30, 12),
    "poor": (3, 2, False, 50, 60, 15),
}


def _sample_group(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    kept, no_duty, connected, *_ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    members = []
    for n, (role, duties) in enumerate(_ROLES[:kept], start=1):
        members.append(
            {
                "member_id": f"S{rng.randrange(1, 60):04d}",
                "role": role,
                "organization": "Community health service centre"
                if role == "medical_officer"
                else "Neighbourhood committee",
                "duties": [] if n > kept - no_duty else duties,
            }
        )
    data = {
        "group": {
            "name": "Public health emergency working group",
            "established_on": (spec.period.start - timedelta(days=400)).isoformat(),
        },
        "members": members,
        "platform": {
            "system": "Community smart platform, health module",
            "connected": connected,
            "connected_on": (spec.period.start - timedelta(days=200)).isoformat(),
        },
    }
    return [("records/health_working_group.yaml", yaml_bytes(data))]


def _sample_events(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Public health events spread over the period (about ``spec.rows``, at least 30)."""
    *_, late, unlinked, incomplete = _SHAPE.get(spec.quality, _SHAPE["fair"])
    n_rows = max(30, spec.rows)
    n_days = spec.period.days
    lines = ["event_id,detected_at,category,affected,reported_at,platform_ref,status,closed_at\n"]
    for k in range(n_rows):
        day = spec.period.start + timedelta(days=k * n_days // n_rows)
        minute = rng.randrange(360, 1320)
        delay = rng.randrange(180, 2000) if rng.randrange(100) < late else rng.randrange(10, 100)
        affected: Any = rng.choice((1, 1, 1, 2, 3, 5, 12))
        ref = "" if rng.randrange(100) < unlinked else f"PH-{day.year}-{k + 1:05d}"
        closed = stamp(day, minute + delay + rng.randrange(600, 8000))
        if rng.randrange(100) < incomplete:
            affected = ""
        lines.append(
            f"H{k + 1:05d},{stamp(day, minute)},{rng.choice(_CATS)},{affected},"
            f"{stamp(day, minute + delay)},{ref},closed,{closed}\n"
        )
    return [("tables/public_health_events.csv", "".join(lines).encode("utf-8"))]


_GROUP_TEMPLATE = """\
group:
  name: Public health emergency working group
  established_on: "2024-02-01"
members:
  - member_id: S0001
    role: leader
    organization: Neighbourhood committee
    duties: [Leads the response and decides on escalation]
platform:
  system: Community smart platform, health module
  connected: true
  connected_on: "2024-06-01"
"""
_EVENTS_TEMPLATE = (
    "event_id,detected_at,category,affected,reported_at,platform_ref,status,closed_at\n"
    "H00001,2025-02-03T09:20:00+08:00,infectious_disease,2,2025-02-03T10:05:00+08:00,"
    "PH-2025-00001,closed,2025-02-10T18:00:00+08:00\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=GROUP,
            kind="record",
            title="Public health emergency working group",
            description="The community's grass-roots working group for public health "
            "emergencies: members (staff ids), roles, duties, and the connection of the "
            "event database to the community platform.",
            schema=schema_id(GROUP),
            template_name="health_working_group.yaml",
            template_text=_GROUP_TEMPLATE,
            sample=_sample_group,
        ),
        EvidenceType(
            id=EVENTS,
            kind="table",
            title="Public health event database",
            description="Public health events recorded by the community: detection and "
            "report times, category, people affected (a count), platform reference, status.",
            schema=schema_id(EVENTS),
            template_name="public_health_events.csv",
            template_text=_EVENTS_TEMPLATE,
            sample=_sample_events,
            sample_rows=0.02,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(GROUP), load_schema(EVENTS)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [PublicHealthEvents]
