"""EV01 Elevator safety: certificates, periodic inspections and entrapment response.

A city adds this indicator to the built-in 32: elevators in high-rise residential
buildings are special equipment that must hold a valid inspection certificate, be
inspected periodically, and have trapped passengers released quickly.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl
from compliance.indicator import Context, Indicator, Need, rule

__all__ = ["FAULTS", "INSPECTIONS", "ElevatorSafety"]

INSPECTIONS = "elevator_inspections"
FAULTS = "elevator_faults"
#: At most this many elevators are named in one finding; the rest are counted.
MAX_EXAMPLES = 5


class ElevatorSafety(Indicator):
    """Every elevator holds a valid inspection certificate, is inspected on time, and
    trapped passengers are released quickly.

    Reads the inspection table (one row per statutory inspection) and, when the bundle
    has it, the fault log (from the maintenance company, or the controllers' XML export).
    """

    code = "EV01"
    title = "Elevator safety"
    dimension = "SI"
    version = "1.0.0"
    thread_safe = True  # no module-level state: may run beside other indicators
    evidence = (
        Need(INSPECTIONS, purpose="statutory inspections with their certificates"),
        Need(FAULTS, required=False, purpose="faults and entrapments with release times"),
    )

    @rule(
        "R1",
        "Every elevator holds a valid certificate",
        weight=3,
        severity="critical",
        red_line=True,
    )
    def certificates(self, ctx: Context) -> float | None:
        """Takes, for each elevator, the latest certificate expiry among its inspections
        up to the end of the period. An elevator whose certificate expired before the end
        of the period (or that never got one) runs without a valid certificate. The score
        is the share of elevators with a valid certificate; the rule is a red line, so any
        elevator without one caps the indicator's score."""
        table = ctx.table(INSPECTIONS)
        if table is None or table.frame is None:
            return None
        latest = (
            table.frame.filter(pl.col("inspected_on") <= ctx.period.end)
            .group_by("elevator_id")
            .agg(pl.col("certificate_expires").max().alias("expires"))
            .sort("elevator_id")
            .collect()
        )
        if latest.height == 0:
            return None
        lapsed = latest.filter(pl.col("expires").is_null() | (pl.col("expires") < ctx.period.end))
        ctx.metric("elevators", latest.height)
        ctx.metric("elevators_without_valid_certificate", lapsed.height)
        if lapsed.height:
            ctx.finding(
                f"{lapsed.height} of {latest.height} elevators have no valid inspection "
                f"certificate at the end of the period: {_names(lapsed)}",
                at=ctx.at(table, column="certificate_expires"),
                fix="Stop the elevators concerned and have them inspected before reuse.",
            )
        return 1.0 - lapsed.height / latest.height

    @rule(
        "R2",
        "Periodic inspections are on time",
        weight=2,
        severity="high",
        thresholds=("inspection_interval_max_days",),
    )
    def inspections_on_time(self, ctx: Context) -> float | None:
        """Finds each elevator's latest inspection up to the end of the period. It is on
        time when it is at most ``inspection_interval_max_days`` days before the end of the
        period. The score is the share of elevators inspected on time."""
        table = ctx.table(INSPECTIONS)
        if table is None or table.frame is None:
            return None
        allowed = int(ctx.threshold("inspection_interval_max_days"))
        latest = (
            table.frame.filter(pl.col("inspected_on") <= ctx.period.end)
            .group_by("elevator_id")
            .agg(pl.col("inspected_on").max().alias("last"))
            .sort("elevator_id")
            .collect()
        )
        if latest.height == 0:
            return None
        late = latest.filter(pl.col("last") < ctx.period.end - timedelta(days=allowed))
        ctx.metric("elevators_overdue_inspection", late.height)
        if late.height:
            ctx.finding(
                f"{late.height} of {latest.height} elevators were last inspected more than "
                f"{allowed} days before the end of the period: {_names(late)}",
                at=ctx.at(table, column="inspected_on"),
                fix="Book the periodic inspection with the inspection body before it is due.",
            )
        return 1.0 - late.height / latest.height

    @rule(
        "R3",
        "Trapped passengers are released quickly",
        weight=2,
        severity="high",
        thresholds=("entrapment_release_max_min", "entrapment_on_time_min"),
    )
    def entrapment_response(self, ctx: Context) -> float | None:
        """Over the entrapments in the period, the share whose passengers were released
        within ``entrapment_release_max_min`` minutes (an entrapment without a release
        time counts as late). The score is that share over ``entrapment_on_time_min``,
        capped at 1. Does not apply without a fault log or without entrapments."""
        if not ctx.has(FAULTS):
            return None
        table = ctx.table(FAULTS)
        if table is None or table.frame is None:
            return None
        limit = float(ctx.threshold("entrapment_release_max_min"))
        target = float(ctx.threshold("entrapment_on_time_min"))
        minutes = (pl.col("released_at") - pl.col("occurred_at")).dt.total_seconds() / 60
        trapped = (
            table.frame.filter(
                pl.col("entrapment").fill_null(False)
                & (pl.col("occurred_at").dt.date() >= ctx.period.start)
                & (pl.col("occurred_at").dt.date() <= ctx.period.end)
            )
            .with_columns(minutes.alias("minutes"))
            .with_columns((pl.col("minutes") <= limit).fill_null(False).alias("on_time"))
            .collect()
        )
        if trapped.height == 0:
            return None
        on_time = int(trapped["on_time"].sum())
        share = on_time / trapped.height
        ctx.metric("entrapments", trapped.height)
        ctx.metric("entrapments_released_on_time", round(share, 4))
        if share >= target:
            return 1.0
        first_late = trapped.filter(~pl.col("on_time")).sort("__row").row(0, named=True)
        ctx.finding(
            f"{trapped.height - on_time} of {trapped.height} entrapments were not released "
            f"within {limit:g} minutes ({share:.0%} on time; the profile asks for "
            f"{target:.0%})",
            at=ctx.at(first_late["__file"], row=first_late["__row"], column="released_at"),
            fix="Keep a rescue crew on call within reach of every building.",
        )
        return min(1.0, share / target) if target > 0 else 1.0


def _names(frame: pl.DataFrame) -> str:
    ids = frame["elevator_id"].to_list()
    shown = ", ".join(str(i) for i in ids[:MAX_EXAMPLES])
    return shown + (f" and {len(ids) - MAX_EXAMPLES} more" if len(ids) > MAX_EXAMPLES else "")
