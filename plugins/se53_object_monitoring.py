"""SE53 Smart object monitoring facilities: vehicles, objects thrown from height and
burglary watched by electronic devices, with confirmed incidents reported to the police
in time.

Reads the register of object-monitoring devices (a record) and the alarm events they
raised (a table that can be large; every measurement over it is a polars aggregation).
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.frames import duplicated, one_of
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import load_schema, schema_id, yaml_bytes
from ._devices import (
    MAX_LISTED,
    day_strings,
    period_bounds_utc,
    share_score,
    stamp,
    zone,
)

__all__ = ["ObjectMonitoring"]

DEVICES = "object_monitoring_devices"
ALARMS = "object_alarm_events"

CATEGORIES = ("vehicle", "thrown_object", "burglary")
_LABEL = {
    "vehicle": "motor vehicles",
    "thrown_object": "objects thrown from height",
    "burglary": "burglary",
}


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _active(register: dict[str, Any], end: date) -> list[dict[str, Any]]:
    out = []
    for dev in register.get("devices") or []:
        if not isinstance(dev, dict) or dev.get("status") != "active":
            continue
        installed = _day(dev.get("installed_on"))
        if installed is None or installed <= end:
            out.append(dev)
    return out


class ObjectMonitoring(Indicator):
    """Electronic devices watch motor vehicles, objects thrown from height and burglary,
    alarms are verified quickly, and confirmed incidents reach the police in time.

    The device register shows how many active devices watch each kind of object,
    against a density the profile sets per 1,000 households. The alarm export shows
    how fast alarms are verified, how fast confirmed incidents of the kinds the police
    must hear about are reported to them, and whether each alarm traces back to a
    registered device of the right kind.
    """

    code = "SE53"
    title = "Smart object monitoring facilities"
    dimension = "SI"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(DEVICES, purpose="vehicle, thrown-object and burglary monitoring devices"),
        Need(ALARMS, purpose="alarms raised, their verification and report to the police"),
    )

    @rule(
        "R1",
        "Vehicles, thrown objects and burglary are each watched by enough devices",
        weight=3,
        severity="high",
        thresholds=("min_devices_per_1000_households",),
    )
    def device_density(self, ctx: Context) -> float | None:
        """For each category of ``min_devices_per_1000_households`` (vehicle,
        thrown_object, burglary), the number of devices it needs is that density times the
        community's households / 1,000, rounded up (at least one). Active devices
        installed by the period's end count. Each category scores its count over its need,
        capped at 1; the rule's score is the mean."""
        rec = ctx.record(DEVICES)
        if rec is None:
            return None
        density = dict(ctx.threshold("min_devices_per_1000_households") or {})
        households = max(1, int(ctx.community.households))
        active = _active(rec.data, ctx.period.end)
        scores = []
        for category, per_1000 in density.items():
            need = max(1, math.ceil(float(per_1000) * households / 1000 - 1e-9))
            have = sum(1 for d in active if d.get("category") == category)
            ctx.metric(f"{category}_devices", have)
            scores.append(min(1.0, have / need))
            if have < need:
                ctx.finding(
                    f"{have} active device(s) watch {_LABEL.get(category, category)}; "
                    f"{need} are needed for {households} households",
                    at=ctx.at(rec, pointer="/devices"),
                    fix=f"Install and register more devices for {_LABEL.get(category, category)}"
                    " (for example plate-recognition cameras, high-altitude cameras, intrusion "
                    "detectors) and repair faulty ones.",
                )
        return sum(scores) / len(scores) if scores else None

    @rule(
        "R2",
        "Alarms are verified promptly",
        weight=2,
        severity="medium",
        thresholds=("verify_max_minutes", "verify_on_time_share_min", "timezone"),
    )
    def alarms_verified(self, ctx: Context) -> float | None:
        """Takes the alarms raised in the period and times each from the alarm to its
        verification (someone looked and decided whether it was real). Verified within
        ``verify_max_minutes`` is on time; later or never is not. The score is the on-time
        share over ``verify_on_time_share_min``, capped at 1; with no alarm the rule does
        not apply."""
        table = ctx.table(ALARMS)
        if table is None or table.frame is None:
            return None
        begin, finish = self._bounds(ctx)
        limit = float(ctx.threshold("verify_max_minutes"))
        minutes = (pl.col("verified_at") - pl.col("alarm_at")).dt.total_seconds() / 60.0
        rows = table.frame.filter((pl.col("alarm_at") >= begin) & (pl.col("alarm_at") < finish))
        ok = minutes.is_not_null() & (minutes >= 0) & (minutes <= limit)
        summary, first = pl.collect_all(
            [
                rows.select(
                    pl.len().alias("n"),
                    ok.sum().alias("ok"),
                    minutes.filter(minutes >= 0).median().alias("median"),
                ),
                rows.filter(~ok).select("__file", "__row").head(MAX_LISTED),
            ]
        )
        n, good, median = summary.row(0)
        ctx.metric("alarms", int(n))
        if not n:
            return None
        share = int(good) / int(n)
        target = float(ctx.threshold("verify_on_time_share_min"))
        ctx.metric("verified_on_time_share", round(share, 4))
        ctx.metric("median_verify_minutes", None if median is None else round(median, 1))
        if share < target:
            ctx.finding(
                f"{int(n) - int(good)} of {n} alarms were not verified within {limit:g} minutes",
                at=ctx.at(table, column="verified_at"),
                fix="Route every alarm to the duty room's screen and verify it at once by "
                "video or on site.",
            )
            for path, row in first.iter_rows():
                ctx.finding(
                    "alarm verified late or never",
                    at=ctx.at(path, row=row, column="verified_at"),
                    severity="low",
                )
        return share_score(share, target)

    @rule(
        "R3",
        "Confirmed incidents are reported to the police in time",
        weight=3,
        severity="high",
        thresholds=(
            "police_categories",
            "police_report_max_minutes",
            "police_on_time_share_min",
            "timezone",
        ),
    )
    def police_reports(self, ctx: Context) -> float | None:
        """Takes the alarms of the ``police_categories`` raised in the period that were
        not false alarms, and times each from the alarm to the report to the police.
        Reported within ``police_report_max_minutes`` is on time; reported later, or never
        (handled on site or still pending), is not. The score is the on-time share over
        ``police_on_time_share_min``, capped at 1; with no such incident the rule does
        not apply. Findings point at the slowest rows."""
        table = ctx.table(ALARMS)
        if table is None or table.frame is None:
            return None
        begin, finish = self._bounds(ctx)
        cats = [str(c) for c in ctx.threshold("police_categories")]
        limit = float(ctx.threshold("police_report_max_minutes"))
        minutes = (pl.col("police_reported_at") - pl.col("alarm_at")).dt.total_seconds() / 60.0
        rows = table.frame.filter(
            (pl.col("alarm_at") >= begin)
            & (pl.col("alarm_at") < finish)
            & one_of(pl.col("category"), cats)
            & (pl.col("outcome") != "false_alarm").fill_null(True)
        ).select("__file", "__row", minutes.alias("minutes"))
        ok = pl.col("minutes").is_not_null() & (pl.col("minutes") >= 0)
        ok = ok & (pl.col("minutes") <= limit)
        summary, slow = pl.collect_all(
            [
                rows.select(
                    pl.len().alias("n"),
                    ok.sum().alias("ok"),
                    pl.col("minutes").is_null().sum().alias("unreported"),
                    pl.col("minutes").filter(pl.col("minutes") >= 0).median().alias("median"),
                ),
                rows.filter(~ok)
                .sort(
                    ["minutes", "__file", "__row"],
                    descending=[True, False, False],
                    nulls_last=False,
                )
                .head(3),
            ]
        )
        n, good, unreported, median = summary.row(0)
        ctx.metric("incidents_for_police", int(n))
        if not n:
            return None
        share = int(good) / int(n)
        target = float(ctx.threshold("police_on_time_share_min"))
        ctx.metric("police_reported_on_time_share", round(share, 4))
        ctx.metric("median_police_report_minutes", None if median is None else round(median, 1))
        if share < target:
            ctx.finding(
                f"{int(n) - int(good)} of {n} confirmed incidents were not reported to the "
                f"police within {limit:g} minutes ({int(unreported)} never reported)",
                at=ctx.at(table, column="police_reported_at"),
                fix="Report confirmed thrown-object and burglary incidents to the police "
                "station at once (through the linked platform or the duty hotline) and "
                "record the time.",
            )
            for path, row, mins in slow.iter_rows():
                text = "never reported" if mins is None else f"reported after {mins:.0f} minutes"
                ctx.finding(
                    f"confirmed incident {text}",
                    at=ctx.at(path, row=row, column="police_reported_at"),
                    severity="low",
                )
        return share_score(share, target)

    @rule(
        "R4",
        "Alarms trace to registered devices and are consistent",
        weight=1,
        severity="medium",
        thresholds=("consistent_share_min", "timezone"),
    )
    def alarms_consistent(self, ctx: Context) -> float | None:
        """Checks every alarm row: its device is registered and watches the alarm's
        category, the alarm falls in the period, verification and police report are not
        before the alarm, an outcome of reported_to_police has a report time, and the
        event id is not repeated (a category the schema rejected counts as inconsistent).
        The score is the consistent share over ``consistent_share_min``, capped at 1."""
        rec = ctx.record(DEVICES)
        table = ctx.table(ALARMS)
        if rec is None or table is None or table.frame is None:
            return None
        begin, finish = self._bounds(ctx)
        devs = [d for d in rec.data.get("devices") or [] if isinstance(d, dict)]
        known = pl.DataFrame(
            {
                "device_id": [str(d.get("device_id")) for d in devs],
                "__cat": [str(d.get("category")) for d in devs],
            },
            schema={"device_id": pl.String, "__cat": pl.String},
        ).unique(subset="device_id")
        frame = table.frame.join(known.lazy(), on="device_id", how="left")
        reason = (
            pl.when(pl.col("category").is_null())
            .then(pl.lit("category missing or unknown|category"))
            .when(pl.col("__cat").is_null())
            .then(pl.lit("device not in the register|device_id"))
            .when(pl.col("__cat") != pl.col("category"))
            .then(pl.lit("category differs from the device's|category"))
            .when(
                pl.col("alarm_at").is_null()
                | (pl.col("alarm_at") < begin)
                | (pl.col("alarm_at") >= finish)
            )
            .then(pl.lit("alarm outside the period|alarm_at"))
            .when(pl.col("verified_at") < pl.col("alarm_at"))
            .then(pl.lit("verified before the alarm|verified_at"))
            .when(pl.col("police_reported_at") < pl.col("alarm_at"))
            .then(pl.lit("reported before the alarm|police_reported_at"))
            .when(
                (pl.col("outcome") == "reported_to_police") & pl.col("police_reported_at").is_null()
            )
            .then(pl.lit("reported to police without a report time|police_reported_at"))
            .when(duplicated(table.frame, "event_id"))  # the join keeps the rows
            .then(pl.lit("event id repeated|event_id"))
            .otherwise(pl.lit(None, dtype=pl.String))
            .alias("reason")
        )
        checked = frame.select("__file", "__row", reason)
        counts, examples = pl.collect_all(
            [
                checked.group_by("reason").agg(pl.len().alias("n")),
                checked.filter(pl.col("reason").is_not_null())
                .sort("__file", "__row")
                .head(MAX_LISTED),
            ]
        )
        by_reason = {r: int(n) for r, n in counts.iter_rows()}
        total = sum(by_reason.values())
        if not total:
            return None
        bad = total - by_reason.get(None, 0)  # type: ignore[call-overload]
        share = 1 - bad / total
        target = float(ctx.threshold("consistent_share_min"))
        ctx.metric("consistent_alarm_share", round(share, 4))
        if bad:
            detail = "; ".join(
                f"{r.split('|')[0]}: {n}" for r, n in sorted(by_reason.items(), key=str) if r
            )
            ctx.finding(
                f"{bad} of {total} alarm rows are untraceable or inconsistent ({detail})",
                at=ctx.at(table),
                fix="Export alarms with the registered device id and category and with "
                "times in order.",
                severity=None if share < target else "low",
            )
            for path, row, text in examples.iter_rows():
                message, column = text.rsplit("|", 1)
                ctx.finding(
                    f"alarm row: {message}",
                    at=ctx.at(path, row=row, column=column),
                    severity="low",
                )
        return share_score(share, target)

    def _bounds(self, ctx: Context) -> Any:
        return period_bounds_utc(
            ctx.period.start, ctx.period.end, zone(self.code, ctx.threshold("timezone"))
        )


