"""SE66 Emergency command and dispatch: an integrated register of emergency resources and
a dispatch mechanism whose records show how fast help was sent and arrived.

The register lists every emergency resource the community can call on (police, medical
care, volunteers, social emergency forces...). The dispatch log, one row per resource
sent to an incident, can be long, so every measurement over it is a polars aggregation.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.frames import local_date
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id

__all__ = ["EmergencyCommandDispatch"]

RESOURCES = "emergency_resources"
DISPATCH_LOG = "emergency_dispatch_log"

#: A cancelled dispatch (call withdrawn before anyone left) has no latency to measure.
CANCELLED = "cancelled"
#: At most this many example rows are reported per problem; the rest are counted.
MAX_EXAMPLES = 5


def _minutes(later: str, earlier: str) -> pl.Expr:
    return (pl.col(later) - pl.col(earlier)).dt.total_seconds() / 60.0


class EmergencyCommandDispatch(Indicator):
    """The community integrates its emergency resources (police, medical care,
    volunteers, social emergency forces) in one register and runs a dispatch mechanism
    that sends them to residents' emergencies quickly.

    The register must cover every kind of resource the profile names with active,
    recently verified entries. The dispatch log shows how long it took from an incident's
    report to the dispatch and to the resource's arrival, and whether every dispatch names
    a registered resource, has its times in order and was closed.
    """

    code = "SE66"
    title = "Emergency command and dispatch"
    dimension = "EMD"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(RESOURCES, purpose="register of the emergency resources the community can call on"),
        Need(DISPATCH_LOG, purpose="every dispatch of a resource to an incident, with times"),
    )

    # -- rules ------------------------------------------------------------------------

    @rule(
        "R1",
        "The resource register covers every required kind of emergency resource",
        weight=3,
        severity="high",
        red_line=True,
        thresholds=("required_resource_categories", "register_max_age_days"),
    )
    def register_coverage(self, ctx: Context) -> float | None:
        """For each category in ``required_resource_categories`` (police, medical,
        volunteer, social_force by default) the register needs at least one usable entry:
        marked active, with a head count above zero, and verified (contact and readiness
        checked) within ``register_max_age_days`` days before the period's end. The score
        is the share of required categories with a usable entry. Entries that are active
        but not verified recently enough are reported by row. This is a red-line rule:
        without the integrated resources there is nothing to dispatch."""
        table = ctx.table(RESOURCES)
        if table is None or table.frame is None:
            return 0.0
        required = [str(c) for c in ctx.threshold("required_resource_categories")]
        max_age = int(ctx.threshold("register_max_age_days"))
        end = ctx.period.end
        oldest = end - timedelta(days=max_age)
        fresh = pl.col("verified_on").is_not_null() & pl.col("verified_on").is_between(oldest, end)
        usable = (pl.col("active").fill_null(False)) & (pl.col("headcount").fill_null(0) > 0)
        frame = table.frame
        covered_q = (
            frame.filter(usable & fresh)
            .group_by("category")
            .agg(pl.len().alias("n"), pl.col("headcount").sum().alias("people"))
        )
        stale_q = (
            frame.filter(usable & ~fresh.fill_null(False))
            .select("__file", "__row")
            .sort("__file", "__row")
        )
        covered, stale = pl.collect_all([covered_q, stale_q])
        by_cat = {c: (int(n), int(p or 0)) for c, n, p in covered.iter_rows()}
        for cat in required:
            ctx.metric(f"{cat}_resources", by_cat.get(cat, (0, 0))[0])
        ctx.metric("stale_register_entries", stale.height)
        for path, row in stale.head(MAX_EXAMPLES).iter_rows():
            ctx.finding(
                f"active resource not verified within {max_age} days before the period end",
                at=ctx.at(path, row=row, column="verified_on"),
                fix="Check the resource's contact and readiness and record the date.",
                severity="medium",
            )
        if stale.height > MAX_EXAMPLES:
            ctx.finding(
                f"{stale.height - MAX_EXAMPLES} more register entries are not verified recently",
                at=ctx.at(table, column="verified_on"),
                severity="medium",
            )
        missing = [c for c in required if c not in by_cat]
        for cat in missing:
            ctx.finding(
                f"no active, recently verified {cat.replace('_', ' ')} resource in the register",
                at=ctx.at(table, column="category"),
                fix=f"Agree a standing arrangement with a {cat.replace('_', ' ')} unit, add it "
                "to the register with its head count and verify it at least once a year.",
            )
        if not required:
            return 1.0
        share = (len(required) - len(missing)) / len(required)
        ctx.metric("required_categories_covered", round(share, 4))
        return share

    @rule(
        "R2",
        "Resources are dispatched quickly after an incident is reported",
        weight=3,
        severity="high",
        thresholds=("dispatch_latency_max_minutes", "dispatch_on_time_share_min", "timezone"),
    )
    def dispatch_latency(self, ctx: Context) -> float | None:
        """Takes every dispatch reported inside the period (local days in ``timezone``)
        that was not cancelled and measures the minutes from ``reported_at`` to
        ``dispatched_at``. A dispatch is on time when that latency is between 0 and
        ``dispatch_latency_max_minutes``; a missing dispatch time counts as late. Score:
        min(1, on-time share / ``dispatch_on_time_share_min``). Not applied when the
        period has no dispatches (R4 reports that)."""
        return self._timeliness(
            ctx,
            column="dispatched_at",
            limit_name="dispatch_latency_max_minutes",
            share_name="dispatch_on_time_share_min",
            label="dispatch",
            fix="Send the nearest registered resource as soon as the report comes in; if "
            "dispatches are logged late, log them from the dispatch terminal in real time.",
        )

    @rule(
        "R3",
        "Dispatched resources arrive in time",
        weight=2,
        severity="medium",
        thresholds=("arrival_max_minutes", "arrival_on_time_share_min", "timezone"),
    )
    def arrival_time(self, ctx: Context) -> float | None:
        """Measures, for the same dispatches as R2, the minutes from ``reported_at`` to
        ``arrived_at``. On time means between 0 and ``arrival_max_minutes``; a missing
        arrival counts as late. Score: min(1, on-time share /
        ``arrival_on_time_share_min``)."""
        return self._timeliness(
            ctx,
            column="arrived_at",
            limit_name="arrival_max_minutes",
            share_name="arrival_on_time_share_min",
            label="arrival",
            fix="Station resources closer to where incidents happen, or register more "
            "nearby responders (volunteers, property staff) who can arrive first.",
        )

    @rule(
        "R4",
        "Dispatch records name registered resources, are in order and are closed",
        weight=2,
        severity="medium",
        thresholds=("consistent_share_min", "timezone"),
    )
    def consistent_records(self, ctx: Context) -> float | None:
        """Checks each dispatch reported inside the period: its resource id is in the
        register, its times follow report, dispatch, arrival, closure (each one given is
        not before the previous), and it is closed (a closing time, outcome not
        ``open``). Cancelled dispatches need only a registered resource. The score is the
        share of consistent rows divided by ``consistent_share_min`` (capped at 1); a
        period with no dispatch at all scores 0, since a mechanism that never ran cannot
        be shown to work."""
        log = ctx.table(DISPATCH_LOG)
        register = ctx.table(RESOURCES)
        if log is None or log.frame is None:
            return 0.0
        frame = self._in_period(ctx, log.frame)
        known = (
            register.frame.select(pl.col("resource_id").drop_nulls().unique())
            if register is not None and register.frame is not None
            else pl.LazyFrame({"resource_id": []}, schema={"resource_id": pl.String})
        )
        checked = frame.join(
            known.with_columns(pl.lit(True).alias("__known")),
            on="resource_id",
            how="left",
        )
        live = pl.col("outcome") != CANCELLED
        order = (
            (pl.col("dispatched_at") < pl.col("reported_at"))
            | (pl.col("arrived_at") < pl.col("dispatched_at"))
            | (pl.col("closed_at") < pl.coalesce("arrived_at", "dispatched_at", "reported_at"))
        ).fill_null(False)
        reason = (
            pl.when(pl.col("__known").is_null())
            .then(pl.lit("resource id not in the register|resource_id"))
            .when(live & order)
            .then(pl.lit("times out of order|dispatched_at"))
            .when(live & (pl.col("closed_at").is_null() | (pl.col("outcome") == "open")))
            .then(pl.lit("dispatch never closed|closed_at"))
            .when(pl.col("outcome").is_null())
            .then(pl.lit("outcome missing|outcome"))
            .otherwise(pl.lit(None, dtype=pl.String))
            .alias("reason")
        )
        rows = checked.select("__file", "__row", reason)
        summary, examples = pl.collect_all(
            [
                rows.select(pl.len().alias("n"), pl.col("reason").is_null().sum().alias("ok")),
                rows.filter(pl.col("reason").is_not_null())
                .sort("__file", "__row")
                .head(MAX_EXAMPLES),
            ]
        )
        total, ok = int(summary["n"][0]), int(summary["ok"][0] or 0)
        ctx.metric("dispatches", total)
        if total == 0:
            ctx.finding(
                "no dispatch is recorded in the assessment period",
                at=ctx.at(log),
                fix="Log every dispatch of an emergency resource with its report, dispatch, "
                "arrival and closing times.",
            )
            return 0.0
        share = ok / total
        target = float(ctx.threshold("consistent_share_min"))
        ctx.metric("consistent_dispatch_share", round(share, 4))
        if share >= target:
            return 1.0
        ctx.finding(
            f"{total - ok} of {total} dispatch records are inconsistent or left open",
            at=ctx.at(log),
            fix="Dispatch only registered resources, record times as they happen and close "
            "every dispatch with its outcome.",
        )
        for path, row, text in examples.iter_rows():
            message, column = text.rsplit("|", 1)
            ctx.finding(
                f"dispatch row: {message}",
                at=ctx.at(path, row=row, column=column),
                severity="low",
            )
        return min(1.0, share / target) if target > 0 else 1.0

    # -- shared computations ------------------------------------------------------------

    def _in_period(self, ctx: Context, frame: pl.LazyFrame) -> pl.LazyFrame:
        day = local_date(frame, "reported_at", str(ctx.threshold("timezone")))
        return frame.filter(
            pl.col("reported_at").is_not_null() & day.is_between(ctx.period.start, ctx.period.end)
        )

    def _timeliness(
        self, ctx: Context, *, column: str, limit_name: str, share_name: str, label: str, fix: str
    ) -> float | None:
        log = ctx.table(DISPATCH_LOG)
        if log is None or log.frame is None:
            return None
        limit = float(ctx.threshold(limit_name))
        target = float(ctx.threshold(share_name))
        minutes = _minutes(column, "reported_at")
        on_time = minutes.is_between(0, limit).fill_null(False)
        live = self._in_period(ctx, log.frame).filter(
            pl.col("outcome").is_null() | (pl.col("outcome") != CANCELLED)
        )
        summary, late = pl.collect_all(
            [
                live.select(
                    pl.len().alias("n"),
                    on_time.sum().alias("ok"),
                    minutes.median().alias("median"),
                    minutes.quantile(0.9).alias("p90"),
                ),
                live.filter(~on_time)
                .select("__file", "__row", minutes.alias("minutes"))
                .sort("__file", "__row")
                .head(MAX_EXAMPLES),
            ]
        )
        total, ok = int(summary["n"][0]), int(summary["ok"][0] or 0)
        if total == 0:
            return None
        share = ok / total
        median, p90 = summary["median"][0], summary["p90"][0]
        ctx.metric(f"{label}_on_time_share", round(share, 4))
        ctx.metric(f"median_{label}_minutes", None if median is None else round(median, 2))
        ctx.metric(f"p90_{label}_minutes", None if p90 is None else round(p90, 2))
        if share >= target:
            return 1.0
        ctx.finding(
            f"{total - ok} of {total} dispatches ({1 - share:.1%}) missed the {label} limit of "
            f"{limit:g} minutes after the report; at least {target:.0%} must meet it",
            at=ctx.at(log, column=column),
            fix=fix,
        )
        for path, row, mins in late.iter_rows():
            what = "no time recorded" if mins is None else f"{mins:.1f} minutes after the report"
            ctx.finding(
                f"late {label}: {what}",
                at=ctx.at(path, row=row, column=column),
                severity="low",
            )
        return min(1.0, share / target) if target > 0 else 1.0


# -- sample evidence ---------------------------------------------------------------------

_UNITS = {
    "police": ("Local police station patrol team", "Community police office"),
    "medical": ("Community health service centre", "District emergency medical station"),
    "volunteer": ("Community safety volunteer team", "Residents' first-aid volunteer group"),
    "social_force": ("Blue Sky rescue team branch", "Property company emergency squad"),
    "fire": ("Micro fire station", "District fire brigade"),
}
# quality -> (categories left out, share of entries with stale verification)
_REGISTER_SHAPE = {
    "good": ((), 0.0),
    "fair": (("social_force",), 0.25),
    "poor": (("social_force", "volunteer"), 0.5),
}


def _sample_resources(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Two entries per kind of resource, verified during the period (some stale)."""
    left_out, stale = _REGISTER_SHAPE.get(spec.quality, _REGISTER_SHAPE["fair"])
    end = spec.period.end
    rows = []
    n = 0
    for cat, units in _UNITS.items():
        if cat in left_out:
            continue
        for unit in units:
            n += 1
            age = rng.randrange(400, 900) if rng.random() < stale else rng.randrange(10, 300)
            rows.append(
                [
                    f"RS{n:03d}",
                    cat,
                    unit,
                    rng.randrange(3, 40),
                    rng.choice(("hotline", "radio", "platform")),
                    rng.random() < 0.8,
                    end - timedelta(days=age),
                    True,
                ]
            )
    header = (
        "resource_id",
        "category",
        "unit",
        "headcount",
        "contact_channel",
        "on_call_24h",
        "verified_on",
        "active",
    )
    return [("tables/emergency_resources.csv", csv_bytes(header, rows))]


