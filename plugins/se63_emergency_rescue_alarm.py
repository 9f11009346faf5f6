"""SE63 Emergency rescue alarm: help buttons in public areas and indoor alarms in the
homes of vulnerable residents, linked to the property service, the emergency centre,
medical institutions and family contacts, tested regularly and fast to raise the alarm."""

from __future__ import annotations

import math
import random
from datetime import datetime, time, timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.frames import one_of
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id
from .se62_emergency_warning import period_bounds_utc

__all__ = ["EmergencyRescueAlarm"]

REGISTER = "help_point_register"
TESTS = "alarm_device_tests"
EVENTS = "rescue_alarm_events"

PUBLIC = "public_help_button"
INDOOR = "indoor_alarm"
LINKS = ("property", "emergency_centre", "medical", "contacts")
MAX_EXAMPLES = 5


def _link_set() -> pl.Expr:
    """The ``links`` cell ("property;medical") as a list of trimmed, non-blank names."""
    return (
        pl.col("links")
        .fill_null("")
        .str.split(";")
        .list.eval(pl.element().str.strip_chars().filter(pl.element() != ""))
    )


def _active(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Devices that are meant to work (not removed); a faulty one still counts as a gap."""
    return frame.filter(one_of(pl.col("status"), ("active", "faulty")))


class EmergencyRescueAlarm(Indicator):
    """Residents can call for help wherever they are: help buttons (with a voice link) are
    installed in the community's public areas, and the homes of vulnerable residents
    (elderly people living alone, disabled or chronically ill residents) have indoor
    emergency alarms. Each device is linked to the property service, the emergency centre
    and, for homes, medical institutions and family contacts; devices are tested on a
    schedule, and a real alarm reaches the contacts within seconds.

    Evidence: a ``help_point_register`` table (one row per device), ``alarm_device_tests``
    (test records) and ``rescue_alarm_events`` (the alarm platform's event export).
    """

    code = "SE63"
    title = "Emergency rescue alarm"
    dimension = "EMD"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(REGISTER, purpose="help buttons and indoor alarms with their links and status"),
        Need(TESTS, purpose="function tests of each device"),
        Need(EVENTS, purpose="alarms raised and when they were pushed to contacts"),
    )

    @rule(
        "R1",
        "Help buttons and indoor alarms are installed in sufficient numbers",
        weight=2,
        severity="high",
        thresholds=("min_public_buttons_per_1000", "min_indoor_alarms_per_1000"),
    )
    def coverage(self, ctx: Context) -> float | None:
        """Counts working devices (status active) of each kind and relates them to the
        community's population: public help buttons per 1,000 residents against
        ``min_public_buttons_per_1000`` and indoor alarms in vulnerable residents' homes
        per 1,000 residents against ``min_indoor_alarms_per_1000``. Each kind scores its
        density over the minimum, capped at 1; the score is the mean of the two. Faulty
        devices do not count."""
        table = ctx.table(REGISTER)
        if table is None or table.frame is None:
            return None
        counts = dict(
            table.frame.filter(pl.col("status") == "active")
            .group_by("kind")
            .agg(pl.len())
            .collect()
            .iter_rows()
        )
        per = 1000.0 / max(1, int(ctx.community.population))
        scores = []
        for kind, name, label in (
            (PUBLIC, "min_public_buttons_per_1000", "public help buttons"),
            (INDOOR, "min_indoor_alarms_per_1000", "indoor alarms"),
        ):
            density = int(counts.get(kind, 0)) * per
            need = float(ctx.threshold(name))
            ctx.metric(f"{kind}s_per_1000", round(density, 3))
            scores.append(min(1.0, density / need) if need > 0 else 1.0)
            if density < need:
                ctx.finding(
                    f"{label}: {density:.2f} working devices per 1,000 residents; the "
                    f"profile asks for {need:g}",
                    at=ctx.at(table, column="kind"),
                    fix=f"Install more {label} (public areas: lift halls, garages, gardens; "
                    "homes: every elderly resident living alone and every disabled resident) "
                    "and repair faulty ones.",
                )
        return sum(scores) / len(scores)

    @rule(
        "R2",
        "Each device is linked to the right responders",
        weight=2,
        severity="high",
        thresholds=("required_links_public", "required_links_indoor", "linked_share_min"),
    )
    def linked(self, ctx: Context) -> float | None:
        """For each device that is meant to work (active or faulty), the ``links`` cell
        must include every party in ``required_links_public`` (public buttons) or
        ``required_links_indoor`` (indoor alarms). The score is the share of fully linked
        devices divided by ``linked_share_min``, capped at 1. Findings count the devices
        lacking each party and point at a few rows."""
        table = ctx.table(REGISTER)
        if table is None or table.frame is None:
            return None
        need_public = [str(x) for x in ctx.threshold("required_links_public")]
        need_indoor = [str(x) for x in ctx.threshold("required_links_indoor")]
        target = float(ctx.threshold("linked_share_min"))
        links = _link_set()
        lacks = {
            party: (
                pl.when(pl.col("kind") == PUBLIC)
                .then(pl.lit(party in need_public))
                .otherwise(pl.lit(party in need_indoor))
                & ~links.list.contains(party)
            ).alias(party)
            for party in sorted(set(need_public) | set(need_indoor))
        }
        flagged = _active(table.frame).select("__file", "__row", *lacks.values())
        any_lack = pl.any_horizontal(*(pl.col(p) for p in lacks)) if lacks else pl.lit(False)
        summary, examples = pl.collect_all(
            [
                flagged.select(
                    pl.len().alias("n"),
                    any_lack.sum().alias("bad"),
                    *(pl.col(p).sum() for p in lacks),
                ),
                flagged.filter(any_lack).sort("__file", "__row").head(MAX_EXAMPLES),
            ]
        )
        total = int(summary["n"][0])
        if total == 0:
            return None
        bad = int(summary["bad"][0] or 0)
        share = (total - bad) / total
        ctx.metric("linked_share", round(share, 4))
        if share >= target:
            return 1.0
        missing = ", ".join(f"{p}: {int(summary[p][0])}" for p in lacks if summary[p][0])
        ctx.finding(
            f"{bad} of {total} devices lack a required link (devices missing each: {missing})",
            at=ctx.at(table, column="links"),
            fix="Configure each device on the alarm platform to notify the property service "
            "and the emergency centre, and for home alarms also the medical institution and "
            "the resident's family contacts.",
        )
        for row in examples.iter_rows(named=True):
            absent = ", ".join(p for p in lacks if row[p])
            ctx.finding(
                f"device not linked to: {absent}",
                at=ctx.at(row["__file"], row=row["__row"], column="links"),
                severity="low",
            )
        return min(1.0, share / target) if target > 0 else 1.0

    @rule(
        "R3",
        "Every device passes its scheduled tests",
        weight=2,
        severity="medium",
        thresholds=("test_interval_days", "tested_share_min", "timezone"),
    )
    def tested(self, ctx: Context) -> float | None:
        """Each device meant to work needs one passed test per ``test_interval_days`` of
        the period (rounded down, at least one), counted from ``alarm_device_tests``
        rows in the period with result pass. The score is the share of devices with
        enough passed tests divided by ``tested_share_min``, capped at 1. Tests of
        devices missing from the register are reported."""
        register = ctx.table(REGISTER)
        tests = ctx.table(TESTS)
        if register is None or tests is None or register.frame is None or tests.frame is None:
            return None
        interval = float(ctx.threshold("test_interval_days"))
        target = float(ctx.threshold("tested_share_min"))
        needed = max(1, math.floor(ctx.period.days / interval)) if interval > 0 else 1
        start, end = period_bounds_utc(ctx.period, ctx.threshold("timezone"), self.code)
        passed = (
            tests.frame.filter(
                pl.col("tested_at").is_between(start, end, closed="left")
                & (pl.col("result") == "pass")
            )
            .group_by("device_id")
            .agg(pl.len().alias("passed"))
        )
        devices = _active(register.frame).select("__file", "__row", "device_id")
        joined = devices.join(passed, on="device_id", how="left").with_columns(
            pl.col("passed").fill_null(0)
        )
        summary, short, orphans = pl.collect_all(
            [
                joined.select(
                    pl.len().alias("n"),
                    (pl.col("passed") >= needed).sum().alias("ok"),
                    (pl.col("passed") == 0).sum().alias("never"),
                ),
                joined.filter(pl.col("passed") < needed).sort("__file", "__row").head(MAX_EXAMPLES),
                tests.frame.join(
                    register.frame.select("device_id"), on="device_id", how="anti"
                ).select(pl.len()),
            ]
        )
        total, ok = int(summary["n"][0]), int(summary["ok"][0] or 0)
        ctx.metric("tests_needed_per_device", needed)
        if int(orphans.item()):
            ctx.finding(
                f"{int(orphans.item())} test rows name devices that are not in the register",
                at=ctx.at(tests, column="device_id"),
                fix="Use the register's device ids in test records, and register every device.",
                severity="low",
            )
        if total == 0:
            return None
        share = ok / total
        ctx.metric("tested_share", round(share, 4))
        if share >= target:
            return 1.0
        ctx.finding(
            f"{total - ok} of {total} devices have fewer than {needed} passed tests in the "
            f"period ({int(summary['never'][0])} have none)",
            at=ctx.at(register, column="device_id"),
            fix=f"Test every help button and indoor alarm at least every {interval:g} days "
            "and record each test with its result; repair and retest devices that fail.",
        )
        for path, row, _, n in short.iter_rows():
            ctx.finding(
                f"device has {n} passed test(s) in the period; {needed} expected",
                at=ctx.at(path, row=row, column="device_id"),
                severity="low",
            )
        return min(1.0, share / target) if target > 0 else 1.0

    @rule(
        "R4",
        "Alarms reach the contacts within seconds",
        weight=3,
        severity="high",
        thresholds=("max_push_seconds", "push_on_time_share_min", "timezone"),
    )
    def pushed_fast(self, ctx: Context) -> float | None:
        """For every real alarm (not a test) raised in the period, the time from
        ``triggered_at`` to ``pushed_at`` (the notification reaching the linked contacts)
        must be at most ``max_push_seconds``; an alarm never pushed counts as late. The
        score is the on-time share divided by ``push_on_time_share_min``, capped at 1.
        Findings give the median and 95th-percentile push time and the slowest rows."""
        table = ctx.table(EVENTS)
        if table is None or table.frame is None:
            return None
        limit = float(ctx.threshold("max_push_seconds"))
        target = float(ctx.threshold("push_on_time_share_min"))
        start, end = period_bounds_utc(ctx.period, ctx.threshold("timezone"), self.code)
        secs = (pl.col("pushed_at") - pl.col("triggered_at")).dt.total_seconds()
        alarms = table.frame.filter(
            (pl.col("kind") != "test")
            & pl.col("triggered_at").is_between(start, end, closed="left")
        ).select("__file", "__row", secs.alias("s"))
        on_time = (pl.col("s") >= 0) & (pl.col("s") <= limit)
        summary, slow = pl.collect_all(
            [
                alarms.select(
                    pl.len().alias("n"),
                    on_time.fill_null(False).sum().alias("ok"),
                    pl.col("s").is_null().sum().alias("unpushed"),
                    pl.col("s").median().alias("p50"),
                    pl.col("s").quantile(0.95, "nearest").alias("p95"),
                ),
                alarms.filter(~on_time.fill_null(False))
                .sort(["s", "__row"], descending=[True, False], nulls_last=False)
                .head(MAX_EXAMPLES),
            ]
        )
        total, ok = int(summary["n"][0]), int(summary["ok"][0] or 0)
        ctx.metric("alarms", total)
        if total == 0:
            return None
        share = ok / total
        p50, p95 = summary["p50"][0], summary["p95"][0]
        ctx.metric("push_on_time_share", round(share, 4))
        ctx.metric("push_seconds_p50", None if p50 is None else round(float(p50), 1))
        ctx.metric("push_seconds_p95", None if p95 is None else round(float(p95), 1))
        if share >= target:
            return 1.0
        ctx.finding(
            f"{total - ok} of {total} alarms reached contacts late or never "
            f"({int(summary['unpushed'][0])} never pushed; median {p50 or 0:.0f} s, 95th "
            f"percentile {p95 or 0:.0f} s; limit {limit:g} s)",
            at=ctx.at(table, column="pushed_at"),
            fix="Push alarms automatically from the device gateway to all linked contacts, "
            "watch the gateway's queue, and fall back to a phone call when a push fails.",
        )
        for path, row, s in slow.iter_rows():
            what = "never pushed" if s is None else f"pushed after {s:.0f} s"
            ctx.finding(
                f"alarm {what}", at=ctx.at(path, row=row, column="pushed_at"), severity="low"
            )
        return min(1.0, share / target) if target > 0 else 1.0


# -- sample evidence ---------------------------------------------------------------------

# quality -> (public per 1000, indoor per 1000, share unlinked, share untested,
#             share of late pushes per 1024, share never pushed per 1024)
_SHAPE = {
    "good": (3.5, 9.0, 0.0, 0.0, 5, 1),
    "fair": (1.8, 5.0, 0.3, 0.4, 250, 30),
    "poor": (0.8, 1.5, 0.6, 0.8, 600, 150),
}
_PUBLIC_AREAS = (
    "Lift hall",
    "Underground garage",
    "Central garden",
    "Children's playground",
    "East gate",
    "West gate",
    "Fitness area",
)
_GROUPS = ("elderly_living_alone", "elderly_living_alone", "disabled", "chronically_ill")


def _devices(spec: SampleSpec) -> tuple[list[str], list[str]]:
    """Device ids of both kinds, from the population alone, so the register and the
    event and test exports agree without sharing state."""
    public, indoor, *_ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    pop = spec.community.population
    n_pub = max(2, round(pop * public / 1000))
    n_ind = max(2, round(pop * indoor / 1000))
    return [f"HB{i:04d}" for i in range(1, n_pub + 1)], [f"IA{i:04d}" for i in range(1, n_ind + 1)]


def _sample_register(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    _, _, unlinked, *_ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    public, indoor = _devices(spec)
    rows: list[list[Any]] = []
    before = spec.period.start - timedelta(days=30)
    for dev in public:
        links = "property;emergency_centre" if rng.random() >= unlinked else "property"
        area = _PUBLIC_AREAS[rng.randrange(len(_PUBLIC_AREAS))]
        status = "active" if rng.random() > 0.02 else "faulty"
        rows.append(
            [dev, PUBLIC, area, f"B{rng.randrange(1, 13):02d}", None, before, links, status]
        )
    for dev in indoor:
        full = "property;emergency_centre;medical;contacts"
        links = full if rng.random() >= unlinked else "property;contacts"
        group = _GROUPS[rng.randrange(len(_GROUPS))]
        status = "active" if rng.random() > 0.02 else "faulty"
        rows.append(
            [dev, INDOOR, "Home", f"B{rng.randrange(1, 13):02d}", group, before, links, status]
        )
    header = (
        "device_id",
        "kind",
        "area",
        "building",
        "resident_group",
        "installed_on",
        "links",
        "status",
    )
    return [("tables/help_point_register.csv", csv_bytes(header, rows))]


def _sample_tests(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """One test a quarter per device (a share of devices skipped for fair/poor)."""
    _, _, _, untested, *_ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    public, indoor = _devices(spec)
    start, days = spec.period.start, spec.period.days
    rows: list[list[Any]] = []
    n = 0
    per_device = max(1, days // 90)
    for dev in public + indoor:
        skip = rng.random() < untested
        for q in range(per_device):
            if skip and q > 0:
                continue
            n += 1
            day = start + timedelta(days=q * 90 + rng.randrange(min(80, days)))
            day = min(day, spec.period.end)
            at = datetime.combine(day, time(9)) + timedelta(minutes=rng.randrange(480))
            # Only fair and poor communities leave failed tests without a passing retest.
            result = "pass" if spec.quality == "good" or rng.random() > 0.05 else "fail"
            rows.append(
                [
                    f"T{n:06d}",
                    dev,
                    at.strftime("%Y-%m-%dT%H:%M:00+08:00"),
                    result,
                    f"S{rng.randrange(1, 13):04d}",
                ]
            )
    header = ("test_id", "device_id", "tested_at", "result", "tester_id")
    return [("tables/alarm_device_tests.csv", csv_bytes(header, rows))]


def _sample_events(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """About ``spec.rows`` alarm events, built column-wise with polars: one random 64-bit
    draw per row feeds every field."""
    *_, late_1024, never_1024 = _SHAPE.get(spec.quality, _SHAPE["fair"])
    public, indoor = _devices(spec)
    ids = public + indoor
    n = max(20, spec.rows)
    bits = pl.Series("r", [rng.getrandbits(62) for _ in range(n)], dtype=pl.Int64)
    span = spec.period.days * 86400 - 7200
    origin = datetime.combine(spec.period.start, time(0))
    r = pl.col("r")
    late_draw = (r // 2**40) % 1024
    delay = (
        pl.when(late_draw < never_1024)
        .then(pl.lit(None, dtype=pl.Int64))
        .when(late_draw < late_1024)
        .then(60 + (r // 2**20) % 900)
        .otherwise(1 + (r // 2**20) % 12)
    )
    kind = (
        pl.when((r // 2**50) % 10 == 0)
        .then(pl.lit("test"))
        .when((r // 2**50) % 10 < 3)
        .then(pl.lit("false"))
        .otherwise(pl.lit("real"))
    )
    trig = pl.lit(origin) + pl.duration(seconds=(r % span))
    fmt = "%Y-%m-%dT%H:%M:%S+08:00"
    # Device ids follow the register's pattern, so they are built from an index.
    pick = (r // 2**30) % len(ids)
    device = (
        pl.when(pick < len(public))
        .then(pl.lit("HB") + (pick + 1).cast(pl.String).str.zfill(4))
        .otherwise(pl.lit("IA") + (pick - len(public) + 1).cast(pl.String).str.zfill(4))
    )
    frame = (
        pl.DataFrame(bits)
        .with_row_index("draw")
        .select(
            "draw",
            device.alias("device_id"),
            kind.alias("kind"),
            trig.alias("t"),
            (trig + pl.duration(seconds=delay)).alias("p"),
        )
        # The draw number breaks ties, so equal trigger times keep one order every run.
        .sort("t", "draw")
        .with_row_index("i", offset=1)
        .select(
            (pl.lit("A") + pl.col("i").cast(pl.String).str.zfill(8)).alias("alarm_id"),
            "device_id",
            "kind",
            pl.col("t").dt.strftime(fmt).alias("triggered_at"),
            pl.col("p").dt.strftime(fmt).alias("pushed_at"),
        )
    )
    return [("tables/rescue_alarm_events.csv", frame.write_csv().encode("utf-8"))]


_REGISTER_TEMPLATE = (
    "device_id,kind,area,building,resident_group,installed_on,links,status\n"
    "HB0001,public_help_button,Lift hall,B01,,2024-05-10,property;emergency_centre,active\n"
    "IA0001,indoor_alarm,Home,B03,elderly_living_alone,2024-06-02,"
    "property;emergency_centre;medical;contacts,active\n"
)
_TESTS_TEMPLATE = (
    "test_id,device_id,tested_at,result,tester_id\n"
    "T000001,HB0001,2025-03-05T10:20:00+08:00,pass,S0003\n"
)
_EVENTS_TEMPLATE = (
    "alarm_id,device_id,kind,triggered_at,pushed_at\n"
    "A00000001,IA0001,real,2025-03-08T21:14:05+08:00,2025-03-08T21:14:09+08:00\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=REGISTER,
            kind="table",
            title="Help point and indoor alarm register",
            description="One row per emergency help button in a public area or indoor alarm "
            "in a vulnerable resident's home: kind, place, resident group, installation "
            "date, the parties it notifies, status.",
            schema=schema_id(REGISTER),
            template_name="help_point_register.csv",
            template_text=_REGISTER_TEMPLATE,
            sample=_sample_register,
        ),
        EvidenceType(
            id=TESTS,
            kind="table",
            title="Alarm device test records",
            description="One row per function test of a help button or indoor alarm: device, "
            "time, result, tester (pseudonymous id).",
            schema=schema_id(TESTS),
            template_name="alarm_device_tests.csv",
            template_text=_TESTS_TEMPLATE,
            sample=_sample_tests,
        ),
        EvidenceType(
            id=EVENTS,
            kind="table",
            title="Rescue alarm events",
            description="The alarm platform's export: one row per alarm raised, with its "
            "kind (real, false, test), trigger time and the time it was pushed to contacts.",
            schema=schema_id(EVENTS),
            template_name="rescue_alarm_events.csv",
            template_text=_EVENTS_TEMPLATE,
            sample=_sample_events,
            sample_rows=0.1,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(REGISTER), load_schema(TESTS), load_schema(EVENTS)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [EmergencyRescueAlarm]
