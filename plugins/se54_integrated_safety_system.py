"""SE54 Integrated system of smart safety: the data of every safety item is collected
into one central information system, and statistics from it are published to residents.

Reads the central platform's record (its registered data feeds and the ways residents
reach it), a daily delivery log per feed (a table) and the statistics publications
addressed to residents (a table). Measurements over the tables are polars aggregations.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.frames import one_of
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id, yaml_bytes
from ._devices import list_findings, local_months, period_bounds_utc, share_score, zone

__all__ = ["IntegratedSafetySystem"]

PLATFORM = "integrated_platform"
FEED_LOG = "platform_feed_log"
PUBLICATIONS = "resident_statistics_publications"


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _feeds(platform: dict[str, Any], end: date) -> dict[str, tuple[int, str]]:
    """Active registered feeds connected by the period's end: source -> (index, feed id)."""
    out: dict[str, tuple[int, str]] = {}
    for i, feed in enumerate(platform.get("feeds") or []):
        if not isinstance(feed, dict) or feed.get("status") != "active":
            continue
        connected = _day(feed.get("connected_on"))
        if connected is not None and connected > end:
            continue
        out.setdefault(str(feed.get("source")), (i, str(feed.get("feed_id"))))
    return out


class IntegratedSafetySystem(Indicator):
    """The data of every smart-safety item is collected and counted in one central
    information system that residents can use, and statistics from it are published to
    them regularly.

    The platform record lists the data feeds the central system receives, by the
    indicator item each serves (SE51 life channels, SE52 people flow, ...). The daily
    feed log shows whether each required item's data actually arrives, day after day.
    The publication log shows how often statistics reach residents, over how many
    channels and about which items; the record's resident accounts show whether
    residents actually use the system.
    """

    code = "SE54"
    title = "Integrated system of smart safety"
    dimension = "SI"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(PLATFORM, purpose="the central system's registered feeds and resident access"),
        Need(FEED_LOG, purpose="records each feed delivered to the central system, per day"),
        Need(PUBLICATIONS, purpose="statistics published to residents"),
    )

    @rule(
        "R1",
        "Every required item's data reaches the central system",
        weight=3,
        severity="high",
        thresholds=("required_feeds",),
    )
    def feeds_connected(self, ctx: Context) -> float | None:
        """For each item of ``required_feeds`` (indicator codes), the central system must
        have an active feed for it, connected by the period's end, that delivered records
        on at least one day of the period according to the feed log. The score is the
        share of required items that meet this; findings say for each missing item
        whether the feed is not registered or registered but silent."""
        rec = ctx.record(PLATFORM)
        log = ctx.table(FEED_LOG)
        if rec is None or log is None or log.frame is None:
            return None
        required = [str(c) for c in ctx.threshold("required_feeds")]
        if not required:
            return None
        feeds = _feeds(rec.data, ctx.period.end)
        delivering = set(
            log.frame.filter(
                pl.col("day").is_between(ctx.period.start, ctx.period.end)
                & (pl.col("records_received") > 0)
            )
            .select(pl.col("feed_id").unique())
            .collect()["feed_id"]
            .to_list()
        )
        items = []
        ok = 0
        for code in required:
            if code not in feeds:
                items.append(
                    (
                        ctx.at(rec, pointer="/feeds"),
                        f"no active feed brings {code} data into the central system",
                    )
                )
            elif feeds[code][1] not in delivering:
                items.append(
                    (
                        ctx.at(rec, pointer=f"/feeds/{feeds[code][0]}"),
                        f"the {code} feed {feeds[code][1]} delivered nothing in the period",
                    )
                )
            else:
                ok += 1
        ctx.metric("required_feeds", len(required))
        ctx.metric("connected_feeds", ok)
        list_findings(
            ctx,
            items,
            fix="Connect the item's monitoring system to the central platform and check "
            "that its data arrives.",
            what="missing feeds",
        )
        return ok / len(required)

    @rule(
        "R2",
        "Connected feeds deliver data every day",
        weight=3,
        severity="high",
        thresholds=("required_feeds", "feed_day_coverage_min", "feed_max_silence_days"),
    )
    def feeds_daily(self, ctx: Context) -> float | None:
        """For each active feed of a required item, counts the period's days on which the
        feed log shows records received and finds its longest run of days without any
        (edges of the period included). A feed's score is its day coverage over
        ``feed_day_coverage_min`` (capped at 1), halved when its longest silence exceeds
        ``feed_max_silence_days``; the rule's score is the mean over those feeds. Feeds
        never connected are R1's concern and are left out here."""
        rec = ctx.record(PLATFORM)
        log = ctx.table(FEED_LOG)
        if rec is None or log is None or log.frame is None:
            return None
        required = {str(c) for c in ctx.threshold("required_feeds")}
        feeds = {fid: (i, code) for code, (i, fid) in _feeds(rec.data, ctx.period.end).items()}
        ids = sorted(fid for fid, (_, code) in feeds.items() if code in required)
        if not ids:
            return None
        start, end = ctx.period.start, ctx.period.end
        edges = pl.DataFrame(
            {
                "feed_id": ids * 2,
                "day": [start - timedelta(days=1)] * len(ids)
                + [end + timedelta(days=1)] * len(ids),
            },
            schema={"feed_id": pl.String, "day": pl.Date},
        )
        days = (
            log.frame.filter(
                one_of(pl.col("feed_id"), ids)
                & pl.col("day").is_between(start, end)
                & (pl.col("records_received") > 0)
            )
            .select("feed_id", "day")
            .unique()
            .collect()
        )
        stats = (
            pl.concat([days, edges])
            .sort("feed_id", "day")
            .group_by("feed_id")
            .agg(
                (pl.len() - 2).alias("days"),
                (pl.col("day").diff().dt.total_days() - 1).max().alias("silence"),
            )
        )
        by_feed = {f: (int(d), int(s)) for f, d, s in stats.iter_rows()}
        target = float(ctx.threshold("feed_day_coverage_min"))
        max_silence = int(ctx.threshold("feed_max_silence_days"))
        scores = []
        items = []
        for fid in ids:
            covered, silence = by_feed.get(fid, (0, ctx.period.days))
            share = covered / ctx.period.days
            score = share_score(share, target) * (0.5 if silence > max_silence else 1.0)
            scores.append(score)
            if score < 1:
                items.append(
                    (
                        ctx.at(rec, pointer=f"/feeds/{feeds[fid][0]}"),
                        f"the {feeds[fid][1]} feed {fid} delivered data on {covered} of "
                        f"{ctx.period.days} days; longest silence {silence} days",
                    )
                )
        mean = sum(scores) / len(scores)
        ctx.metric("mean_feed_score", round(mean, 4))
        list_findings(
            ctx,
            items,
            fix="Monitor the feeds' arrival in the central platform and restore an interrupted "
            "feed within a day, backfilling what was missed.",
            what="irregular feeds",
        )
        return mean

    @rule(
        "R3",
        "Statistics are published to residents every month, over several channels",
        weight=2,
        severity="medium",
        thresholds=("publication_month_share_min", "min_publication_channels", "timezone"),
    )
    def published_regularly(self, ctx: Context) -> float | None:
        """Counts the period's months (local time in ``timezone``) with at least one
        statistics publication to residents, and the distinct channels used in the period.
        The score is the mean of the month share over ``publication_month_share_min`` and
        the channel count over ``min_publication_channels``, each capped at 1."""
        table = ctx.table(PUBLICATIONS)
        if table is None or table.frame is None:
            return None
        tz = str(zone(self.code, ctx.threshold("timezone")))
        begin, finish = period_bounds_utc(ctx.period.start, ctx.period.end, zone(self.code, tz))
        local = pl.col("published_at").dt.replace_time_zone("UTC").dt.convert_time_zone(tz)
        found = (
            table.frame.filter(
                (pl.col("published_at") >= begin) & (pl.col("published_at") < finish)
            )
            .select(
                local.dt.strftime("%Y-%m").unique().implode().alias("months"),
                pl.col("channel").drop_nulls().unique().implode().alias("channels"),
            )
            .collect()
        )
        months_done = set(found["months"].explode().drop_nulls().to_list())
        channels = set(found["channels"].explode().drop_nulls().to_list())
        months = local_months(ctx.period.start, ctx.period.end)
        share = len([m for m in months if m in months_done]) / len(months)
        need_channels = int(ctx.threshold("min_publication_channels"))
        ctx.metric("publication_month_share", round(share, 4))
        ctx.metric("publication_channels", len(channels))
        target = float(ctx.threshold("publication_month_share_min"))
        missing = [m for m in months if m not in months_done]
        if share < target:
            ctx.finding(
                f"no statistics published to residents in {len(missing)} of {len(months)} "
                f"months: {', '.join(missing[:12])}",
                at=ctx.at(table, column="published_at"),
                fix="Publish the platform's safety statistics to residents every month.",
            )
        if len(channels) < need_channels:
            ctx.finding(
                f"statistics reach residents over {len(channels)} channel(s); at least "
                f"{need_channels} are expected",
                at=ctx.at(table, column="channel"),
                fix="Publish through the resident app as well as the website, notice boards "
                "or screens, so residents without the app are reached too.",
            )
        part_channels = min(1.0, len(channels) / need_channels) if need_channels > 0 else 1.0
        return (share_score(share, target) + part_channels) / 2

    @rule(
        "R4",
        "Publications cover every required safety item",
        weight=2,
        severity="medium",
        thresholds=("required_feeds", "publication_topic_share_min", "timezone"),
    )
    def topics_covered(self, ctx: Context) -> float | None:
        """Collects the items (indicator codes in the ``topics`` column, separated by
        semicolons) that the period's publications report on, and compares them with
        ``required_feeds``. The score is the covered share over
        ``publication_topic_share_min``, capped at 1; findings list the items residents
        never saw statistics about."""
        table = ctx.table(PUBLICATIONS)
        if table is None or table.frame is None:
            return None
        required = [str(c) for c in ctx.threshold("required_feeds")]
        if not required:
            return None
        begin, finish = period_bounds_utc(
            ctx.period.start, ctx.period.end, zone(self.code, ctx.threshold("timezone"))
        )
        seen = set(
            table.frame.filter(
                (pl.col("published_at") >= begin) & (pl.col("published_at") < finish)
            )
            .select(pl.col("topics").str.split(";").explode().str.strip_chars().alias("t"))
            .unique()
            .collect()["t"]
            .drop_nulls()
            .to_list()
        )
        missing = [c for c in required if c not in seen]
        share = 1 - len(missing) / len(required)
        target = float(ctx.threshold("publication_topic_share_min"))
        ctx.metric("publication_topic_share", round(share, 4))
        if missing:
            ctx.finding(
                f"no published statistics about {', '.join(missing)}",
                at=ctx.at(table, column="topics"),
                fix="Include every safety item the central system collects in the statistics "
                "published to residents, at least once in the period.",
                severity=None if share < target else "low",
            )
        return share_score(share, target)

    @rule(
        "R5",
        "Residents have access to the system",
        weight=1,
        severity="medium",
        thresholds=("resident_account_share_min",),
    )
    def residents_use(self, ctx: Context) -> float | None:
        """Divides the resident accounts the platform reports by the community's
        households. The score is that share over ``resident_account_share_min``, capped
        at 1."""
        rec = ctx.record(PLATFORM)
        if rec is None:
            return None
        access = rec.data.get("resident_access") or {}
        accounts = access.get("resident_accounts")
        accounts = accounts if isinstance(accounts, int) else 0
        households = max(1, int(ctx.community.households))
        share = accounts / households
        target = float(ctx.threshold("resident_account_share_min"))
        ctx.metric("resident_account_share", round(share, 4))
        if share < target:
            ctx.finding(
                f"{accounts} resident accounts for {households} households ({share:.0%}); "
                f"{target:.0%} is expected",
                at=ctx.at(rec, pointer="/resident_access/resident_accounts"),
                fix="Promote the resident app or portal (registration help desks, notices) "
                "so households can see the safety statistics.",
            )
        return share_score(share, target)