_CLOCK = tuple(f"{m // 60:02d}:{m % 60:02d}:00+08:00" for m in range(24 * 60))
_TYPES = ("fire", "medical", "security", "disaster", "accident", "other")
# quality -> per 1,024 rows: late dispatches, late arrivals, unclosed or unknown-resource rows
_DISPATCH_SHAPE = {"good": (5, 10, 2), "fair": (220, 260, 40), "poor": (500, 560, 150)}


def _sample_dispatch_log(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """About ``spec.rows`` dispatches spread over the period. One random draw per row
    feeds every field; times stay within the report's local day so each is one lookup."""
    late_d, late_a, bad = _DISPATCH_SHAPE.get(spec.quality, _DISPATCH_SHAPE["fair"])
    resources = [f"RS{n:03d}" for n in range(1, 11)]
    if spec.quality != "good":
        resources = resources[:6] + resources[8:]  # social-force entries are not registered
    start, n_days = spec.period.start, spec.period.days
    days = [(start + timedelta(days=i)).isoformat() + "T" for i in range(n_days)]
    n_res = len(resources)
    lines = [
        "dispatch_id,incident_id,incident_type,resource_id,reported_at,dispatched_at,"
        "arrived_at,closed_at,outcome\n"
    ]
    for n in range(1, max(1, spec.rows) + 1):
        r = rng.getrandbits(60)
        day = days[r % n_days]
        rep = (r >> 12) % 1200  # 00:00 .. 19:59, so closure stays on the same day
        slow = (r >> 23) % 1024
        disp = rep + (6 + (r >> 33) % 20 if slow < late_d else 1 + (r >> 33) % 4)
        arr = rep + (16 + (r >> 38) % 40 if (r >> 43) % 1024 < late_a else 4 + (r >> 38) % 10)
        arr = max(arr, disp + 1)
        close = arr + 20 + (r >> 48) % 100
        outcome = "resolved" if (r >> 55) % 16 else "referred"
        closed = f"{day}{_CLOCK[close]}"
        resource = resources[(r >> 5) % n_res]
        if (r >> 2) % 1024 < bad:
            if r % 2:
                closed, outcome = "", "open"
            else:
                resource = "RS999"
        lines.append(
            f"D{n:07d},I{(n + 1) // 2:07d},{_TYPES[(r >> 30) % 6]},{resource},"
            f"{day}{_CLOCK[rep]},{day}{_CLOCK[disp]},{day}{_CLOCK[arr]},{closed},{outcome}\n"
        )
    return [("tables/emergency_dispatch_log.csv", "".join(lines).encode("utf-8"))]


# -- plugin hooks ------------------------------------------------------------------------

_RESOURCES_TEMPLATE = (
    "resource_id,category,unit,headcount,contact_channel,on_call_24h,verified_on,active\n"
    "RS001,police,Community police office,6,hotline,true,2025-03-01,true\n"
    "RS002,medical,Community health service centre,4,hotline,true,2025-03-01,true\n"
)
_DISPATCH_TEMPLATE = (
    "dispatch_id,incident_id,incident_type,resource_id,reported_at,dispatched_at,arrived_at,"
    "closed_at,outcome\n"
    "D0000001,I0000001,medical,RS002,2025-03-02T10:00:00+08:00,2025-03-02T10:02:00+08:00,"
    "2025-03-02T10:09:00+08:00,2025-03-02T10:50:00+08:00,resolved\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=RESOURCES,
            kind="table",
            title="Emergency resource register",
            description="One row per emergency resource the community can dispatch: category "
            "(police, medical, volunteer, social force...), unit, head count, contact channel, "
            "24-hour availability, date last verified, active.",
            schema=schema_id(RESOURCES),
            template_name="emergency_resources.csv",
            template_text=_RESOURCES_TEMPLATE,
            sample=_sample_resources,
            sample_rows=0.0,
        ),
        EvidenceType(
            id=DISPATCH_LOG,
            kind="table",
            title="Emergency dispatch log",
            description="One row per resource sent to an incident: incident type, resource "
            "id, and the report, dispatch, arrival and closing times (with UTC offset), outcome.",
            schema=schema_id(DISPATCH_LOG),
            template_name="emergency_dispatch_log.csv",
            template_text=_DISPATCH_TEMPLATE,
            sample=_sample_dispatch_log,
            sample_rows=0.05,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(RESOURCES), load_schema(DISPATCH_LOG)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [EmergencyCommandDispatch]
