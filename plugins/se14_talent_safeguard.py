"""SE14 Talent safeguard: a professional safety team and a trained volunteer team.

The indicator asks whether the community has built a team of professionals with
technical and administrative abilities for its smart safety work, and a team of
volunteers who know smart-community safety management. It reads two rosters and measures
team composition, size per resident, valid certification and recent volunteer training.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.frames import one_of
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id

__all__ = ["TalentSafeguard"]

STAFF_ROSTER = "staff_roster"
VOLUNTEER_ROSTER = "volunteer_roster"

#: The two teams the indicator names explicitly; security and property staff add to the
#: team's size but cannot stand in for them.
CORE_TEAMS = ("technical", "administrative")
#: At most this many example rows are reported per problem; the rest are counted.
MAX_EXAMPLES = 5


def _in_post(end: date) -> pl.Expr:
    """Staff who joined by the end of the period and had not left by then."""
    return (
        pl.col("hired_on").is_not_null()
        & (pl.col("hired_on") <= end)
        & (pl.col("left_on").is_null() | (pl.col("left_on") > end))
    )


def _active(end: date) -> pl.Expr:
    """Volunteers marked active who had joined by the end of the period."""
    return (
        pl.col("active").fill_null(False)
        & pl.col("joined_on").is_not_null()
        & (pl.col("joined_on") <= end)
    )


def _frame(ctx: Context, type_id: str) -> tuple[Any, pl.LazyFrame]:
    """The table and its typed frame (the reader adds optional columns a file leaves out
    as nulls, so every declared column is there)."""
    table = ctx.table(type_id)
    if table is None or table.frame is None:
        return None, pl.LazyFrame()
    return table, table.frame


def _per_thousand(count: int, population: int) -> float:
    return 1000.0 * count / population


class TalentSafeguard(Indicator):
    """A professional team with technical and administrative abilities and a trained
    volunteer team support the community's smart safety work.

    The staff roster shows who is in post at the end of the assessment period, in which
    team and with which certificate; the volunteer roster shows who is active and when they
    were last trained. The rules check that both core teams exist, that the professional
    team and the volunteer team are large enough for the population, that technical staff
    hold valid certificates, and that active volunteers have been trained recently.
    """

    code = "SE14"
    title = "Talent safeguard"
    dimension = "SMD"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(STAFF_ROSTER, purpose="professional safety staff: team, role, certificate, dates"),
        Need(VOLUNTEER_ROSTER, purpose="safety volunteers: joining date, training, activity"),
    )

    @rule(
        "R1",
        "Technical and administrative teams are both staffed",
        weight=2,
        severity="high",
        red_line=True,
        thresholds=("core_team_min_members",),
    )
    def core_teams(self, ctx: Context) -> float | None:
        """Counts the distinct staff in post at the end of the period (joined by then and
        not yet left) in the technical team and in the administrative team. Each team
        scores its count over ``core_team_min_members``, capped at 1; the rule's score is
        the mean of the two. This is a red line: a community lacking either core team
        cannot score above the profile's red-line cap."""
        table, frame = _frame(ctx, STAFF_ROSTER)
        if table is None:
            return None
        needed = int(ctx.threshold("core_team_min_members"))
        counts = dict(
            frame.filter(_in_post(ctx.period.end) & one_of(pl.col("team"), CORE_TEAMS))
            .group_by("team")
            .agg(pl.col("staff_id").n_unique().alias("n"))
            .collect()
            .iter_rows()
        )
        scores = []
        for team in CORE_TEAMS:
            found = int(counts.get(team, 0))
            ctx.metric(f"{team}_staff", found)
            if needed <= 0 or found >= needed:
                scores.append(1.0)
                continue
            scores.append(found / needed)
            ctx.finding(
                f"{found} {team} staff in post at the end of the period; at least {needed} "
                "required",
                at=ctx.at(table, column="team"),
                fix=f"Appoint {team} staff for the smart safety work and list them in the "
                "staff roster with their team and start date.",
            )
        return sum(scores) / len(scores)

    @rule(
        "R2",
        "The professional team is large enough for the population",
        weight=2,
        severity="medium",
        thresholds=("staff_per_1000_min",),
    )
    def team_size(self, ctx: Context) -> float | None:
        """Counts the distinct professional staff of all four teams (technical,
        administrative, security, property) in post at the end of the period, per 1,000
        residents of the community (the manifest's population). The score is that ratio
        over ``staff_per_1000_min``, capped at 1. Not applied when the population is 0."""
        table, frame = _frame(ctx, STAFF_ROSTER)
        if table is None:
            return None
        population = ctx.community.population
        staff = int(
            frame.filter(_in_post(ctx.period.end))
            .select(pl.col("staff_id").n_unique())
            .collect()
            .item()
        )
        ctx.metric("staff_in_post", staff)
        if population <= 0:
            ctx.finding(
                "the manifest gives a population of 0, so staff per resident is not measured",
                severity="low",
            )
            return None
        ratio = _per_thousand(staff, population)
        target = float(ctx.threshold("staff_per_1000_min"))
        ctx.metric("staff_per_1000", round(ratio, 3))
        if ratio >= target:
            return 1.0
        short = max(1, round(target * population / 1000) - staff)
        ctx.finding(
            f"{staff} professional staff in post for {population} residents ({ratio:.2f} per "
            f"1,000); the profile asks for {target:g} per 1,000 (about {short} more)",
            at=ctx.at(table),
            fix="Recruit or assign more professional safety staff, or include staff who "
            "serve the community but are missing from the roster.",
        )
        return min(1.0, ratio / target) if target > 0 else 1.0

    @rule(
        "R3",
        "Technical staff hold valid certificates",
        weight=1.5,
        severity="medium",
        thresholds=("certified_technical_share_min",),
    )
    def certified(self, ctx: Context) -> float | None:
        """Among technical staff in post at the end of the period, counts those with a
        valid certificate: marked certified, with the qualification named, and with no
        expiry date or one on or after the last day of the period. The score is that
        share over ``certified_technical_share_min``, capped at 1; it is 0 when no
        technical staff are in post."""
        table, frame = _frame(ctx, STAFF_ROSTER)
        if table is None:
            return None
        end = ctx.period.end
        reason = (
            pl.when(~pl.col("certified").fill_null(False))
            .then(pl.lit("not certified|certified"))
            .when(
                pl.col("qualification").is_null()
                | (pl.col("qualification").str.strip_chars().str.len_chars() == 0)
            )
            .then(pl.lit("marked certified but no qualification named|qualification"))
            .when(pl.col("certificate_expires") < end)
            .then(pl.lit("certificate expired before the end of the period|certificate_expires"))
            .otherwise(pl.lit(None, dtype=pl.String))
            .alias("reason")
        )
        # One row per person: a person listed twice counts as certified if any row is.
        people = (
            frame.filter(_in_post(end) & (pl.col("team") == "technical"))
            .select("staff_id", "__file", "__row", reason)
            .sort("__file", "__row")
            .group_by("staff_id", maintain_order=True)
            .agg(
                pl.col("reason").is_null().any().alias("valid"),
                pl.col("__file").first(),
                pl.col("__row").first(),
                pl.col("reason").first(),
            )
        )
        summary, examples = pl.collect_all(
            [
                people.select(pl.len().alias("n"), pl.col("valid").sum().alias("valid")),
                people.filter(~pl.col("valid"))
                .select("__file", "__row", "reason")
                .head(MAX_EXAMPLES),
            ]
        )
        total, valid = int(summary["n"][0]), int(summary["valid"][0] or 0)
        ctx.metric("technical_staff_certified", valid)
        if total == 0:
            ctx.finding(
                "no technical staff in post, so none hold a valid certificate",
                at=ctx.at(table, column="team"),
                fix="Appoint certified technical staff for the smart safety systems.",
            )
            return 0.0
        share = valid / total
        target = float(ctx.threshold("certified_technical_share_min"))
        ctx.metric("technical_certified_share", round(share, 4))
        if share >= target:
            return 1.0
        ctx.finding(
            f"{valid} of {total} technical staff hold a valid certificate ({share:.0%}); the "
            f"profile asks for {target:.0%}",
            at=ctx.at(table),
            fix="Have technical staff obtain or renew their professional certificates and "
            "record the qualification and expiry date in the roster.",
        )
        for path, row, text in examples.iter_rows():
            message, column = text.rsplit("|", 1)
            ctx.finding(
                f"technical staff row: {message}",
                at=ctx.at(path, row=row, column=column),
                severity="low",
            )
        return min(1.0, share / target) if target > 0 else 1.0

    @rule(
        "R4",
        "The volunteer team is large enough for the population",
        weight=2,
        severity="medium",
        thresholds=("volunteers_per_1000_min",),
    )
    def volunteer_size(self, ctx: Context) -> float | None:
        """Counts the distinct active volunteers (marked active and joined by the end of
        the period) per 1,000 residents. The score is that ratio over
        ``volunteers_per_1000_min``, capped at 1. Not applied when the population is 0."""
        table, frame = _frame(ctx, VOLUNTEER_ROSTER)
        if table is None:
            return None
        population = ctx.community.population
        active = int(
            frame.filter(_active(ctx.period.end))
            .select(pl.col("volunteer_id").n_unique())
            .collect()
            .item()
        )
        ctx.metric("active_volunteers", active)
        if population <= 0:
            ctx.finding(
                "the manifest gives a population of 0, so volunteers per resident are not measured",
                severity="low",
            )
            return None
        ratio = _per_thousand(active, population)
        target = float(ctx.threshold("volunteers_per_1000_min"))
        ctx.metric("volunteers_per_1000", round(ratio, 3))
        if ratio >= target:
            return 1.0
        ctx.finding(
            f"{active} active safety volunteers for {population} residents ({ratio:.2f} per "
            f"1,000); the profile asks for {target:g} per 1,000",
            at=ctx.at(table),
            fix="Recruit residents into the safety volunteer team and keep the roster's "
            "active flag up to date.",
        )
        return min(1.0, ratio / target) if target > 0 else 1.0

    @rule(
        "R5",
        "Active volunteers are trained in smart-community safety",
        weight=1.5,
        severity="medium",
        thresholds=(
            "volunteer_trained_share_min",
            "volunteer_training_window_days",
            "volunteer_training_min_hours",
        ),
    )
    def volunteers_trained(self, ctx: Context) -> float | None:
        """Among active volunteers, counts those whose last training took place within
        ``volunteer_training_window_days`` days up to the end of the period and lasted at
        least ``volunteer_training_min_hours`` hours. The score is that share over
        ``volunteer_trained_share_min``, capped at 1; it is 0 when there are no active
        volunteers."""
        table, frame = _frame(ctx, VOLUNTEER_ROSTER)
        if table is None:
            return None
        end = ctx.period.end
        window = int(ctx.threshold("volunteer_training_window_days"))
        hours = float(ctx.threshold("volunteer_training_min_hours"))
        since = end - timedelta(days=max(0, window - 1))
        reason = (
            pl.when(pl.col("trained_on").is_null())
            .then(pl.lit("no training recorded|trained_on"))
            .when(pl.col("trained_on") > end)
            .then(pl.lit("training dated after the end of the period|trained_on"))
            .when(pl.col("trained_on") < since)
            .then(pl.lit(f"last training more than {window} days before the period end|trained_on"))
            .when(pl.col("training_hours").fill_null(0.0) < hours)
            .then(pl.lit(f"training shorter than {hours:g} hours|training_hours"))
            .otherwise(pl.lit(None, dtype=pl.String))
            .alias("reason")
        )
        people = (
            frame.filter(_active(end))
            .select("volunteer_id", "__file", "__row", reason)
            .sort("__file", "__row")
            .group_by("volunteer_id", maintain_order=True)
            .agg(
                pl.col("reason").is_null().any().alias("trained"),
                pl.col("__file").first(),
                pl.col("__row").first(),
                pl.col("reason").first(),
            )
        )
        summary, examples = pl.collect_all(
            [
                people.select(pl.len().alias("n"), pl.col("trained").sum().alias("trained")),
                people.filter(~pl.col("trained"))
                .select("__file", "__row", "reason")
                .head(MAX_EXAMPLES),
            ]
        )
        total, trained = int(summary["n"][0]), int(summary["trained"][0] or 0)
        ctx.metric("volunteers_trained", trained)
        if total == 0:
            ctx.finding(
                "no active volunteers, so none are trained",
                at=ctx.at(table, column="active"),
                fix="Build a volunteer team and train its members in smart-community safety.",
            )
            return 0.0
        share = trained / total
        target = float(ctx.threshold("volunteer_trained_share_min"))
        ctx.metric("volunteer_trained_share", round(share, 4))
        if share >= target:
            return 1.0
        ctx.finding(
            f"{trained} of {total} active volunteers were trained within {window} days before "
            f"the period end for at least {hours:g} hours ({share:.0%}); the profile asks for "
            f"{target:.0%}",
            at=ctx.at(table),
            fix="Run safety training for volunteers (first aid, fire safety, use of the smart "
            "platform) at least once a year and record the date and hours in the roster.",
        )
        for path, row, text in examples.iter_rows():
            message, column = text.rsplit("|", 1)
            ctx.finding(
                f"volunteer row: {message}",
                at=ctx.at(path, row=row, column=column),
                severity="low",
            )
        return min(1.0, share / target) if target > 0 else 1.0


