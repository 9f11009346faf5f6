"""SE51 Life channel facilities monitoring: fire-truck passages, evacuation passages and
safety exits watched by smart devices that upload without interruption.

Reads the register of life channels and their monitoring devices (a record), the devices'
upload stream (a table that can hold millions of rows) and the obstruction events the
devices raised (a table). Every measurement over the tables is a polars aggregation.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.frames import duplicated, one_of
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id, yaml_bytes
from ._devices import (
    MAX_LISTED,
    day_strings,
    device_gaps,
    list_findings,
    period_bounds_utc,
    share_score,
    stamp,
    zone,
)

__all__ = ["LifeChannelMonitoring"]

REGISTER = "life_channel_register"
UPLOADS = "life_channel_uploads"
EVENTS = "life_channel_events"

CHANNEL_TYPES = ("fire_truck_passage", "evacuation_passage", "safety_exit")
_TYPE_LABEL = {
    "fire_truck_passage": "fire-truck passage",
    "evacuation_passage": "evacuation passage",
    "safety_exit": "safety exit",
}


def _active_devices(register: dict[str, Any], end: date) -> list[tuple[int, dict[str, Any]]]:
    """Register devices (with their index) that are active and installed by the period's
    end; faulty or decommissioned devices do not monitor anything."""
    out = []
    for i, dev in enumerate(register.get("devices") or []):
        if not isinstance(dev, dict) or dev.get("status") != "active":
            continue
        installed = _day(dev.get("installed_on"))
        if installed is not None and installed > end:
            continue
        out.append((i, dev))
    return out


def _day(value: Any) -> date | None:
    """A date from an ISO date string; None for a value the schema check already flagged."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