# -- sample evidence ---------------------------------------------------------------------

#: quality -> (devices per 1,000 households by category, share of alarms verified late,
#: share of police incidents reported late, share never reported, share inconsistent)
_SHAPE: dict[str, tuple[dict[str, float], float, float, float, float]] = {
    "good": ({"vehicle": 1.5, "thrown_object": 4.0, "burglary": 3.0}, 0.02, 0.01, 0.0, 0.0),
    "fair": ({"vehicle": 1.5, "thrown_object": 1.5, "burglary": 2.5}, 0.25, 0.35, 0.05, 0.03),
    "poor": ({"vehicle": 0.5, "thrown_object": 0.0, "burglary": 1.0}, 0.45, 0.5, 0.25, 0.1),
}
_KIND = {
    "vehicle": "plate_recognition_camera",
    "thrown_object": "high_altitude_camera",
    "burglary": "intrusion_detector",
}
_SAMPLE_ZONE = zone("SE53", "Asia/Shanghai")


def _devices(spec: SampleSpec) -> list[tuple[str, str]]:
    """(device id, category) from the household count alone, so the register and the
    alarm export agree without sharing state."""
    density = _SHAPE.get(spec.quality, _SHAPE["fair"])[0]
    out: list[tuple[str, str]] = []
    for category in CATEGORIES:
        first = len(out) + 1
        n = math.ceil(density[category] * spec.community.households / 1000)
        out += [(f"OM{first + k:04d}", category) for k in range(n)]
    return out


