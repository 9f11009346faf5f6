"""SE43 Multi-sectoral linkage: the community works with the housing, fire and police
departments (and others) online and offline, under written agreements, and joint
handling of emergencies is fast."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import load_schema, schema_id, yaml_bytes
from ._cps import (
    as_date,
    listed,
    number,
    period_utc,
    ratio_score,
    report_rows,
    scaled_minimum,
    stamp,
)

__all__ = ["MultiSectoralLinkage"]

AGREEMENTS = "linkage_agreements"
JOINT_LOG = "joint_handling_log"
DEPARTMENTS = (
    "housing",
    "fire",
    "police",
    "health",
    "urban_management",
    "emergency_management",
    "market_supervision",
    "other",
)


def _in_force(agreements: list[tuple[int, dict[str, Any]]], day: date) -> dict[str, list[int]]:
    """Department -> indexes of the agreements in force on ``day``."""
    out: dict[str, list[int]] = {}
    for i, a in agreements:
        signed, until = as_date(a.get("signed_on")), as_date(a.get("valid_until"))
        if signed is None or signed > day or (until is not None and until < day):
            continue
        out.setdefault(str(a.get("department")), []).append(i)
    return out


def _agreements(data: Any) -> list[tuple[int, dict[str, Any]]]:
    items = data.get("agreements") if isinstance(data, dict) else None
    return [(i, a) for i, a in enumerate(items or []) if isinstance(a, dict)]


class MultiSectoralLinkage(Indicator):
    """The community has a linkage mechanism with the housing, fire and police
    departments (and other departments as needed), working both online (shared
    platforms, dispatch systems) and offline (joint meetings, joint patrols), so that
    emergencies are handled jointly and quickly.

    The agreements show which departments the community is linked with and how; the
    joint-handling log shows whether the linkage is used and how fast departments
    respond.
    """

    code = "SE43"
    title = "Multi-sectoral linkage"
    dimension = "CPS"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(AGREEMENTS, purpose="linkage agreements with departments"),
        Need(JOINT_LOG, purpose="cases handled jointly with departments"),
    )

    @rule(
        "R1",
        "Agreements with the required departments are in force",
        weight=3,
        severity="high",
        thresholds=("required_departments",),
    )
    def agreements_in_force(self, ctx: Context) -> float | None:
        """For each department in ``required_departments``, looks for an agreement signed
        on or before the period's end and valid at least until that day (an empty
        ``valid_until`` means open-ended). The score is the share of required departments
        with such an agreement; findings name the departments without one and point at
        agreements that lapsed."""
        record = ctx.record(AGREEMENTS)
        if record is None:
            return None
        items = _agreements(record.data)
        required = [str(d) for d in ctx.threshold("required_departments")]
        valid = _in_force(items, ctx.period.end)
        ctx.metric("agreements", len(items))
        ctx.metric("departments_linked", len(valid))
        absent = [d for d in required if d not in valid]
        for i, a in items:
            until = as_date(a.get("valid_until"))
            if a.get("department") in absent and until is not None and until < ctx.period.end:
                ctx.finding(
                    f"the agreement with the {a.get('department')} department lapsed on {until}",
                    at=ctx.at(record, pointer=f"/agreements/{i}/valid_until"),
                    fix="Renew the agreement before it expires.",
                )
        if absent:
            ctx.finding(
                f"no agreement in force at the end of the period with: {listed(absent)}",
                at=ctx.at(record, pointer="/agreements"),
                fix="Sign a linkage agreement with each of these departments naming the "
                "duty contact, channels and response commitments.",
            )
        return 1 - len(absent) / len(required) if required else 1.0

    @rule(
        "R2",
        "Linkage works both online and offline",
        weight=2,
        severity="medium",
        thresholds=("required_departments",),
    )
    def online_offline(self, ctx: Context) -> float | None:
        """For each required department with an agreement in force, checks that the
        agreement names at least one online channel (shared platform, dispatch system,
        messaging) and one offline mechanism (joint meeting, joint patrol, on-site
        joint handling). Each department scores 1 with both, 0.5 with one; the score
        is the mean over the departments that have an agreement."""
        record = ctx.record(AGREEMENTS)
        if record is None:
            return None
        items = dict(_agreements(record.data))
        valid = _in_force(list(items.items()), ctx.period.end)
        required = [str(d) for d in ctx.threshold("required_departments")]
        scores = []
        for dept in required:
            if dept not in valid:
                continue
            best, where = 0.0, valid[dept][0]
            for i in valid[dept]:
                a = items[i]
                online = [c for c in a.get("online_channels") or [] if c != "none"]
                offline = [c for c in a.get("offline_mechanisms") or [] if c != "none"]
                part = (bool(online) + bool(offline)) / 2
                if part > best:
                    best, where = part, i
            scores.append(best)
            if best < 1:
                ctx.finding(
                    f"the linkage with the {dept} department lacks an online channel or an "
                    "offline mechanism",
                    at=ctx.at(record, pointer=f"/agreements/{where}"),
                    fix="Agree on both a shared online channel and regular offline joint "
                    "work (meetings, joint patrols) with the department.",
                )
        return sum(scores) / len(scores) if scores else None

    @rule(
        "R3",
        "Joint handling with each required department takes place",
        weight=2,
        severity="medium",
        thresholds=("required_departments", "min_joint_cases_per_department", "timezone"),
    )
    def linkage_used(self, ctx: Context) -> float | None:
        """Counts the joint-handling cases reported in the period that involved each
        required department (``departments`` lists them, separated by semicolons). The
        yearly minimum ``min_joint_cases_per_department`` is scaled to the period; each
        department scores its count over the minimum (capped at 1) and the rule scores
        the mean."""
        table = ctx.table(JOINT_LOG)
        if table is None or table.frame is None:
            return None
        start, end = period_utc(ctx)
        counts = dict(
            table.frame.filter(pl.col("reported_at").is_between(start, end, closed="left"))
            .select(pl.col("departments").str.split(";").alias("d"))
            .explode("d")
            .select(pl.col("d").str.strip_chars())
            .group_by("d")
            .len()
            .drop_nulls()
            .collect()
            .iter_rows()
        )
        needed = scaled_minimum(
            float(ctx.threshold("min_joint_cases_per_department")), ctx.period.days
        )
        required = [str(d) for d in ctx.threshold("required_departments")]
        scores = []
        for dept in required:
            n = int(counts.get(dept, 0))
            ctx.metric(f"joint_cases_{dept}", n)
            scores.append(1.0 if needed == 0 else min(1.0, n / needed))
            if n < needed:
                ctx.finding(
                    f"{n} joint-handling case(s) with the {dept} department in the period; "
                    f"at least {needed} expected",
                    at=ctx.at(table, column="departments"),
                    fix="Hand cases in the department's remit to it through the linkage "
                    "channel and record each joint case.",
                )
        return sum(scores) / len(scores) if scores else None

    @rule(
        "R4",
        "Departments respond quickly to joint cases",
        weight=3,
        severity="high",
        thresholds=("response_minutes_max", "timely_response_share_min", "timezone"),
    )
    def response_time(self, ctx: Context) -> float | None:
        """For the joint cases reported in the period, measures the minutes from the
        report to the departments' response (``responded_at``). A case without a
        response time, or with one before the report, counts as not timely. The share of
        cases answered within ``response_minutes_max`` is divided by
        ``timely_response_share_min`` (capped at 1); the median is a metric."""
        table = ctx.table(JOINT_LOG)
        if table is None or table.frame is None:
            return None
        start, end = period_utc(ctx)
        limit = float(ctx.threshold("response_minutes_max"))
        minutes = (pl.col("responded_at") - pl.col("reported_at")).dt.total_seconds() / 60
        cases = table.frame.filter(
            pl.col("reported_at").is_between(start, end, closed="left")
        ).select(
            "__file",
            "__row",
            minutes.alias("m"),
            ((minutes >= 0) & (minutes <= limit)).fill_null(False).alias("timely"),
        )
        frame = cases.collect()
        if frame.height == 0:
            return None
        share = number(frame["timely"].mean())
        target = float(ctx.threshold("timely_response_share_min"))
        median = frame.filter(pl.col("m") >= 0)["m"].median()
        ctx.metric("joint_cases", frame.height)
        ctx.metric("timely_response_share", round(share, 4))
        ctx.metric(
            "median_response_minutes", round(number(median), 1) if median is not None else None
        )
        if share >= target:
            return 1.0
        late = frame.filter(~pl.col("timely"))
        ctx.finding(
            f"{late.height} of {frame.height} joint cases had no response within "
            f"{limit:g} minutes ({share:.0%}; {target:.0%} expected)",
            at=ctx.at(table, column="responded_at"),
            fix="Agree on response commitments with each department and escalate cases "
            "that receive no response in time.",
        )
        report_rows(ctx, late, "joint case answered late or never", column="responded_at")
        return ratio_score(share, target)


# -- sample evidence -----------------------------------------------------------------

_COUNTERPARTS = {
    "housing": "District housing and construction bureau, building safety section",
    "fire": "District fire rescue brigade, local station",
    "police": "Public security sub-bureau, local police station",
    "health": "Community health service centre",
    "urban_management": "Sub-district urban management office",
}
_CATEGORY_FOR = {
    "housing": "housing_safety",
    "fire": "fire_hazard",
    "police": "public_security",
    "health": "public_health",
    "urban_management": "other",
}
# quality -> (departments with an agreement, lapsed ones, ones without offline work,
#             late responses per 100)
_SHAPE = {
    "good": (("housing", "fire", "police", "health", "urban_management"), (), (), 3),
    "fair": (("housing", "fire", "police", "health"), ("housing",), ("police",), 25),
    "poor": (("fire", "police"), ("fire",), ("fire", "police"), 55),
}


def _sample_agreements(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    depts, lapsed, no_offline, _ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    start, end = spec.period.start, spec.period.end
    items = []
    for n, dept in enumerate(depts, start=1):
        signed = start - timedelta(days=rng.randrange(60, 700))
        until: date | None = end + timedelta(days=rng.randrange(90, 700))
        if dept in lapsed:
            until = start + timedelta(days=rng.randrange(60, 200))
        elif rng.random() < 0.3:
            until = None
        items.append(
            {
                "agreement_id": f"LA-{signed.year}-{n:02d}",
                "department": dept,
                "counterpart": _COUNTERPARTS[dept],
                "signed_on": signed.isoformat(),
                "valid_until": until.isoformat() if until else None,
                "online_channels": ["shared_platform", "messaging_group"],
                "offline_mechanisms": []
                if dept in no_offline
                else ["joint_meeting"] + (["joint_patrol"] if dept in ("police", "fire") else []),
                "response_commitment_minutes": 30 if dept in ("fire", "police") else 120,
            }
        )
    data = {"community": spec.community.name, "agreements": items}
    return [("records/linkage_agreements.yaml", yaml_bytes(data))]


def _sample_joint_log(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Joint cases over the period (about ``spec.rows``, at least 60)."""
    depts, _, _, late = _SHAPE.get(spec.quality, _SHAPE["fair"])
    n_rows = max(60, spec.rows)
    n_days = spec.period.days
    lines = ["case_id,reported_at,category,departments,mode,responded_at,closed_at,status\n"]
    for k in range(n_rows):
        day = spec.period.start + timedelta(days=k * n_days // n_rows)
        minute = rng.randrange(1440)
        dept = depts[k % len(depts)]
        both = dept if rng.random() < 0.8 else f"{dept};{depts[(k + 1) % len(depts)]}"
        wait = rng.randrange(40, 400) if rng.randrange(100) < late else rng.randrange(3, 25)
        responded = stamp(day, minute + wait)
        if rng.randrange(100) < late // 3:
            responded = ""
        closed = stamp(day, minute + wait + rng.randrange(60, 2000))
        mode = ("online", "offline", "both")[rng.randrange(3)]
        lines.append(
            f"J{k + 1:05d},{stamp(day, minute)},{_CATEGORY_FOR[dept]},{both},{mode},"
            f"{responded},{closed},closed\n"
        )
    return [("tables/joint_handling_log.csv", "".join(lines).encode("utf-8"))]


_AGREEMENTS_TEMPLATE = """\
community: Example Community
agreements:
  - agreement_id: LA-2024-01
    department: police
    counterpart: Public security sub-bureau, local police station
    signed_on: 2024-03-01
    valid_until: 2026-02-28
    online_channels: [shared_platform]
    offline_mechanisms: [joint_meeting, joint_patrol]
    response_commitment_minutes: 30
"""
_JOINT_TEMPLATE = (
    "case_id,reported_at,category,departments,mode,responded_at,closed_at,status\n"
    "J00001,2025-02-03T10:20:00+08:00,fire_hazard,fire,both,2025-02-03T10:32:00+08:00,"
    "2025-02-03T15:00:00+08:00,closed\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=AGREEMENTS,
            kind="record",
            title="Multi-sectoral linkage agreements",
            description="The community's linkage agreements with departments (housing, fire, "
            "police and others): validity, online channels, offline mechanisms and response "
            "commitments.",
            schema=schema_id(AGREEMENTS),
            template_name="linkage_agreements.yaml",
            template_text=_AGREEMENTS_TEMPLATE,
            sample=_sample_agreements,
        ),
        EvidenceType(
            id=JOINT_LOG,
            kind="table",
            title="Joint handling log",
            description="Cases handled jointly with departments: report time, category, "
            "departments involved, mode (online/offline), response and closing times.",
            schema=schema_id(JOINT_LOG),
            template_name="joint_handling_log.csv",
            template_text=_JOINT_TEMPLATE,
            sample=_sample_joint_log,
            sample_rows=0.02,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(AGREEMENTS), load_schema(JOINT_LOG)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [MultiSectoralLinkage]
