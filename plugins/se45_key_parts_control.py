"""SE45 Management and control of key parts: roads, public places, illegal housing and
other key parts of the community are registered, monitored and inspected often enough,
and problems found are put right."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id
from ._cps import MAX_EXAMPLES, listed, number, period_utc, ratio_score, report_rows

__all__ = ["KeyPartsControl", "inspection_counts"]

REGISTER = "key_parts_register"
INSPECTIONS = "key_part_inspections"
KINDS = (
    "road",
    "public_place",
    "illegal_building",
    "construction_site",
    "water_area",
    "slope",
    "other",
)
RISK_LEVELS = ("high", "medium", "low")


def _active(register: pl.LazyFrame, start: date, end: date) -> pl.LazyFrame:
    """Parts on the register during the period (registered by its end, not removed
    before its start)."""
    return register.filter(
        pl.col("part_id").is_not_null()
        & (pl.col("registered_on").is_null() | (pl.col("registered_on") <= end))
        & ((pl.col("status") != "removed") | (pl.col("removed_on") >= start)).fill_null(True)
    )


def inspection_counts(
    register: pl.LazyFrame,
    inspections: pl.LazyFrame,
    *,
    start: datetime,
    end: datetime,
    period_start: date,
    period_end: date,
    intervals: dict[str, int],
) -> pl.DataFrame:
    """Per active part: inspections in the period and the number expected from its risk
    level's interval over the days it was on the register (``part_id``, ``risk_level``,
    ``__file``, ``__row``, ``done``, ``expected``). ``start``/``end`` are the period's
    naive UTC bounds, as the table reader gives date-times."""
    since = pl.max_horizontal(pl.col("registered_on").fill_null(period_start), pl.lit(period_start))
    parts = _active(register, period_start, period_end).select(
        "part_id",
        "risk_level",
        "__file",
        "__row",
        (pl.lit(period_end) - since).dt.total_days().add(1).alias("days"),
    )
    done = (
        inspections.filter(pl.col("inspected_at").is_between(start, end, closed="left"))
        .group_by("part_id")
        .agg(pl.len().alias("done"))
    )
    interval = pl.col("risk_level").replace_strict(
        intervals, default=intervals["high"], return_dtype=pl.Int64
    )
    return (
        parts.join(done, on="part_id", how="left")
        .with_columns(
            pl.col("done").fill_null(0),
            (pl.col("days") // interval).clip(lower_bound=1).alias("expected"),
        )
        .select("part_id", "risk_level", "__file", "__row", "done", "expected")
        .sort("__file", "__row")
        .collect()
    )


class KeyPartsControl(Indicator):
    """Information on the community's key parts (roads, public places, illegal housing
    and other places where accidents or crime concentrate) is collected in a register;
    the parts are monitored and inspected regularly, and problems found are dealt with.

    The register shows which kinds of key part are covered and which are monitored; the
    inspection log shows how often each part was inspected and whether problems were
    rectified in time.
    """

    code = "SE45"
    title = "Management and control of key parts"
    dimension = "CPS"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(REGISTER, purpose="register of key parts and their monitoring"),
        Need(INSPECTIONS, purpose="inspections of key parts"),
    )

    @rule(
        "R1",
        "The register covers roads, public places and illegal housing",
        weight=2,
        severity="high",
        thresholds=("required_kinds",),
    )
    def kinds(self, ctx: Context) -> float | None:
        """Counts the parts of each kind on the register during the period. Each kind in
        ``required_kinds`` needs at least one part; the score is the share of required
        kinds present."""
        table = ctx.table(REGISTER)
        if table is None or table.frame is None:
            return None
        counts = dict(
            _active(table.frame, ctx.period.start, ctx.period.end)
            .group_by("kind")
            .len()
            .drop_nulls()
            .collect()
            .iter_rows()
        )
        for kind in KINDS:
            ctx.metric(f"parts_{kind}", int(counts.get(kind, 0)))
        required = [str(k) for k in ctx.threshold("required_kinds")]
        absent = [k for k in required if not counts.get(k)]
        if absent:
            ctx.finding(
                f"the register has no key part of these kinds: {listed(absent)}",
                at=ctx.at(table, column="kind"),
                fix="Survey the community for key parts of every kind (including illegal "
                "buildings) and register each with its location and risk level.",
            )
        return 1 - len(absent) / len(required) if required else 1.0

    @rule(
        "R2",
        "Key parts are under monitoring",
        weight=3,
        severity="high",
        thresholds=("monitoring_coverage_min",),
    )
    def monitoring(self, ctx: Context) -> float | None:
        """A part is monitored when ``monitored`` is true and at least one monitoring
        device is recorded. The score is the share of the period's parts that are
        monitored over ``monitoring_coverage_min`` (capped at 1); findings point at
        unmonitored high-risk parts first."""
        table = ctx.table(REGISTER)
        if table is None or table.frame is None:
            return None
        parts = (
            _active(table.frame, ctx.period.start, ctx.period.end)
            .select(
                "__file",
                "__row",
                "risk_level",
                (pl.col("monitored").fill_null(False) & (pl.col("monitoring_devices") > 0))
                .fill_null(False)
                .alias("ok"),
            )
            .collect()
        )
        if parts.height == 0:
            return None
        share = number(parts["ok"].mean())
        target = float(ctx.threshold("monitoring_coverage_min"))
        ctx.metric("key_parts", parts.height)
        ctx.metric("monitoring_coverage", round(share, 4))
        if share >= target:
            return 1.0
        bare = parts.filter(~pl.col("ok")).sort(
            pl.col("risk_level").replace_strict(
                {"high": 0, "medium": 1, "low": 2}, default=3, return_dtype=pl.Int8
            ),
            "__row",
        )
        ctx.finding(
            f"{bare.height} of {parts.height} key parts are not monitored ({share:.0%}; "
            f"{target:.0%} expected)",
            at=ctx.at(table, column="monitored"),
            fix="Cover key parts with cameras or IoT sensors linked to the community platform, "
            "high-risk parts first.",
        )
        report_rows(ctx, bare, "key part without monitoring", column="monitored")
        return ratio_score(share, target)

    @rule(
        "R3",
        "Key parts are inspected as often as their risk level requires",
        weight=3,
        severity="medium",
        thresholds=(
            "inspection_interval_days_high",
            "inspection_interval_days_medium",
            "inspection_interval_days_low",
            "inspection_compliant_share_min",
            "timezone",
        ),
    )
    def inspection_frequency(self, ctx: Context) -> float | None:
        """For each part on the register during the period, the expected number of
        inspections is the days it was registered in the period divided by its risk
        level's interval (``inspection_interval_days_<level>``, at least one). A part
        meets it when its inspections in the period reach that number. The score is the
        share of parts that do, over ``inspection_compliant_share_min``, capped at 1."""
        reg, ins = ctx.table(REGISTER), ctx.table(INSPECTIONS)
        if reg is None or ins is None or reg.frame is None or ins.frame is None:
            return None
        start, end = period_utc(ctx)
        intervals = {
            lv: max(1, int(ctx.threshold(f"inspection_interval_days_{lv}"))) for lv in RISK_LEVELS
        }
        counts = inspection_counts(
            reg.frame,
            ins.frame,
            start=start,
            end=end,
            period_start=ctx.period.start,
            period_end=ctx.period.end,
            intervals=intervals,
        )
        if counts.height == 0:
            return None
        short = counts.filter(pl.col("done") < pl.col("expected"))
        share = 1 - short.height / counts.height
        target = float(ctx.threshold("inspection_compliant_share_min"))
        ctx.metric("inspections", int(counts["done"].sum()))
        ctx.metric("inspection_compliant_share", round(share, 4))
        if short.height == 0:
            return 1.0
        ctx.finding(
            f"{short.height} of {counts.height} key parts were inspected less often than "
            f"their risk level requires",
            at=ctx.at(reg, column="risk_level"),
            fix="Plan inspections per risk level and record each one in the inspection log.",
        )
        for path, row, done, expected in (
            short.select("__file", "__row", "done", "expected").head(MAX_EXAMPLES).rows()
        ):
            ctx.finding(
                f"key part inspected {done} time(s) in the period; {expected} expected",
                at=ctx.at(path, row=row, column="part_id"),
                severity="low",
            )
        return ratio_score(share, target)

    @rule(
        "R4",
        "Problems found at inspections are rectified in time",
        weight=2,
        severity="medium",
        thresholds=("rectify_days_max", "rectified_share_min", "timezone"),
    )
    def rectification(self, ctx: Context) -> float | None:
        """Takes the inspections in the period that found a problem and counts those
        rectified within ``rectify_days_max`` days (``rectified_on`` minus the
        inspection's date). The share is divided by ``rectified_share_min`` (capped at
        1); with no problem found the rule is met."""
        ins = ctx.table(INSPECTIONS)
        if ins is None or ins.frame is None:
            return None
        start, end = period_utc(ctx)
        limit = int(ctx.threshold("rectify_days_max"))
        days = (pl.col("rectified_on") - pl.col("inspected_at").dt.date()).dt.total_days()
        found = (
            ins.frame.filter(
                pl.col("inspected_at").is_between(start, end, closed="left")
                & (pl.col("result") == "issue_found")
            )
            .select("__file", "__row", ((days >= 0) & (days <= limit)).fill_null(False).alias("ok"))
            .collect()
        )
        ctx.metric("problems_found", found.height)
        if found.height == 0:
            return 1.0
        share = number(found["ok"].mean())
        target = float(ctx.threshold("rectified_share_min"))
        ctx.metric("rectified_in_time_share", round(share, 4))
        if share >= target:
            return 1.0
        late = found.filter(~pl.col("ok"))
        ctx.finding(
            f"{late.height} of {found.height} problems found at inspections were not "
            f"rectified within {limit} days ({share:.0%}; {target:.0%} expected)",
            at=ctx.at(ins, column="rectified_on"),
            fix="Assign each problem found to a responsible unit with a deadline and record "
            "the rectification date.",
        )
        report_rows(ctx, late, "problem not rectified in time", column="rectified_on")
        return ratio_score(share, target)


# -- sample evidence -----------------------------------------------------------------

_AREAS = {
    "road": ("Main road section", "School crossing", "Back lane", "Garage ramp"),
    "public_place": ("Market square", "Children's playground", "Sports ground", "Plaza"),
    "illegal_building": ("Rooftop extension", "Courtyard shed", "Converted garage"),
    "construction_site": ("Renovation site",),
    "water_area": ("Drainage channel", "Pond edge"),
    "slope": ("Retaining wall",),
}
_EVERY = {"high": 7, "medium": 14, "low": 30}
# quality -> (kinds left out, unmonitored %, rarely inspected %, unrectified %)
_SHAPE = {
    "good": ((), 0, 0, 0),
    "fair": (("illegal_building",), 25, 30, 30),
    "poor": (("illegal_building", "public_place"), 60, 60, 60),
}


def _parts(spec: SampleSpec) -> list[tuple[str, str, str, str, bool, int, str]]:
    """The key parts (shared by both generators): id, kind, area, risk, monitored,
    devices, cadence."""
    dropped, unmon, rare, _ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    rng = random.Random(f"{spec.seed}:key-parts:{spec.quality}")
    n = max(12, spec.community.households // 150)
    kinds = [k for k in _AREAS if k not in dropped]
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        risk = RISK_LEVELS[i % 3]
        monitored = rng.randrange(100) >= unmon
        devices = rng.randrange(1, 6) if monitored else 0
        cadence = "rare" if rng.randrange(100) < rare else "kept"
        area = f"{rng.choice(_AREAS[kind])} {i + 1}"
        out.append((f"KP-{i + 1:03d}", kind, area, risk, monitored, devices, cadence))
    return out


def _sample_register(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    rows = []
    for pid, kind, area, risk, monitored, devices, _ in _parts(spec):
        registered = spec.period.start - timedelta(days=rng.randrange(30, 800))
        rows.append([pid, kind, area, risk, monitored, devices, registered, "active", None])
    header = (
        "part_id",
        "kind",
        "area",
        "risk_level",
        "monitored",
        "monitoring_devices",
        "registered_on",
        "status",
        "removed_on",
    )
    return [("tables/key_parts_register.csv", csv_bytes(header, rows))]


def _sample_inspections(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Inspections per part at its risk level's cadence ("rare" parts at three times the
    interval); about one in eight finds a problem."""
    _, _, _, unrectified = _SHAPE.get(spec.quality, _SHAPE["fair"])
    rows = []
    for pid, _, _, risk, _, _, cadence in _parts(spec):
        every = _EVERY[risk] * (3 if cadence == "rare" else 1)
        day = spec.period.start + timedelta(days=rng.randrange(0, 3))
        while day <= spec.period.end:
            minute = rng.randrange(480, 1080)
            issue = rng.randrange(8) == 0
            fixed: date | None = None
            if issue:
                late = rng.randrange(100) < unrectified
                fixed = day + timedelta(days=rng.randrange(20, 60) if late else rng.randrange(0, 7))
            at = f"{day.isoformat()}T{minute // 60:02d}:{minute % 60:02d}:00+08:00"
            result = "issue_found" if issue else "normal"
            rows.append([at, pid, f"S{rng.randrange(1, 25):04d}", result, fixed])
            day += timedelta(days=every - rng.randrange(0, 2))
    rows.sort(key=lambda r: (r[0], r[1]))
    out = [[f"I{n:06d}", *r] for n, r in enumerate(rows, start=1)]
    header = ("inspection_id", "inspected_at", "part_id", "inspector_id", "result", "rectified_on")
    return [("tables/key_part_inspections.csv", csv_bytes(header, out))]