def _sample_devices(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    data = {
        "updated_on": spec.period.end.isoformat(),
        "devices": [
            {
                "device_id": did,
                "category": cat,
                "kind": _KIND[cat],
                "location": f"Building {rng.randint(1, 12)}" if cat != "vehicle" else "Gate",
                "installed_on": (
                    spec.period.start - timedelta(days=rng.randint(30, 400))
                ).isoformat(),
                "status": "active",
            }
            for did, cat in _devices(spec)
        ],
    }
    return [("records/object_monitoring_devices.yaml", yaml_bytes(data))]


def _sample_alarms(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """About ``spec.rows`` alarms (at least 60) from the registered devices: most are
    false alarms; real thrown-object and burglary incidents go to the police. One 64-bit
    draw per row feeds every field (shares are compared in units of 1/1024), so a row
    costs a few microseconds."""
    _, late_verify, late_police, never, bad = _SHAPE.get(spec.quality, _SHAPE["fair"])
    devices = _devices(spec) or [("OM0001", "vehicle")]
    begin, finish = period_bounds_utc(spec.period.start, spec.period.end, _SAMPLE_ZONE)
    span = int((finish - begin).total_seconds())
    off = begin.hour * 3600 + begin.minute * 60
    days = day_strings(begin, span // 86400 + 2)
    window = max(1, span - 86400)
    n_dev = len(devices)
    # Shares as thresholds on 10-bit fields.
    lv, lv4, lp, nv, bd = (
        int(x * 1024) for x in (late_verify, late_verify / 4, late_police, never, bad)
    )
    real_share = {"vehicle": 205, "thrown_object": 358, "burglary": 358}
    lines = ["event_id,device_id,category,alarm_at,verified_at,outcome,police_reported_at\n"]
    for i in range(1, max(60, spec.rows) + 1):
        r = rng.getrandbits(64)
        did, cat = devices[(r & 0xFFFF) % n_dev]
        t = off + ((r >> 16) & 0xFFFFFF) * window // 0x1000000
        f1, f2, f3, f4 = (r >> 40) & 1023, (r >> 50) & 1023, (r >> 30) & 1023, (r >> 20) & 1023
        verify = (1 + f1 % 9) * 60 if f2 >= lv else (20 + f1 % 221) * 60
        verified = "" if f2 < lv4 else stamp(days, t + verify)
        outcome, reported = "false_alarm", ""
        if f3 < real_share[cat]:
            if cat == "vehicle" or f4 < nv:
                outcome = "handled_on_site"
            else:
                outcome = "reported_to_police"
                slow = ((r >> 60) * 64 + (f1 >> 4)) < lp
                delay = 1 + f1 % 5 if not slow else 20 + f1 % 161
                reported = stamp(days, t + verify + delay * 60)
        if ((f4 * 7 + f3) & 1023) < bd:
            cat = "burglary" if cat != "burglary" else "vehicle"  # category mislabelled
        lines.append(f"A{i:07d},{did},{cat},{stamp(days, t)},{verified},{outcome},{reported}\n")
    return [("tables/object_alarm_events.csv", "".join(lines).encode("utf-8"))]


# -- plugin hooks ------------------------------------------------------------------------

_DEVICES_TEMPLATE = """\
updated_on: "2025-12-31"
devices:
  - {device_id: OM0001, category: vehicle, kind: plate_recognition_camera, location: "East gate",
     installed_on: "2024-05-01", status: active}
  - {device_id: OM0002, category: thrown_object, kind: high_altitude_camera,
     location: "Building 3, south face", installed_on: "2024-05-01", status: active}
  - {device_id: OM0003, category: burglary, kind: intrusion_detector,
     location: "Bicycle shed", installed_on: "2024-05-01", status: active}
"""


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=DEVICES,
            kind="record",
            title="Object monitoring device register",
            description="Devices watching motor vehicles, objects thrown from height and "
            "burglary: category, kind, location, installation date and status.",
            schema=schema_id(DEVICES),
            template_name="object_monitoring_devices.yaml",
            template_text=_DEVICES_TEMPLATE,
            sample=_sample_devices,
        ),
        EvidenceType(
            id=ALARMS,
            kind="table",
            title="Object monitoring alarms",
            description="One row per alarm of an object-monitoring device: when it was "
            "raised and verified, its outcome, and when it was reported to the police.",
            schema=schema_id(ALARMS),
            template_name="object_alarm_events.csv",
            template_text="event_id,device_id,category,alarm_at,verified_at,outcome,"
            "police_reported_at\nA0000001,OM0002,thrown_object,2025-04-02T20:11:00+08:00,"
            "2025-04-02T20:14:00+08:00,reported_to_police,2025-04-02T20:19:00+08:00\n",
            sample=_sample_alarms,
            sample_rows=0.1,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(DEVICES), load_schema(ALARMS)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [ObjectMonitoring]
