"""SE12 Capital safeguard: budget elements, execution rates, pro-rating and the ledger."""

from __future__ import annotations

import io
import random
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from compliance_builtin import se12_capital_safeguard as se12

from compliance.bundle.model import Community, Period
from compliance.evidence.model import Record, Table
from compliance.indicator import Context, SampleSpec
from compliance.profile import ProfileSource, load_profile

PERIOD = Period(date(2025, 1, 1), date(2025, 12, 31))
COMMUNITY = Community("c-1", "Test community", "Shenzhen", "Nanshan", 12000, 1000)
BUDGET_PATH = "records/safety_budget.yaml"
LEDGER_PATH = "tables/safety_expenditure.csv"


class _Store:
    """Just enough of the evidence store for a Context."""

    def __init__(self, budget: Any, ledger: Table | None) -> None:
        self.budget = Record(BUDGET_PATH, se12.BUDGET, budget, "0" * 64, 1)
        self.ledger = ledger

    def kind(self, type_id: str) -> str | None:
        return {se12.BUDGET: "record", se12.LEDGER: "table"}.get(type_id)

    def paths(self, type_id: str) -> list[str]:
        if type_id == se12.BUDGET:
            return [BUDGET_PATH]
        return [LEDGER_PATH] if type_id == se12.LEDGER and self.ledger else []

    def declared(self, type_id: str) -> list[str]:
        return self.paths(type_id)

    def records(self, type_id: str) -> list[Record]:
        return [self.budget] if type_id == se12.BUDGET else []

    def table(self, type_id: str) -> Table | None:
        return self.ledger if type_id == se12.LEDGER else None

    def documents(self, type_id: str) -> list[Any]:
        return []


def _profile(**overrides: Any) -> Any:
    source = ProfileSource("default", Path(se12.__file__).parent / "profiles" / "default.yaml")
    profile = load_profile("default", {"default": source})
    profile.indicators["SE12"]["thresholds"].update(overrides)
    return profile


