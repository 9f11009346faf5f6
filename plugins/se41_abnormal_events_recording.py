"""SE41 Abnormal events recording: every kind of incident in the jurisdiction is logged,
completely, and followed through to closure.

The evidence is the incident log exported from the community's event system. It can be
large, so every measurement is a polars aggregation over the whole log.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import load_schema, schema_id
from ._cps import (
    MAX_EXAMPLES,
    first_defect,
    listed,
    period_utc,
    ratio_score,
    report_rows,
    text_present,
)

__all__ = ["AbnormalEventsRecording"]

INCIDENT_LOG = "incident_log"

CATEGORIES = (
    "traffic_accident",
    "fire",
    "injury_accident",
    "drug_related",
    "dispute",
    "theft",
    "fraud",
    "public_order",
    "domestic_violence",
    "other",
)
#: Optional text columns ``required_fields`` may ask to be filled (the closing time is
#: checked against the status instead).
TEXT_FIELDS = ("area", "source", "handler_id", "outcome")


class AbnormalEventsRecording(Indicator):
    """A mechanism records all kinds of abnormal events in the jurisdiction (accidents,
    drug-related cases, disputes and others), with the details needed to act on them,
    and each recorded event is handled and closed in good time.

    The incident log shows whether the mechanism works: which categories of event it
    holds at all, whether rows carry the fields a handler needs, what share of events
    were closed and how long closing took.
    """

    code = "SE41"
    title = "Abnormal events recording"
    dimension = "CPS"
    version = "1.0.0"
    thread_safe = True
    evidence = (Need(INCIDENT_LOG, purpose="every abnormal event recorded in the period"),)

    @rule(
        "R1",
        "All required categories of event are recorded",
        weight=2,
        severity="high",
        thresholds=("required_categories", "timezone"),
    )
    def categories(self, ctx: Context) -> float | None:
        """Counts the events of each category that occurred in the period. A recording
        mechanism that covers all kinds of events holds at least one event of every
        category in ``required_categories`` (a community of thousands always has some
        disputes, accidents or drug cases over a year; a category with none usually
        means it is not being recorded). The score is the share of required categories
        present."""
        table = ctx.table(INCIDENT_LOG)
        if table is None or table.frame is None:
            return None
        start, end = period_utc(ctx)
        counts = dict(
            table.frame.filter(pl.col("occurred_at").is_between(start, end, closed="left"))
            .group_by("category")
            .agg(pl.len())
            .drop_nulls("category")
            .collect()
            .iter_rows()
        )
        for cat in CATEGORIES:
            ctx.metric(f"events_{cat}", int(counts.get(cat, 0)))
        required = [str(c) for c in ctx.threshold("required_categories")]
        absent = [c for c in required if not counts.get(c)]
        ctx.metric("events_in_period", int(sum(counts.values())))
        if not required:
            return 1.0
        if absent:
            ctx.finding(
                f"no event of these required categories is recorded in the period: "
                f"{listed(absent)}",
                at=ctx.at(table, column="category"),
                fix="Record every kind of abnormal event in the event system, including "
                "drug-related cases and disputes handled by mediation, with its category.",
            )
        return 1 - len(absent) / len(required)

    @rule(
        "R2",
        "Events are recorded with the required fields, consistently",
        weight=2,
        severity="medium",
        thresholds=("required_fields", "complete_share_min"),
    )
    def complete(self, ctx: Context) -> float | None:
        """A row is complete when its time, category and status are valid, every column
        in ``required_fields`` is filled, a
        closed event has a closing time that is not before the event, and an event
        that is not closed has no closing time. The score is the share of complete
        rows over ``complete_share_min``, capped at 1; findings give the count per
        defect and the first rows."""
        table = ctx.table(INCIDENT_LOG)
        if table is None or table.frame is None:
            return None
        fields = [f for f in ctx.threshold("required_fields") if f in TEXT_FIELDS]
        closed = pl.col("status") == "closed"
        defects: dict[str, pl.Expr] = {
            f"{f} missing": pl.col(f).is_null() for f in ("occurred_at", "category", "status")
        }
        defects.update({f"{f} missing": ~text_present(f, table.frame) for f in fields})
        defects["closed without a closing time"] = closed & pl.col("closed_at").is_null()
        defects["closed before it occurred"] = closed & (
            pl.col("closed_at") < pl.col("occurred_at")
        )
        defects["closing time on an event still open"] = (~closed) & pl.col(
            "closed_at"
        ).is_not_null()
        reason = first_defect(defects)
        frame = table.frame.select("__file", "__row", reason.alias("reason"))
        summary, examples = pl.collect_all(
            [
                frame.group_by("reason").agg(pl.len().alias("n")),
                frame.filter(pl.col("reason").is_not_null()).head(MAX_EXAMPLES),
            ]
        )
        counts = {r: int(n) for r, n in summary.iter_rows()}
        rows = sum(counts.values())
        if rows == 0:
            return None
        good = counts.get(None, 0)  # type: ignore[call-overload]
        share = good / rows
        target = float(ctx.threshold("complete_share_min"))
        ctx.metric("complete_share", round(share, 4))
        if share >= target:
            return 1.0
        detail = "; ".join(f"{r}: {n}" for r, n in sorted(counts.items(), key=str) if r)
        ctx.finding(
            f"{rows - good} of {rows} event rows are incomplete or inconsistent ({detail}); "
            f"at least {target:.0%} must be complete",
            at=ctx.at(table),
            fix="Make the area, source, handler and outcome mandatory fields of the event "
            "form, and record the closing time when an event is closed.",
        )
        examples = examples.with_columns(
            pl.col("reason").str.extract(r"^(\w+) missing$").fill_null("closed_at").alias("column")
        )
        report_rows(ctx, examples, "event row")
        return ratio_score(share, target)

    @rule(
        "R3",
        "Recorded events are closed",
        weight=2,
        severity="high",
        thresholds=("closure_rate_min", "closure_grace_days", "timezone"),
    )
    def closure_rate(self, ctx: Context) -> float | None:
        """Takes the events that occurred in the period, leaving out those of the last
        ``closure_grace_days`` days (they may still be in hand), and computes the share
        whose status is closed. The score is that share over ``closure_rate_min``,
        capped at 1. Findings count the open events by category."""
        table = ctx.table(INCIDENT_LOG)
        if table is None or table.frame is None:
            return None
        start, end = period_utc(ctx)
        cutoff = end - timedelta(days=float(ctx.threshold("closure_grace_days")))
        due = table.frame.filter(pl.col("occurred_at").is_between(start, cutoff, closed="left"))
        by_cat = (
            due.group_by("category")
            .agg(pl.len().alias("n"), (pl.col("status") == "closed").sum().alias("closed"))
            .collect()
        )
        total = int(by_cat["n"].sum() or 0)
        if total == 0:
            return None
        closed = int(by_cat["closed"].sum() or 0)
        rate = closed / total
        target = float(ctx.threshold("closure_rate_min"))
        ctx.metric("closure_rate", round(rate, 4))
        ctx.metric("open_events", total - closed)
        if rate >= target:
            return 1.0
        open_by = ", ".join(
            f"{c or 'no category'} {n - k}"
            for c, n, k in by_cat.sort("category", nulls_last=True).iter_rows()
            if n > k
        )
        first = due.filter(pl.col("status") != "closed").select("__file", "__row").head(3)
        ctx.finding(
            f"{total - closed} of {total} events due for closure are not closed "
            f"({rate:.1%} closed, at least {target:.0%} expected); open by category: {open_by}",
            at=ctx.at(table, column="status"),
            fix="Review open events each week, assign a handler and close them with an "
            "outcome once handled.",
        )
        report_rows(ctx, first.collect(), "event not closed", column="status")
        return ratio_score(rate, target)

    @rule(
        "R4",
        "Events are closed in good time",
        weight=2,
        severity="medium",
        thresholds=("close_hours_max", "timely_close_share_min", "timezone"),
    )
    def time_to_close(self, ctx: Context) -> float | None:
        """For the closed events that occurred in the period, measures the hours from
        occurrence to closing. The share closed within ``close_hours_max`` is divided
        by ``timely_close_share_min`` (capped at 1). The median and 90th percentile
        hours are recorded as metrics."""
        table = ctx.table(INCIDENT_LOG)
        if table is None or table.frame is None:
            return None
        start, end = period_utc(ctx)
        limit = float(ctx.threshold("close_hours_max"))
        hours = (pl.col("closed_at") - pl.col("occurred_at")).dt.total_seconds() / 3600.0
        closed = table.frame.filter(
            (pl.col("status") == "closed")
            & pl.col("occurred_at").is_between(start, end, closed="left")
            & (pl.col("closed_at") >= pl.col("occurred_at"))
        ).select("__file", "__row", hours.alias("h"))
        stats, late = pl.collect_all(
            [
                closed.select(
                    pl.len().alias("n"),
                    (pl.col("h") <= limit).sum().alias("timely"),
                    pl.col("h").median().alias("median"),
                    pl.col("h").quantile(0.9).alias("p90"),
                ),
                # Ties on the hours are broken by place so the examples are the same
                # in every run (polars' sort is not stable by default).
                closed.filter(pl.col("h") > limit)
                .sort(["h", "__file", "__row"], descending=[True, False, False])
                .head(3),
            ]
        )
        n, timely, median, p90 = stats.row(0)
        if not n:
            return None
        share = timely / n
        target = float(ctx.threshold("timely_close_share_min"))
        ctx.metric("median_close_hours", round(float(median), 2))
        ctx.metric("p90_close_hours", round(float(p90), 2))
        ctx.metric("timely_close_share", round(share, 4))
        if share >= target:
            return 1.0
        ctx.finding(
            f"{n - timely} of {n} closed events took longer than {limit:g} hours to close "
            f"({share:.1%} in time, at least {target:.0%} expected; median {median:.1f} h)",
            at=ctx.at(table, column="closed_at"),
            fix="Set a handling deadline per category and escalate events that pass it.",
        )
        report_rows(ctx, late, "event closed late", column="closed_at")
        return ratio_score(share, target)


# -- sample evidence -----------------------------------------------------------------

_AREAS = (
    *(f"Building {i}" for i in range(1, 13)),
    "Underground garage",
    "East gate",
    "West gate",
    "Central garden",
    "Market street",
    "Bus stop",
)
_SOURCES = ("patrol", "resident_report", "video_surveillance", "police_notice", "grid_worker")
_OUTCOMES = ("resolved", "mediated", "referred_to_police", "referred_to_department", "no_action")
_HANDLERS = tuple(f"S{n:04d}" for n in range(1, 31))
#: Every minute of the day as a local clock time with the +08:00 offset.
_CLOCK = tuple(f"{m // 60:02d}:{m % 60:02d}:00+08:00" for m in range(1440))
# Category mix per 64 draws (drug-related and fire events are rare).
_MIX = (
    ("traffic_accident",) * 8
    + ("fire",) * 2
    + ("injury_accident",) * 6
    + ("drug_related",) * 2
    + ("dispute",) * 18
    + ("theft",) * 8
    + ("fraud",) * 5
    + ("public_order",) * 8
    + ("domestic_violence",) * 3
    + ("other",) * 4
)
# quality -> (categories never recorded, incomplete rows per 1024, open per 1024,
#             late closures per 1024)
_SHAPE = {
    "good": ((), 4, 8, 20),
    "fair": (("drug_related",), 120, 250, 500),
    "poor": (("drug_related", "fire", "theft"), 400, 600, 800),
}


def _sample_incident_log(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """About ``spec.rows`` events spread evenly over the period; one random draw per row
    feeds every field so large logs stay cheap."""
    dropped, bad, open_, late = _SHAPE.get(spec.quality, _SHAPE["fair"])
    mix = tuple(c for c in _MIX if c not in dropped)
    n_rows = max(spec.rows, 40)
    n_days = spec.period.days
    start = spec.period.start
    lines = ["incident_id,occurred_at,category,area,source,handler_id,status,closed_at,outcome\n"]
    na, ns, nh, no, nm = len(_AREAS), len(_SOURCES), len(_HANDLERS), len(_OUTCOMES), len(mix)
    # Date and clock strings are looked up, not formatted, so a row costs a few lookups.
    days = [(start + timedelta(days=i)).isoformat() + "T" for i in range(n_days + 40)]
    for k in range(n_rows):
        r = rng.getrandbits(60)
        di = k * n_days // n_rows
        minute = r % 1440
        occurred = days[di] + _CLOCK[minute]
        category = mix[(r >> 11) % nm]
        area = _AREAS[(r >> 17) % na]
        source = _SOURCES[(r >> 22) % ns]
        handler = _HANDLERS[(r >> 25) % nh]
        outcome = _OUTCOMES[(r >> 30) % no]
        if (r >> 33) % 1024 < open_ or di > n_days - 3:
            status, closed, outcome = ("open", "in_progress")[(r >> 43) % 2], "", ""
        else:
            slow = (r >> 44) % 1024 < late
            hours = 80 + (r >> 54) % 40 * 6 if slow else 1 + (r >> 54) % 48
            extra, at = divmod(minute + hours * 60, 1440)
            status, closed = "closed", days[di + extra] + _CLOCK[at]
        if (r >> 49) % 1024 < bad:
            which = (r >> 8) % 3
            if which == 0:
                handler = ""
            elif which == 1:
                area = ""
            elif status == "closed":
                closed = ""
        lines.append(
            f"E{k + 1:07d},{occurred},{category},{area},{source},{handler},{status},"
            f"{closed},{outcome}\n"
        )
    return [("tables/incident_log.csv", "".join(lines).encode("utf-8"))]


_TEMPLATE = (
    "incident_id,occurred_at,category,area,source,handler_id,status,closed_at,outcome\n"
    "E0000001,2025-01-03T21:40:00+08:00,dispute,Building 3,resident_report,S0004,closed,"
    "2025-01-04T10:15:00+08:00,mediated\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=INCIDENT_LOG,
            kind="table",
            title="Abnormal event (incident) log",
            description="Every abnormal event recorded in the jurisdiction: when it occurred, "
            "its category (accident, drug-related, dispute...), area, source, handler id, "
            "status, closing time and outcome. No names or descriptions of people.",
            schema=schema_id(INCIDENT_LOG),
            template_name="incident_log.csv",
            template_text=_TEMPLATE,
            sample=_sample_incident_log,
            sample_rows=0.2,
        )
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(INCIDENT_LOG)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [AbnormalEventsRecording]