# -- sample evidence ---------------------------------------------------------------------

_ALL_FEEDS = ("SE41", "SE46", "SE51", "SE52", "SE53", "SE55", "SE56", "SE57", "SE62", "SE63")
_SYSTEMS = {
    "SE41": "incident records",
    "SE46": "building structure sensors",
    "SE51": "life channel monitoring",
    "SE52": "people-flow counting",
    "SE53": "object monitoring alarms",
    "SE55": "public facility IoT",
    "SE56": "environment reports",
    "SE57": "smart firefighting",
    "SE62": "emergency warnings",
    "SE63": "rescue alarms",
}
#: quality -> (feeds missing, feed outages in days, months skipped, channels, topic share,
#: resident accounts per household)
_SHAPE: dict[str, tuple[tuple[str, ...], tuple[int, ...], int, int, float, float]] = {
    "good": ((), (), 0, 3, 1.0, 0.7),
    "fair": (("SE46", "SE57"), (25, 12, 6), 4, 2, 0.7, 0.3),
    "poor": (("SE46", "SE52", "SE55", "SE56", "SE57"), (60, 40, 30), 8, 1, 0.3, 0.1),
}


def _sample_platform(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    missing, *_, accounts = _SHAPE.get(spec.quality, _SHAPE["fair"])
    data = {
        "platform_id": "CSP-1",
        "name": "Community smart safety platform",
        "resident_access": {
            "app": True,
            "website": spec.quality != "poor",
            "resident_accounts": int(spec.community.households * accounts),
        },
        "feeds": [
            {
                "feed_id": f"F{code[2:]}",
                "source": code,
                "system": _SYSTEMS[code],
                "connected_on": (
                    spec.period.start - timedelta(days=rng.randint(30, 300))
                ).isoformat(),
                "status": "active",
            }
            for code in _ALL_FEEDS
            if code not in missing
        ],
    }
    return [("records/integrated_platform.yaml", yaml_bytes(data))]


def _sample_feed_log(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """One row per connected feed and day of the period (fair and poor feeds go silent
    for weeks)."""
    missing, outages, *_ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    codes = [c for c in _ALL_FEEDS if c not in missing]
    n_days = spec.period.days
    rows: list[list[Any]] = []
    for k, code in enumerate(codes):
        cut = (-1, -1)
        if k < len(outages):
            first = rng.randrange(max(1, n_days - outages[k]))
            cut = (first, first + outages[k])
        base = rng.randint(200, 5000)
        for d in range(n_days):
            if cut[0] <= d < cut[1]:
                continue
            got = base + rng.randrange(base // 4 + 1)
            rows.append([f"F{code[2:]}", spec.period.start + timedelta(days=d), got, got // 500])
    header = ("feed_id", "day", "records_received", "errors")
    return [("tables/platform_feed_log.csv", csv_bytes(header, rows))]


_CHANNELS = ("app", "website", "notice_board", "wechat", "screen")


def _sample_publications(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """A monthly statistics bulletin (some months skipped for fair and poor), published
    over the quality's number of channels, on a rotating share of the items."""
    missing, _, skipped, channels, topic_share, _ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    topics = [c for c in _ALL_FEEDS if c not in missing]
    topics = topics[: max(1, round(len(topics) * topic_share))]
    months = local_months(spec.period.start, spec.period.end)
    skip = set(rng.sample(range(len(months)), min(skipped, len(months))))
    rows: list[list[Any]] = []
    n = 0
    for k, month in enumerate(months):
        if k in skip:
            continue
        y, m = int(month[:4]), int(month[5:])
        day = max(date(y, m, 1) + timedelta(days=rng.randint(2, 8)), spec.period.start)
        day = min(day, spec.period.end)
        chosen = topics[k % len(topics) :] + topics[: k % len(topics)]
        subjects = ";".join(sorted(chosen[: max(1, (len(chosen) + 1) // 2)]))
        for c in range(channels):
            n += 1
            at = datetime.combine(day, time(10, 0)).strftime("%Y-%m-%dT%H:%M:00+08:00")
            rows.append([f"P{n:04d}", at, _CHANNELS[c], subjects, rng.randint(300, 3000)])
    header = ("publication_id", "published_at", "channel", "topics", "views")
    return [("tables/resident_statistics_publications.csv", csv_bytes(header, rows))]


# -- plugin hooks ------------------------------------------------------------------------

_PLATFORM_TEMPLATE = """\
platform_id: CSP-1
name: Community smart safety platform
resident_access: {app: true, website: true, resident_accounts: 2400}
feeds:
  - {feed_id: F51, source: SE51, system: life channel monitoring, connected_on: "2024-03-01",
     status: active}
  - {feed_id: F52, source: SE52, system: people-flow counting, connected_on: "2024-03-01",
     status: active}
"""


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=PLATFORM,
            kind="record",
            title="Integrated smart-safety platform",
            description="The central information system: the data feeds it receives (by the "
            "safety item each serves) and how residents reach it.",
            schema=schema_id(PLATFORM),
            template_name="integrated_platform.yaml",
            template_text=_PLATFORM_TEMPLATE,
            sample=_sample_platform,
        ),
        EvidenceType(
            id=FEED_LOG,
            kind="table",
            title="Central platform feed delivery log",
            description="One row per data feed and day: records the central system received "
            "from the feed and records it rejected.",
            schema=schema_id(FEED_LOG),
            template_name="platform_feed_log.csv",
            template_text="feed_id,day,records_received,errors\nF51,2025-01-01,2880,0\n",
            sample=_sample_feed_log,
            sample_rows=0.0,
        ),
        EvidenceType(
            id=PUBLICATIONS,
            kind="table",
            title="Statistics published to residents",
            description="One row per publication of safety statistics to residents: when, "
            "over which channel, about which safety items, and how often it was viewed.",
            schema=schema_id(PUBLICATIONS),
            template_name="resident_statistics_publications.csv",
            template_text="publication_id,published_at,channel,topics,views\n"
            "P0001,2025-02-05T10:00:00+08:00,app,SE51;SE52;SE53,1520\n",
            sample=_sample_publications,
            sample_rows=0.0,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(PLATFORM), load_schema(FEED_LOG), load_schema(PUBLICATIONS)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [IntegratedSafetySystem]
