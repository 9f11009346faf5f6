"""SE55 Public facilities monitoring: the running state of public facilities (lifts, water
pumps, street lights, gates...) is watched by IoT devices that report regularly, and an
abnormal state raises an alarm quickly.

Reads the register of facilities and their IoT devices (a record), the devices' heartbeat
export (a table that can hold millions of rows) and the alarm log (a table). Every
measurement over the tables is a polars aggregation or join.
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
    share_score,
    stamp,
    zone,
)

__all__ = ["PublicFacilitiesMonitoring"]

REGISTER = "public_facility_register"
HEARTBEATS = "facility_heartbeats"
ALARMS = "facility_alarms"

FACILITY_KINDS = (
    "elevator",
    "water_pump",
    "street_light",
    "gate_barrier",
    "drainage",
    "power_distribution",
    "playground",
    "other",
)


def _active(register: dict[str, Any]) -> list[dict[str, Any]]:
    """Register devices in service; faulty or retired devices watch nothing."""
    return [
        d
        for d in register.get("devices") or []
        if isinstance(d, dict) and d.get("status") == "active"
    ]


class PublicFacilitiesMonitoring(Indicator):
    """Public facilities are monitored through IoT devices that report their running state
    without interruption, and every abnormal state is followed by a timely alarm.

    Coverage comes from the register (each facility needs an active device). Reporting
    continuity is measured per device as the share of time slots of the period that hold
    at least one heartbeat. Abnormal episodes (a heartbeat reporting an abnormal state
    after a normal one) are matched to the first later alarm of the same device to measure
    alarm latency, and alarms are timed until they are cleared.
    """

    code = "SE55"
    title = "Public facilities monitoring"
    dimension = "SI"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(REGISTER, purpose="public facilities and the IoT devices monitoring them"),
        Need(HEARTBEATS, purpose="every heartbeat of the devices, with the state reported"),
        Need(ALARMS, purpose="alarms raised by the monitoring platform, with clearance"),
    )

    @rule(
        "R1",
        "Every public facility is monitored by an active IoT device",
        weight=2,
        severity="high",
        thresholds=("facility_coverage_min",),
    )
    def facilities_covered(self, ctx: Context) -> float | None:
        """Counts the registered facilities that have at least one active device. The
        score is the monitored share over ``facility_coverage_min``, capped at 1. Findings
        name each unmonitored facility by its register pointer."""
        rec = ctx.record(REGISTER)
        if rec is None:
            return None
        facilities = rec.data.get("facilities") or []
        watched = {str(d.get("facility_id")) for d in _active(rec.data)}
        bare = [
            (i, f) for i, f in enumerate(facilities) if str(f.get("facility_id")) not in watched
        ]
        share = (len(facilities) - len(bare)) / len(facilities) if facilities else 0.0
        ctx.metric("public_facilities", len(facilities))
        ctx.metric("monitored_facility_share", round(share, 4))
        if not facilities:
            ctx.finding(
                "the register lists no public facility",
                at=ctx.at(rec, pointer="/facilities"),
                fix="Register every public facility (lifts, pumps, lights, gates...) with an id.",
            )
        list_findings(
            ctx,
            [
                (
                    ctx.at(rec, pointer=f"/facilities/{i}"),
                    f"{f.get('kind', 'facility')} {f.get('facility_id')} has no active IoT device",
                )
                for i, f in bare
            ],
            fix="Fit the facility with an IoT sensor and register it as active.",
            what="unmonitored facilities",
        )
        return share_score(share, float(ctx.threshold("facility_coverage_min")))

    @rule(
        "R2",
        "Devices report heartbeats throughout the period",
        weight=3,
        severity="high",
        thresholds=(
            "heartbeat_slot_minutes",
            "heartbeat_coverage_min",
            "covered_device_share_min",
            "timezone",
        ),
    )
    def heartbeat_coverage(self, ctx: Context) -> float | None:
        """Cuts the period (local days in ``timezone``) into slots of
        ``heartbeat_slot_minutes`` and, for each active registered device, counts the slots
        holding at least one of its heartbeats. A device is covered when that share reaches
        ``heartbeat_coverage_min``. The score is the covered share of devices over
        ``covered_device_share_min``, capped at 1. Findings list the least covered
        devices."""
        rec = ctx.record(REGISTER)
        table = ctx.table(HEARTBEATS)
        if rec is None or table is None or table.frame is None:
            return None
        devices = sorted({str(d.get("device_id")) for d in _active(rec.data)})
        if not devices:
            ctx.finding(
                "the register lists no active IoT device, so no heartbeat can be assessed",
                at=ctx.at(rec, pointer="/devices"),
                fix="Register the facilities' IoT devices with their ids and status.",
            )
            return 0.0
        begin, finish = period_bounds_utc(
            ctx.period.start, ctx.period.end, zone(self.code, ctx.threshold("timezone"))
        )
        slot_s = float(ctx.threshold("heartbeat_slot_minutes")) * 60
        slots = max(1, int(-(-(finish - begin).total_seconds() // slot_s)))
        need = float(ctx.threshold("heartbeat_coverage_min"))
        counted = (
            table.frame.filter(
                one_of(pl.col("device_id"), devices)
                & (pl.col("reported_at") >= begin)
                & (pl.col("reported_at") < finish)
            )
            .select(
                pl.col("device_id"),
                ((pl.col("reported_at") - begin).dt.total_seconds() // slot_s).alias("slot"),
            )
            .group_by("device_id")
            .agg(pl.col("slot").n_unique().alias("slots"), pl.len().alias("beats"))
            .collect()
        )
        per = (
            pl.DataFrame({"device_id": devices})
            .join(counted, on="device_id", how="left")
            .with_columns(
                (pl.col("slots").fill_null(0) / slots).alias("coverage"),
                pl.col("beats").fill_null(0),
            )
            .sort("coverage", "device_id")
        )
        weak = per.filter(pl.col("coverage") < need)
        share = 1 - weak.height / per.height
        ctx.metric("monitored_devices", per.height)
        ctx.metric("covered_device_share", round(share, 4))
        ctx.metric("mean_heartbeat_coverage", round(float(per["coverage"].mean() or 0), 4))
        ctx.metric("heartbeats_in_period", int(per["beats"].sum()))
        list_findings(
            ctx,
            [
                (
                    ctx.at(table, column="device_id"),
                    f"device {dev}: heartbeats in {cov:.1%} of the period's "
                    f"{slot_s / 60:g}-minute slots ({beats} heartbeats)",
                )
                for dev, _, beats, cov in per.filter(pl.col("coverage") < need)
                .select("device_id", "slots", "beats", "coverage")
                .iter_rows()
            ],
            fix="Repair devices that stop reporting and have the platform alert staff when "
            "a device misses its heartbeats.",
            what="devices with missing heartbeats",
        )
        return share_score(share, float(ctx.threshold("covered_device_share_min")))

    @rule(
        "R3",
        "Abnormal states are followed by an alarm in time",
        weight=3,
        severity="high",
        thresholds=("alarm_max_minutes", "alarmed_share_min", "timezone"),
    )
    def abnormal_alarmed(self, ctx: Context) -> float | None:
        """Finds abnormal episodes in the heartbeats: a heartbeat reporting ``abnormal``
        whose previous heartbeat from the same device was not abnormal. Each episode is
        joined (as-of, forward in time) to the device's first alarm raised at or after
        its start. An episode is alarmed in time when that alarm came within
        ``alarm_max_minutes``. The score is the in-time share over ``alarmed_share_min``,
        capped at 1; with no abnormal episode in the period the rule does not apply.
        Findings count late and missing alarms and point at the first episodes."""
        table = ctx.table(HEARTBEATS)
        alarms = ctx.table(ALARMS)
        if table is None or table.frame is None or alarms is None or alarms.frame is None:
            return None
        begin, finish = period_bounds_utc(
            ctx.period.start, ctx.period.end, zone(self.code, ctx.threshold("timezone"))
        )
        limit = float(ctx.threshold("alarm_max_minutes"))
        abnormal = pl.col("state") == "abnormal"
        starts = (
            table.frame.select("__file", "__row", "device_id", "reported_at", "state")
            .filter(pl.col("reported_at").is_not_null() & pl.col("device_id").is_not_null())
            .sort("reported_at")  # the window below keeps each device's rows in this order
            .with_columns(abnormal.alias("__abn"))
            .with_columns(pl.col("__abn").shift(1).over("device_id").fill_null(False).alias("__p"))
            .filter(
                pl.col("__abn")
                & ~pl.col("__p")
                & (pl.col("reported_at") >= begin)
                & (pl.col("reported_at") < finish)
            )
            .select("__file", "__row", "device_id", pl.col("reported_at").alias("started"))
            .sort("started")
        )
        raised = (
            alarms.frame.select("device_id", "raised_at")
            .filter(pl.col("raised_at").is_not_null() & pl.col("device_id").is_not_null())
            .sort("raised_at")
        )
        matched = starts.join_asof(
            raised,
            left_on="started",
            right_on="raised_at",
            by="device_id",
            strategy="forward",
            check_sortedness=False,  # both sides are sorted by time, hence within devices
        ).with_columns(
            ((pl.col("raised_at") - pl.col("started")).dt.total_seconds() / 60).alias("lag")
        )
        ok = pl.col("lag").is_not_null() & (pl.col("lag") <= limit)
        summary, worst = pl.collect_all(
            [
                matched.select(
                    pl.len().alias("n"),
                    ok.sum().alias("ok"),
                    pl.col("lag").is_null().sum().alias("none"),
                    pl.col("lag").filter(ok).median().alias("median"),
                ),
                matched.filter(~ok)
                .sort("started", "__file", "__row")
                .select("__file", "__row", "device_id", "started", "lag")
                .head(MAX_LISTED),
            ]
        )
        n, good, none, median = summary.row(0)
        ctx.metric("abnormal_episodes", int(n))
        if not n:
            return None
        share = int(good) / int(n)
        ctx.metric("alarmed_in_time_share", round(share, 4))
        ctx.metric("median_alarm_minutes", None if median is None else round(float(median), 1))
        target = float(ctx.threshold("alarmed_share_min"))
        if good < n:
            ctx.finding(
                f"{int(n) - int(good)} of {n} abnormal episodes had no alarm within "
                f"{limit:g} minutes ({int(none)} had no later alarm at all)",
                at=ctx.at(table, column="state"),
                fix="Have the platform raise an alarm as soon as a device reports an abnormal "
                "state, and keep the alarm log complete.",
                severity=None if share < target else "low",
            )
            for path, row, dev, started, lag in worst.iter_rows():
                late = "no alarm followed" if lag is None else f"alarm after {lag:.0f} minutes"
                ctx.finding(
                    f"device {dev}: abnormal from {started:%Y-%m-%d %H:%M} UTC, {late}",
                    at=ctx.at(path, row=row, column="state"),
                    severity="low",
                )
        return share_score(share, target)

    @rule(
        "R4",
        "Alarms are cleared in time",
        weight=1,
        severity="medium",
        thresholds=("alarm_clear_max_hours", "cleared_share_min", "timezone"),
    )
    def alarms_cleared(self, ctx: Context) -> float | None:
        """Times every alarm raised in the period from ``raised_at`` to ``cleared_at``. An
        alarm cleared within ``alarm_clear_max_hours`` is handled; a later or missing
        clearance is not. The score is the handled share over ``cleared_share_min``,
        capped at 1; no alarm in the period means the rule does not apply."""
        alarms = ctx.table(ALARMS)
        if alarms is None or alarms.frame is None:
            return None
        begin, finish = period_bounds_utc(
            ctx.period.start, ctx.period.end, zone(self.code, ctx.threshold("timezone"))
        )
        limit = float(ctx.threshold("alarm_clear_max_hours"))
        hours = (pl.col("cleared_at") - pl.col("raised_at")).dt.total_seconds() / 3600
        rows = alarms.frame.filter(
            (pl.col("raised_at") >= begin) & (pl.col("raised_at") < finish)
        ).select("__file", "__row", hours.alias("h"))
        ok = pl.col("h").is_not_null() & (pl.col("h") >= 0) & (pl.col("h") <= limit)
        summary, worst = pl.collect_all(
            [
                rows.select(pl.len().alias("n"), ok.sum().alias("ok")),
                rows.filter(~ok).sort("__file", "__row").head(MAX_LISTED),
            ]
        )
        n, good = summary.row(0)
        ctx.metric("alarms_in_period", int(n))
        if not n:
            return None
        share = int(good) / int(n)
        ctx.metric("alarms_cleared_share", round(share, 4))
        target = float(ctx.threshold("cleared_share_min"))
        if good < n:
            ctx.finding(
                f"{int(n) - int(good)} of {n} alarms were not cleared within {limit:g} hours",
                at=ctx.at(alarms, column="cleared_at"),
                fix="Dispatch maintenance on every alarm and record when the facility is back "
                "to normal.",
                severity=None if share < target else "low",
            )
            for path, row, h in worst.iter_rows():
                text = "never cleared" if h is None else f"cleared after {h:.1f} hours"
                ctx.finding(
                    f"alarm {text}", at=ctx.at(path, row=row, column="cleared_at"), severity="low"
                )
        return share_score(share, target)


# -- sample evidence ---------------------------------------------------------------------

#: quality -> (every n-th facility unmonitored (0 = none), share of devices with an
#: outage, outage length as a share of the period (min, max), share of episodes alarmed
#: late, share never alarmed, share of alarms cleared late)
_SHAPE: dict[str, tuple[int, float, tuple[float, float], float, float, float]] = {
    "good": (0, 0.0, (0.0, 0.0), 0.0, 0.0, 0.02),
    "fair": (6, 0.35, (0.06, 0.2), 0.25, 0.1, 0.3),
    "poor": (2, 0.8, (0.2, 0.5), 0.5, 0.3, 0.6),
}
#: Heartbeats are at most this many minutes apart (with 15% jitter), so every hour holds one.
_SPACING_MIN = 40
_ZONE = zone("SE55", "Asia/Shanghai")


def _layout(spec: SampleSpec) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Facilities (id, kind) and devices (id, facility id), from the household count alone
    so every generator agrees on them."""
    every = _SHAPE.get(spec.quality, _SHAPE["fair"])[0]
    count = max(6, min(14, spec.community.households // 400))
    facilities = [(f"PF{i:03d}", FACILITY_KINDS[(i - 1) % 7]) for i in range(1, count + 1)]
    devices = [
        (f"PFD{i:04d}", fid)
        for i, (fid, _) in enumerate(facilities, start=1)
        if not (every and i % every == 0)
    ]
    return facilities, devices


def _episodes(spec: SampleSpec, n_devices: int, span: int) -> list[list[tuple[int, int]]]:
    """Abnormal episodes per device as (start, end) seconds from the period's start, drawn
    from a generator seeded by the spec (not by the row count) so that the heartbeat and
    alarm files agree whatever their sizes."""
    local = random.Random(f"SE55-episodes-{spec.seed}-{spec.quality}")
    out: list[list[tuple[int, int]]] = []
    for _ in range(n_devices):
        starts = sorted(
            local.randrange(max(1, span - 2 * 86400)) for _ in range(local.randint(2, 5))
        )
        kept: list[tuple[int, int]] = []
        for s in starts:
            if not kept or s > kept[-1][1] + 3600:
                kept.append((s, s + local.randint(600, 4 * 3600)))
        out.append(kept)
    return out


def _sample_register(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    facilities, devices = _layout(spec)
    installed = spec.period.start - timedelta(days=200)
    data = {
        "updated_on": spec.period.end.isoformat(),
        "facilities": [
            {"facility_id": fid, "kind": kind, "location": f"Zone {n % 4 + 1}"}
            for n, (fid, kind) in enumerate(facilities)
        ],
        "devices": [
            {
                "device_id": did,
                "facility_id": fid,
                "heartbeat_minutes": 30,
                "installed_on": (installed + timedelta(days=rng.randrange(90))).isoformat(),
                "status": "active",
            }
            for did, fid in devices
        ],
    }
    return [("records/public_facility_register.yaml", yaml_bytes(data))]


def _sample_heartbeats(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """About ``spec.rows`` periodic heartbeats (more when needed so each device reports at
    least every 40 minutes). A device reports a state change at once, so each abnormal
    episode starts with an extra heartbeat; below good quality devices have outages."""
    _, outage, (lo, hi), *_ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    _, devices = _layout(spec)
    begin, finish = period_bounds_utc(spec.period.start, spec.period.end, _ZONE)
    span = int((finish - begin).total_seconds())
    off = begin.hour * 3600 + begin.minute * 60
    per = max(spec.rows // max(1, len(devices)), span // (_SPACING_MIN * 60) + 1)
    step = span / per
    jitter = int(step * 0.15)
    days = day_strings(begin, span // 86400 + 2)
    episodes = _episodes(spec, len(devices), span)
    lines = ["device_id,reported_at,state\n"]
    rand = rng.getrandbits
    for d, (did, _) in enumerate(devices):
        cut_from = cut_to = -1
        if rng.random() < outage:
            cut_from = rng.randrange(span // 2)
            cut_to = cut_from + int(span * rng.uniform(lo, hi))
        eps = episodes[d] + [(span + 1, span + 1)]
        for s, _ in eps[:-1]:
            if not cut_from <= s < cut_to:
                lines.append(f"{did},{stamp(days, off + s)},abnormal\n")
        e = 0
        ep_from, ep_to = eps[0]
        for k in range(per):
            t = int(k * step + step / 2) + (rand(16) % (2 * jitter + 1)) - jitter
            if cut_from <= t < cut_to or not 0 <= t < span:
                continue
            while t >= ep_to:
                e += 1
                ep_from, ep_to = eps[e]
            state = "abnormal" if ep_from < t else "normal"
            lines.append(f"{did},{stamp(days, off + t)},{state}\n")
    return [("tables/facility_heartbeats.csv", "".join(lines).encode("utf-8"))]


def _sample_alarms(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """One alarm per abnormal episode, a few minutes after it starts; late or missing for
    some episodes below good quality."""
    *_, late, missing, slow = _SHAPE.get(spec.quality, _SHAPE["fair"])
    _, devices = _layout(spec)
    begin, finish = period_bounds_utc(spec.period.start, spec.period.end, _ZONE)
    span = int((finish - begin).total_seconds())
    off = begin.hour * 3600 + begin.minute * 60
    days = day_strings(begin, span // 86400 + 3)
    rows: list[list[Any]] = []
    for d, eps in enumerate(_episodes(spec, len(devices), span)):
        for start, _ in eps:
            if rng.random() < missing:
                continue
            t = start + rng.randrange(300)
            if rng.random() < late:
                t += 60 * rng.randint(40, 600)
            clear = 3600 * rng.randint(1, 12)
            if rng.random() < slow:
                clear = 3600 * rng.randint(30, 200)
            cleared = stamp(days, off + t + clear) if t + clear < span + 86400 else None
            rows.append([f"A{len(rows) + 1:06d}", devices[d][0], stamp(days, off + t), cleared])
    rows.sort(key=lambda r: r[2])
    header = ("alarm_id", "device_id", "raised_at", "cleared_at")
    return [("tables/facility_alarms.csv", csv_bytes(header, rows))]


# -- plugin hooks ------------------------------------------------------------------------

_REGISTER_TEMPLATE = """\
updated_on: "2025-12-31"
facilities:
  - {facility_id: PF001, kind: elevator, location: "Building 1"}
  - {facility_id: PF002, kind: water_pump, location: "Pump room"}
devices:
  - {device_id: PFD0001, facility_id: PF001, heartbeat_minutes: 30, installed_on: "2024-09-01",
     status: active}
"""


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=REGISTER,
            kind="record",
            title="Public facility and IoT device register",
            description="Public facilities (lifts, pumps, lights, gates...) and the IoT devices "
            "reporting their running state.",
            schema=schema_id(REGISTER),
            template_name="public_facility_register.yaml",
            template_text=_REGISTER_TEMPLATE,
            sample=_sample_register,
        ),
        EvidenceType(
            id=HEARTBEATS,
            kind="table",
            title="Public facility device heartbeats",
            description="One row per heartbeat of a facility IoT device: device id, time "
            "(RFC 3339 with offset) and the state reported (normal or abnormal).",
            schema=schema_id(HEARTBEATS),
            template_name="facility_heartbeats.csv",
            template_text="device_id,reported_at,state\nPFD0001,2025-01-01T00:04:12Z,normal\n",
            sample=_sample_heartbeats,
            sample_rows=0.2,
        ),
        EvidenceType(
            id=ALARMS,
            kind="table",
            title="Public facility alarms",
            description="Alarms the monitoring platform raised for facility devices, with when "
            "they were raised and cleared.",
            schema=schema_id(ALARMS),
            template_name="facility_alarms.csv",
            template_text="alarm_id,device_id,raised_at,cleared_at\n"
            "A000001,PFD0001,2025-03-02T10:15:00+08:00,2025-03-02T12:31:00+08:00\n",
            sample=_sample_alarms,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(REGISTER), load_schema(HEARTBEATS), load_schema(ALARMS)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [PublicFacilitiesMonitoring]
