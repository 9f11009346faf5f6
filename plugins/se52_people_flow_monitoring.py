"""SE52 Smart personnel monitoring facilities: people flow counted in real time, analysed,
kept as history and stored safely.

Reads the people-flow system record (counting points, statistics produced, storage
settings) and the count export (a table of one row per counting point and interval,
which for a year of fine-grained counts runs to millions of rows; every measurement
over it is a polars aggregation).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.frames import one_of
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import load_schema, schema_id, yaml_bytes
from ._devices import (
    day_strings,
    device_gaps,
    list_findings,
    local_months,
    period_bounds_utc,
    share_score,
    stamp,
    zone,
)

__all__ = ["PeopleFlowMonitoring"]

SYSTEM = "people_flow_system"
COUNTS = "people_flow_counts"


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _active_points(system: dict[str, Any], end: date) -> list[tuple[int, dict[str, Any]]]:
    """Counting points (with their index) active and installed by the period's end."""
    out = []
    for i, point in enumerate(system.get("counting_points") or []):
        if not isinstance(point, dict) or point.get("status") != "active":
            continue
        installed = _day(point.get("installed_on"))
        if installed is not None and installed > end:
            continue
        out.append((i, point))
    return out


class PeopleFlowMonitoring(Indicator):
    """People flow is counted at the community's entrances and public areas in real time,
    analysed into statistics, kept as a searchable history and stored securely.

    The count export shows whether counting is fine-grained enough (the profile's
    interval or finer) and continuous over the period at every active counting point.
    The system record shows which statistics were produced for which months, how long
    history is kept (checked against the oldest data actually held) and how the stored
    data is protected.
    """

    code = "SE52"
    title = "Smart personnel monitoring facilities"
    dimension = "SI"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(SYSTEM, purpose="counting points, statistics produced and storage settings"),
        Need(COUNTS, purpose="people-flow counts per counting point and interval"),
    )

    @rule(
        "R1",
        "People are counted at the profile's interval or finer",
        weight=2,
        severity="medium",
        thresholds=("max_count_interval_minutes", "timezone"),
    )
    def count_interval(self, ctx: Context) -> float | None:
        """Compares two things with ``max_count_interval_minutes``: the interval each
        active counting point is configured with, and the interval of every count row of
        the period. The score is the share of active points configured at that interval or
        finer, times the share of count rows that are; findings name the coarse points and
        the first coarse rows."""
        rec = ctx.record(SYSTEM)
        table = ctx.table(COUNTS)
        if rec is None or table is None or table.frame is None:
            return None
        limit = int(ctx.threshold("max_count_interval_minutes"))
        points = _active_points(rec.data, ctx.period.end)
        coarse = [
            (i, p)
            for i, p in points
            if not isinstance(p.get("count_interval_minutes"), int)
            or p["count_interval_minutes"] > limit
        ]
        begin, finish = self._bounds(ctx)
        rows = table.frame.filter(
            (pl.col("interval_start") >= begin) & (pl.col("interval_start") < finish)
        )
        summary, first = pl.collect_all(
            [
                rows.select(
                    pl.len().alias("n"),
                    (pl.col("interval_minutes") > limit).fill_null(True).sum().alias("coarse"),
                ),
                rows.filter((pl.col("interval_minutes") > limit).fill_null(True))
                .select("__file", "__row")
                .head(1),
            ]
        )
        n, coarse_rows = (int(v) for v in summary.row(0))
        point_share = 1 - len(coarse) / len(points) if points else 0.0
        row_share = 1 - coarse_rows / n if n else 0.0
        ctx.metric("active_counting_points", len(points))
        ctx.metric("fine_grained_row_share", round(row_share, 4))
        list_findings(
            ctx,
            [
                (
                    ctx.at(rec, pointer=f"/counting_points/{i}/count_interval_minutes"),
                    f"counting point {p.get('point_id')} "
                    + (
                        f"counts every {p['count_interval_minutes']} minutes"
                        if isinstance(p.get("count_interval_minutes"), int)
                        else "gives no valid count interval"
                    )
                    + f"; at most {limit} minutes is asked for",
                )
                for i, p in coarse
            ],
            fix="Configure the counting point to aggregate counts at the required interval "
            "or finer.",
            what="coarse counting points",
        )
        if not points:
            ctx.finding(
                "no active counting point in the system record",
                at=ctx.at(rec, pointer="/counting_points"),
                fix="Register the counting points at entrances and public areas.",
            )
        if coarse_rows:
            path, row = first.row(0)
            ctx.finding(
                f"{coarse_rows} of {n} count rows cover more than {limit} minutes or give no "
                "interval",
                at=ctx.at(path, row=row, column="interval_minutes"),
                fix="Export the counts at the interval they were taken, not re-aggregated.",
            )
        return point_share * row_share

    @rule(
        "R2",
        "Every counting point counts throughout the period",
        weight=3,
        severity="high",
        thresholds=("max_count_interval_minutes", "count_coverage_min", "timezone"),
    )
    def count_coverage(self, ctx: Context) -> float | None:
        """Cuts the period (local days in ``timezone``) into slots of
        ``max_count_interval_minutes`` and, for each active counting point, counts the
        slots that hold at least one count row. A point's coverage is that number over the
        slots in the period; the score is the mean coverage over ``count_coverage_min``,
        capped at 1. Findings name the points below the target with their longest
        silence."""
        rec = ctx.record(SYSTEM)
        table = ctx.table(COUNTS)
        if rec is None or table is None or table.frame is None:
            return None
        ids = sorted({str(p.get("point_id")) for _, p in _active_points(rec.data, ctx.period.end)})
        if not ids:
            ctx.finding(
                "no active counting point, so no counting can be assessed",
                at=ctx.at(rec, pointer="/counting_points"),
                fix="Register the counting points at entrances and public areas as active.",
            )
            return 0.0
        slot = int(ctx.threshold("max_count_interval_minutes"))
        begin, finish = self._bounds(ctx)
        slots_total = max(1, int((finish - begin).total_seconds() // (slot * 60)))
        covered = dict(
            table.frame.filter(
                one_of(pl.col("point_id"), ids)
                & (pl.col("interval_start") >= begin)
                & (pl.col("interval_start") < finish)
            )
            .select(
                "point_id",
                ((pl.col("interval_start") - pl.lit(begin)).dt.total_minutes() // slot).alias(
                    "slot"
                ),
            )
            .group_by("point_id")
            .agg(pl.col("slot").n_unique().alias("slots"))
            .collect()
            .iter_rows()
        )
        coverage = {p: min(1.0, int(covered.get(p, 0)) / slots_total) for p in ids}
        mean = sum(coverage.values()) / len(ids)
        target = float(ctx.threshold("count_coverage_min"))
        ctx.metric("mean_count_coverage", round(mean, 4))
        low = [p for p in ids if coverage[p] < target]
        if low:
            gaps = device_gaps(
                table.frame,
                device="point_id",
                at="interval_start",
                begin=begin,
                finish=finish,
                devices=low,
                limit_minutes=slot,
            )
            longest = {p: (m, f) for p, _, m, _, _, f in gaps.iter_rows()}
            items = []
            for p in sorted(low, key=lambda x: coverage[x]):
                minutes, since = longest.get(p, (0.0, None))
                when = since.strftime("%Y-%m-%d %H:%M UTC") if since else "the period's start"
                items.append(
                    (
                        ctx.at(table, column="point_id"),
                        f"counting point {p} has counts for {coverage[p]:.1%} of the period's "
                        f"{slot}-minute slots; longest silence {minutes / 60:.1f} hours from "
                        f"{when}",
                    )
                )
            list_findings(
                ctx,
                items,
                fix="Keep counting points online (power, network, camera view) and backfill "
                "counts from the device buffer after an outage.",
                what="counting points",
            )
        return share_score(mean, target)

    @rule(
        "R3",
        "Statistics are produced for every month, promptly",
        weight=2,
        severity="medium",
        thresholds=("statistics_month_share_min", "statistics_max_delay_days"),
    )
    def statistics(self, ctx: Context) -> float | None:
        """A month of the period counts as analysed when a statistics report covers part
        of it and was produced within ``statistics_max_delay_days`` after the end of what
        it covers. The score is the analysed share of the period's months over
        ``statistics_month_share_min``, capped at 1; findings list the months without
        timely statistics and reports produced late."""
        rec = ctx.record(SYSTEM)
        if rec is None:
            return None
        delay = int(ctx.threshold("statistics_max_delay_days"))
        months = local_months(ctx.period.start, ctx.period.end)
        done: set[str] = set()
        late = []
        for i, rep in enumerate(rec.data.get("statistics") or []):
            if not isinstance(rep, dict):
                continue
            start, end, made = (
                _day(rep.get("covers_from")),
                _day(rep.get("covers_to")),
                _day(rep.get("produced_on")),
            )
            if start is None or end is None or made is None or end < start:
                continue
            if (made - end).days > delay:
                late.append(i)
                continue
            done.update(m for m in local_months(start, end) if m in months)
        share = len(done) / len(months)
        ctx.metric("months_with_statistics", len(done))
        ctx.metric("statistics_month_share", round(share, 4))
        target = float(ctx.threshold("statistics_month_share_min"))
        missing = [m for m in months if m not in done]
        if missing and share < target:
            ctx.finding(
                f"no timely people-flow statistics for {len(missing)} of {len(months)} "
                f"months: {', '.join(missing[:12])}",
                at=ctx.at(rec, pointer="/statistics"),
                fix="Produce a people-flow statistics report (totals, peaks, unusual "
                "crowding) for every month soon after it ends.",
            )
        for i in late[:5]:
            ctx.finding(
                f"statistics report produced more than {delay} days after the time it covers",
                at=ctx.at(rec, pointer=f"/statistics/{i}/produced_on"),
                severity="low",
            )
        return share_score(share, target)

    @rule(
        "R4",
        "History is kept for the required time",
        weight=2,
        severity="medium",
        thresholds=("history_retention_days",),
    )
    def history_kept(self, ctx: Context) -> float | None:
        """Two measures against ``history_retention_days``: the retention the storage is
        configured with, and the history actually held at the period's end (from the
        oldest record date the system reports and the earliest count in the export,
        whichever is older; the requirement is capped at the period's length when the
        export is the only proof). The score is the lower of configured over required and
        held over required, each capped at 1."""
        rec = ctx.record(SYSTEM)
        table = ctx.table(COUNTS)
        if rec is None:
            return None
        need = int(ctx.threshold("history_retention_days"))
        storage = rec.data.get("storage") or {}
        configured = storage.get("retention_days")
        configured = configured if isinstance(configured, int) else 0
        oldest = _day(storage.get("oldest_record_on"))
        need_held = need
        if table is not None and table.frame is not None:
            first = table.frame.select(pl.col("interval_start").min()).collect().item()
            if first is not None and (oldest is None or first.date() < oldest):
                oldest = first.date()
                need_held = min(need, ctx.period.days)
        held = (ctx.period.end - oldest).days + 1 if oldest else 0
        ctx.metric("retention_days_configured", configured)
        ctx.metric("history_days_held", held)
        part_conf = share_score(configured, need)
        part_held = share_score(held, need_held)
        if part_conf < 1:
            ctx.finding(
                f"history is configured to be kept {configured} days; {need} are required",
                at=ctx.at(rec, pointer="/storage/retention_days"),
                fix="Extend the retention of people-flow history and its statistics.",
            )
        if part_held < 1:
            ctx.finding(
                f"the oldest people-flow data held reaches back {held} days from the "
                f"period's end; {need_held} are required",
                at=ctx.at(rec, pointer="/storage/oldest_record_on"),
                fix="Stop purging history early and restore it from backups where possible.",
            )
        return min(part_conf, part_held)

    @rule(
        "R5",
        "Stored people-flow data is encrypted",
        weight=2,
        severity="critical",
        red_line=True,
        thresholds=("accepted_encryption_algorithms",),
    )
    def storage_encrypted(self, ctx: Context) -> float | None:
        """Three checks of the storage settings, a third of the score each: data is
        encrypted at rest, with one of the ``accepted_encryption_algorithms``, and its keys
        are managed apart from the data (a key service or hardware module, not none). A
        red line: unencrypted people-flow data caps the indicator's score."""
        rec = ctx.record(SYSTEM)
        if rec is None:
            return None
        storage = rec.data.get("storage") or {}
        accepted = {str(a).upper() for a in ctx.threshold("accepted_encryption_algorithms")}
        checks = {
            "encrypted_at_rest": (
                storage.get("encrypted_at_rest") is True,
                "stored people-flow data is not encrypted at rest",
            ),
            "encryption_algorithm": (
                str(storage.get("encryption_algorithm") or "").upper() in accepted,
                "the encryption algorithm is not one the profile accepts",
            ),
            "key_management": (
                storage.get("key_management") in ("kms", "hsm"),
                "encryption keys are not managed in a key service or hardware module",
            ),
        }
        passed = sum(ok for ok, _ in checks.values())
        ctx.metric("storage_checks_passed", passed)
        for field, (ok, message) in checks.items():
            if not ok:
                ctx.finding(
                    message,
                    at=ctx.at(rec, pointer=f"/storage/{field}"),
                    fix="Encrypt the people-flow database and its backups (for example SM4 "
                    "or AES-256) with keys held in a key management service.",
                )
        return passed / len(checks)

    def _bounds(self, ctx: Context) -> Any:
        return period_bounds_utc(
            ctx.period.start, ctx.period.end, zone(self.code, ctx.threshold("timezone"))
        )


# -- sample evidence ---------------------------------------------------------------------

#: quality -> (points counting coarser than hourly, outages (days) per point,
#: months without statistics, retention days, encrypted)
_SHAPE: dict[str, tuple[int, tuple[int, ...], int, int, bool]] = {
    "good": (0, (), 0, 400, True),
    "fair": (1, (12, 4), 3, 120, True),
    "poor": (2, (60, 30, 20), 8, 30, False),
}
_SAMPLE_ZONE = zone("SE52", "Asia/Shanghai")
_KINDS = ("entrance", "entrance", "public_area", "public_area", "exit", "public_area")
#: Relative people flow by local hour (a residential community: morning and evening peaks).
_HOURLY = (1, 1, 1, 1, 1, 2, 6, 14, 16, 9, 7, 8, 9, 8, 7, 7, 9, 14, 16, 12, 9, 6, 3, 2)


def _points(spec: SampleSpec) -> list[str]:
    """Counting point ids from the household count alone (the record and the export
    agree without sharing state)."""
    n = max(2, min(6, spec.community.households // 2000))
    return [f"PF{i:02d}" for i in range(1, n + 1)]


def _sample_system(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    coarse, _, no_stats, retention, encrypted = _SHAPE.get(spec.quality, _SHAPE["fair"])
    points = _points(spec)
    months = local_months(spec.period.start, spec.period.end)
    skipped = set(rng.sample(range(len(months)), min(no_stats, len(months))))
    stats = []
    for k, month in enumerate(months):
        if k in skipped:
            continue
        y, m = int(month[:4]), int(month[5:])
        first = date(y, m, 1)
        last = (date(y + (m == 12), m % 12 + 1, 1)) - timedelta(days=1)
        stats.append(
            {
                "report_id": f"PFS-{month}",
                "kind": "monthly",
                "covers_from": first.isoformat(),
                "covers_to": last.isoformat(),
                "produced_on": (last + timedelta(days=rng.randint(1, 6))).isoformat(),
                "reference": f"stats/people-flow-{month}.pdf",
            }
        )
    data = {
        "system_id": "PFS-1",
        "counting_points": [
            {
                "point_id": p,
                "kind": _KINDS[i % len(_KINDS)],
                "location": f"{_KINDS[i % len(_KINDS)].replace('_', ' ')} {i + 1}",
                "count_interval_minutes": 120 if i < coarse else 15,
                "installed_on": (spec.period.start - timedelta(days=200)).isoformat(),
                "status": "active",
            }
            for i, p in enumerate(points)
        ],
        "statistics": stats,
        "storage": {
            "encrypted_at_rest": encrypted,
            "encryption_algorithm": "SM4" if encrypted else "none",
            "key_management": "kms" if encrypted else "none",
            "retention_days": retention,
            "oldest_record_on": (
                spec.period.end - timedelta(days=min(retention, 365 + 200) - 1)
            ).isoformat(),
            "access_audited": encrypted,
        },
    }
    return [("records/people_flow_system.yaml", yaml_bytes(data))]


def _sample_counts(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """One row per counting point and interval over the period: the finest of 60, 30, 15,
    10, 5, 2 or 1 minutes that stays within ``spec.rows`` (at least hourly rows for every point);
    fair and poor communities have points that stop counting for days, and coarse
    points that export two-hour rows."""
    coarse, outages, *_ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    points = _points(spec)
    begin, finish = period_bounds_utc(spec.period.start, spec.period.end, _SAMPLE_ZONE)
    span = int((finish - begin).total_seconds())
    off = begin.hour * 3600 + begin.minute * 60
    days = day_strings(begin, span // 86400 + 2)
    step = 60
    for minutes in (1, 2, 5, 10, 15, 30):
        if len(points) * span // (minutes * 60) <= spec.rows:
            step = minutes
            break
    lines = ["point_id,interval_start,interval_minutes,entered,exited\n"]
    rand = rng.getrandbits
    for i, p in enumerate(points):
        width = 120 if i < coarse else step
        cut_from = cut_to = -1
        if i < len(outages):
            cut_from = rng.randrange(span // 2)
            cut_to = cut_from + outages[i] * 86400
        scale = width / 60
        for t in range(0, span, width * 60):
            if cut_from <= t < cut_to:
                continue
            hour = ((t + off) // 3600 + 8) % 24  # local hour (+08:00)
            r = rand(20)
            base = int(_HOURLY[hour] * scale * (3 + (r & 7)))
            lines.append(
                f"{p},{stamp(days, off + t)},{width},{base},{base + ((r >> 3) & 7) - 3}\n"
                if base >= 3
                else f"{p},{stamp(days, off + t)},{width},{base},{base}\n"
            )
    return [("tables/people_flow_counts.csv", "".join(lines).encode("utf-8"))]


# -- plugin hooks ------------------------------------------------------------------------

_SYSTEM_TEMPLATE = """\
system_id: PFS-1
counting_points:
  - {point_id: PF01, kind: entrance, location: "Main gate", count_interval_minutes: 15,
     installed_on: "2024-06-01", status: active}
statistics:
  - {report_id: PFS-2025-01, kind: monthly, covers_from: "2025-01-01", covers_to: "2025-01-31",
     produced_on: "2025-02-03", reference: "stats/people-flow-2025-01.pdf"}
storage:
  encrypted_at_rest: true
  encryption_algorithm: SM4
  key_management: kms
  retention_days: 365
  oldest_record_on: "2024-06-01"
  access_audited: true
"""


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=SYSTEM,
            kind="record",
            title="People-flow monitoring system",
            description="Counting points, the statistics produced from the counts, and how "
            "the history is kept and protected (retention, encryption, key management).",
            schema=schema_id(SYSTEM),
            template_name="people_flow_system.yaml",
            template_text=_SYSTEM_TEMPLATE,
            sample=_sample_system,
        ),
        EvidenceType(
            id=COUNTS,
            kind="table",
            title="People-flow counts",
            description="One row per counting point and interval: interval start (RFC 3339 "
            "with offset), interval length in minutes, people entering and leaving.",
            schema=schema_id(COUNTS),
            template_name="people_flow_counts.csv",
            template_text="point_id,interval_start,interval_minutes,entered,exited\n"
            "PF01,2025-01-01T08:00:00+08:00,15,42,37\n",
            sample=_sample_counts,
            sample_rows=0.3,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(SYSTEM), load_schema(COUNTS)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [PeopleFlowMonitoring]
