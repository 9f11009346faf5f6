"""SE57 Smart firefighting facilities: smart hydrants, fire location, smart alarm and
automatic fire-fighting devices, tied together by a smart firefighting system that handles
fire incidents quickly.

Reads the register of firefighting devices and systems (a record), the hydrants' pressure
readings (a table that can hold millions of rows), the alarm devices' online status checks,
the automatic devices' test records and the fire incident log (tables). Every measurement
over the tables is a polars aggregation.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.frames import one_of
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id, yaml_bytes
from ._devices import (
    MAX_LISTED,
    day_strings,
    list_findings,
    period_bounds_utc,
    scaled_minimum,
    share_score,
    stamp,
    zone,
)

__all__ = ["SmartFirefightingFacilities"]

REGISTER = "fire_facility_register"
PRESSURE = "hydrant_pressure_readings"
STATUS = "fire_alarm_device_status"
TESTS = "fire_device_tests"
INCIDENTS = "fire_incidents"

DEVICE_KINDS = (
    "smart_hydrant",
    "smoke_alarm",
    "heat_alarm",
    "gas_alarm",
    "manual_call_point",
    "sprinkler",
    "gas_extinguishing",
    "foam_system",
    "smoke_exhaust",
)
SYSTEMS = ("fire_platform", "fire_location_system", "linked_to_fire_brigade")


def _active(register: dict[str, Any], kinds: list[str]) -> list[tuple[int, dict[str, Any]]]:
    """Active register devices of the given kinds, with their index in the register."""
    return [
        (i, d)
        for i, d in enumerate(register.get("devices") or [])
        if isinstance(d, dict) and d.get("status") == "active" and d.get("kind") in kinds
    ]


class SmartFirefightingFacilities(Indicator):
    """The community runs smart firefighting facilities (smart hydrants, a fire location
    system, smart alarm devices, automatic fire-fighting devices) on a smart firefighting
    system, and fire incidents are handled in time.

    Hydrant pressure readings show whether each hydrant stays within the profile's pressure
    range; status checks give the alarm devices' online rate; test records show that
    every automatic device was tested and passed; the incident log times each fire
    incident from detection to confirmation and to the end of handling.
    """

    code = "SE57"
    title = "Smart firefighting facilities"
    dimension = "SI"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(REGISTER, purpose="firefighting devices and the smart firefighting systems"),
        Need(PRESSURE, purpose="smart hydrant pressure readings"),
        Need(STATUS, purpose="online status checks of the smart alarm devices"),
        Need(TESTS, purpose="test records of the automatic fire-fighting devices"),
        Need(INCIDENTS, purpose="fire incidents with detection, confirmation and handling"),
    )

    def _bounds(self, ctx: Context) -> tuple[Any, Any]:
        return period_bounds_utc(
            ctx.period.start, ctx.period.end, zone(self.code, ctx.threshold("timezone"))
        )

    @rule(
        "R1",
        "Smart hydrants keep their pressure within range",
        weight=3,
        severity="high",
        thresholds=(
            "pressure_min_mpa",
            "pressure_max_mpa",
            "pressure_in_range_share_min",
            "hydrant_ok_share_min",
            "timezone",
        ),
    )
    def hydrant_pressure(self, ctx: Context) -> float | None:
        """For each active smart hydrant of the register, takes its pressure readings in
        the period and measures the share between ``pressure_min_mpa`` and
        ``pressure_max_mpa``. A hydrant is sound when that share reaches
        ``pressure_in_range_share_min``; a hydrant without any reading is not. The score is
        the sound share of hydrants over ``hydrant_ok_share_min``, capped at 1. With no
        smart hydrant registered the score is 0."""
        rec = ctx.record(REGISTER)
        table = ctx.table(PRESSURE)
        if rec is None or table is None or table.frame is None:
            return None
        hydrants = sorted(
            {str(d.get("device_id")) for _, d in _active(rec.data, ["smart_hydrant"])}
        )
        if not hydrants:
            ctx.finding(
                "the register lists no active smart hydrant",
                at=ctx.at(rec, pointer="/devices"),
                fix="Fit hydrants with pressure sensors and register them as smart_hydrant.",
            )
            return 0.0
        begin, finish = self._bounds(ctx)
        lo, hi = float(ctx.threshold("pressure_min_mpa")), float(ctx.threshold("pressure_max_mpa"))
        need = float(ctx.threshold("pressure_in_range_share_min"))
        p = pl.col("pressure_mpa")
        counted = (
            table.frame.filter(
                one_of(pl.col("device_id"), hydrants)
                & (pl.col("measured_at") >= begin)
                & (pl.col("measured_at") < finish)
                & p.is_not_null()
            )
            .group_by("device_id")
            .agg(
                pl.len().alias("n"),
                ((p >= lo) & (p <= hi)).sum().alias("ok"),
                (p < lo).sum().alias("low"),
                p.min().alias("min"),
            )
            .collect()
        )
        per = (
            pl.DataFrame({"device_id": hydrants})
            .join(counted, on="device_id", how="left")
            .with_columns(pl.col("n", "ok", "low").fill_null(0))
            .with_columns((pl.col("ok") / pl.col("n")).fill_nan(0).fill_null(0).alias("share"))
            .sort("share", "device_id")
        )
        weak = per.filter(pl.col("share") < need)
        share = 1 - weak.height / per.height
        ctx.metric("smart_hydrants", per.height)
        ctx.metric("pressure_readings", int(per["n"].sum()))
        ctx.metric("hydrants_in_range_share", round(share, 4))
        items = []
        for dev, n, _ok, low, pmin, sh in weak.select(
            "device_id", "n", "ok", "low", "min", "share"
        ).iter_rows():
            if not n:
                text = f"hydrant {dev}: no pressure reading in the period"
            else:
                text = (
                    f"hydrant {dev}: {sh:.1%} of {n} readings within {lo:g}-{hi:g} MPa "
                    f"({low} below; lowest {pmin:.2f} MPa)"
                )
            items.append((ctx.at(table, column="pressure_mpa"), text))
        list_findings(
            ctx,
            items,
            fix="Inspect hydrants whose pressure leaves the range (leaks, closed valves, "
            "pump faults) and repair them; keep their sensors reporting.",
            what="hydrants out of range",
        )
        return share_score(share, float(ctx.threshold("hydrant_ok_share_min")))

    @rule(
        "R2",
        "Smart alarm devices stay online",
        weight=2,
        severity="high",
        thresholds=("alarm_device_kinds", "online_rate_min", "timezone"),
    )
    def alarms_online(self, ctx: Context) -> float | None:
        """For each active alarm device (kinds in ``alarm_device_kinds``), the share of its
        status checks in the period that found it online; a device never checked counts as
        offline throughout. The online rate is the mean over devices, and the score is that
        rate over ``online_rate_min``, capped at 1. Findings list the devices most often
        offline."""
        rec = ctx.record(REGISTER)
        table = ctx.table(STATUS)
        if rec is None or table is None or table.frame is None:
            return None
        kinds = [str(k) for k in ctx.threshold("alarm_device_kinds")]
        devices = sorted({str(d.get("device_id")) for _, d in _active(rec.data, kinds)})
        if not devices:
            ctx.finding(
                "the register lists no active smart alarm device",
                at=ctx.at(rec, pointer="/devices"),
                fix="Install smart smoke, heat or gas alarms and register them.",
            )
            return 0.0
        begin, finish = self._bounds(ctx)
        counted = (
            table.frame.filter(
                one_of(pl.col("device_id"), devices)
                & (pl.col("checked_at") >= begin)
                & (pl.col("checked_at") < finish)
            )
            .group_by("device_id")
            .agg(pl.len().alias("n"), pl.col("online").fill_null(False).mean().alias("rate"))
            .collect()
        )
        per = (
            pl.DataFrame({"device_id": devices})
            .join(counted, on="device_id", how="left")
            .with_columns(pl.col("n").fill_null(0), pl.col("rate").fill_null(0.0))
            .sort("rate", "device_id")
        )
        rate = float(per["rate"].mean() or 0.0)
        target = float(ctx.threshold("online_rate_min"))
        ctx.metric("alarm_devices", per.height)
        ctx.metric("alarm_online_rate", round(rate, 4))
        weak = per.filter(pl.col("rate") < target)
        list_findings(
            ctx,
            [
                (
                    ctx.at(table, column="online"),
                    f"alarm device {dev}: online in {r:.1%} of {n} status checks"
                    if n
                    else f"alarm device {dev}: no status check in the period",
                )
                for dev, n, r in weak.select("device_id", "n", "rate").iter_rows()
            ],
            fix="Replace batteries or repair the network link of alarms that drop offline, "
            "and have the platform alert staff when an alarm goes offline.",
            what="alarm devices often offline",
        )
        return share_score(rate, target)

    @rule(
        "R3",
        "Automatic fire-fighting devices are tested and pass",
        weight=2,
        severity="medium",
        thresholds=("automatic_device_kinds", "tests_per_year", "tested_share_min"),
    )
    def devices_tested(self, ctx: Context) -> float | None:
        """For each active automatic device (kinds in ``automatic_device_kinds``), counts
        the tests dated in the period and checks that the latest one passed. A device is
        in order with at least ``tests_per_year`` tests scaled to the period's length and
        a passing latest test. The score is the share in order over ``tested_share_min``,
        capped at 1; with no automatic device registered it is 0."""
        rec = ctx.record(REGISTER)
        table = ctx.table(TESTS)
        if rec is None or table is None or table.frame is None:
            return None
        kinds = [str(k) for k in ctx.threshold("automatic_device_kinds")]
        active = _active(rec.data, kinds)
        if not active:
            ctx.finding(
                "the register lists no active automatic fire-fighting device",
                at=ctx.at(rec, pointer="/devices"),
                fix="Register the sprinkler, gas extinguishing and smoke exhaust systems.",
            )
            return 0.0
        days = (ctx.period.end - ctx.period.start).days + 1
        need = scaled_minimum(float(ctx.threshold("tests_per_year")), days)
        counted = (
            table.frame.filter(
                (pl.col("tested_on") >= ctx.period.start) & (pl.col("tested_on") <= ctx.period.end)
            )
            .sort("tested_on")
            .group_by("device_id")
            .agg(pl.len().alias("n"), pl.col("result").last().alias("last"))
            .collect()
        )
        found = {dev: (int(n), last) for dev, n, last in counted.iter_rows()}
        bad = []
        for i, d in active:
            n, last = found.get(str(d.get("device_id")), (0, None))
            if n < need or last != "pass":
                why = (
                    f"{n} test(s) in the period, {need} expected"
                    if n < need
                    else f"the latest test result is {last}"
                )
                bad.append((i, d, why))
        share = 1 - len(bad) / len(active)
        ctx.metric("automatic_devices", len(active))
        ctx.metric("tests_required_per_device", need)
        ctx.metric("devices_tested_share", round(share, 4))
        list_findings(
            ctx,
            [
                (
                    ctx.at(rec, pointer=f"/devices/{i}"),
                    f"{d.get('kind')} {d.get('device_id')}: {why}",
                )
                for i, d, why in bad
            ],
            fix="Test each automatic device on schedule, repair those that fail and test "
            "them again.",
            what="devices not tested or failing",
        )
        return share_score(share, float(ctx.threshold("tested_share_min")))

    @rule(
        "R4",
        "Fire incidents are confirmed and handled in time",
        weight=3,
        severity="high",
        thresholds=(
            "confirm_max_minutes",
            "handle_max_minutes",
            "handled_on_time_share_min",
            "timezone",
        ),
    )
    def incidents_handled(self, ctx: Context) -> float | None:
        """Times each incident detected in the period from ``detected_at`` to
        ``confirmed_at`` (someone checked the alarm) and to ``handled_at`` (the fire put
        out or the alarm closed as false). An incident is on time when it was confirmed
        within ``confirm_max_minutes`` and handled within ``handle_max_minutes``. The score
        is the on-time share over ``handled_on_time_share_min``, capped at 1; with no
        incident in the period the rule does not apply."""
        table = ctx.table(INCIDENTS)
        if table is None or table.frame is None:
            return None
        begin, finish = self._bounds(ctx)
        c_max = float(ctx.threshold("confirm_max_minutes"))
        h_max = float(ctx.threshold("handle_max_minutes"))
        det = pl.col("detected_at")
        confirm = (pl.col("confirmed_at") - det).dt.total_seconds() / 60
        handle = (pl.col("handled_at") - det).dt.total_seconds() / 60
        rows = table.frame.filter((det >= begin) & (det < finish)).select(
            "__file", "__row", "incident_id", confirm.alias("c"), handle.alias("h")
        )
        c_ok = pl.col("c").is_not_null() & (pl.col("c") >= 0) & (pl.col("c") <= c_max)
        h_ok = pl.col("h").is_not_null() & (pl.col("h") >= 0) & (pl.col("h") <= h_max)
        summary, worst = pl.collect_all(
            [
                rows.select(
                    pl.len().alias("n"),
                    (c_ok & h_ok).sum().alias("ok"),
                    (~c_ok).sum().alias("c_late"),
                    (~h_ok).sum().alias("h_late"),
                    pl.col("c").median().alias("c_med"),
                    pl.col("h").median().alias("h_med"),
                ),
                rows.filter(~(c_ok & h_ok)).sort("__file", "__row").head(MAX_LISTED),
            ]
        )
        n, ok, c_late, h_late, c_med, h_med = summary.row(0)
        ctx.metric("fire_incidents", int(n))
        if not n:
            return None
        share = int(ok) / int(n)
        ctx.metric("incidents_on_time_share", round(share, 4))
        ctx.metric("median_confirm_minutes", None if c_med is None else round(float(c_med), 1))
        ctx.metric("median_handle_minutes", None if h_med is None else round(float(h_med), 1))
        target = float(ctx.threshold("handled_on_time_share_min"))
        if ok < n:
            ctx.finding(
                f"{int(n) - int(ok)} of {n} fire incidents were not handled in time "
                f"({c_late} not confirmed within {c_max:g} minutes, {h_late} not handled "
                f"within {h_max:g} minutes)",
                at=ctx.at(table, column="handled_at"),
                fix="Have the duty room confirm every fire alarm at once (video, staff on "
                "site) and record confirmation and handling times.",
                severity=None if share < target else "low",
            )
            for path, row, iid, c, h in worst.iter_rows():
                cs = "never confirmed" if c is None else f"confirmed after {c:.0f} min"
                hs = "never handled" if h is None else f"handled after {h:.0f} min"
                ctx.finding(
                    f"incident {iid}: {cs}, {hs}",
                    at=ctx.at(path, row=row, column="handled_at"),
                    severity="low",
                )
        return share_score(share, target)

    @rule(
        "R5",
        "A smart firefighting system ties the facilities together",
        weight=1,
        severity="medium",
        thresholds=("required_systems",),
    )
    def systems_in_place(self, ctx: Context) -> float | None:
        """Reads the register's ``systems`` section: each of the ``required_systems``
        (the smart firefighting platform, the fire location system, the link to the fire
        brigade) must be declared present. The score is the share present."""
        rec = ctx.record(REGISTER)
        if rec is None:
            return None
        required = [str(s) for s in ctx.threshold("required_systems")]
        systems = rec.data.get("systems") or {}
        absent = [s for s in required if systems.get(s) is not True]
        for s in absent:
            ctx.finding(
                f"the register does not declare the {s.replace('_', ' ')}",
                at=ctx.at(rec, pointer=f"/systems/{s}" if s in systems else "/systems"),
                fix="Set up the system and declare it in the register's systems section.",
            )
        ctx.metric("systems_present", len(required) - len(absent))
        return (len(required) - len(absent)) / len(required) if required else 1.0


# -- sample evidence ---------------------------------------------------------------------

#: quality -> (hydrants with low-pressure spells, alarm devices often offline, automatic
#: devices untested, incidents late, systems missing)
_SHAPE: dict[str, tuple[float, float, float, float, int]] = {
    "good": (0.0, 0.0, 0.0, 0.02, 0),
    "fair": (0.3, 0.25, 0.3, 0.3, 1),
    "poor": (0.6, 0.5, 0.6, 0.6, 2),
}
_ZONE = zone("SE57", "Asia/Shanghai")


def _layout(spec: SampleSpec) -> list[tuple[str, str]]:
    """Devices (id, kind), from the household count alone so generators agree."""
    h = spec.community.households
    hydrants = max(4, min(12, h // 500))
    alarms = max(10, min(40, h // 150))
    automatic = max(4, min(10, h // 600))
    out = [(f"HY{i:03d}", "smart_hydrant") for i in range(1, hydrants + 1)]
    out += [(f"AL{i:03d}", DEVICE_KINDS[1 + i % 4]) for i in range(1, alarms + 1)]
    out += [(f"AU{i:03d}", DEVICE_KINDS[5 + i % 4]) for i in range(1, automatic + 1)]
    return out


def _flagged(spec: SampleSpec, ids: list[str], share: float, tag: str) -> set[str]:
    """Which devices misbehave, from a generator seeded by the spec so every file agrees."""
    local = random.Random(f"SE57-{tag}-{spec.seed}-{spec.quality}")
    picked = list(ids)
    local.shuffle(picked)
    return set(picked[: round(share * len(ids) + 0.499)]) if share > 0 else set()


def _sample_register(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    *_, missing = _SHAPE.get(spec.quality, _SHAPE["fair"])
    installed = spec.period.start - timedelta(days=300)
    data = {
        "updated_on": spec.period.end.isoformat(),
        "systems": {s: i >= missing for i, s in enumerate(SYSTEMS)},
        "devices": [
            {
                "device_id": did,
                "kind": kind,
                "location": f"Zone {n % 5 + 1}",
                "installed_on": (installed + timedelta(days=rng.randrange(120))).isoformat(),
                "status": "active",
            }
            for n, (did, kind) in enumerate(_layout(spec))
        ],
    }
    return [("records/fire_facility_register.yaml", yaml_bytes(data))]


def _sample_pressure(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """About ``spec.rows`` readings spread evenly over the hydrants and the period; below
    good quality some hydrants lose pressure for long spells."""
    low_share = _SHAPE.get(spec.quality, _SHAPE["fair"])[0]
    hydrants = [d for d, k in _layout(spec) if k == "smart_hydrant"]
    sick = _flagged(spec, hydrants, low_share, "pressure")
    begin, finish = period_bounds_utc(spec.period.start, spec.period.end, _ZONE)
    span = int((finish - begin).total_seconds())
    off = begin.hour * 3600 + begin.minute * 60
    days = day_strings(begin, span // 86400 + 2)
    per = max(30, spec.rows // len(hydrants))
    step = span / per
    gauss = rng.gauss
    lines = ["device_id,measured_at,pressure_mpa\n"]
    for did in hydrants:
        drop_from, drop_to = (per // 3, per // 3 + per // 5) if did in sick else (-1, -1)
        for k in range(per):
            p = gauss(0.38, 0.04)
            if drop_from <= k < drop_to:
                p = abs(gauss(0.07, 0.03))
            lines.append(f"{did},{stamp(days, off + int(k * step))},{p:.3f}\n")
    return [("tables/hydrant_pressure_readings.csv", "".join(lines).encode("utf-8"))]


def _sample_status(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """About ``spec.rows`` status checks of the alarm devices."""
    share = _SHAPE.get(spec.quality, _SHAPE["fair"])[1]
    alarms = [d for d, k in _layout(spec) if k.endswith("_alarm") or k == "manual_call_point"]
    flaky = _flagged(spec, alarms, share, "online")
    begin, finish = period_bounds_utc(spec.period.start, spec.period.end, _ZONE)
    span = int((finish - begin).total_seconds())
    off = begin.hour * 3600 + begin.minute * 60
    days = day_strings(begin, span // 86400 + 2)
    per = max(10, spec.rows // len(alarms))
    step = span / per
    rand = rng.random
    lines = ["device_id,checked_at,online\n"]
    for did in alarms:
        p_off = 0.3 if did in flaky else 0.002
        for k in range(per):
            state = "false" if rand() < p_off else "true"
            lines.append(f"{did},{stamp(days, off + int(k * step))},{state}\n")
    return [("tables/fire_alarm_device_status.csv", "".join(lines).encode("utf-8"))]


def _sample_tests(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Quarterly tests of each automatic device; below good quality some devices skip
    tests or last failed."""
    share = _SHAPE.get(spec.quality, _SHAPE["fair"])[2]
    auto = [d for d, k in _layout(spec) if k in DEVICE_KINDS[5:]]
    lax = _flagged(spec, auto, share, "tests")
    days = (spec.period.end - spec.period.start).days + 1
    count = max(1, -(-days // 91))
    rows: list[list[Any]] = []
    for did in auto:
        for q in range(count):
            if did in lax and q % 2 == 1:
                continue
            on = spec.period.start + timedelta(days=min(days - 1, q * 91 + rng.randrange(30)))
            last = q == count - 1
            result = "fail" if did in lax and last else "pass"
            rows.append([f"T{len(rows) + 1:05d}", did, on, result])
        if did in lax and count == 1:
            rows[-1][3] = "fail"
    return [
        (
            "tables/fire_device_tests.csv",
            csv_bytes(("test_id", "device_id", "tested_on", "result"), rows),
        )
    ]


def _sample_incidents(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Fire incidents (about ``spec.rows``, at least 20): mostly false alarms, a few
    fires; below good quality some are confirmed or handled late."""
    late = _SHAPE.get(spec.quality, _SHAPE["fair"])[3]
    devices = [d for d, k in _layout(spec) if k != "smart_hydrant"]
    begin, finish = period_bounds_utc(spec.period.start, spec.period.end, _ZONE)
    span = int((finish - begin).total_seconds())
    off = begin.hour * 3600 + begin.minute * 60
    days = day_strings(begin, span // 86400 + 3)
    rows: list[list[Any]] = []
    for i in range(1, max(20, spec.rows) + 1):
        t = rng.randrange(max(1, span - 86400))
        c = 60 * rng.randint(1, 4)
        h = c + 60 * rng.randint(5, 40)
        if rng.random() < late:
            c, h = 60 * rng.randint(8, 40), 60 * rng.randint(120, 600)
        outcome = ("false_alarm", "false_alarm", "false_alarm", "fire", "fault")[rng.randrange(5)]
        source = "smart_alarm" if rng.random() < 0.8 else "manual"
        rows.append(
            [
                f"F{i:05d}",
                devices[rng.randrange(len(devices))],
                source,
                stamp(days, off + t),
                stamp(days, off + t + c),
                stamp(days, off + t + h),
                outcome,
            ]
        )
    header = (
        "incident_id",
        "device_id",
        "source",
        "detected_at",
        "confirmed_at",
        "handled_at",
        "outcome",
    )
    return [("tables/fire_incidents.csv", csv_bytes(header, rows))]


# -- plugin hooks ------------------------------------------------------------------------

_REGISTER_TEMPLATE = """\
updated_on: "2025-12-31"
systems: {fire_platform: true, fire_location_system: true, linked_to_fire_brigade: true}
devices:
  - {device_id: HY001, kind: smart_hydrant, location: "Zone 1", status: active}
  - {device_id: AL001, kind: smoke_alarm, location: "Building 1 lobby", status: active}
  - {device_id: AU001, kind: sprinkler, location: "Garage", status: active}
"""


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=REGISTER,
            kind="record",
            title="Firefighting facility register",
            description="Smart hydrants, alarm devices and automatic fire-fighting devices, "
            "and which smart firefighting systems are in place.",
            schema=schema_id(REGISTER),
            template_name="fire_facility_register.yaml",
            template_text=_REGISTER_TEMPLATE,
            sample=_sample_register,
        ),
        EvidenceType(
            id=PRESSURE,
            kind="table",
            title="Smart hydrant pressure readings",
            description="One row per pressure reading of a smart hydrant: device id, time "
            "(RFC 3339 with offset) and pressure in MPa.",
            schema=schema_id(PRESSURE),
            template_name="hydrant_pressure_readings.csv",
            template_text="device_id,measured_at,pressure_mpa\nHY001,2025-01-01T00:00:00Z,0.381\n",
            sample=_sample_pressure,
            sample_rows=0.15,
        ),
        EvidenceType(
            id=STATUS,
            kind="table",
            title="Fire alarm device status checks",
            description="One row per status check of a smart alarm device: whether it was online.",
            schema=schema_id(STATUS),
            template_name="fire_alarm_device_status.csv",
            template_text="device_id,checked_at,online\nAL001,2025-01-01T00:00:00Z,true\n",
            sample=_sample_status,
            sample_rows=0.05,
        ),
        EvidenceType(
            id=TESTS,
            kind="table",
            title="Automatic fire-fighting device tests",
            description="One row per function test of an automatic fire-fighting device, with "
            "its date and result.",
            schema=schema_id(TESTS),
            template_name="fire_device_tests.csv",
            template_text="test_id,device_id,tested_on,result\nT00001,AU001,2025-03-10,pass\n",
            sample=_sample_tests,
        ),
        EvidenceType(
            id=INCIDENTS,
            kind="table",
            title="Fire incidents",
            description="Fire alarms and fires: when detected, confirmed and handled, and the "
            "outcome (fire, false alarm, device fault).",
            schema=schema_id(INCIDENTS),
            template_name="fire_incidents.csv",
            template_text="incident_id,device_id,source,detected_at,confirmed_at,handled_at,"
            "outcome\nF00001,AL001,smart_alarm,2025-03-02T10:15:00+08:00,"
            "2025-03-02T10:18:00+08:00,2025-03-02T10:40:00+08:00,false_alarm\n",
            sample=_sample_incidents,
            sample_rows=0.002,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(t) for t in (REGISTER, PRESSURE, STATUS, TESTS, INCIDENTS)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [SmartFirefightingFacilities]