# -- sample evidence ---------------------------------------------------------------------

_ROLES = {
    "technical": ("Smart platform engineer", "Network engineer", "Device maintenance technician"),
    "administrative": ("Safety officer", "Safety management coordinator", "Records clerk"),
    "security": ("Security guard", "Control-room operator"),
    "property": ("Property safety manager", "Building facilities supervisor"),
}
_QUALIFICATIONS = {
    "technical": (
        "Intelligent building systems engineer",
        "Network engineer (intermediate)",
        "Security system installer",
        "Fire facilities operator, level 4",
    ),
    "administrative": ("Safety management officer", "Emergency management certificate"),
    "security": ("Security guard certificate", "Fire control room operator"),
    "property": ("Property manager certificate",),
}
_SKILLS = (
    "first aid",
    "fire safety",
    "evacuation guidance",
    "smart platform reporting",
    "elderly care visits",
    "patrol",
)

# quality -> (staff per 1,000 residents, team shares tech/admin/security/property, share of
# technical staff with a valid certificate, volunteers per 1,000, share active, share of
# active volunteers trained)
_SHAPE: dict[str, tuple[float, tuple[float, ...], float, float, float, float]] = {
    "good": (1.6, (0.35, 0.25, 0.25, 0.15), 0.95, 8.0, 0.92, 0.92),
    "fair": (0.7, (0.35, 0.25, 0.25, 0.15), 0.5, 3.0, 0.8, 0.45),
    "poor": (0.4, (0.15, 0.0, 0.6, 0.25), 0.3, 1.0, 0.7, 0.2),
}


