"""SE56 Smart environment monitoring: residents and administrators report environmental
problems (litter, sewage, noise, dumping...) from mobile clients, and the reports are
disposed of quickly.

Reads the export of environment reports (a table): who reported through which channel,
when, the report's status and when it was disposed of. Every measurement is a polars
aggregation.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.frames import one_of
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import load_schema, schema_id
from ._devices import (
    MAX_LISTED,
    day_strings,
    period_bounds_utc,
    score_row_consistency,
    share_score,
    stamp,
    zone,
)

__all__ = ["SmartEnvironmentMonitoring"]

REPORTS = "environment_reports"

CHANNELS = ("mobile_app", "mini_program", "web", "hotline", "walk_in", "patrol")
ROLES = ("resident", "administrator", "property_staff")
CATEGORIES = (
    "garbage",
    "sewage",
    "noise",
    "air",
    "greenery",
    "illegal_dumping",
    "pest",
    "other",
)


def _in_period(ctx: Context, code: str) -> tuple[pl.Expr, Any, Any]:
    begin, finish = period_bounds_utc(
        ctx.period.start, ctx.period.end, zone(code, ctx.threshold("timezone"))
    )
    return (pl.col("reported_at") >= begin) & (pl.col("reported_at") < finish), begin, finish


class SmartEnvironmentMonitoring(Indicator):
    """Administrators and residents report environmental problems of the community from
    mobile clients, and every report is disposed of promptly and closed.

    The report export shows whether mobile clients are really the way problems come in
    (and whether both residents and administrators use them), how many reports were
    closed, and how long disposal took from report to closure.
    """

    code = "SE56"
    title = "Smart environment monitoring"
    dimension = "SI"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(REPORTS, purpose="environmental problem reports with channel, status and times"),
    )

    @rule(
        "R1",
        "Problems are reported from mobile clients by residents and administrators",
        weight=2,
        severity="medium",
        thresholds=("mobile_channels", "mobile_share_min", "required_reporter_roles", "timezone"),
    )
    def mobile_reporting(self, ctx: Context) -> float | None:
        """Among the reports received in the period, measures the share that came through
        one of the ``mobile_channels`` and which reporter roles used those channels. The
        score is the mobile share over ``mobile_share_min`` (capped at 1) times the share
        of the ``required_reporter_roles`` seen reporting from a mobile client. No report
        at all in the period scores 0."""
        table = ctx.table(REPORTS)
        if table is None or table.frame is None:
            return None
        inside, _, _ = _in_period(ctx, self.code)
        mobile = [str(c) for c in ctx.threshold("mobile_channels")]
        roles = [str(r) for r in ctx.threshold("required_reporter_roles")]
        counts = (
            table.frame.filter(inside)
            .group_by(one_of(pl.col("channel"), mobile).alias("mobile"), "reporter_role")
            .agg(pl.len().alias("n"))
            .collect()
        )
        total = int(counts["n"].sum())
        on_mobile = int(counts.filter(pl.col("mobile"))["n"].sum())
        seen = set(counts.filter(pl.col("mobile"))["reporter_role"].drop_nulls().to_list())
        ctx.metric("reports_in_period", total)
        if total and ctx.community.population:
            ctx.metric(
                "reports_per_1000_residents", round(1000 * total / ctx.community.population, 2)
            )
        if not total:
            ctx.finding(
                "no environment report was received in the period",
                at=ctx.at(table),
                fix="Offer residents and administrators a mobile client to report environmental "
                "problems and export its reports.",
            )
            return 0.0
        share = on_mobile / total
        ctx.metric("mobile_report_share", round(share, 4))
        target = float(ctx.threshold("mobile_share_min"))
        if share < target:
            ctx.finding(
                f"only {share:.0%} of {total} reports came from mobile clients "
                f"(at least {target:.0%} expected)",
                at=ctx.at(table, column="channel"),
                fix="Promote the mobile reporting client and register reports taken by phone "
                "or at the desk in it.",
            )
        missing = [r for r in roles if r not in seen]
        for r in missing:
            ctx.finding(
                f"no report from a mobile client by the {r.replace('_', ' ')} role",
                at=ctx.at(table, column="reporter_role"),
                fix=f"Make the mobile client available to every {r.replace('_', ' ')} and "
                "train them to use it.",
            )
        role_share = (len(roles) - len(missing)) / len(roles) if roles else 1.0
        return share_score(share, target) * role_share

    @rule(
        "R2",
        "Reports are closed",
        weight=3,
        severity="high",
        thresholds=("closure_grace_days", "closure_rate_min", "timezone"),
    )
    def closure_rate(self, ctx: Context) -> float | None:
        """Takes the reports received in the period up to ``closure_grace_days`` before its
        end (younger ones may rightly still be open), leaving out those rejected as not an
        environmental problem. A report counts as closed when its status is ``closed`` and
        it has a disposal time. The score is the closed share over ``closure_rate_min``,
        capped at 1. Findings count the open reports and point at the oldest."""
        table = ctx.table(REPORTS)
        if table is None or table.frame is None:
            return None
        inside, _, finish = _in_period(ctx, self.code)
        cutoff = finish - timedelta(days=float(ctx.threshold("closure_grace_days")))
        rows = table.frame.filter(
            inside & (pl.col("reported_at") < cutoff) & (pl.col("status") != "rejected")
        )
        closed = (pl.col("status") == "closed") & pl.col("disposed_at").is_not_null()
        summary, oldest = pl.collect_all(
            [
                rows.select(pl.len().alias("n"), closed.sum().alias("closed")),
                rows.filter(~closed)
                .sort("reported_at", "__file", "__row")
                .select("__file", "__row", "report_id", "category", "status")
                .head(MAX_LISTED),
            ]
        )
        n, done = summary.row(0)
        ctx.metric("reports_due", int(n))
        if not n:
            return None
        rate = int(done) / int(n)
        ctx.metric("closure_rate", round(rate, 4))
        target = float(ctx.threshold("closure_rate_min"))
        if done < n:
            ctx.finding(
                f"{int(n) - int(done)} of {n} reports older than "
                f"{float(ctx.threshold('closure_grace_days')):g} days are not closed "
                f"(closure rate {rate:.1%})",
                at=ctx.at(table, column="status"),
                fix="Assign every report to a handler, follow it up until the problem is "
                "removed, then close it with the disposal time.",
                severity=None if rate < target else "low",
            )
            for path, row, rid, cat, status in oldest.iter_rows():
                ctx.finding(
                    f"report {rid} ({cat}) is still {status}",
                    at=ctx.at(path, row=row, column="status"),
                    severity="low",
                )
        return share_score(rate, target)

    @rule(
        "R3",
        "Reported problems are disposed of in time",
        weight=3,
        severity="high",
        thresholds=("dispose_max_hours", "dispose_on_time_share_min", "timezone"),
    )
    def disposal_time(self, ctx: Context) -> float | None:
        """Times each closed report received in the period from ``reported_at`` to
        ``disposed_at``. A report disposed of within ``dispose_max_hours`` is on time. The
        score is the on-time share over ``dispose_on_time_share_min``, capped at 1; with no
        closed report the rule does not apply. Findings give the late count per category
        and point at the slowest reports."""
        table = ctx.table(REPORTS)
        if table is None or table.frame is None:
            return None
        inside, _, _ = _in_period(ctx, self.code)
        limit = float(ctx.threshold("dispose_max_hours"))
        hours = (pl.col("disposed_at") - pl.col("reported_at")).dt.total_seconds() / 3600
        rows = (
            table.frame.filter(
                inside & (pl.col("status") == "closed") & pl.col("disposed_at").is_not_null()
            )
            .select("__file", "__row", "report_id", "category", hours.alias("h"))
            .filter(pl.col("h") >= 0)  # inverted times are R4's business
        )
        late = pl.col("h") > limit
        summary, by_cat, slowest = pl.collect_all(
            [
                rows.select(
                    pl.len().alias("n"),
                    late.sum().alias("late"),
                    pl.col("h").median().alias("median"),
                    pl.col("h").quantile(0.9).alias("p90"),
                ),
                rows.filter(late).group_by("category").agg(pl.len().alias("n")).sort("category"),
                rows.filter(late)
                .sort(["h", "__file", "__row"], descending=[True, False, False])
                .head(MAX_LISTED),
            ]
        )
        n, n_late, median, p90 = summary.row(0)
        ctx.metric("closed_reports", int(n))
        if not n:
            return None
        share = 1 - int(n_late) / int(n)
        ctx.metric("disposed_on_time_share", round(share, 4))
        ctx.metric("median_dispose_hours", None if median is None else round(float(median), 1))
        ctx.metric("p90_dispose_hours", None if p90 is None else round(float(p90), 1))
        target = float(ctx.threshold("dispose_on_time_share_min"))
        if n_late:
            detail = ", ".join(f"{c}: {k}" for c, k in by_cat.iter_rows())
            ctx.finding(
                f"{n_late} of {n} closed reports took longer than {limit:g} hours to dispose "
                f"of ({detail})",
                at=ctx.at(table, column="disposed_at"),
                fix="Set disposal deadlines per category and escalate reports that approach them.",
                severity=None if share < target else "low",
            )
            for path, row, rid, cat, h in slowest.iter_rows():
                ctx.finding(
                    f"report {rid} ({cat}) took {h:.0f} hours",
                    at=ctx.at(path, row=row, column="disposed_at"),
                    severity="low",
                )
        return share_score(share, target)

    @rule(
        "R4",
        "Report records are consistent",
        weight=1,
        severity="medium",
        thresholds=("consistent_share_min", "timezone"),
    )
    def records_consistent(self, ctx: Context) -> float | None:
        """Checks each report received in the period: the disposal is not before the
        report, a closed report has a disposal time, an open or in-progress one has none,
        and the report id is not repeated. The score is the consistent share over
        ``consistent_share_min``, capped at 1. Findings count each defect and point at the
        first rows."""
        table = ctx.table(REPORTS)
        if table is None or table.frame is None:
            return None
        inside, _, _ = _in_period(ctx, self.code)
        status = pl.col("status")
        reason = (
            pl.when(pl.col("disposed_at") < pl.col("reported_at"))
            .then(pl.lit("disposed before it was reported|disposed_at"))
            .when((status == "closed") & pl.col("disposed_at").is_null())
            .then(pl.lit("closed without a disposal time|disposed_at"))
            .when(one_of(status, ["open", "in_progress"]) & pl.col("disposed_at").is_not_null())
            .then(pl.lit("disposal time on an unfinished report|status"))
            .when(pl.col("report_id").is_duplicated())
            .then(pl.lit("report id repeated|report_id"))
            .otherwise(pl.lit(None, dtype=pl.String))
            .alias("reason")
        )
        checked = table.frame.filter(inside).select("__file", "__row", reason)
        return score_row_consistency(
            ctx,
            table,
            checked,
            metric="consistent_report_share",
            rows_are="report rows",
            row_label="report row",
            fix=(
                "Let the reporting platform set the status and disposal time together, "
                "and keep report ids unique."
            ),
        )


# -- sample evidence ---------------------------------------------------------------------

#: quality -> (share of mobile reports, administrators report from mobile, share left
#: open, share disposed late, share inconsistent)
_SHAPE: dict[str, tuple[float, bool, float, float, float]] = {
    "good": (0.92, True, 0.01, 0.03, 0.0),
    "fair": (0.45, True, 0.2, 0.45, 0.05),
    "poor": (0.15, False, 0.5, 0.75, 0.15),
}
_ZONE = zone("SE56", "Asia/Shanghai")


def _sample_reports(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """About ``spec.rows`` reports (at least 60) spread over the period."""
    mobile, admins, still_open, late, bad = _SHAPE.get(spec.quality, _SHAPE["fair"])
    begin, finish = period_bounds_utc(spec.period.start, spec.period.end, _ZONE)
    span = int((finish - begin).total_seconds())
    off = begin.hour * 3600 + begin.minute * 60
    days = day_strings(begin, span // 86400 + 40)
    n = max(60, spec.rows)
    rand = rng.random
    lines = ["report_id,reported_at,channel,reporter_role,category,status,disposed_at\n"]
    for i in range(1, n + 1):
        t = rng.randrange(span)
        if rand() < mobile:
            channel = "mobile_app" if rand() < 0.7 else "mini_program"
            role = "resident" if (rand() < 0.7 or not admins) else "administrator"
        else:
            channel = CHANNELS[2 + rng.randrange(4)]
            role = ROLES[rng.randrange(3)]
        category = CATEGORIES[rng.randrange(8)]
        took = rng.randint(600, 40 * 3600)
        if rand() < late:
            took = rng.randint(80 * 3600, 20 * 86400)
        done = t + took
        status, disposed = "closed", stamp(days, off + done)
        if rand() < still_open or done >= span:
            status, disposed = ("open", "") if rand() < 0.5 else ("in_progress", "")
        elif rand() < 0.02:
            status = "rejected"
        if rand() < bad:
            disposed = stamp(days, off + max(0, t - 3600))
        lines.append(
            f"R{i:06d},{stamp(days, off + t)},{channel},{role},{category},{status},{disposed}\n"
        )
    return [("tables/environment_reports.csv", "".join(lines).encode("utf-8"))]


# -- plugin hooks ------------------------------------------------------------------------


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=REPORTS,
            kind="table",
            title="Environment problem reports",
            description="One row per environmental problem reported by a resident or an "
            "administrator: channel (mobile app, mini program, hotline...), category, status "
            "and when it was reported and disposed of. No reporter identity.",
            schema=schema_id(REPORTS),
            template_name="environment_reports.csv",
            template_text="report_id,reported_at,channel,reporter_role,category,status,"
            "disposed_at\nR000001,2025-03-02T10:15:00+08:00,mobile_app,resident,garbage,"
            "closed,2025-03-02T16:40:00+08:00\n",
            sample=_sample_reports,
            sample_rows=0.03,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(REPORTS)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [SmartEnvironmentMonitoring]