class LifeChannelMonitoring(Indicator):
    """Smart devices watch every fire-truck passage, evacuation passage and safety exit,
    upload their data continuously, and obstructions they detect are cleared quickly.

    Coverage is measured from the register: each life channel needs an active device.
    Continuity is measured per device from the upload export: the silences between its
    uploads over the assessment period (and before its first and after its last upload).
    Obstruction events from the event export are timed from detection to clearance, and
    checked for being traceable to a registered channel and device.
    """

    code = "SE51"
    title = "Life channel facilities monitoring"
    dimension = "SI"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(REGISTER, purpose="life channels and the devices monitoring them"),
        Need(UPLOADS, purpose="every data upload of the life-channel devices"),
        Need(EVENTS, purpose="obstruction and locked-exit events with their clearance time"),
    )

    @rule(
        "R1",
        "Every life channel is monitored by an active device",
        weight=3,
        severity="high",
        thresholds=("required_channel_types", "channel_coverage_min"),
    )
    def channel_coverage(self, ctx: Context) -> float | None:
        """Counts the registered life channels that have at least one active device
        installed by the period's end. The score is the monitored share over
        ``channel_coverage_min`` (capped at 1), multiplied by the share of the
        ``required_channel_types`` (fire-truck passages, evacuation passages, safety exits)
        that appear in the register with at least one monitored channel. Findings name
        each unmonitored channel by its register pointer."""
        rec = ctx.record(REGISTER)
        if rec is None:
            return None
        data = rec.data
        channels = data.get("channels") or []
        required = [str(t) for t in ctx.threshold("required_channel_types")]
        target = float(ctx.threshold("channel_coverage_min"))
        watched = {str(d.get("channel_id")) for _, d in _active_devices(data, ctx.period.end)}
        unmonitored = [
            (i, ch) for i, ch in enumerate(channels) if str(ch.get("channel_id")) not in watched
        ]
        share = (len(channels) - len(unmonitored)) / len(channels) if channels else 0.0
        types_ok = {str(ch.get("type")) for ch in channels if str(ch.get("channel_id")) in watched}
        missing_types = [t for t in required if t not in types_ok]
        ctx.metric("life_channels", len(channels))
        ctx.metric("monitored_channel_share", round(share, 4))
        list_findings(
            ctx,
            [
                (
                    ctx.at(rec, pointer=f"/channels/{i}"),
                    f"{_TYPE_LABEL.get(str(ch.get('type')), 'channel')} "
                    f"{ch.get('channel_id')} has no active monitoring device",
                )
                for i, ch in unmonitored
            ],
            fix="Install a monitoring device (camera or occupancy sensor) at the channel and "
            "register it as active with the channel's id.",
            what="unmonitored channels",
        )
        for t in missing_types:
            ctx.finding(
                f"no monitored {_TYPE_LABEL.get(t, t)} in the register",
                at=ctx.at(rec, pointer="/channels"),
                fix=f"Register every {_TYPE_LABEL.get(t, t)} and the device watching it.",
            )
        type_share = (len(required) - len(missing_types)) / len(required) if required else 1.0
        return share_score(share, target) * type_share

    @rule(
        "R2",
        "Devices upload continuously, with no silence longer than allowed",
        weight=3,
        severity="high",
        thresholds=("max_upload_gap_minutes", "continuous_device_share_min", "timezone"),
    )
    def upload_continuity(self, ctx: Context) -> float | None:
        """For each active registered device, sorts its uploads over the assessment period
        (local days in ``timezone``) and measures the silences between consecutive
        uploads, counting the period's start and end as edges, so a device that never
        uploads is silent for the whole period. A device is continuous when no silence
        exceeds ``max_upload_gap_minutes``. The score is the continuous share of devices
        over ``continuous_device_share_min``, capped at 1. Findings list the devices with
        the longest silences and when they began."""
        rec = ctx.record(REGISTER)
        table = ctx.table(UPLOADS)
        if rec is None or table is None or table.frame is None:
            return None
        devices = sorted(
            {str(d.get("device_id")) for _, d in _active_devices(rec.data, ctx.period.end)}
        )
        if not devices:
            ctx.finding(
                "the register lists no active monitoring device, so no upload can be assessed",
                at=ctx.at(rec, pointer="/devices"),
                fix="Register every life-channel device with its id, channel and status.",
            )
            return 0.0
        begin, finish = period_bounds_utc(
            ctx.period.start, ctx.period.end, zone(self.code, ctx.threshold("timezone"))
        )
        limit = float(ctx.threshold("max_upload_gap_minutes"))
        gaps = device_gaps(
            table.frame,
            device="device_id",
            at="uploaded_at",
            begin=begin,
            finish=finish,
            devices=devices,
            limit_minutes=limit,
        )
        broken = gaps.filter(pl.col("over") > 0).sort("longest_min", descending=True)
        share = 1 - broken.height / len(devices)
        ctx.metric("monitored_devices", len(devices))
        ctx.metric("continuous_device_share", round(share, 4))
        ctx.metric("longest_upload_gap_hours", round(float(gaps["longest_min"].max() or 0) / 60, 2))
        ctx.metric("uploads_in_period", int(gaps["rows"].sum()))
        items = []
        for dev, rows, longest, over, _, since in broken.iter_rows():
            when = since.strftime("%Y-%m-%d %H:%M UTC") if since else "the period's start"
            items.append(
                (
                    ctx.at(table, column="device_id"),
                    f"device {dev}: {over} silence(s) longer than {limit:g} minutes; the "
                    f"longest lasted {longest / 60:.1f} hours from {when} ({rows} uploads "
                    "in the period)",
                )
            )
        list_findings(
            ctx,
            items,
            fix="Repair or replace devices that stop uploading, and alert the duty room "
            "when a life-channel device goes silent.",
            what="devices with long silences",
        )
        return share_score(share, float(ctx.threshold("continuous_device_share_min")))

    @rule(
        "R3",
        "Obstructions of life channels are cleared in time",
        weight=3,
        severity="high",
        thresholds=(
            "obstruction_event_types",
            "max_clear_minutes",
            "clear_on_time_share_min",
            "timezone",
        ),
    )
    def obstructions_cleared(self, ctx: Context) -> float | None:
        """Takes the events of the ``obstruction_event_types`` detected in the period and
        times each from detection to clearance. An event cleared within
        ``max_clear_minutes`` is on time; one cleared later, or never, is not. The score is
        the on-time share over ``clear_on_time_share_min`` (capped at 1); with no such
        event in the period the rule does not apply. Findings count the late and uncleared
        events and point at the slowest rows."""
        table = ctx.table(EVENTS)
        if table is None or table.frame is None:
            return None
        begin, finish = period_bounds_utc(
            ctx.period.start, ctx.period.end, zone(self.code, ctx.threshold("timezone"))
        )
        kinds = [str(k) for k in ctx.threshold("obstruction_event_types")]
        limit = float(ctx.threshold("max_clear_minutes"))
        minutes = (pl.col("cleared_at") - pl.col("detected_at")).dt.total_seconds() / 60.0
        events = (
            table.frame.filter(
                one_of(pl.col("event_type"), kinds)
                & (pl.col("detected_at") >= begin)
                & (pl.col("detected_at") < finish)
            )
            .select("__file", "__row", minutes.alias("minutes"))
            .with_columns(
                (pl.col("minutes").is_not_null() & (pl.col("minutes") <= limit)).alias("ok")
            )
        )
        summary, slowest = pl.collect_all(
            [
                events.select(
                    pl.len().alias("n"),
                    pl.col("ok").sum().alias("ok"),
                    pl.col("minutes").is_null().sum().alias("open"),
                    pl.col("minutes").filter(pl.col("minutes") >= 0).median().alias("median"),
                ),
                events.filter(~pl.col("ok"))
                .sort(
                    ["minutes", "__file", "__row"],
                    descending=[True, False, False],
                    nulls_last=False,
                )
                .head(MAX_LISTED),
            ]
        )
        n, ok, still_open, median = summary.row(0)
        ctx.metric("obstruction_events", int(n))
        if not n:
            return None
        share = int(ok) / int(n)
        ctx.metric("cleared_on_time_share", round(share, 4))
        ctx.metric("median_clear_minutes", None if median is None else round(float(median), 1))
        target = float(ctx.threshold("clear_on_time_share_min"))
        if share < target:
            ctx.finding(
                f"{int(n) - int(ok)} of {n} obstruction events were not cleared within "
                f"{limit:g} minutes ({int(still_open)} never recorded as cleared)",
                at=ctx.at(table, column="cleared_at"),
                fix="Dispatch staff as soon as a device reports an obstruction and record the "
                "clearance time when the channel is free again.",
            )
            for path, row, mins, _ in slowest.iter_rows():
                text = "never cleared" if mins is None else f"cleared after {mins:.0f} minutes"
                ctx.finding(
                    f"obstruction event {text}",
                    at=ctx.at(path, row=row, column="cleared_at"),
                    severity="low",
                )
        return share_score(share, target)

    @rule(
        "R4",
        "Events are traceable to registered channels and devices",
        weight=1,
        severity="medium",
        thresholds=("consistent_share_min", "timezone"),
    )
    def events_traceable(self, ctx: Context) -> float | None:
        """Checks every event row: its channel is registered, its device (when given) is
        registered for that channel, it was detected inside the period, its clearance is
        not before its detection, and its event id is not repeated. The score is the
        consistent share over ``consistent_share_min``, capped at 1. Findings count each
        defect and point at the first rows."""
        rec = ctx.record(REGISTER)
        table = ctx.table(EVENTS)
        if rec is None or table is None or table.frame is None:
            return None
        begin, finish = period_bounds_utc(
            ctx.period.start, ctx.period.end, zone(self.code, ctx.threshold("timezone"))
        )
        channels = [str(c.get("channel_id")) for c in rec.data.get("channels") or []]
        pairs = pl.DataFrame(
            {
                "device_id": [str(d.get("device_id")) for d in rec.data.get("devices") or []],
                "__channel": [str(d.get("channel_id")) for d in rec.data.get("devices") or []],
            },
            schema={"device_id": pl.String, "__channel": pl.String},
        ).unique()
        frame = table.frame.join(
            pairs.lazy().with_columns(pl.lit(True).alias("__known")),
            left_on=["device_id", "channel_id"],
            right_on=["device_id", "__channel"],
            how="left",
        )
        reason = (
            pl.when(~one_of(pl.col("channel_id"), channels) | pl.col("channel_id").is_null())
            .then(pl.lit("channel not in the register|channel_id"))
            .when(pl.col("device_id").is_not_null() & pl.col("__known").is_null())
            .then(pl.lit("device not registered for this channel|device_id"))
            .when(
                pl.col("detected_at").is_null()
                | (pl.col("detected_at") < begin)
                | (pl.col("detected_at") >= finish)
            )
            .then(pl.lit("detected outside the period|detected_at"))
            .when(pl.col("cleared_at") < pl.col("detected_at"))
            .then(pl.lit("cleared before it was detected|cleared_at"))
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
        ctx.metric("consistent_event_share", round(share, 4))
        target = float(ctx.threshold("consistent_share_min"))
        if bad:
            detail = "; ".join(
                f"{r.split('|')[0]}: {n}" for r, n in sorted(by_reason.items(), key=str) if r
            )
            ctx.finding(
                f"{bad} of {total} event rows cannot be traced or are inconsistent ({detail})",
                at=ctx.at(table),
                fix="Export events with the registered channel and device ids and with "
                "detection and clearance times in order.",
                severity=None if share < target else "low",
            )
            for path, row, text in examples.iter_rows():
                message, column = text.rsplit("|", 1)
                ctx.finding(
                    f"event row: {message}",
                    at=ctx.at(path, row=row, column=column),
                    severity="low",
                )
        return share_score(share, target)


# -- sample evidence ---------------------------------------------------------------------

#: quality -> (every n-th channel unmonitored (0 = none), share of devices with an outage,
#: outage length in days (min, max), share of obstructions cleared late, share of events
#: inconsistent, fire-truck passages left unmonitored)
_SHAPE: dict[str, tuple[int, float, tuple[int, int], float, float, bool]] = {
    "good": (0, 0.0, (0, 0), 0.02, 0.0, False),
    "fair": (5, 0.3, (2, 5), 0.35, 0.04, False),
    "poor": (3, 0.45, (6, 30), 0.55, 0.12, True),
}
#: The sample devices upload at most this many minutes apart (the default profile allows a
#: day of silence), with up to 15% jitter either way.
_SAMPLE_SPACING_MIN = 840
#: The sample community's time zone (the default profile's).
_SAMPLE_ZONE = zone("SE51", "Asia/Shanghai")


def _layout(spec: SampleSpec) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Channels (id, type, building) and devices (id, channel id) from the household count
    alone, so the register and both exports agree without sharing state."""
    every, *_, no_fire = _SHAPE.get(spec.quality, _SHAPE["fair"])
    buildings = max(2, min(8, spec.community.households // 1000))
    channels: list[tuple[str, str, str]] = []
    for b in range(1, buildings + 1):
        for kind in ("safety_exit", "safety_exit", "evacuation_passage"):
            channels.append((f"LC{len(channels) + 1:03d}", kind, f"Building {b}"))
    for f in range(max(2, buildings // 2)):
        channels.append((f"LC{len(channels) + 1:03d}", "fire_truck_passage", f"Fire lane {f + 1}"))
    devices = []
    for n, (cid, kind, _) in enumerate(channels, start=1):
        if (every and n % every == 0) or (no_fire and kind == "fire_truck_passage"):
            continue
        devices.append((f"LCD{n:04d}", cid))
    return channels, devices


def _sample_register(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    channels, devices = _layout(spec)
    installed = spec.period.start - timedelta(days=120)
    data = {
        "updated_on": spec.period.end.isoformat(),
        "channels": [
            {
                "channel_id": cid,
                "type": kind,
                "location": f"{where}, {_TYPE_LABEL[kind]}",
            }
            for cid, kind, where in channels
        ],
        "devices": [
            {
                "device_id": did,
                "channel_id": cid,
                "kind": "camera" if rng.random() < 0.7 else "occupancy_sensor",
                "installed_on": (installed + timedelta(days=rng.randrange(60))).isoformat(),
                "upload_interval_minutes": 5,
                "status": "active",
            }
            for did, cid in devices
        ],
    }
    return [("records/life_channel_register.yaml", yaml_bytes(data))]


def _sample_uploads(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """About ``spec.rows`` uploads (more when needed so every device reports at least
    every 14 hours), evenly spread per device with jitter; fair and poor communities have
    devices that fall silent for days."""
    _, outage_share, (lo, hi), *_ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    _, devices = _layout(spec)
    begin, finish = period_bounds_utc(spec.period.start, spec.period.end, _SAMPLE_ZONE)
    span = int((finish - begin).total_seconds())
    off = begin.hour * 3600 + begin.minute * 60  # stamps count from begin's UTC midnight
    per_device = max(spec.rows // max(1, len(devices)), span // (_SAMPLE_SPACING_MIN * 60) + 1)
    step = span / per_device
    jitter = int(step * 0.15)
    days = day_strings(begin, span // 86400 + 2)
    lines = ["device_id,uploaded_at\n"]
    for did, _ in devices:
        cut_from = cut_to = -1
        if rng.random() < outage_share:
            cut_from = rng.randrange(span // 2)
            cut_to = cut_from + rng.randint(lo, hi) * 86400
        rand = rng.getrandbits
        for k in range(per_device):
            t = int(k * step + step / 2) + (rand(16) % (2 * jitter + 1)) - jitter
            if cut_from <= t < cut_to or not 0 <= t < span:
                continue
            lines.append(f"{did},{stamp(days, off + t)}\n")
    return [("tables/life_channel_uploads.csv", "".join(lines).encode("utf-8"))]


def _sample_events(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Obstruction, locked-exit and tamper events on monitored channels (about
    ``spec.rows``, at least 40)."""
    _, _, _, late, bad, _ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    _, devices = _layout(spec)
    begin, finish = period_bounds_utc(spec.period.start, spec.period.end, _SAMPLE_ZONE)
    span = int((finish - begin).total_seconds())
    off = begin.hour * 3600 + begin.minute * 60
    days = day_strings(begin, span // 86400 + 2)
    n = max(40, spec.rows)
    rows: list[list[Any]] = []
    for i in range(1, n + 1):
        did, cid = devices[rng.randrange(len(devices))] if devices else (None, "LC001")
        t = off + rng.randrange(max(1, span - 86400))
        kind = ("obstruction", "obstruction", "obstruction", "exit_locked", "device_tamper")[
            rng.randrange(5)
        ]
        clear = 60 * rng.randint(3, 25)
        if rng.random() < late:
            clear = 60 * rng.randint(45, 600)
        cleared: str | None = stamp(days, t + clear)
        if rng.random() < late / 5:
            cleared = None
        if rng.random() < bad:
            cleared = stamp(days, max(0, t - 600))  # clearance before detection
        rows.append([f"E{i:06d}", cid, did, kind, stamp(days, t), cleared])
    header = ("event_id", "channel_id", "device_id", "event_type", "detected_at", "cleared_at")
    return [("tables/life_channel_events.csv", csv_bytes(header, rows))]


# -- plugin hooks ------------------------------------------------------------------------

_REGISTER_TEMPLATE = """\
updated_on: "2025-12-31"
channels:
  - {channel_id: LC001, type: safety_exit, location: "Building 1, north safety exit"}
  - {channel_id: LC002, type: evacuation_passage, location: "Building 1, stair B"}
  - {channel_id: LC003, type: fire_truck_passage, location: "Fire lane along the east wall"}
devices:
  - {device_id: LCD0001, channel_id: LC001, kind: camera, installed_on: "2024-09-01",
     upload_interval_minutes: 5, status: active}
"""


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=REGISTER,
            kind="record",
            title="Life channel and monitoring device register",
            description="Every fire-truck passage, evacuation passage and safety exit, and the "
            "smart devices watching them (status, installation date, upload interval).",
            schema=schema_id(REGISTER),
            template_name="life_channel_register.yaml",
            template_text=_REGISTER_TEMPLATE,
            sample=_sample_register,
        ),
        EvidenceType(
            id=UPLOADS,
            kind="table",
            title="Life channel device uploads",
            description="One row per data upload of a life-channel monitoring device: device "
            "id and upload time (RFC 3339 with offset).",
            schema=schema_id(UPLOADS),
            template_name="life_channel_uploads.csv",
            template_text="device_id,uploaded_at\nLCD0001,2025-01-01T00:04:12Z\n",
            sample=_sample_uploads,
            sample_rows=0.3,
        ),
        EvidenceType(
            id=EVENTS,
            kind="table",
            title="Life channel events",
            description="Obstructions, locked exits and tampering detected at life channels, "
            "with detection and clearance times.",
            schema=schema_id(EVENTS),
            template_name="life_channel_events.csv",
            template_text="event_id,channel_id,device_id,event_type,detected_at,cleared_at\n"
            "E000001,LC001,LCD0001,obstruction,2025-03-02T10:15:00+08:00,"
            "2025-03-02T10:31:00+08:00\n",
            sample=_sample_events,
            sample_rows=0.02,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(REGISTER), load_schema(UPLOADS), load_schema(EVENTS)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [LifeChannelMonitoring]
