"""SE62 Emergency warning: extreme weather, dangerous behaviour and natural disasters are
monitored, and warnings reach residents early, through several channels."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from compliance import hookimpl
from compliance.bundle.model import Period
from compliance.errors import ProfileError
from compliance.frames import one_of
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id, yaml_bytes

__all__ = ["EmergencyWarning", "period_bounds_utc"]

WARNING_SYSTEM = "warning_system"
WARNING_LOG = "warning_log"

HAZARDS = ("extreme_weather", "natural_disaster", "dangerous_behaviour")
#: Hazards known ahead of their onset (forecasts), judged on lead time; the others are
#: detected as they happen and judged on how fast the warning goes out.
FORECAST_HAZARDS = ("extreme_weather", "natural_disaster")
CHANNELS = (
    "app",
    "sms",
    "broadcast",
    "display_screen",
    "social_media",
    "phone_call",
    "door_to_door",
)
#: Findings list at most this many example rows, then a count.
MAX_EXAMPLES = 5


def period_bounds_utc(period: Period, timezone: object, code: str) -> tuple[datetime, datetime]:
    """The period as naive UTC instants [start, end): local midnight of its first day to
    local midnight after its last day (table readers hand over naive UTC date-times)."""
    try:
        zone = ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ProfileError(
            f"{code}.thresholds.timezone: {timezone!r} is not a known IANA time zone"
        ) from None
    start = datetime.combine(period.start, time(0), zone).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(period.end + timedelta(days=1), time(0), zone)
    return start, end.astimezone(UTC).replace(tzinfo=None)


def parse_instant(value: Any) -> datetime | None:
    """An RFC 3339 date-time string as naive UTC, or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _items(data: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, list):
        return []
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]


def _channel_count() -> pl.Expr:
    """Distinct non-blank channels in the ``channels`` cell ("app;sms;broadcast")."""
    return (
        pl.col("channels")
        .fill_null("")
        .str.split(";")
        .list.eval(pl.element().str.strip_chars().filter(pl.element() != ""))
        .list.unique()
        .list.len()
    )


