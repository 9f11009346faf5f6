"""SE42 Special population management: key persons are registered by category and risk,
followed up often enough, supervised digitally where the risk is high, and the register
is pseudonymized.

The register is highly sensitive: it may only identify people by pseudonymous references.
A name, identity number or phone number found in it is a critical finding, reported by
file, row and column, never by value.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import csv_bytes, load_schema, schema_id
from ._cps import MAX_EXAMPLES, first_defect, number, ratio_score, report_rows, text_present

__all__ = ["SpecialPopulationManagement", "identifier_hits", "longest_followup_gaps"]

REGISTER = "key_person_register"
FOLLOWUPS = "key_person_followups"
CATEGORIES = (
    "community_correction",
    "drug_rehabilitation",
    "severe_mental_disorder",
    "released_prisoner",
    "petitioner",
    "juvenile_at_risk",
    "other",
)
RISK_LEVELS = ("high", "medium", "low")
#: Columns that would hold plain personal data; a pseudonymized register leaves them empty.
PERSONAL_COLUMNS = ("name", "id_number", "phone")
#: Plain identifiers recognised in any text cell: mainland resident identity numbers
#: (17 digits and a digit or X) and mainland mobile numbers (11 digits from 13-19).
IDENTIFIER_PATTERNS = {
    "identity number": r"(?:^|\D)\d{17}[\dXx](?:$|\D)",
    "mobile number": r"(?:^|\D)1[3-9]\d{9}(?:$|\D)",
}


def identifier_hits(frame: pl.LazyFrame, pattern: str) -> pl.DataFrame:
    """Where plain personal data sits in a table: one row per column with any hit
    (``column``, ``kind``, ``count``, ``first_file``, ``first_row``). A hit is a filled
    personal column, a text cell holding an identity or mobile number, or a
    ``person_ref`` that does not match the pseudonym ``pattern``. Values never leave
    this function."""
    schema = frame.collect_schema()
    checks: list[tuple[str, str, pl.Expr]] = []
    for column, dtype in schema.items():
        if column.startswith("__") or dtype != pl.String:
            continue
        if column in PERSONAL_COLUMNS:
            checks.append((column, f"{column.replace('_', ' ')} filled in", text_present(column)))
            continue
        for kind, regex in IDENTIFIER_PATTERNS.items():
            checks.append((column, kind, pl.col(column).str.contains(regex)))
        if column == "person_ref":
            checks.append(
                (column, "not a pseudonymous reference", ~pl.col(column).str.contains(pattern))
            )
    if not checks:
        return pl.DataFrame(
            schema={
                "column": pl.String,
                "kind": pl.String,
                "count": pl.UInt32,
                "first_file": pl.String,
                "first_row": pl.Int64,
            }
        )
    flags = frame.select(
        "__file",
        "__row",
        *(expr.fill_null(False).alias(f"{i}") for i, (_, _, expr) in enumerate(checks)),
    )
    parts = [
        flags.filter(pl.col(f"{i}")).select(
            pl.lit(col).alias("column"),
            pl.lit(kind).alias("kind"),
            pl.len().alias("count"),
            pl.col("__file").first().alias("first_file"),
            pl.col("__row").first().cast(pl.Int64).alias("first_row"),
        )
        for i, (col, kind, _) in enumerate(checks)
    ]
    found = pl.concat(pl.collect_all(parts))
    return found.filter(pl.col("count") > 0)


def longest_followup_gaps(
    register: pl.LazyFrame, followups: pl.LazyFrame, start: date, end: date
) -> pl.DataFrame:
    """For every person on the register during [start, end]: the longest run of days
    without a follow-up, counted from the later of ``start`` and the registration date
    to the earlier of ``end`` and the closing date (``person_ref``, ``risk_level``,
    ``__file``, ``__row``, ``followups``, ``longest_gap``)."""
    persons = (
        register.filter(
            pl.col("person_ref").is_not_null()
            & (pl.col("registered_on").is_null() | (pl.col("registered_on") <= end))
            & (pl.col("closed_on").is_null() | (pl.col("closed_on") >= start))
        )
        .unique("person_ref", keep="first", maintain_order=True)
        .select(
            "person_ref",
            "risk_level",
            "__file",
            "__row",
            pl.max_horizontal(pl.col("registered_on").fill_null(start), pl.lit(start)).alias("lo"),
            pl.min_horizontal(pl.col("closed_on").fill_null(end), pl.lit(end)).alias("hi"),
        )
    )
    visits = (
        followups.select("person_ref", pl.col("followed_up_on").alias("day"))
        .drop_nulls()
        .join(persons.select("person_ref", "lo", "hi"), on="person_ref", how="inner")
        .filter(pl.col("day").is_between(pl.col("lo"), pl.col("hi")))
        .select("person_ref", "day", pl.lit(1).alias("visit"))
    )
    bounds = pl.concat(
        [
            persons.select("person_ref", pl.col("lo").alias("day"), pl.lit(0).alias("visit")),
            persons.select("person_ref", pl.col("hi").alias("day"), pl.lit(0).alias("visit")),
        ]
    )
    gaps = (
        pl.concat([visits, bounds])
        .sort("person_ref", "day")
        .with_columns(pl.col("day").diff().over("person_ref").dt.total_days().alias("gap"))
        .group_by("person_ref")
        .agg(pl.col("visit").sum().alias("followups"), pl.col("gap").max().fill_null(0))
    )
    return (
        persons.join(gaps, on="person_ref", how="left")
        .select(
            "person_ref",
            "risk_level",
            "__file",
            "__row",
            pl.col("followups").fill_null(0),
            pl.col("gap").fill_null(0).cast(pl.Int64).alias("longest_gap"),
        )
        .sort("__file", "__row")
        .collect()
    )


class SpecialPopulationManagement(Indicator):
    """The basic information and behaviour of key persons (people under community
    correction, in drug rehabilitation, with severe mental disorders and the like) are
    managed on a register, followed up regularly and supervised digitally, while their
    identities stay protected.

    The register must be pseudonymized. The rules check that, then that each entry
    carries its category, risk level and responsible worker, that follow-ups come at
    least as often as the profile asks for each risk level, and that high-risk persons
    are under digital supervision.
    """

    code = "SE42"
    title = "Special population management"
    dimension = "CPS"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(REGISTER, purpose="pseudonymized register of key persons"),
        Need(FOLLOWUPS, purpose="follow-up contacts with key persons"),
    )

    @rule(
        "R1",
        "The register and follow-ups are pseudonymized",
        weight=3,
        severity="critical",
        red_line=True,
        thresholds=("pseudonym_pattern",),
    )
    def pseudonymized(self, ctx: Context) -> float | None:
        """Scans both tables for plain personal data: a filled ``name``, ``id_number``
        or ``phone`` column, an identity number or mobile number in any text cell, or a
        ``person_ref`` that does not match ``pseudonym_pattern``. Any hit scores 0 and
        is a critical finding pointing at the column and its first row, with a count;
        the value itself is never shown. It is a red-line rule."""
        pattern = str(ctx.threshold("pseudonym_pattern"))
        hits = 0
        for type_id in (REGISTER, FOLLOWUPS):
            table = ctx.table(type_id)
            if table is None or table.frame is None:
                continue
            for column, kind, count, path, row in identifier_hits(table.frame, pattern).rows():
                hits += count
                ctx.finding(
                    f"{type_id}: {count} row(s) of column {column} hold plain personal data "
                    f"({kind}); the value is not shown",
                    at=ctx.at(path, row=row, column=column),
                    fix="Replace names, identity and phone numbers with pseudonymous "
                    "references; keep the key that links them in the public security "
                    "system, not in the community's files.",
                )
        ctx.metric("personal_data_cells", hits)
        return 0.0 if hits else 1.0

    @rule(
        "R2",
        "Entries carry category, risk level, dates and responsible worker",
        weight=2,
        severity="medium",
        thresholds=("register_complete_share_min",),
    )
    def complete(self, ctx: Context) -> float | None:
        """A register row is complete when it has a unique pseudonymous reference, a
        category, a risk level, a registration date, a responsible worker and, when
        closed, a closing date not before registration. Follow-up rows must refer to a
        person on the register. The score is the share of complete register rows over
        ``register_complete_share_min`` (capped at 1), times the share of follow-ups
        that refer to a registered person."""
        reg, fol = ctx.table(REGISTER), ctx.table(FOLLOWUPS)
        if reg is None or reg.frame is None:
            return None
        defects = {
            "reference repeated": pl.col("person_ref").is_duplicated(),
            "category missing": pl.col("category").is_null(),
            "risk level missing": pl.col("risk_level").is_null(),
            "registration date missing": pl.col("registered_on").is_null(),
            "responsible worker missing": ~text_present("responsible_staff_id"),
            "closed without a closing date": (pl.col("status") == "closed")
            & pl.col("closed_on").is_null(),
            "closed before registration": pl.col("closed_on") < pl.col("registered_on"),
        }
        checked = reg.frame.select("__file", "__row", first_defect(defects).alias("reason"))
        summary, examples = pl.collect_all(
            [
                checked.group_by("reason").agg(pl.len().alias("n")),
                checked.filter(pl.col("reason").is_not_null()).head(MAX_EXAMPLES),
            ]
        )
        counts = {r: int(n) for r, n in summary.iter_rows()}
        rows = sum(counts.values())
        if rows == 0:
            return None
        share = counts.get(None, 0) / rows  # type: ignore[call-overload]
        target = float(ctx.threshold("register_complete_share_min"))
        ctx.metric("registered_persons", rows)
        ctx.metric("register_complete_share", round(share, 4))
        score = ratio_score(share, target)
        if share < target:
            detail = "; ".join(f"{r}: {n}" for r, n in sorted(counts.items(), key=str) if r)
            ctx.finding(
                f"{rows - counts.get(None, 0)} of {rows} register rows are incomplete "  # type: ignore[call-overload]
                f"({detail})",
                at=ctx.at(reg),
                fix="Give every key person a category, risk level, registration date and "
                "responsible grid worker.",
            )
            report_rows(ctx, examples, "register row")
        if fol is not None and fol.frame is not None:
            orphans = (
                fol.frame.join(reg.frame.select("person_ref").unique(), on="person_ref", how="anti")
                .select("__file", "__row")
                .collect()
            )
            total = fol.rows or 1
            ctx.metric("followups_unregistered", orphans.height)
            if orphans.height:
                ctx.finding(
                    f"{orphans.height} follow-up rows refer to nobody on the register",
                    at=ctx.at(fol, column="person_ref"),
                    fix="Use the register's pseudonymous reference in every follow-up.",
                )
                report_rows(
                    ctx, orphans, "follow-up of an unregistered person", column="person_ref"
                )
                score *= 1 - orphans.height / total
        return score

    @rule(
        "R3",
        "Key persons are followed up within the interval for their risk level",
        weight=3,
        severity="high",
        thresholds=(
            "followup_max_days_high",
            "followup_max_days_medium",
            "followup_max_days_low",
            "followup_compliant_share_min",
        ),
    )
    def followup_intervals(self, ctx: Context) -> float | None:
        """For each person on the register during the period, finds the longest run of
        days without a follow-up, from the later of the period's start and the
        registration to the earlier of the period's end and the closing. The limit
        depends on the risk level (``followup_max_days_<level>``; a person without a
        level gets the high-risk limit). The score is the share of persons within their
        limit over ``followup_compliant_share_min``, capped at 1."""
        reg, fol = ctx.table(REGISTER), ctx.table(FOLLOWUPS)
        if reg is None or fol is None or reg.frame is None or fol.frame is None:
            return None
        gaps = longest_followup_gaps(reg.frame, fol.frame, ctx.period.start, ctx.period.end)
        if gaps.height == 0:
            return None
        limits = {lv: int(ctx.threshold(f"followup_max_days_{lv}")) for lv in RISK_LEVELS}
        gaps = gaps.with_columns(
            pl.col("risk_level")
            .replace_strict(limits, default=limits["high"], return_dtype=pl.Int64)
            .alias("limit")
        )
        late = gaps.filter(pl.col("longest_gap") > pl.col("limit"))
        share = 1 - late.height / gaps.height
        target = float(ctx.threshold("followup_compliant_share_min"))
        ctx.metric("persons_followed", gaps.height)
        ctx.metric("followup_compliant_share", round(share, 4))
        ctx.metric("longest_followup_gap_days", int(number(gaps["longest_gap"].max())))
        if late.height == 0:
            return 1.0
        by_level = ", ".join(
            f"{lv or 'no level'} {n}"
            for lv, n in late.group_by("risk_level").len().sort("risk_level").rows()
        )
        ctx.finding(
            f"{late.height} of {gaps.height} key persons went longer than their risk "
            f"level allows without a follow-up ({by_level})",
            at=ctx.at(reg, column="risk_level"),
            fix="Plan follow-ups per risk level (for example every two weeks for high "
            "risk) and record each visit or call the same day.",
        )
        for path, row, ref_gap, limit in (
            late.select("__file", "__row", "longest_gap", "limit").head(MAX_EXAMPLES).rows()
        ):
            ctx.finding(
                f"register row: {ref_gap} days without a follow-up (limit {limit})",
                at=ctx.at(path, row=row, column="person_ref"),
                severity="medium",
            )
        return ratio_score(share, target)

    @rule(
        "R4",
        "High-risk persons are under digital supervision",
        weight=2,
        severity="medium",
        thresholds=("digital_supervision_share_min",),
    )
    def digital_supervision(self, ctx: Context) -> float | None:
        """Takes the high-risk persons on the register who are not closed and counts
        those with a digital supervision means recorded (``supervision`` other than
        none). The score is that share over ``digital_supervision_share_min``, capped
        at 1; with no high-risk person the rule does not apply."""
        reg = ctx.table(REGISTER)
        if reg is None or reg.frame is None:
            return None
        high = reg.frame.filter(
            (pl.col("risk_level") == "high") & (pl.col("status") != "closed")
        ).select(
            "__file",
            "__row",
            (pl.col("supervision").is_not_null() & (pl.col("supervision") != "none")).alias(
                "digital"
            ),
        )
        frame = high.collect()
        if frame.height == 0:
            return None
        share = number(frame["digital"].mean())
        target = float(ctx.threshold("digital_supervision_share_min"))
        ctx.metric("high_risk_persons", frame.height)
        ctx.metric("digital_supervision_share", round(share, 4))
        if share >= target:
            return 1.0
        ctx.finding(
            f"{int((~frame['digital']).sum())} of {frame.height} high-risk persons have no "
            f"digital supervision recorded ({share:.0%}; {target:.0%} expected)",
            at=ctx.at(reg, column="supervision"),
            fix="Put high-risk persons under a digital supervision means (app check-in, "
            "video or alert linkage) and record it on the register.",
        )
        report_rows(
            ctx,
            frame.filter(~pl.col("digital")),
            "high-risk person without digital supervision",
            column="supervision",
        )
        return ratio_score(share, target)


# -- sample evidence -----------------------------------------------------------------

_CAT_MIX = (
    ("community_correction",) * 4
    + ("drug_rehabilitation",) * 3
    + ("severe_mental_disorder",) * 4
    + ("released_prisoner",) * 3
    + ("petitioner",) * 2
    + ("juvenile_at_risk",) * 2
    + ("other",)
)
_EVERY = {"high": 12, "medium": 25, "low": 50}
_METHODS = ("home_visit", "phone", "video_call", "digital_supervision", "office_visit")
_SUPERVISION = ("app_checkin", "video", "alert_linkage")
# quality -> (share of persons followed up too rarely, share of high-risk without digital
#             supervision, incomplete rows, plain personal data rows)
_SHAPE = {"good": (0.0, 0.0, 0, 0), "fair": (0.45, 0.5, 4, 0), "poor": (0.6, 0.7, 6, 3)}


def _persons(spec: SampleSpec) -> list[tuple[str, str, str, date, str, str]]:
    """The key persons of the sample (shared by both generators, so follow-ups refer to
    registered people): reference, category, risk, registration date, supervision,
    cadence kind."""
    lazy_share, unsup, _, _ = _SHAPE.get(spec.quality, _SHAPE["fair"])
    rng = random.Random(f"{spec.seed}:key-persons:{spec.quality}")
    n = max(12, spec.community.population // 250)
    out = []
    for i in range(n):
        risk = RISK_LEVELS[0 if i % 5 == 0 else 1 if i % 5 < 3 else 2]
        start = spec.period.start - timedelta(days=rng.randrange(30, 900))
        if i % 9 == 4:  # some registered during the period
            start = spec.period.start + timedelta(days=rng.randrange(10, 200))
        sup = rng.choice(_SUPERVISION) if risk == "high" and rng.random() >= unsup else "none"
        cadence = "lazy" if rng.random() < lazy_share else "kept"
        out.append((f"KP{i + 1:04d}", rng.choice(_CAT_MIX), risk, start, sup, cadence))
    return out


def _sample_register(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """One row per key person; names and identity numbers left empty except in the
    "poor" quality, which leaks a few obviously fake ones."""
    _, _, incomplete, leaked = _SHAPE.get(spec.quality, _SHAPE["fair"])
    rows = []
    for k, (ref, cat, risk, start, sup, _) in enumerate(_persons(spec)):
        staff = f"S{rng.randrange(1, 20):04d}"
        name = id_number = phone = ""
        if k < leaked:
            name = f"Resident {k + 1:04d}"
            id_number = f"00000019000101{k:04d}"
        if 0 < k <= incomplete:
            staff = ""
        rows.append([ref, cat, risk, start, "active", "", staff, sup, name, id_number, phone])
    header = (
        "person_ref",
        "category",
        "risk_level",
        "registered_on",
        "status",
        "closed_on",
        "responsible_staff_id",
        "supervision",
        "name",
        "id_number",
        "phone",
    )
    return [("tables/key_person_register.csv", csv_bytes(header, rows))]


def _sample_followups(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Follow-ups per person at the cadence of their risk level (a few days' jitter);
    "lazy" persons are visited at three times the interval."""
    rows = []
    for ref, _, risk, start, _, cadence in _persons(spec):
        every = _EVERY[risk] * (3 if cadence == "lazy" else 1)
        day = max(start, spec.period.start) + timedelta(days=rng.randrange(1, 6))
        while day <= spec.period.end:
            rows.append([day, ref, rng.choice(_METHODS), f"S{rng.randrange(1, 20):04d}"])
            day += timedelta(days=every - rng.randrange(0, 4))
    rows.sort(key=lambda r: (r[0], r[1]))
    out = [[f"F{n:06d}", *r, "stable"] for n, r in enumerate(rows, start=1)]
    header = ("followup_id", "followed_up_on", "person_ref", "method", "staff_id", "outcome")
    return [("tables/key_person_followups.csv", csv_bytes(header, out))]