def _ledger(rows: list[tuple[str, str, float, str | None, str | None]]) -> Table:
    frame = pl.DataFrame(
        {
            "date": [date.fromisoformat(r[0]) for r in rows],
            "category": [r[1] for r in rows],
            "amount": [float(r[2]) for r in rows],
            "purpose": ["Item"] * len(rows),
            "voucher_id": [r[3] for r in rows],
            "budget_line": [r[4] for r in rows],
        },
        schema={
            "date": pl.Date,
            "category": pl.Utf8,
            "amount": pl.Float64,
            "purpose": pl.Utf8,
            "voucher_id": pl.Utf8,
            "budget_line": pl.Utf8,
        },
    ).with_columns(
        pl.lit(LEDGER_PATH).alias("__file"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("__row"),
    )
    return Table(
        se12.LEDGER, [LEDGER_PATH], frame.lazy(), frame.height, {LEDGER_PATH: "0"}, {LEDGER_PATH: 0}
    )


def _budget(
    lines: list[tuple[str, int, str, float, float, float]], dedicated: bool = True
) -> dict[str, Any]:
    return {
        "fund": {"name": "Fund", "dedicated": dedicated},
        "lines": [
            {"line_id": i, "year": y, "category": c, "planned": p, "allocated": a, "spent": s}
            for i, y, c, p, a, s in lines
        ],
    }


def _evaluate(budget: Any, ledger: Table | None, period: Period = PERIOD, **overrides: Any) -> Any:
    indicator = se12.CapitalSafeguard()
    ctx = Context(
        indicator,
        store=_Store(budget, ledger),  # type: ignore[arg-type]
        profile=_profile(**overrides),
        community=COMMUNITY,
        period=period,
    )
    return indicator.evaluate(ctx)


def _scores(verdict: Any) -> dict[str, float | None]:
    return {r.rule.split(".")[1]: r.score for r in verdict.rules}


def _monthly(year: int, category: str, total: float, line: str) -> list[Any]:
    return [
        (f"{year}-{m:02d}-15", category, total / 12, f"V{year}{category[:2]}{m}", line)
        for m in range(1, 13)
    ]


SOUND = [
    ("B1", 2025, "construction", 100_000, 100_000, 90_000),
    ("B2", 2025, "operation", 60_000, 60_000, 54_000),
]


def test_sound_budget_and_ledger_score_full() -> None:
    ledger = _ledger(
        _monthly(2025, "construction", 90_000, "B1") + _monthly(2025, "operation", 54_000, "B2")
    )
    verdict = _evaluate(_budget(SOUND), ledger)
    assert verdict.score == 100.0, [f.message for f in verdict.findings]


def test_dedicated_flag_and_each_required_category_per_year_are_elements() -> None:
    period = Period(date(2024, 7, 1), date(2025, 6, 30))  # touches 2024 and 2025
    lines = [*SOUND, ("B0", 2024, "construction", 10, 10, 10)]
    verdict = _evaluate(_budget(lines, dedicated=False), _ledger([]), period=period)
    # Elements: dedicated (no), 2024 construction (yes), 2024 operation (no),
    # 2025 construction (yes), 2025 operation (yes).
    assert _scores(verdict)["R1"] == pytest.approx(3 / 5)
    assert verdict.score is not None and verdict.score <= 59


def test_execution_floor_is_scaled_for_a_year_still_running() -> None:
    # Half a year elapsed (period ends 30 June, 181 of 365 days): the 0.7 floor becomes
    # about 0.347, so spending 35% of the allocation is on track.
    period = Period(date(2025, 1, 1), date(2025, 6, 30))
    lines = [
        ("B1", 2025, "construction", 100_000, 100_000, 35_000),
        ("B2", 2025, "operation", 60_000, 60_000, 21_000),
    ]
    verdict = _evaluate(_budget(lines), _ledger([]), period=period)
    assert _scores(verdict)["R2"] == 1.0
    full_year = _evaluate(_budget(lines), _ledger([]))
    # Full year: execution 0.35 of 0.7 -> 0.5; allocation fine -> 1; mean 0.75.
    assert _scores(full_year)["R2"] == pytest.approx(0.75)


def test_overspending_is_penalized() -> None:
    lines = [
        ("B1", 2025, "construction", 100_000, 100_000, 140_000),
        ("B2", 2025, "operation", 60_000, 60_000, 60_000),
    ]
    verdict = _evaluate(_budget(lines), _ledger([]))
    rate = 200_000 / 160_000
    assert _scores(verdict)["R2"] == pytest.approx((1 + 1.05 / rate) / 2)
    assert any("B1" in f.message for f in verdict.findings if f.rule == "SE12.R2")


def test_spending_per_household_is_prorated_and_annualized() -> None:
    # Period: 1 Jul 2024 - 30 Jun 2025. 2024 spent 36,600 over the whole year: the period
    # shares 184 of its 366 days. 2025 spent 20,000 by 30 June: all of it in the period.
    period = Period(date(2024, 7, 1), date(2025, 6, 30))
    lines = [
        ("A", 2024, "construction", 1, 1, 18_300),
        ("B", 2024, "operation", 1, 1, 18_300),
        ("C", 2025, "construction", 1, 1, 10_000),
        ("D", 2025, "operation", 1, 1, 10_000),
    ]
    verdict = _evaluate(_budget(lines), _ledger([]), period=period)
    spent = 36_600 * 184 / 366 + 20_000
    per_household = spent * 365 / period.days / COMMUNITY.households
    assert verdict.metrics["spend_per_household_per_year"] == pytest.approx(per_household, abs=0.01)
    assert _scores(verdict)["R3"] == pytest.approx(per_household / 80)


def test_ledger_reconciliation_whole_and_partial_years() -> None:
    period = Period(date(2024, 7, 1), date(2025, 12, 31))
    lines = [
        ("A", 2024, "construction", 1, 1, 50_000),
        ("B", 2024, "operation", 1, 1, 10_000),
        ("C", 2025, "construction", 1, 1, 40_000),
        ("D", 2025, "operation", 1, 1, 30_000),
    ]
    rows = [
        # 2024 is partly in the period: booking less than the year's spending is fine...
        ("2024-08-01", "construction", 20_000, "V1", "A"),
        # ...booking more than the year's spending is not.
        ("2024-09-01", "operation", 12_000, "V2", "B"),
        # 2025 is whole: construction within 2 %, operation 10 % short.
        ("2025-03-01", "construction", 39_500, "V3", "C"),
        ("2025-04-01", "operation", 27_000, "V4", "D"),
        ("2024-03-01", "operation", 99_999, "V5", "B"),  # before the period: left out
    ]
    verdict = _evaluate(_budget(lines), _ledger(rows), period=period)
    assert verdict.metrics["ledger_pairs_reconciled"] == pytest.approx(0.5)
    assert _scores(verdict)["R4"] == pytest.approx(0.5)
    messages = [f.message for f in verdict.findings if f.rule == "SE12.R4"]
    assert any("outside the period" in m for m in messages)
    assert any("2024 operation" in m for m in messages)
    assert any("2025 operation" in m for m in messages)


def test_undocumented_payments_reduce_the_ledger_score() -> None:
    rows = _monthly(2025, "construction", 90_000, "B1") + _monthly(2025, "operation", 54_000, "B2")
    rows[0] = (*rows[0][:3], None, "B1")  # no voucher
    rows[1] = (*rows[1][:3], "V-x", "B7")  # unknown budget line
    verdict = _evaluate(_budget(SOUND), _ledger(rows))
    assert _scores(verdict)["R4"] == pytest.approx(22 / 24)


def test_spending_months_share() -> None:
    rows = [(f"2025-{m:02d}-10", "construction", 1.0, "V", "B1") for m in (1, 2, 3, 4, 5, 6)]
    verdict = _evaluate(_budget(SOUND), _ledger(rows))
    # 6 of 12 months, 9 needed.
    assert _scores(verdict)["R5"] == pytest.approx(6 / 9)


@pytest.mark.parametrize("quality", ["good", "fair", "poor"])
def test_samples_agree_and_are_deterministic(quality: str) -> None:
    spec = SampleSpec(COMMUNITY, PERIOD, quality, 5000, 3)
    ledger = se12._sample_ledger(random.Random("a"), spec)
    assert ledger == se12._sample_ledger(random.Random("a"), spec)
    budget = se12._sample_budget(random.Random("b"), spec)
    assert budget == se12._sample_budget(random.Random("b"), spec)
    frame = pl.read_csv(io.BytesIO(ledger[0][1]), try_parse_dates=True)
    assert frame.height >= 5000
    assert frame["amount"].min() >= 0
    lines = yaml.safe_load(budget[0][1])["lines"]
    booked = frame.group_by("category").agg(pl.col("amount").sum())
    totals = dict(zip(booked["category"], booked["amount"], strict=True))
    for line in lines:
        if quality == "good":
            # A good ledger books exactly what the budget says was spent.
            assert totals[line["category"]] == pytest.approx(line["spent"], abs=0.01)


def test_sample_amounts_stay_exact_with_many_small_payments() -> None:
    small = Community("c-2", "Small", "Shenzhen", "Futian", 300, 100)
    spec = SampleSpec(small, PERIOD, "good", 50_000, 1)
    frame = pl.read_csv(io.BytesIO(se12._sample_ledger(random.Random(1), spec)[0][1]))
    assert frame["amount"].min() >= 0
    plan = se12._plan(spec)["ledger"]
    assert frame["amount"].sum() == pytest.approx(sum(plan.values()), abs=0.01)
