"""SE61 Emergency duty: an emergency workstation with a smart emergency management system
and duty terminals, connected to the smart community's emergency duty system, and a
standing emergency team on duty around the clock.

Reads the duty system's description (a record: workstation, management system,
terminals, team) and the duty roster (a table of shifts). Hour coverage is computed with
polars: shifts are expanded to the hours they cover, counted per hour and compared with
every hour of the period; uncovered hours are merged into gaps reported with their times.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.frames import one_of
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id, yaml_bytes
from ._devices import (
    MAX_LISTED,
    day_strings,
    period_bounds_utc,
    score_row_consistency,
    share_score,
    stamp,
    zone,
)

__all__ = ["EmergencyDuty"]

SYSTEM = "emergency_duty_system"
ROSTER = "emergency_duty_roster"

ROLES = ("leader", "duty_officer", "monitor", "responder", "medic")
POSTS = ("workstation", "on_call", "patrol")
CONNECTIONS = ("community_platform", "district_duty_system")


def _members(data: dict[str, Any]) -> list[dict[str, Any]]:
    team = data.get("team") or {}
    return [m for m in team.get("members") or [] if isinstance(m, dict)]


class EmergencyDuty(Indicator):
    """An emergency workstation is set up with a smart emergency management system and duty
    terminals connected to the smart community's emergency duty system, and a standing
    emergency team keeps watch at every hour.

    The duty roster is checked hour by hour over the whole period; the system record shows
    the workstation, its connections and terminals, and the standing team's size, roles
    and training; roster and record are cross-checked.
    """

    code = "SE61"
    title = "Emergency duty"
    dimension = "EMD"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(SYSTEM, purpose="workstation, management system, duty terminals and team"),
        Need(ROSTER, purpose="duty shifts with who was on duty, where and when"),
    )

    @rule(
        "R1",
        "Every hour of the period has staff on duty",
        weight=4,
        severity="high",
        red_line=True,
        thresholds=("coverage_posts", "min_staff_on_duty", "hour_coverage_min", "timezone"),
    )
    def hour_coverage(self, ctx: Context) -> float | None:
        """Expands every shift at one of the ``coverage_posts`` into the clock hours it
        touches, counts the distinct members on duty in each hour, and compares with every
        hour of the period (local days in ``timezone``). An hour is covered with at least
        ``min_staff_on_duty`` members. The score is the covered share over
        ``hour_coverage_min``, capped at 1. Findings list the uncovered stretches with
        their local start and end times, longest first."""
        table = ctx.table(ROSTER)
        if table is None or table.frame is None:
            return None
        tz_name = str(ctx.threshold("timezone"))
        begin, finish = period_bounds_utc(
            ctx.period.start, ctx.period.end, zone(self.code, tz_name)
        )
        posts = [str(p) for p in ctx.threshold("coverage_posts")]
        need = int(ctx.threshold("min_staff_on_duty"))
        start = pl.max_horizontal(pl.col("starts_at"), pl.lit(begin)).dt.truncate("1h")
        last = (
            pl.min_horizontal(pl.col("ends_at"), pl.lit(finish)) - timedelta(microseconds=1)
        ).dt.truncate("1h")
        per_hour = (
            table.frame.filter(
                one_of(pl.col("post"), posts)
                & (pl.col("ends_at") > begin)
                & (pl.col("starts_at") < finish)
                & (pl.col("ends_at") > pl.col("starts_at"))
            )
            .select(
                "member_id",
                pl.datetime_ranges(start, last, "1h", time_unit="us").alias("hour"),
            )
            .explode("hour")
            .group_by("hour")
            .agg(pl.col("member_id").n_unique().alias("staff"))
        )
        hours = pl.LazyFrame(
            {
                "hour": pl.datetime_range(
                    begin, finish, "1h", closed="left", eager=True, time_unit="us"
                )
            }
        )
        gaps = (
            hours.join(per_hour, on="hour", how="left")
            .with_columns(pl.col("staff").fill_null(0))
            .filter(pl.col("staff") < need)
            .sort("hour")
            .with_columns(
                (pl.col("hour").diff() != timedelta(hours=1)).fill_null(True).cum_sum().alias("run")
            )
            .group_by("run")
            .agg(
                pl.col("hour").min().alias("from"),
                pl.col("hour").max().alias("to"),
                pl.len().alias("hours"),
                pl.col("staff").max().alias("staff"),
            )
            .sort("hours", "from", descending=[True, False])
            .collect()
        )
        total = int((finish - begin).total_seconds() // 3600)
        uncovered = int(gaps["hours"].sum()) if gaps.height else 0
        share = 1 - uncovered / total if total else 0.0
        ctx.metric("period_hours", total)
        ctx.metric("covered_hour_share", round(share, 4))
        ctx.metric("uncovered_hours", uncovered)
        ctx.metric("duty_gaps", gaps.height)
        if gaps.height:
            local = gaps.with_columns(
                pl.col("from", "to")
                .dt.replace_time_zone("UTC")
                .dt.convert_time_zone(tz_name)
                .dt.strftime("%Y-%m-%d %H:%M")
            )
            ctx.finding(
                f"{uncovered} of {total} hours ({1 - share:.1%}) had fewer than {need} "
                f"member(s) on duty, in {gaps.height} gap(s)",
                at=ctx.at(table, column="starts_at"),
                fix="Roster the standing team so that every hour, nights and holidays "
                "included, has someone at the duty workstation.",
            )
            for frm, to, hours_n, staff in (
                local.select("from", "to", "hours", "staff").head(MAX_LISTED).iter_rows()
            ):
                end = (datetime.strptime(to, "%Y-%m-%d %H:%M") + timedelta(hours=1)).strftime(
                    "%Y-%m-%d %H:%M"
                )
                ctx.finding(
                    f"duty gap of {hours_n} hour(s) from {frm} to {end} ({tz_name}); at most "
                    f"{staff} on duty",
                    at=ctx.at(table, column="starts_at"),
                    severity="medium" if hours_n < 8 else "high",
                )
        return share_score(share, float(ctx.threshold("hour_coverage_min")))

    @rule(
        "R2",
        "The workstation's management system and duty terminals are connected",
        weight=2,
        severity="high",
        thresholds=("required_connections", "terminals_min"),
    )
    def workstation_ready(self, ctx: Context) -> float | None:
        """Checks the system record: a workstation with a location, the management system
        connected to each of the ``required_connections`` (the community platform, the
        district emergency duty system), and at least ``terminals_min`` active, connected
        duty terminals. The score is the mean of the three parts (the connection and
        terminal parts give partial credit)."""
        rec = ctx.record(SYSTEM)
        if rec is None:
            return None
        data = rec.data
        station = data.get("workstation") or {}
        has_station = bool(station.get("location"))
        if not has_station:
            ctx.finding(
                "no emergency workstation with a location is declared",
                at=ctx.at(rec, pointer="/workstation"),
                fix="Set up an emergency workstation and declare where it is.",
            )
        mgmt = data.get("management_system") or {}
        links = mgmt.get("connected_to") or []
        required = [str(c) for c in ctx.threshold("required_connections")]
        absent = [c for c in required if c not in links]
        for c in absent:
            ctx.finding(
                f"the emergency management system is not connected to the {c.replace('_', ' ')}",
                at=ctx.at(rec, pointer="/management_system/connected_to"),
                fix="Connect the workstation's system so duty information flows to the smart "
                "community's emergency duty system.",
            )
        conn_part = (len(required) - len(absent)) / len(required) if required else 1.0
        terminals = [t for t in data.get("terminals") or [] if isinstance(t, dict)]
        working = [t for t in terminals if t.get("status") == "active" and t.get("connected")]
        need = int(ctx.threshold("terminals_min"))
        for i, t in enumerate(terminals):
            if t not in working:
                ctx.finding(
                    f"duty terminal {t.get('terminal_id')} is {t.get('status')}"
                    + ("" if t.get("connected") else " and not connected"),
                    at=ctx.at(rec, pointer=f"/terminals/{i}"),
                    fix="Repair or reconnect the terminal.",
                    severity="low" if len(working) >= need else None,
                )
        if len(working) < need:
            ctx.finding(
                f"{len(working)} working duty terminal(s), {need} required",
                at=ctx.at(rec, pointer="/terminals"),
                fix="Equip the workstation with connected duty terminals.",
            )
        ctx.metric("working_terminals", len(working))
        term_part = min(1.0, len(working) / need) if need > 0 else 1.0
        return (float(has_station) + conn_part + term_part) / 3

    @rule(
        "R3",
        "A standing emergency team is staffed, trained and on the roster",
        weight=2,
        severity="medium",
        thresholds=(
            "team_size_min",
            "members_per_1000_residents",
            "required_roles",
            "trained_share_min",
            "rostered_share_min",
        ),
    )
    def standing_team(self, ctx: Context) -> float | None:
        """Reads the team: its size against the larger of ``team_size_min`` and
        ``members_per_1000_residents`` times the population, the ``required_roles``
        present, the trained share against ``trained_share_min``, and the share of
        members who appear in the roster against ``rostered_share_min`` (a standing team
        actually takes duty). The score is the mean of the four ratios, each capped at
        1."""
        rec = ctx.record(SYSTEM)
        table = ctx.table(ROSTER)
        if rec is None:
            return None
        members = _members(rec.data)
        pop = ctx.community.population or 0
        need = max(
            int(ctx.threshold("team_size_min")),
            math.ceil(pop / 1000 * float(ctx.threshold("members_per_1000_residents"))),
        )
        size_part = min(1.0, len(members) / need) if need else 1.0
        roles = [str(r) for r in ctx.threshold("required_roles")]
        have = {str(m.get("role")) for m in members}
        absent = [r for r in roles if r not in have]
        role_part = (len(roles) - len(absent)) / len(roles) if roles else 1.0
        trained = sum(1 for m in members if m.get("trained") is True)
        trained_share = trained / len(members) if members else 0.0
        trained_part = share_score(trained_share, float(ctx.threshold("trained_share_min")))
        ids = [str(m.get("member_id")) for m in members]
        on_roster: set[str] = set()
        if table is not None and table.frame is not None and ids:
            on_roster = set(
                table.frame.select(pl.col("member_id").unique())
                .collect()["member_id"]
                .drop_nulls()
                .to_list()
            )
        rostered = sum(1 for i in ids if i in on_roster)
        rostered_share = rostered / len(ids) if ids else 0.0
        roster_part = share_score(rostered_share, float(ctx.threshold("rostered_share_min")))
        ctx.metric("team_members", len(members))
        ctx.metric("team_members_required", need)
        ctx.metric("trained_member_share", round(trained_share, 4))
        ctx.metric("rostered_member_share", round(rostered_share, 4))
        if len(members) < need:
            ctx.finding(
                f"the standing team has {len(members)} member(s), {need} expected for the "
                "community's population",
                at=ctx.at(rec, pointer="/team/members"),
                fix="Recruit and appoint enough members to staff duty around the clock.",
            )
        for r in absent:
            ctx.finding(
                f"no team member holds the {r.replace('_', ' ')} role",
                at=ctx.at(rec, pointer="/team/members"),
                fix=f"Appoint a {r.replace('_', ' ')} in the standing team.",
            )
        if members and trained_part < 1:
            ctx.finding(
                f"only {trained} of {len(members)} team members are trained",
                at=ctx.at(rec, pointer="/team/members"),
                fix="Train every team member in emergency duty and response.",
            )
        if members and roster_part < 1:
            idle = [n for n, i in enumerate(ids) if i not in on_roster]
            ctx.finding(
                f"{len(idle)} of {len(ids)} team members never appear on the duty roster",
                at=ctx.at(rec, pointer=f"/team/members/{idle[0]}"),
                fix="Rotate every standing team member through duty shifts.",
            )
        return (size_part + role_part + trained_part + roster_part) / 4

    @rule(
        "R4",
        "Roster shifts are consistent with the team and terminals",
        weight=1,
        severity="medium",
        thresholds=("max_shift_hours", "consistent_share_min"),
    )
    def roster_consistent(self, ctx: Context) -> float | None:
        """Checks every shift: it ends after it starts and lasts at most
        ``max_shift_hours``, its member belongs to the team, its terminal (when given) is
        a registered terminal, and its shift id is not repeated. The score is the
        consistent share over ``consistent_share_min``, capped at 1."""
        rec = ctx.record(SYSTEM)
        table = ctx.table(ROSTER)
        if rec is None or table is None or table.frame is None:
            return None
        ids = [str(m.get("member_id")) for m in _members(rec.data)]
        terminals = [
            str(t.get("terminal_id"))
            for t in rec.data.get("terminals") or []
            if isinstance(t, dict)
        ]
        longest = float(ctx.threshold("max_shift_hours"))
        hours = (pl.col("ends_at") - pl.col("starts_at")).dt.total_seconds() / 3600
        reason = (
            pl.when(pl.col("ends_at") <= pl.col("starts_at"))
            .then(pl.lit("shift ends before it starts|ends_at"))
            .when(hours > longest)
            .then(pl.lit(f"shift longer than {longest:g} hours|ends_at"))
            .when(~one_of(pl.col("member_id"), ids))
            .then(pl.lit("member not in the standing team|member_id"))
            .when(pl.col("terminal_id").is_not_null() & ~one_of(pl.col("terminal_id"), terminals))
            .then(pl.lit("terminal not registered|terminal_id"))
            .when(pl.col("shift_id").is_duplicated())
            .then(pl.lit("shift id repeated|shift_id"))
            .otherwise(pl.lit(None, dtype=pl.String))
            .alias("reason")
        )
        checked = table.frame.select("__file", "__row", reason)
        return score_row_consistency(
            ctx,
            table,
            checked,
            metric="consistent_shift_share",
            rows_are="roster shifts",
            row_label="roster row",
            fix=(
                "Roster only standing team members, on registered terminals, with "
                "shifts of sensible length."
            ),
        )


# -- sample evidence ---------------------------------------------------------------------

#: quality -> (share of shifts left empty, untrained share, terminals faulty, connections
#: missing, outsiders on the roster)
_SHAPE: dict[str, tuple[float, float, int, int, float]] = {
    "good": (0.0, 0.0, 0, 0, 0.0),
    "fair": (0.04, 0.25, 1, 1, 0.03),
    "poor": (0.15, 0.5, 2, 2, 0.1),
}
_ZONE = zone("SE61", "Asia/Shanghai")


def _team_size(spec: SampleSpec) -> int:
    return max(8, min(30, math.ceil(spec.community.population / 1000)))


def _sample_system(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    _, untrained, faulty, missing, _ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    size = _team_size(spec)
    established = spec.period.start - timedelta(days=400)
    members = []
    for i in range(1, size + 1):
        role = ("leader", "duty_officer", "duty_officer", "monitor", "responder", "medic")[
            min(i - 1, 5) if i <= 6 else 1 + i % 5
        ]
        members.append(
            {
                "member_id": f"M{i:03d}",
                "role": role,
                "trained": rng.random() >= untrained,
                "on_call": True,
            }
        )
    data = {
        "updated_on": spec.period.end.isoformat(),
        "workstation": {
            "location": "Community service centre, ground floor",
            "opened_on": established.isoformat(),
        },
        "management_system": {
            "name": "Community emergency management system",
            "connected_to": list(CONNECTIONS[: len(CONNECTIONS) - missing]),
        },
        "terminals": [
            {
                "terminal_id": f"DT{t}",
                "kind": ("desktop", "desktop", "handheld")[t - 1],
                "status": "faulty" if t <= faulty else "active",
                "connected": t > faulty,
            }
            for t in (1, 2, 3)
        ],
        "team": {"established_on": established.isoformat(), "members": members},
    }
    return [("records/emergency_duty_system.yaml", yaml_bytes(data))]


def _sample_roster(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Three eight-hour shifts a day at the workstation, two members each, plus an on-call
    member; below good quality some shifts are left empty and a few rows are wrong."""
    empty, _, faulty, _, outsiders = _SHAPE.get(spec.quality, _SHAPE["fair"])
    size = _team_size(spec)
    begin, _ = period_bounds_utc(spec.period.start, spec.period.end, _ZONE)
    span_days = (spec.period.end - spec.period.start).days + 1
    off = begin.hour * 3600 + begin.minute * 60
    days = day_strings(begin, span_days + 2)
    terminal = f"DT{faulty + 1}"
    rows: list[list[Any]] = []
    for d in range(span_days):
        for s in range(3):
            t0 = off + d * 86400 + s * 8 * 3600
            if rng.random() < empty:
                continue
            for k in range(2):
                member = f"M{(d * 5 + s * 2 + k) % size + 1:03d}"
                if rng.random() < outsiders:
                    member = f"X{rng.randrange(900) + 100}"
                rows.append(
                    [
                        f"S{len(rows) + 1:06d}",
                        member,
                        "workstation",
                        stamp(days, t0),
                        stamp(days, t0 + 8 * 3600),
                        terminal,
                    ]
                )
        rows.append(
            [
                f"S{len(rows) + 1:06d}",
                f"M{(d * 3) % size + 1:03d}",
                "on_call",
                stamp(days, off + d * 86400),
                stamp(days, off + (d + 1) * 86400),
                None,
            ]
        )
    header = ("shift_id", "member_id", "post", "starts_at", "ends_at", "terminal_id")
    return [("tables/emergency_duty_roster.csv", csv_bytes(header, rows))]


