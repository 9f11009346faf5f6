"""SE12 Capital safeguard: dedicated money for smart-community renewal and for building and
running smart safety facilities, spent as planned and accounted for in a ledger."""

from __future__ import annotations

import bisect
import math
import random
from datetime import date, timedelta
from typing import Any

import polars as pl
from compliance_builtin._common import load_schema, schema_id, yaml_bytes

from compliance import hookimpl
from compliance.frames import one_of, stripped
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

__all__ = ["CapitalSafeguard"]

BUDGET = "safety_budget"
LEDGER = "safety_expenditure"
CATEGORIES = ("renewal", "construction", "operation", "maintenance", "training")

# Findings name at most this many budget lines or ledger rows, then summarize.
_MAX_LISTED = 10


def _number(value: Any) -> float:
    """A finite non-negative amount, or 0 for anything else (schema issues are reported by
    the engine; a rule must not crash on them)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value) if math.isfinite(value) and value > 0 else 0.0


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _days_in_year(year: int) -> int:
    return date(year, 12, 31).timetuple().tm_yday


def _overlap_days(a: date, b: date, c: date, d: date) -> int:
    """Days shared by the closed ranges [a, b] and [c, d]."""
    return max(0, (min(b, d) - max(a, c)).days + 1)


class _Line:
    """One budget line with where it came from, so findings can point at it."""

    __slots__ = ("allocated", "category", "index", "line_id", "planned", "record", "spent", "year")

    def __init__(self, record: Any, index: int, raw: dict[str, Any]) -> None:
        self.record = record
        self.index = index
        year = raw.get("year")
        self.year = year if isinstance(year, int) and not isinstance(year, bool) else None
        category = raw.get("category")
        self.category = category if category in CATEGORIES else None
        line_id = raw.get("line_id")
        self.line_id = line_id.strip() if isinstance(line_id, str) else ""
        self.planned = _number(raw.get("planned"))
        self.allocated = _number(raw.get("allocated"))
        self.spent = _number(raw.get("spent"))


def _budget(ctx: Context) -> tuple[list[Any], list[_Line]]:
    """Every usable budget record and all their lines (several files, for example one per
    fiscal year, are read together)."""
    records = ctx.records(BUDGET)
    lines: list[_Line] = []
    for record in records:
        data = record.data if isinstance(record.data, dict) else {}
        raw_lines = data.get("lines")
        if isinstance(raw_lines, list):
            lines.extend(
                _Line(record, i, v) for i, v in enumerate(raw_lines) if isinstance(v, dict)
            )
    return records, lines


def _period_years(ctx: Context) -> list[int]:
    return list(range(ctx.period.start.year, ctx.period.end.year + 1))


def _elapsed_days(ctx: Context, year: int) -> int:
    """Days of ``year`` up to the period's end: a budget year still running at the end of
    the period has only spent that far."""
    first, last = _year_bounds(year)
    return max(0, (min(last, ctx.period.end) - first).days + 1)


def _rows_text(rows: list[int]) -> str:
    return ", ".join(str(r) for r in rows)


class CapitalSafeguard(Indicator):
    """The community has dedicated money for smart-community safety: a ring-fenced fund
    with budget lines for building smart safety facilities and for running them, spent at
    a sound rate, at a level that matches the community's size, and traceable payment by
    payment in an expenditure ledger that agrees with the budget.

    Evidence: a ``safety_budget`` record (fund and budget lines per year) and a
    ``safety_expenditure`` table (the ledger of payments).
    """

    code = "SE12"
    title = "Capital safeguard"
    dimension = "SMD"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(BUDGET, purpose="the dedicated fund and its budget lines per fiscal year"),
        Need(LEDGER, purpose="the payments made from the fund"),
    )

    @rule(
        "R1",
        "A dedicated budget funds building and running smart safety facilities",
        weight=3,
        severity="critical",
        red_line=True,
        thresholds=("required_categories",),
    )
    def dedicated_budget(self, ctx: Context) -> float | None:
        """The fund must be marked dedicated (ring-fenced) and, for every fiscal year the
        period touches, have money allocated to each category in ``required_categories``
        (by default construction and operation of smart safety facilities). Score: the
        share of these elements present, counting the dedicated flag as one element and
        each (year, category) pair as one. A red-line rule: without dedicated money for
        both building and running the facilities the indicator cannot pass."""
        records, lines = _budget(ctx)
        if not records:
            return 0.0
        required = [str(c) for c in ctx.threshold("required_categories")]
        elements = 0
        met = 0
        for record in records:
            data = record.data if isinstance(record.data, dict) else {}
            fund = data.get("fund") if isinstance(data.get("fund"), dict) else {}
            elements += 1
            if fund.get("dedicated") is True:
                met += 1
            else:
                ctx.finding(
                    "the fund is not marked as dedicated to smart-community safety",
                    at=ctx.at(record, pointer="/fund"),
                    fix="Ring-fence the money in a special fund or account and set "
                    "fund.dedicated to true.",
                )
        for year in _period_years(ctx):
            for category in required:
                elements += 1
                allocated = sum(
                    ln.allocated for ln in lines if ln.year == year and ln.category == category
                )
                if allocated > 0:
                    met += 1
                else:
                    ctx.finding(
                        f"no money is allocated to {category} for {year}",
                        at=ctx.at(records[0], pointer="/lines"),
                        fix=f"Add a {year} budget line for {category} of smart safety "
                        "facilities with an allocated amount.",
                    )
        score = met / elements
        ctx.metric("dedicated_budget_elements_met", round(score, 4))
        return score

    @rule(
        "R2",
        "Allocated money arrives and is spent at a sound rate",
        weight=2,
        severity="medium",
        thresholds=("min_allocation_rate", "min_execution_rate", "max_execution_rate"),
    )
    def execution_rate(self, ctx: Context) -> float | None:
        """Per fiscal year the period touches: the allocation rate (allocated / planned)
        should reach ``min_allocation_rate``, and the execution rate (spent / allocated)
        should lie between ``min_execution_rate`` (scaled down by the share of a year still
        running at the period's end) and ``max_execution_rate`` (overspending). Each part
        scores 1 within bounds, else the ratio of the measured rate to the bound it misses;
        a year's score is their mean, and the rule's score is the mean over years weighted
        by allocated money. Lines spending more than ``max_execution_rate`` of their
        allocation are reported one by one."""
        records, lines = _budget(ctx)
        if not records:
            return 0.0
        min_alloc = float(ctx.threshold("min_allocation_rate"))
        min_exec = float(ctx.threshold("min_execution_rate"))
        max_exec = float(ctx.threshold("max_execution_rate"))
        years = _period_years(ctx)
        scored: list[tuple[float, float]] = []
        overspent = 0
        for year in years:
            mine = [ln for ln in lines if ln.year == year]
            planned = sum(ln.planned for ln in mine)
            allocated = sum(ln.allocated for ln in mine)
            spent = sum(ln.spent for ln in mine)
            for ln in mine:
                if ln.allocated > 0 and ln.spent > ln.allocated * max_exec:
                    overspent += 1
                    if overspent <= _MAX_LISTED:
                        ctx.finding(
                            f"budget line {ln.line_id or ln.index} spent "
                            f"{ln.spent / ln.allocated:.0%} of its allocation",
                            at=ctx.at(ln.record, pointer=f"/lines/{ln.index}"),
                            fix="Explain the overspend or approve a budget adjustment.",
                            severity="low",
                        )
            if allocated <= 0:
                continue
            alloc_rate = allocated / planned if planned > 0 else 1.0
            exec_rate = spent / allocated
            floor = min_exec * _elapsed_days(ctx, year) / _days_in_year(year)
            alloc_part = min(1.0, alloc_rate / min_alloc) if min_alloc > 0 else 1.0
            if exec_rate < floor:
                exec_part = exec_rate / floor
                ctx.finding(
                    f"{year}: {exec_rate:.0%} of the allocated money was spent; at least "
                    f"{floor:.0%} expected by the end of the period",
                    at=ctx.at(records[0], pointer="/lines"),
                    fix="Carry out the funded projects, or return unused money to the plan.",
                )
            elif exec_rate > max_exec:
                exec_part = max_exec / exec_rate
                ctx.finding(
                    f"{year}: spending is {exec_rate:.0%} of the allocated money; at most "
                    f"{max_exec:.0%} expected",
                    at=ctx.at(records[0], pointer="/lines"),
                    fix="Keep spending within the allocation or approve an adjustment.",
                )
            else:
                exec_part = 1.0
            if alloc_rate < min_alloc:
                ctx.finding(
                    f"{year}: {alloc_rate:.0%} of the planned money was allocated; at least "
                    f"{min_alloc:.0%} expected",
                    at=ctx.at(records[0], pointer="/lines"),
                    fix="Secure the allocation the approved plan promises.",
                )
            ctx.metric(f"execution_rate_{year}", round(exec_rate, 4))
            ctx.metric(f"allocation_rate_{year}", round(alloc_rate, 4))
            scored.append((allocated, (alloc_part + exec_part) / 2))
        if overspent > _MAX_LISTED:
            ctx.finding(
                f"{overspent - _MAX_LISTED} more budget lines overspent their allocation",
                at=ctx.at(records[0], pointer="/lines"),
                severity="low",
            )
        if not scored:
            ctx.finding(
                "no money is allocated for the period's fiscal years",
                at=ctx.at(records[0], pointer="/lines"),
                fix="Record the allocated amounts of the budget lines.",
            )
            return 0.0
        total = sum(w for w, _ in scored)
        return sum(w * s for w, s in scored) / total

    @rule(
        "R3",
        "Safety spending matches the community's size",
        weight=2,
        severity="medium",
        thresholds=("min_spend_per_household_per_year",),
    )
    def spending_per_household(self, ctx: Context) -> float | None:
        """The money spent during the period (budget ``spent``; for a fiscal year the period
        covers only in part, the year's spending pro-rated to the days the period shares
        with it), turned into a yearly amount and divided by the community's households
        from the manifest, against ``min_spend_per_household_per_year``. Score: min(1,
        measured / target)."""
        records, lines = _budget(ctx)
        if not records:
            return 0.0
        households = ctx.community.households
        if households <= 0:
            ctx.finding(
                "the manifest gives no households, so spending per household is unknown",
                fix="Give the community's number of households in the manifest.",
                severity="low",
            )
            return None
        start, end = ctx.period.start, ctx.period.end
        spent = 0.0
        for year in _period_years(ctx):
            first, last = _year_bounds(year)
            elapsed = _elapsed_days(ctx, year)
            if elapsed <= 0:
                continue
            share = _overlap_days(first, last, start, end) / elapsed
            spent += share * sum(ln.spent for ln in lines if ln.year == year)
        yearly = spent * 365 / ctx.period.days
        per_household = yearly / households
        target = float(ctx.threshold("min_spend_per_household_per_year"))
        ctx.metric("spend_per_household_per_year", round(per_household, 2))
        if per_household < target:
            ctx.finding(
                f"safety spending is {per_household:.2f} per household a year; at least "
                f"{target:g} expected",
                at=ctx.at(records[0], pointer="/lines"),
                fix="Fund the building and running of smart safety facilities at a level "
                "that matches the community's size.",
            )
        return min(1.0, per_household / target) if target > 0 else 1.0

    @rule(
        "R4",
        "The expenditure ledger agrees with the budget",
        weight=2,
        severity="high",
        thresholds=("ledger_tolerance",),
    )
    def ledger_reconciles(self, ctx: Context) -> float | None:
        """Ledger payments dated inside the period are summed per fiscal year and category
        and compared with the budget's ``spent``. For a year wholly inside the period the
        two must agree within ``ledger_tolerance`` (relative to the larger); for a year the
        period covers in part, the ledger must not exceed the year's spending by more than
        the tolerance. Payments must also be documented: a voucher number, and a budget
        line (when given) that exists in the budget, and a readable amount and category.
        Score: the share of (year, category)
        pairs that agree, times the share of documented payments. Payments dated outside
        the period are reported and left out."""
        records, lines = _budget(ctx)
        table = ctx.table(LEDGER)
        if not records or table is None or table.frame is None:
            return 0.0
        tolerance = float(ctx.threshold("ledger_tolerance"))
        start, end = ctx.period.start, ctx.period.end
        known = sorted({ln.line_id for ln in lines if ln.line_id})
        frame = table.frame.filter(pl.col("date").is_not_null())
        inside = pl.col("date").is_between(start, end)
        voucher = stripped(table.frame, "voucher_id")
        # A payment whose amount or category could not be read is not documented either.
        undocumented = (
            voucher.is_null()
            | (voucher == "")
            | pl.col("amount").is_null()
            | pl.col("category").is_null()
        )
        # budget_line is an optional column: a ledger without it is checked on vouchers only.
        if "budget_line" in frame.collect_schema().names():
            line_ref = stripped(table.frame, "budget_line")
            undocumented = undocumented | (
                line_ref.is_not_null() & (line_ref != "") & ~one_of(line_ref, known)
            )
        sums_q = (
            frame.filter(inside & pl.col("category").is_not_null())
            # By day first: the year of each distinct day, not of each payment.
            .group_by("date", "category")
            .agg(pl.col("amount").fill_null(0).sum().alias("amount"))
            .group_by(pl.col("date").dt.year().alias("year"), "category")
            .agg(pl.col("amount").sum())
        )
        counts_q = frame.select(
            inside.sum().alias("inside"),
            (~inside).sum().alias("outside"),
            (inside & undocumented).sum().alias("undocumented"),
        )
        outside_q = frame.filter(~inside).select("__file", "__row").head(3)
        undoc_q = frame.filter(inside & undocumented).select("__file", "__row").head(5)
        sums, counts, outside_rows, undoc_rows = pl.collect_all(
            [sums_q, counts_q, outside_q, undoc_q]
        )
        n_inside = int(counts["inside"][0] or 0)
        n_outside = int(counts["outside"][0] or 0)
        n_undoc = int(counts["undocumented"][0] or 0)
        ctx.metric("ledger_entries_in_period", n_inside)
        if n_outside:
            first = outside_rows.row(0, named=True)
            ctx.finding(
                f"{n_outside} ledger payments are dated outside the period and were left out "
                f"(first rows: {_rows_text(outside_rows['__row'].to_list())})",
                at=ctx.at(first["__file"], row=first["__row"], column="date"),
                fix="Submit the ledger for the assessment period only, or check the dates.",
                severity="low",
            )
        if n_undoc:
            first = undoc_rows.row(0, named=True)
            ctx.finding(
                f"{n_undoc} ledger payments in the period lack a voucher, a readable amount "
                f"or category, or name a budget line the budget does not have (first rows: "
                f"{_rows_text(undoc_rows['__row'].to_list())})",
                at=ctx.at(first["__file"], row=first["__row"], column="voucher_id"),
                fix="Record the voucher number and the budget line of every payment.",
            )
        ledger = {(int(r["year"]), str(r["category"])): float(r["amount"]) for r in sums.to_dicts()}
        budget: dict[tuple[int, str], float] = {}
        for ln in lines:
            if ln.year is not None and ln.category is not None:
                budget[(ln.year, ln.category)] = budget.get((ln.year, ln.category), 0.0) + ln.spent
        years = _period_years(ctx)
        pairs = sorted(
            key
            for key in {*ledger, *budget}
            if key[0] in years and (ledger.get(key) or budget.get(key))
        )
        if not pairs:
            ctx.metric("ledger_pairs_reconciled", None)
            return None
        agreed = 0
        for year, category in pairs:
            first, last = _year_bounds(year)
            booked = ledger.get((year, category), 0.0)
            planned = budget.get((year, category), 0.0)
            whole = start <= first and last <= end
            if whole:
                ok = abs(booked - planned) <= tolerance * max(booked, planned)
            else:
                ok = booked <= planned * (1 + tolerance)
            if ok:
                agreed += 1
                continue
            ctx.finding(
                f"{year} {category}: the ledger books {booked:,.2f} in the period but the "
                f"budget reports {planned:,.2f} spent" + ("" if whole else " for the whole year"),
                at=ctx.at(table),
                fix="Reconcile the ledger with the budget record: missing, duplicated or "
                "miscategorized payments.",
            )
        reconciled = agreed / len(pairs)
        documented = (n_inside - n_undoc) / n_inside if n_inside else 0.0
        ctx.metric("ledger_pairs_reconciled", round(reconciled, 4))
        ctx.metric("ledger_documented_share", round(documented, 4))
        return reconciled * documented

    @rule(
        "R5",
        "Spending continues throughout the period",
        weight=1,
        severity="low",
        thresholds=("min_spending_months_share",),
    )
    def spending_spread(self, ctx: Context) -> float | None:
        """Running smart safety facilities costs money every month: the ledger should show
        payments in at least ``min_spending_months_share`` of the calendar months the period
        touches. Score: min(1, months with payments / months needed)."""
        table = ctx.table(LEDGER)
        if table is None or table.frame is None:
            return 0.0
        start, end = ctx.period.start, ctx.period.end
        months: list[tuple[int, int]] = []
        y, m = start.year, start.month
        while (y, m) <= (end.year, end.month):
            months.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        share = float(ctx.threshold("min_spending_months_share"))
        needed = max(1, math.ceil(share * len(months)))
        active = (
            table.frame.filter(pl.col("date").is_between(start, end) & (pl.col("amount") > 0))
            .select(pl.col("date").unique())  # a month per distinct day, not per payment
            .select((pl.col("date").dt.year() * 100 + pl.col("date").dt.month()).alias("ym"))
            .unique()
            .collect()["ym"]
            .to_list()
        )
        seen = {(v // 100, v % 100) for v in active if v is not None}
        ctx.metric("months_with_spending", len(seen))
        ctx.metric("months_in_period", len(months))
        if len(seen) < needed:
            idle = [f"{a}-{b:02d}" for a, b in months if (a, b) not in seen]
            shown = ", ".join(idle[:12]) + (" ..." if len(idle) > 12 else "")
            ctx.finding(
                f"payments in {len(seen)} of {len(months)} months; at least {needed} expected "
                f"(months without payments: {shown})",
                at=ctx.at(table),
                fix="Fund the running and maintenance of facilities continuously, not in "
                "one-off batches.",
            )
        return min(1.0, len(seen) / needed)


# -- evidence types, templates and samples ------------------------------------------------

_BUDGET_TEMPLATE = """\
# Smart community safety budget (evidence type: safety_budget). Amounts in `currency`.
fund:
  name: Smart community safety special fund
  dedicated: true
  approved_by: District finance bureau
  approval_ref: FIN-2025-031
currency: CNY
lines:
  - line_id: B2025-01
    year: 2025
    category: construction
    item: Smart fire hydrant and smoke alarm network
    planned: 320000
    allocated: 300000
    spent: 276500.5
    funding_source: district_fiscal
  - line_id: B2025-02
    year: 2025
    category: operation
    item: Safety platform operation and connectivity
    planned: 240000
    allocated: 240000
    spent: 221300
    funding_source: street_fiscal
"""

_LEDGER_HEADER = ("date", "category", "amount", "purpose", "voucher_id", "budget_line")

_LEDGER_TEMPLATE = """\
date,category,amount,purpose,voucher_id,budget_line
2025-01-08,operation,18400.00,Platform connectivity for January,V2025000001,B2025-02
2025-01-15,construction,56200.00,Smart hydrant sensors (first batch),V2025000002,B2025-01
"""

_ITEMS = {
    "renewal": ("Access control upgrade for older buildings", "Renewal of video intercoms"),
    "construction": ("Smart hydrant and smoke alarm network", "Video patrol cameras at gates"),
    "operation": ("Safety platform operation and connectivity", "Monitoring centre staffing"),
    "maintenance": ("Repair of fire and alarm devices", "Upkeep of cameras and sensors"),
    "training": ("Platform and emergency training for staff", "Volunteer safety courses"),
}
_SHARES = {
    "construction": 0.38,
    "operation": 0.30,
    "maintenance": 0.16,
    "renewal": 0.10,
    "training": 0.06,
}
_SOURCES = ("district_fiscal", "street_fiscal", "municipal_fiscal", "property_fee")


def _plan(spec: SampleSpec) -> dict[str, Any]:
    """The budget both samples describe. The budget and the ledger are generated from
    separate random streams, so the plan they must agree on is derived from the spec alone
    (a private generator seeded from it), never from either stream."""
    q = spec.quality
    local = random.Random(f"se12-plan:{spec.seed}:{spec.community.id}:{q}")
    per_household = {"good": 190.0, "fair": 48.0, "poor": 16.0}[q] * local.uniform(0.95, 1.1)
    execution = {"good": 0.9, "fair": 0.45, "poor": 0.3}[q]
    allocation = {"good": 0.97, "fair": 0.7, "poor": 0.55}[q]
    categories = [c for c in _SHARES if not (q == "poor" and c == "operation")]
    households = max(1, spec.community.households)
    start, end = spec.period.start, spec.period.end
    lines = []
    ledger: dict[tuple[int, str], float] = {}
    for year in range(start.year, end.year + 1):
        first, last = _year_bounds(year)
        elapsed_days = max(1, (min(last, end) - first).days + 1)
        elapsed = elapsed_days / _days_in_year(year)
        in_period = _overlap_days(first, last, start, end) / elapsed_days
        for n, category in enumerate(categories, start=1):
            spent_full = per_household * households * _SHARES[category] * local.uniform(0.9, 1.1)
            allocated = spent_full / execution
            spent = round(spent_full * elapsed, 2)
            lines.append(
                {
                    "line_id": f"B{year}-{n:02d}",
                    "year": year,
                    "category": category,
                    "item": _ITEMS[category][n % 2],
                    "planned": round(allocated / allocation, 2),
                    "allocated": round(allocated, 2),
                    "spent": spent,
                    "funding_source": _SOURCES[n % len(_SOURCES)],
                }
            )
            target = spent * in_period
            # Fair and poor ledgers disagree with the budget for some categories.
            if q == "fair" and category in ("maintenance", "operation"):
                target *= 1.12 if category == "maintenance" else 0.85
            elif q == "poor" and category in ("construction", "training"):
                target *= 0.6 if category == "construction" else 1.5
            ledger[(year, category)] = round(target, 2)
    return {"lines": lines, "ledger": ledger, "dedicated": q != "poor"}


def _sample_budget(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    plan = _plan(spec)
    data = {
        "fund": {
            "name": "Smart community safety special fund",
            "dedicated": plan["dedicated"],
            "approved_by": "District finance bureau",
            "approval_ref": f"FIN-{spec.period.start.year}-{rng.randrange(1, 500):03d}",
        },
        "currency": "CNY",
        "lines": plan["lines"],
    }
    return [(f"records/{BUDGET}.yaml", yaml_bytes(data))]


def _sample_ledger(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Payments spread over the period's months (fair and poor leave months out), scaled
    so each (year, category) sums to the plan's ledger amount to the cent."""
    plan = _plan(spec)
    q = spec.quality
    start = spec.period.start
    all_days = [start + timedelta(n) for n in range(spec.period.days)]
    months = sorted({(d.year, d.month) for d in all_days})
    if q == "fair":
        idle = set(rng.sample(months, k=min(len(months) - 1, round(len(months) / 2))))
    elif q == "poor":
        idle = set(rng.sample(months, k=max(0, len(months) - 3)))
    else:
        idle = set()
    days = [d for d in all_days if (d.year, d.month) not in idle]
    day_text = [d.isoformat() for d in days]
    # Groups are (year, category) pairs with money; rows refer to them by index so the
    # per-row work stays a few list look-ups.
    groups = [key for key, amount in sorted(plan["ledger"].items()) if amount > 0]
    group_cents = [round(plan["ledger"][key] * 100) for key in groups]
    line_of = {(ln["year"], ln["category"]): ln["line_id"] for ln in plan["lines"]}
    by_year: dict[int, tuple[list[int], list[float]]] = {}
    for g, (year, _category) in enumerate(groups):
        ids, cum = by_year.setdefault(year, ([], []))
        ids.append(g)
        cum.append((cum[-1] if cum else 0.0) + group_cents[g])
    day_groups = [by_year.get(d.year, ([], [])) for d in days]
    n_rows = max(spec.rows, 2 * len(months) + len(groups))
    random_ = rng.random
    n_days = len(days)
    rows: list[tuple[int, int, float]] = []  # (day index, group, weight)
    for _ in range(n_rows):
        i = int(random_() * n_days)
        ids, cum = day_groups[i]
        if ids:
            k = bisect.bisect_left(cum, random_() * cum[-1])
            rows.append((i, ids[min(k, len(ids) - 1)], 0.2 + 3 * random_() ** 2))
    # Every group gets at least one payment.
    present = {r[1] for r in rows}
    for g, (year, _category) in enumerate(groups):
        candidates = [i for i, d in enumerate(days) if d.year == year]
        if g not in present and candidates:
            rows.append((candidates[len(candidates) // 2], g, 1.0))
    rows.sort(key=lambda r: (r[0], groups[r[1]][1]))
    # Whole cents: each payment gets the floor of its weighted share, and the cents left
    # over go one each to the group's first payments, so every group sums to its target
    # exactly and no amount turns negative however many rows there are.
    weights = [0.0] * len(groups)
    for _, g, w in rows:
        weights[g] += w
    scale = [c / w if w else 0.0 for c, w in zip(group_cents, weights, strict=True)]
    cents = [int(w * scale[g]) for _, g, w in rows]
    left = list(group_cents)
    for (_, g, _w), c in zip(rows, cents, strict=True):
        left[g] -= c
    missing_voucher = {"good": 0.0, "fair": 0.04, "poor": 0.2}[q]
    unknown_line = 0.05 if q == "poor" else 0.0
    group_text = [
        (cat, line_of.get((year, cat)) or "", _ITEMS[cat], f"V{year}") for year, cat in groups
    ]
    out = ["date,category,amount,purpose,voucher_id,budget_line"]
    for idx, ((i, g, _w), amount) in enumerate(zip(rows, cents, strict=True), start=1):
        if left[g] > 0:
            amount += 1
            left[g] -= 1
        category, line, items, prefix = group_text[g]
        voucher = "" if random_() < missing_voucher else f"{prefix}{idx:07d}"
        if random_() < unknown_line:
            line = "B-UNLISTED"
        # Every field is generated here and holds no comma, quote or line break, so rows
        # are joined directly (csv quoting would cost more than the rest of the row).
        out.append(
            f"{day_text[i]},{category},{amount // 100}.{amount % 100:02d},"
            f"{items[idx % 2]},{voucher},{line}"
        )
    out.append("")
    return [(f"tables/{LEDGER}.csv", "\n".join(out).encode("utf-8"))]


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=BUDGET,
            kind="record",
            title="Smart community safety budget",
            description="The dedicated fund and its budget lines per fiscal year: planned, "
            "allocated and spent money for renewal, construction, operation, maintenance "
            "and training of smart safety facilities.",
            schema=schema_id(BUDGET),
            template_name=f"{BUDGET}.yaml",
            template_text=_BUDGET_TEMPLATE,
            sample=_sample_budget,
        ),
        EvidenceType(
            id=LEDGER,
            kind="table",
            title="Safety expenditure ledger",
            description="Every payment from the safety fund: date, category, amount, "
            "purpose, voucher number and budget line.",
            schema=schema_id(LEDGER),
            template_name=f"{LEDGER}.csv",
            template_text=_LEDGER_TEMPLATE,
            sample=_sample_ledger,
            sample_rows=0.2,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(BUDGET), load_schema(LEDGER)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [CapitalSafeguard]