def _team_sizes(total: int, shares: tuple[float, ...], quality: str) -> list[int]:
    """Team sizes adding up to about ``total``: the core teams first, the rest shared
    between security and property staff."""
    core = [round(total * s) for s in shares[:2]]
    if quality != "poor":
        # Good and fair communities have both core teams, however small the community.
        core = [max(2, n) for n in core]
    rest = max(0, total - sum(core))
    other = sum(shares[2:]) or 1.0
    security = round(rest * shares[2] / other)
    return [*core, security, rest - security]


def _flags(rng: random.Random, n: int, share: float) -> list[bool]:
    """``n`` flags of which round(n * share) are true, in an order the rng picks."""
    hits = round(n * share)
    flags = [True] * hits + [False] * (n - hits)
    rng.shuffle(flags)
    return flags


def _sample_staff_roster(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """A roster sized from the population (a few dozen rows), plus a few former staff."""
    per_1000, shares, cert_share, *_ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    start, end = spec.period.start, spec.period.end
    total = max(3, round(spec.community.population / 1000 * per_1000))
    rows: list[list[Any]] = []
    teams = ("technical", "administrative", "security", "property")
    for team, size in zip(teams, _team_sizes(total, shares, spec.quality), strict=True):
        # Exact shares rather than coin flips, so a small "good" roster never fails by
        # chance; the rng decides who.
        share = cert_share if team == "technical" else 0.8
        valid = _flags(rng, size, share)
        # One more per team who left during the period: rosters keep former staff.
        valid.append(rng.random() < share)
        for k, is_valid in enumerate(valid):
            hired = start - timedelta(days=rng.randrange(30, 2500))
            left = None
            if k == size:
                left = start + timedelta(days=rng.randrange(1, spec.period.days))
            qualification: str | None = rng.choice(_QUALIFICATIONS[team])
            certified = True
            expires: date | None = end + timedelta(days=rng.randrange(30, 1100))
            if not is_valid:
                if rng.random() < 0.5:
                    expires = end - timedelta(days=rng.randrange(10, 300))
                else:
                    qualification, certified, expires = None, False, None
            elif rng.random() < 0.3:
                expires = None  # a qualification without an expiry date
            role = rng.choice(_ROLES[team])
            rows.append([team, role, qualification, certified, expires, hired, left])
    rng.shuffle(rows)
    out = [[f"S{n:04d}", *row] for n, row in enumerate(rows, start=1)]
    header = (
        "staff_id",
        "team",
        "role",
        "qualification",
        "certified",
        "certificate_expires",
        "hired_on",
        "left_on",
    )
    return [("tables/staff_roster.csv", csv_bytes(header, out))]


def _sample_volunteer_roster(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """A volunteer roster sized from the population (tens to a few hundred rows)."""
    _, _, _, per_1000, active_share, trained_share = _SHAPE.get(spec.quality, _SHAPE["fair"])
    start, end = spec.period.start, spec.period.end
    total = max(2, round(spec.community.population / 1000 * per_1000 / active_share))
    active_flags = _flags(rng, total, active_share)
    # The trained share holds among active volunteers, where the rule measures it.
    trained_active = iter(_flags(rng, sum(active_flags), trained_share))
    trained_flags = [next(trained_active) if a else rng.random() < 0.5 for a in active_flags]
    out = []
    for n, (active, is_trained) in enumerate(zip(active_flags, trained_flags, strict=True), 1):
        joined = min(end, start - timedelta(days=rng.randrange(-60, 1500)))
        skills = "; ".join(sorted(rng.sample(_SKILLS, rng.randrange(1, 4))))
        trained: date | None
        if is_trained:
            trained = end - timedelta(days=rng.randrange(0, 330))
            hours: float | None = float(rng.randrange(4, 17))
        else:
            lapse = rng.randrange(3)
            if lapse == 0:
                trained, hours = None, None
            elif lapse == 1:
                trained, hours = end - timedelta(days=rng.randrange(400, 1200)), 6.0
            else:
                trained, hours = end - timedelta(days=rng.randrange(0, 330)), 1.5
        out.append([f"V{n:04d}", joined, skills, trained, hours, active])
    header = ("volunteer_id", "joined_on", "skills", "trained_on", "training_hours", "active")
    return [("tables/volunteer_roster.csv", csv_bytes(header, out))]


# -- plugin hooks ------------------------------------------------------------------------

_STAFF_TEMPLATE = (
    "staff_id,team,role,qualification,certified,certificate_expires,hired_on,left_on\n"
    "S0001,technical,Network engineer,Network engineer (intermediate),true,2027-06-30,"
    "2022-03-01,\n"
    "S0002,administrative,Safety officer,Safety management officer,true,,2021-09-15,\n"
)
_VOLUNTEER_TEMPLATE = (
    "volunteer_id,joined_on,skills,trained_on,training_hours,active\n"
    "V0001,2023-05-20,first aid; fire safety,2025-04-12,8,true\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=STAFF_ROSTER,
            kind="table",
            title="Professional safety staff roster",
            description="One row per professional safety staff member (pseudonymous id): "
            "team, role, certificate and its expiry, joining and leaving dates.",
            schema=schema_id(STAFF_ROSTER),
            template_name="staff_roster.csv",
            template_text=_STAFF_TEMPLATE,
            sample=_sample_staff_roster,
            sample_rows=0.0,
        ),
        EvidenceType(
            id=VOLUNTEER_ROSTER,
            kind="table",
            title="Safety volunteer roster",
            description="One row per safety volunteer (pseudonymous id): joining date, "
            "skills, last training date and hours, whether still active.",
            schema=schema_id(VOLUNTEER_ROSTER),
            template_name="volunteer_roster.csv",
            template_text=_VOLUNTEER_TEMPLATE,
            sample=_sample_volunteer_roster,
            sample_rows=0.0,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(STAFF_ROSTER), load_schema(VOLUNTEER_ROSTER)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [TalentSafeguard]