_REGISTER_TEMPLATE = (
    "person_ref,category,risk_level,registered_on,status,closed_on,responsible_staff_id,"
    "supervision,name,id_number,phone\n"
    "KP0001,community_correction,high,2024-05-10,active,,S0003,app_checkin,,,\n"
)
_FOLLOWUP_TEMPLATE = (
    "followup_id,followed_up_on,person_ref,method,staff_id,outcome\n"
    "F000001,2025-01-06,KP0001,home_visit,S0003,stable\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=REGISTER,
            kind="table",
            title="Key person register (pseudonymized)",
            description="One row per key person under community management: pseudonymous "
            "reference, category, risk level, registration and closing dates, responsible "
            "worker id and digital supervision means. Name, identity number and phone "
            "columns must stay empty.",
            schema=schema_id(REGISTER),
            template_name="key_person_register.csv",
            template_text=_REGISTER_TEMPLATE,
            personal_columns=PERSONAL_COLUMNS,
            sample=_sample_register,
            sample_rows=0.0,
        ),
        EvidenceType(
            id=FOLLOWUPS,
            kind="table",
            title="Key person follow-ups",
            description="One row per follow-up contact with a key person: date, "
            "pseudonymous reference, method, worker id and outcome.",
            schema=schema_id(FOLLOWUPS),
            template_name="key_person_followups.csv",
            template_text=_FOLLOWUP_TEMPLATE,
            sample=_sample_followups,
            sample_rows=0.0,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(REGISTER), load_schema(FOLLOWUPS)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [SpecialPopulationManagement]