_REGISTER_TEMPLATE = (
    "part_id,kind,area,risk_level,monitored,monitoring_devices,registered_on,status,removed_on\n"
    "KP-001,road,School crossing 1,high,true,2,2024-03-01,active,\n"
)
_INSPECTIONS_TEMPLATE = (
    "inspection_id,inspected_at,part_id,inspector_id,result,rectified_on\n"
    "I000001,2025-01-02T09:30:00+08:00,KP-001,S0004,issue_found,2025-01-05\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=REGISTER,
            kind="table",
            title="Key parts register",
            description="The community's key parts (roads, public places, illegal buildings "
            "and others): kind, area, risk level, monitoring and devices, dates.",
            schema=schema_id(REGISTER),
            template_name="key_parts_register.csv",
            template_text=_REGISTER_TEMPLATE,
            sample=_sample_register,
            sample_rows=0.0,
        ),
        EvidenceType(
            id=INSPECTIONS,
            kind="table",
            title="Key part inspections",
            description="Inspections of key parts: time, part, inspector id, result and the "
            "date a problem found was rectified.",
            schema=schema_id(INSPECTIONS),
            template_name="key_part_inspections.csv",
            template_text=_INSPECTIONS_TEMPLATE,
            sample=_sample_inspections,
            sample_rows=0.0,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(REGISTER), load_schema(INSPECTIONS)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [KeyPartsControl]