# -- plugin hooks ------------------------------------------------------------------------

_SYSTEM_TEMPLATE = """\
updated_on: "2025-12-31"
workstation: {location: "Community service centre, ground floor", opened_on: "2023-05-01"}
management_system:
  name: Community emergency management system
  connected_to: [community_platform, district_duty_system]
terminals:
  - {terminal_id: DT1, kind: desktop, status: active, connected: true}
team:
  established_on: "2023-05-01"
  members:
    - {member_id: M001, role: leader, trained: true, on_call: true}
    - {member_id: M002, role: duty_officer, trained: true, on_call: true}
"""


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=SYSTEM,
            kind="record",
            title="Emergency duty system",
            description="The emergency workstation, its management system and connections, "
            "the duty terminals and the standing emergency team (pseudonymous member ids).",
            schema=schema_id(SYSTEM),
            template_name="emergency_duty_system.yaml",
            template_text=_SYSTEM_TEMPLATE,
            sample=_sample_system,
        ),
        EvidenceType(
            id=ROSTER,
            kind="table",
            title="Emergency duty roster",
            description="One row per duty shift: member id, post (workstation, on call, "
            "patrol), start and end (RFC 3339 with offset) and the terminal used.",
            schema=schema_id(ROSTER),
            template_name="emergency_duty_roster.csv",
            template_text="shift_id,member_id,post,starts_at,ends_at,terminal_id\n"
            "S000001,M001,workstation,2025-01-01T00:00:00+08:00,2025-01-01T08:00:00+08:00,DT1\n",
            sample=_sample_roster,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(SYSTEM), load_schema(ROSTER)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [EmergencyDuty]