class EmergencyWarning(Indicator):
    """The community monitors extreme weather, natural disasters and dangerous behaviour
    (such as climbing, falls into water or crowding) and warns residents early enough to
    act, through several channels, reaching the households concerned.

    Evidence: a ``warning_system`` record (what is monitored from which feed, and the
    channels with their subscribers) and a ``warning_log`` table (one row per warning).
    """

    code = "SE62"
    title = "Emergency warning"
    dimension = "EMD"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(WARNING_SYSTEM, purpose="monitored hazards with their feeds; warning channels"),
        Need(WARNING_LOG, purpose="warnings issued in the period with times, channels, reach"),
    )

    def _log(self, ctx: Context) -> pl.LazyFrame | None:
        table = ctx.table(WARNING_LOG)
        if table is None or table.frame is None:
            return None
        start, end = period_bounds_utc(ctx.period, ctx.threshold("timezone"), self.code)
        return table.frame.filter(pl.col("issued_at").is_between(start, end, closed="left"))

    @rule(
        "R1",
        "Every required hazard is monitored through a live feed",
        weight=2,
        severity="high",
        thresholds=("required_hazards", "monitor_max_silence_hours", "timezone"),
    )
    def hazards_monitored(self, ctx: Context) -> float | None:
        """For each hazard in ``required_hazards`` the system record must list a monitor
        (a data source) whose last data arrived no more than ``monitor_max_silence_hours``
        before the end of the period. A hazard with a fresh monitor scores 1, one whose
        monitors have gone silent 0.5, one with no monitor 0; the rule's score is the
        mean over the required hazards."""
        record = ctx.record(WARNING_SYSTEM)
        if record is None:
            return 0.0
        required = [str(h) for h in ctx.threshold("required_hazards")]
        silence = timedelta(hours=float(ctx.threshold("monitor_max_silence_hours")))
        _, end = period_bounds_utc(ctx.period, ctx.threshold("timezone"), self.code)
        best: dict[str, tuple[float, int]] = {}
        for index, monitor in _items(record.data, "monitors"):
            hazard = monitor.get("hazard")
            last = parse_instant(monitor.get("last_data_at"))
            # Data after the period (an export made later) also shows the feed alive.
            fresh = last is not None and last >= end - silence
            score = 1.0 if fresh else 0.5
            if hazard not in best or best[hazard][0] < score:
                best[hazard] = (score, index)
        scores = []
        for hazard in required:
            score, index = best.get(hazard, (0.0, -1))
            scores.append(score)
            if score == 0.0:
                ctx.finding(
                    f"no monitor is recorded for the hazard '{hazard}'",
                    at=ctx.at(record, pointer="/monitors"),
                    fix=f"Connect a data source for {hazard.replace('_', ' ')} (a forecast "
                    "feed, sensors or video analytics) to the warning system.",
                )
            elif score < 1.0:
                ctx.finding(
                    f"the monitor for '{hazard}' sent no data in the last "
                    f"{silence.total_seconds() / 3600:g} hours of the period",
                    at=ctx.at(record, pointer=f"/monitors/{index}/last_data_at"),
                    fix="Restore the feed and watch its last-data time on the platform.",
                )
        ctx.metric("hazards_monitored", sum(1 for s in scores if s == 1.0))
        ctx.metric("hazards_required", len(required))
        return sum(scores) / len(scores) if scores else 1.0

    @rule(
        "R2",
        "Warnings go out in time",
        weight=3,
        severity="high",
        thresholds=(
            "min_lead_minutes",
            "max_behaviour_delay_minutes",
            "timely_share_min",
            "timezone",
        ),
    )
    def warnings_timely(self, ctx: Context) -> float | None:
        """Forecast hazards (extreme weather, natural disasters) are judged on lead time:
        the warning must be issued at least ``min_lead_minutes`` before the expected onset
        (a warning without an onset time cannot show its lead time and counts as late).
        Dangerous behaviour is judged on delay: the warning must go out within
        ``max_behaviour_delay_minutes`` of detection. The score is the share of timely
        warnings in the period divided by ``timely_share_min``, capped at 1."""
        frame = self._log(ctx)
        if frame is None:
            return None
        lead_min = float(ctx.threshold("min_lead_minutes"))
        delay_max = float(ctx.threshold("max_behaviour_delay_minutes"))
        target = float(ctx.threshold("timely_share_min"))
        lead = (pl.col("onset_at") - pl.col("issued_at")).dt.total_seconds() / 60.0
        delay = (pl.col("issued_at") - pl.col("detected_at")).dt.total_seconds() / 60.0
        timely = (
            pl.when(one_of(pl.col("hazard"), FORECAST_HAZARDS))
            .then(lead >= lead_min)
            .otherwise((delay >= 0) & (delay <= delay_max))
            .fill_null(False)
        )
        checked = frame.select("__file", "__row", "hazard", timely.alias("ok"), lead, delay)
        summary, late = pl.collect_all(
            [
                checked.group_by("hazard").agg(pl.len().alias("n"), pl.col("ok").sum().alias("ok")),
                checked.filter(~pl.col("ok")).sort("__file", "__row").head(MAX_EXAMPLES),
            ]
        )
        total = int(summary["n"].sum() or 0)
        if total == 0:
            ctx.metric("warnings", 0)
            return None
        ok = int(summary["ok"].sum() or 0)
        share = ok / total
        ctx.metric("warnings", total)
        ctx.metric("timely_share", round(share, 4))
        if share >= target:
            return 1.0
        parts = ", ".join(
            f"{h}: {n - k} of {n}" for h, n, k in summary.sort("hazard").iter_rows() if n > k
        )
        ctx.finding(
            f"{total - ok} of {total} warnings were late ({share:.1%} timely; the profile asks "
            f"for {target:.0%}). Late by hazard: {parts}",
            at=ctx.at(ctx.table(WARNING_LOG)),  # type: ignore[arg-type]
            fix="Issue forecast warnings as soon as the forecast arrives (at least "
            f"{lead_min:g} minutes before onset) and push behaviour warnings automatically "
            "from the detection system.",
        )
        for path, row, hazard, _, _lead, _delay in late.iter_rows():
            hazard = hazard or "unclassified"
            column = "onset_at" if hazard in FORECAST_HAZARDS else "issued_at"
            what = (
                "no onset time"
                if hazard in FORECAST_HAZARDS and _lead is None
                else f"lead time {_lead:.0f} min"
                if hazard in FORECAST_HAZARDS
                else f"issued {_delay:.0f} min after detection"
                if _delay is not None
                else "no detection time"
            )
            ctx.finding(
                f"late {hazard.replace('_', ' ')} warning: {what}",
                at=ctx.at(path, row=row, column=column),
                severity="low",
            )
        return min(1.0, share / target) if target > 0 else 1.0

    @rule(
        "R3",
        "Warnings use several channels",
        weight=2,
        severity="medium",
        thresholds=("min_channels", "multi_channel_share_min", "timezone"),
    )
    def warnings_multichannel(self, ctx: Context) -> float | None:
        """Counts the distinct channels of each warning in the period (the ``channels``
        cell, separated by ';'). A warning needs at least ``min_channels``; the score is
        the share of warnings that have them divided by ``multi_channel_share_min``,
        capped at 1."""
        frame = self._log(ctx)
        if frame is None:
            return None
        need = int(ctx.threshold("min_channels"))
        target = float(ctx.threshold("multi_channel_share_min"))
        counted = frame.select("__file", "__row", _channel_count().alias("k"))
        summary, few = pl.collect_all(
            [
                counted.select(
                    pl.len().alias("n"),
                    (pl.col("k") >= need).sum().alias("ok"),
                    pl.col("k").mean().alias("mean"),
                ),
                counted.filter(pl.col("k") < need).sort("__file", "__row").head(MAX_EXAMPLES),
            ]
        )
        total, ok = int(summary["n"][0]), int(summary["ok"][0] or 0)
        if total == 0:
            return None
        share = ok / total
        ctx.metric("mean_channels_per_warning", round(float(summary["mean"][0] or 0), 2))
        ctx.metric("multi_channel_share", round(share, 4))
        if share >= target:
            return 1.0
        ctx.finding(
            f"{total - ok} of {total} warnings went out through fewer than {need} channels",
            at=ctx.at(ctx.table(WARNING_LOG), column="channels"),  # type: ignore[arg-type]
            fix="Send every warning through the app and at least one channel that does not "
            "need a smartphone (broadcast, display screens, SMS or door-to-door).",
        )
        for path, row, k in few.iter_rows():
            ctx.finding(
                f"warning sent through {k} channel(s)",
                at=ctx.at(path, row=row, column="channels"),
                severity="low",
            )
        return min(1.0, share / target) if target > 0 else 1.0

    @rule(
        "R4",
        "Warnings reach the households concerned",
        weight=3,
        severity="high",
        thresholds=("min_reach_rate", "min_household_coverage", "timezone"),
    )
    def warnings_reach(self, ctx: Context) -> float | None:
        """Two halves. Reach: the recipients reached over the recipients targeted, summed
        over the period's warnings, divided by ``min_reach_rate``. Coverage: the largest
        subscriber count of any channel in the system record over the community's
        households, divided by ``min_household_coverage``. Each half is capped at 1; the
        score is their mean (coverage alone when no warning was issued)."""
        record = ctx.record(WARNING_SYSTEM)
        frame = self._log(ctx)
        parts: list[float] = []
        if record is not None:
            subs = [
                int(c.get("subscribers") or 0)
                for _, c in _items(record.data, "channels")
                if isinstance(c.get("subscribers"), int)
            ]
            households = max(1, int(ctx.community.households))
            coverage = max(subs, default=0) / households
            need = float(ctx.threshold("min_household_coverage"))
            ctx.metric("household_coverage", round(coverage, 4))
            parts.append(min(1.0, coverage / need) if need > 0 else 1.0)
            if coverage < need:
                ctx.finding(
                    f"the widest warning channel reaches {coverage:.0%} of households; the "
                    f"profile asks for {need:.0%}",
                    at=ctx.at(record, pointer="/channels"),
                    fix="Register more households for app or SMS warnings, or add a channel "
                    "that reaches every home (building broadcast).",
                )
        if frame is not None:
            rate = pl.col("reached") / pl.col("targeted")
            need = float(ctx.threshold("min_reach_rate"))
            summary, worst = pl.collect_all(
                [
                    frame.select(
                        pl.len().alias("n"),
                        pl.col("targeted").sum().alias("t"),
                        pl.col("reached").sum().alias("r"),
                    ),
                    frame.filter((pl.col("targeted") > 0) & (rate < need))
                    .select("__file", "__row", rate.alias("rate"))
                    .sort(["rate", "__row"])
                    .head(MAX_EXAMPLES),
                ]
            )
            targeted, reached = int(summary["t"][0] or 0), int(summary["r"][0] or 0)
            if int(summary["n"][0]) and targeted > 0:
                reach = min(1.0, reached / targeted)
                ctx.metric("reach_rate", round(reach, 4))
                parts.append(min(1.0, reach / need) if need > 0 else 1.0)
                if reach < need:
                    ctx.finding(
                        f"warnings reached {reach:.1%} of the recipients targeted; the "
                        f"profile asks for {need:.0%}",
                        at=ctx.at(ctx.table(WARNING_LOG), column="reached"),  # type: ignore[arg-type]
                        fix="Check delivery receipts, resend to unreached households through "
                        "another channel, and clean up outdated contact lists.",
                    )
                    for path, row, r in worst.iter_rows():
                        ctx.finding(
                            f"warning reached {r:.0%} of its targeted recipients",
                            at=ctx.at(path, row=row, column="reached"),
                            severity="low",
                        )
        return sum(parts) / len(parts) if parts else None


# -- sample evidence ---------------------------------------------------------------------

_SOURCES = {
    "extreme_weather": ("City meteorological bureau forecast feed", "api"),
    "natural_disaster": ("District emergency management early-warning feed", "api"),
    "dangerous_behaviour": ("Video analytics on the smart community platform", "video_analytics"),
}


def _sample_warning_system(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    households = spec.community.households
    end = datetime.combine(spec.period.end, time(23, 0))
    hazards = list(HAZARDS) if spec.quality != "poor" else ["extreme_weather"]
    monitors = []
    for hazard in hazards:
        source, feed = _SOURCES[hazard]
        silent = spec.quality == "fair" and hazard == "natural_disaster"
        last = end - timedelta(days=40 if silent else 0, minutes=rng.randrange(5, 50))
        monitors.append(
            {
                "hazard": hazard,
                "source": source,
                "feed": feed,
                "last_data_at": last.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
            }
        )
    share = {"good": 0.93, "fair": 0.7, "poor": 0.35}.get(spec.quality, 0.7)
    channels = [
        {"channel": "app", "subscribers": int(households * share)},
        {"channel": "sms", "subscribers": int(households * share * 0.8)},
        {"channel": "broadcast", "subscribers": 0},
        {"channel": "display_screen", "subscribers": 0},
    ]
    data = {
        "system": {"name": "Community early-warning module", "operator": "Property service centre"},
        "monitors": monitors,
        "channels": channels,
    }
    return [("records/warning_system.yaml", yaml_bytes(data))]


# quality -> (share of late warnings, share of single-channel warnings, reach low, reach high)
_LOG_SHAPE = {
    "good": (0.02, 0.03, 0.93, 1.0),
    "fair": (0.35, 0.5, 0.6, 0.9),
    "poor": (0.55, 0.7, 0.4, 0.8),
}
_CHANNEL_SETS = ("app;sms;broadcast", "app;display_screen", "app;sms", "sms;broadcast;app")


def _sample_warning_log(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """About one warning every three days (a few hundred rows at most)."""
    late_share, single_share, lo, hi = _LOG_SHAPE.get(spec.quality, _LOG_SHAPE["fair"])
    start, days = spec.period.start, spec.period.days
    households = spec.community.households
    n = max(6, days // 3)
    rows: list[list[Any]] = []
    for k in range(n):
        day = start + timedelta(days=(k * days) // n)
        hazard = HAZARDS[rng.randrange(3)] if rng.random() < 0.9 else "natural_disaster"
        level = ("blue", "yellow", "orange", "red")[rng.randrange(4)]
        base = datetime.combine(day, time(6)) + timedelta(minutes=rng.randrange(600))
        late = rng.random() < late_share
        if hazard in FORECAST_HAZARDS:
            detected = base
            issued = detected + timedelta(minutes=rng.randrange(5, 40))
            lead = rng.randrange(10, 50) if late else rng.randrange(180, 1440)
            onset: datetime | None = issued + timedelta(minutes=lead)
            area = "whole community"
        else:
            detected = base
            issued = detected + timedelta(minutes=rng.randrange(25, 90) if late else 1)
            onset = None
            area = f"Building {rng.randrange(1, 9)}"
        channels = "app" if rng.random() < single_share else _CHANNEL_SETS[rng.randrange(4)]
        targeted = households if area == "whole community" else rng.randrange(40, 240)
        reached = int(targeted * (lo + (hi - lo) * rng.random()))
        rows.append(
            [
                f"W{k + 1:05d}",
                hazard,
                level,
                detected.strftime("%Y-%m-%dT%H:%M:00+08:00"),
                onset.strftime("%Y-%m-%dT%H:%M:00+08:00") if onset else None,
                issued.strftime("%Y-%m-%dT%H:%M:00+08:00"),
                channels,
                area,
                targeted,
                reached,
            ]
        )
    return [("tables/warning_log.csv", csv_bytes(_LOG_HEADER, rows))]


_LOG_HEADER = (
    "warning_id",
    "hazard",
    "level",
    "detected_at",
    "onset_at",
    "issued_at",
    "channels",
    "area",
    "targeted",
    "reached",
)
_SYSTEM_TEMPLATE = """\
system:
  name: Community early-warning module
  operator: Property service centre
monitors:
  - hazard: extreme_weather
    source: City meteorological bureau forecast feed
    feed: api
    last_data_at: "2025-12-31T22:40:00+08:00"
channels:
  - channel: app
    subscribers: 3900
  - channel: broadcast
    subscribers: 0
"""
_LOG_TEMPLATE = (
    ",".join(_LOG_HEADER) + "\n"
    "W00001,extreme_weather,orange,2025-07-14T06:10:00+08:00,2025-07-14T18:00:00+08:00,"
    "2025-07-14T06:30:00+08:00,app;sms;broadcast,whole community,4200,4010\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=WARNING_SYSTEM,
            kind="record",
            title="Emergency warning system",
            description="Which hazards the community's warning system monitors and from "
            "which data feed (with the time of the last data), and the warning channels "
            "with the number of households subscribed.",
            schema=schema_id(WARNING_SYSTEM),
            template_name="warning_system.yaml",
            template_text=_SYSTEM_TEMPLATE,
            sample=_sample_warning_system,
        ),
        EvidenceType(
            id=WARNING_LOG,
            kind="table",
            title="Emergency warning log",
            description="One row per warning issued: hazard, level, detection, expected "
            "onset and issue times (with UTC offset), channels, target area, recipients "
            "targeted and reached.",
            schema=schema_id(WARNING_LOG),
            template_name="warning_log.csv",
            template_text=_LOG_TEMPLATE,
            sample=_sample_warning_log,
            sample_rows=0.0,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(WARNING_SYSTEM), load_schema(WARNING_LOG)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [EmergencyWarning]
