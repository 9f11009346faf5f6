"""SE15 Operation safeguard: day coverage, gaps, work-file kinds and row quality."""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from compliance_builtin import se15_operation_safeguard as se15

from compliance.bundle.model import Community, Period
from compliance.errors import ProfileError
from compliance.evidence.model import Table
from compliance.indicator import Context, SampleSpec
from compliance.profile import ProfileSource, load_profile

PERIOD = Period(date(2025, 1, 1), date(2025, 12, 31))
COMMUNITY = Community("c-1", "Test community", "Shenzhen", "Nanshan", 12000, 4200)
UTC8 = timedelta(hours=8)


class _Store:
    """Just enough of the evidence store for a Context: typed tables by evidence type."""

    def __init__(self, tables: dict[str, Table]) -> None:
        self.tables = tables

    def kind(self, type_id: str) -> str | None:
        return "table" if type_id in (se15.PATROL_LOG, se15.WORK_RECORDS) else None

    def paths(self, type_id: str) -> list[str]:
        return list(self.tables[type_id].paths) if type_id in self.tables else []

    def declared(self, type_id: str) -> list[str]:
        return self.paths(type_id)

    def table(self, type_id: str) -> Table | None:
        return self.tables.get(type_id)

    def records(self, type_id: str) -> list[Any]:
        return []

    def documents(self, type_id: str) -> list[Any]:
        return []


def _profile(**overrides: Any) -> Any:
    source = ProfileSource("default", Path(se15.__file__).parent / "profiles" / "default.yaml")
    profile = load_profile("default", {"default": source})
    profile.indicators["SE15"]["thresholds"].update(overrides)
    return profile


def _table(type_id: str, frame: pl.DataFrame, path: str) -> Table:
    """A table as the reader hands it over: typed columns plus __file and __row."""
    frame = frame.with_columns(
        pl.lit(path).alias("__file"), pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("__row")
    )
    return Table(type_id, [path], frame.lazy(), frame.height, {path: "0"}, {path: 0})


def _patrols(rows: list[tuple[datetime | None, datetime | None, str]]) -> pl.DataFrame:
    """Patrol rows from local (+08:00) wall-clock times, stored as the reader stores them:
    naive UTC datetimes."""
    return pl.DataFrame(
        {
            "patrol_id": [f"P{i:05d}" for i in range(len(rows))],
            "started_at": [s - UTC8 if s else None for s, _, _ in rows],
            "ended_at": [e - UTC8 if e else None for _, e, _ in rows],
            "area": ["Building 1"] * len(rows),
            "inspector_id": ["S0001"] * len(rows),
            "issues_found": [0] * len(rows),
            "status": [st for _, _, st in rows],
        },
        schema_overrides={"started_at": pl.Datetime("us"), "ended_at": pl.Datetime("us")},
    )


def _daily(days: list[date], hour: int = 9) -> pl.DataFrame:
    return _patrols(
        [
            (
                datetime(d.year, d.month, d.day, hour),
                datetime(d.year, d.month, d.day, hour, 45),
                "completed",
            )
            for d in days
        ]
    )


def _work(rows: list[tuple[date | None, str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "record_id": [f"W{i:04d}" for i in range(len(rows))],
            "date": [d for d, _, _ in rows],
            "kind": [k for _, k, _ in rows],
            "title": ["Work"] * len(rows),
            "reference": [r for _, _, r in rows],
        },
        schema_overrides={"date": pl.Date},
    )


def _full_work() -> pl.DataFrame:
    rows = []
    for kind, n in (("maintenance", 4), ("major_event", 1), ("exercise", 2), ("education", 4)):
        rows += [(date(2025, 2 + 2 * i, 10), kind, f"WF-{kind}-{i}") for i in range(n)]
    return _work(rows)


def _evaluate(
    patrols: pl.DataFrame,
    work: pl.DataFrame | None = None,
    period: Period = PERIOD,
    **thresholds: Any,
) -> Any:
    tables = {se15.PATROL_LOG: _table(se15.PATROL_LOG, patrols, "tables/patrol_log.csv")}
    tables[se15.WORK_RECORDS] = _table(
        se15.WORK_RECORDS, _full_work() if work is None else work, "tables/work_records.csv"
    )
    indicator = se15.OperationSafeguard()
    ctx = Context(
        indicator,
        store=_Store(tables),  # type: ignore[arg-type]
        profile=_profile(**thresholds),
        community=COMMUNITY,
        period=period,
    )
    return indicator.evaluate(ctx)


def _scores(verdict: Any) -> dict[str, float | None]:
    return {r.rule: r.score for r in verdict.rules}


def _every_day(period: Period = PERIOD) -> list[date]:
    return [period.start + timedelta(days=i) for i in range(period.days)]


# -- gaps and coverage -------------------------------------------------------------------


def test_gaps_include_the_start_and_end_of_the_period() -> None:
    days = pl.DataFrame({"day": [date(2025, 1, 4), date(2025, 1, 5), date(2025, 1, 9)]})
    gaps = se15._gaps(days, date(2025, 1, 1), date(2025, 1, 10))
    assert gaps.rows() == [
        (date(2025, 1, 1), date(2025, 1, 3), 3),
        (date(2025, 1, 6), date(2025, 1, 8), 3),
        (date(2025, 1, 10), date(2025, 1, 10), 1),
    ]


def test_no_patrol_day_at_all_is_one_gap_over_the_whole_period() -> None:
    empty = pl.DataFrame({"day": []}, schema={"day": pl.Date})
    gaps = se15._gaps(empty, date(2025, 1, 1), date(2025, 1, 31))
    assert gaps.rows() == [(date(2025, 1, 1), date(2025, 1, 31), 31)]


def test_every_day_patrolled_scores_full_marks() -> None:
    verdict = _evaluate(_daily(_every_day()))
    assert verdict.score == 100.0
    assert verdict.metrics["patrol_day_coverage"] == 1.0
    assert verdict.metrics["longest_patrol_gap_days"] == 0
    assert not verdict.findings


def test_coverage_gives_partial_credit_against_the_target() -> None:
    # Patrols on 300 of 365 days, no gap longer than the limit (every sixth day missing).
    days = [d for i, d in enumerate(_every_day()) if i % 6 != 5][:300]
    days = [d for d in _every_day() if d in set(days)]
    verdict = _evaluate(_daily(days), patrol_gap_max_days=40)
    covered = verdict.metrics["patrol_days"]
    assert covered == 300
    assert _scores(verdict)["SE15.R1"] == pytest.approx((300 / 365) / 0.95)
    assert any(f.rule == "SE15.R1" for f in verdict.findings)


def test_local_day_not_utc_day_counts() -> None:
    # 07:30 local on 2 January is 23:30 UTC on 1 January: the patrol belongs to 2 January.
    start = datetime(2025, 1, 2, 7, 30)
    frame = _patrols([(start, start + timedelta(minutes=40), "completed")])
    period = Period(date(2025, 1, 1), date(2025, 1, 2))
    verdict = _evaluate(frame, work=_full_work().head(0), period=period)
    assert verdict.metrics["patrol_days"] == 1
    gaps = [f.message for f in verdict.findings if f.rule == "SE15.R2"]
    assert verdict.metrics["longest_patrol_gap_days"] == 1
    assert not gaps  # a one-day gap (1 January) is within the default limit of 2


def test_the_profile_time_zone_decides_the_day() -> None:
    start = datetime(2025, 1, 2, 7, 30)  # local +08:00, i.e. 23:30 UTC on 1 January
    frame = _patrols([(start, start + timedelta(minutes=40), "completed")])
    period = Period(date(2025, 1, 2), date(2025, 1, 2))
    work = _full_work().head(0)
    assert _evaluate(frame, work=work, period=period).metrics["patrol_days"] == 1
    in_utc = _evaluate(frame, work=work, period=period, timezone="UTC")
    assert in_utc.metrics["patrol_days"] == 0


def test_an_unknown_time_zone_is_a_profile_error() -> None:
    with pytest.raises(ProfileError, match="timezone"):
        _evaluate(_daily(_every_day()), timezone="Mars/Olympus_Mons")


def test_cancelled_rounds_do_not_cover_a_day() -> None:
    days = _every_day()
    rows = [
        (datetime(d.year, d.month, d.day, 9), datetime(d.year, d.month, d.day, 9, 40), "completed")
        for d in days
        if d.month != 3
    ]
    rows += [(datetime(2025, 3, d, 9), None, "cancelled") for d in range(1, 32)]
    verdict = _evaluate(_patrols(rows))
    assert verdict.metrics["patrol_days"] == 365 - 31
    assert verdict.metrics["longest_patrol_gap_days"] == 31
    # A cancelled round needs no end time: those rows are still well formed.
    assert verdict.metrics["patrol_well_formed_share"] == 1.0


def test_long_gap_scores_allowed_plus_one_over_longest_plus_one() -> None:
    days = [d for d in _every_day() if not (date(2025, 6, 1) <= d <= date(2025, 6, 9))]
    verdict = _evaluate(_daily(days))
    assert verdict.metrics["longest_patrol_gap_days"] == 9
    assert _scores(verdict)["SE15.R2"] == pytest.approx(3 / 10)
    messages = [f.message for f in verdict.findings if f.rule == "SE15.R2"]
    assert any("2025-06-01 to 2025-06-09" in m for m in messages)


# -- work files ---------------------------------------------------------------------------


def test_missing_kind_and_records_outside_the_period() -> None:
    rows = [(date(2025, m, 5), "maintenance", f"WF-{m}") for m in (2, 5, 8, 11)]
    rows += [(date(2025, 4, 1), "major_event", "WF-e")]
    rows += [(date(2025, 3, 1), "education", "WF-a"), (date(2025, 9, 1), "education", "WF-b")]
    rows += [(date(2024, 12, 1), "exercise", "WF-old")]  # before the period: not counted
    verdict = _evaluate(_daily(_every_day()), work=_work(rows))
    # maintenance 4/4, major_event 1/1, exercise 0/2, education 2/4
    assert _scores(verdict)["SE15.R3"] == pytest.approx((1 + 1 + 0 + 0.5) / 4)
    assert verdict.metrics["exercise_records"] == 0
    fired = [f.message for f in verdict.findings if f.rule == "SE15.R3"]
    assert len(fired) == 2
    # The out-of-period row is also reported as not well formed, with its row number.
    located = [f for f in verdict.findings if f.rule == "SE15.R4" and f.location.row == 8]
    assert located and located[0].location.column == "date"


def test_minimums_scale_with_the_period_length() -> None:
    assert se15._scaled_minimum(4, 365) == 4
    assert se15._scaled_minimum(4, 91) == 1  # a quarter: 0.997 rounds up to 1
    assert se15._scaled_minimum(4, 92) == 2  # 1.008 rounds up to 2
    assert se15._scaled_minimum(2, 30) == 1  # never below one when the yearly minimum > 0
    assert se15._scaled_minimum(0, 365) == 0  # a profile can waive a kind


# -- row quality --------------------------------------------------------------------------


def test_ill_formed_patrol_rows_are_counted_and_located() -> None:
    rows = [
        (datetime(d.year, d.month, d.day, 9), datetime(d.year, d.month, d.day, 9, 40), "completed")
        for d in _every_day()
    ]
    rows[10] = (rows[10][0], None, "completed")  # no end time
    rows[20] = (rows[20][0], rows[20][0] - timedelta(minutes=5), "completed")  # end before start
    rows[30] = (rows[30][0], rows[30][0] + timedelta(hours=12), "completed")  # too long
    rows[40] = (rows[40][0], rows[40][0] + timedelta(minutes=3), "completed")  # too short
    rows[50] = (rows[50][0], rows[50][0] + timedelta(minutes=3), "interrupted")  # fine
    rows.append((datetime(2026, 1, 3, 9), datetime(2026, 1, 3, 9, 30), "completed"))  # outside
    frame = _patrols(rows)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 60)
        .then(pl.lit("P00000"))
        .otherwise("patrol_id")
        .alias("patrol_id")
    )  # row 61 repeats the id of row 1: both rows are flagged
    verdict = _evaluate(frame, well_formed_share_min=0.999)
    total = len(rows)
    assert verdict.metrics["patrol_well_formed_share"] == pytest.approx(
        (total - 7) / total, abs=1e-4
    )
    summary = next(
        f for f in verdict.findings if f.rule == "SE15.R4" and "patrol rows" in f.message
    )
    assert f"7 of {total} patrol rows" in summary.message
    located = {f.location.row for f in verdict.findings if f.rule == "SE15.R4" and f.location.row}
    assert {1, 11, 21, 31, 41} <= located


def test_work_rows_without_reference_lower_quality() -> None:
    work = _full_work().with_columns(
        pl.when(pl.int_range(pl.len()) < 3).then(None).otherwise("reference").alias("reference")
    )
    verdict = _evaluate(_daily(_every_day()), work=work)
    share = 8 / 11
    assert verdict.metrics["work_records_well_formed_share"] == pytest.approx(share, abs=1e-4)
    assert _scores(verdict)["SE15.R4"] == pytest.approx((1 + share / 0.98) / 2)


def test_thresholds_come_from_the_profile() -> None:
    days = [d for d in _every_day() if not (date(2025, 6, 1) <= d <= date(2025, 6, 9))]
    assert _scores(_evaluate(_daily(days), patrol_gap_max_days=9))["SE15.R2"] == 1.0
    assert _scores(_evaluate(_daily(days), patrol_day_coverage_min=0.9))["SE15.R1"] == 1.0


# -- samples -------------------------------------------------------------------------------


def _sample(quality: str, rows: int, seed: int = 7) -> bytes:
    spec = SampleSpec(COMMUNITY, PERIOD, quality, rows, seed)
    return se15._sample_patrol_log(random.Random(seed), spec)[0][1]


def test_samples_are_deterministic_and_sized() -> None:
    assert _sample("fair", 5000) == _sample("fair", 5000)
    assert _sample("fair", 5000) != _sample("fair", 5000, seed=8)
    lines = _sample("good", 5000).count(b"\n") - 1
    assert 5000 <= lines <= 5000 + PERIOD.days


def test_sample_qualities_order_the_scores() -> None:
    scores = {}
    for quality in ("good", "fair", "poor"):
        spec = SampleSpec(COMMUNITY, PERIOD, quality, 3000, 3)
        patrol = pl.read_csv(se15._sample_patrol_log(random.Random(1), spec)[0][1])
        patrol = patrol.with_columns(
            pl.col("started_at", "ended_at")
            .str.to_datetime(time_zone="UTC")
            .dt.replace_time_zone(None)
        )
        work = pl.read_csv(
            se15._sample_work_records(random.Random(1), spec)[0][1],
            schema_overrides={"date": pl.Date, "reference": pl.String},
        )
        scores[quality] = _evaluate(patrol, work).score
    assert scores["good"] >= 90
    assert 50 <= scores["fair"] < 80
    assert scores["poor"] < 50


@pytest.mark.slow
def test_a_million_patrol_rows_evaluate_in_seconds() -> None:
    n = 1_000_000
    base = datetime(2024, 12, 31, 22, 0)  # 06:00 local on 1 January, as naive UTC
    i = pl.int_range(0, n, dtype=pl.Int64, eager=True)
    day = i % 365
    skipped = (day >= 100) & (day < 104)  # four days without patrols: 10-13 April
    frame = (
        pl.select(i=i, day=day, skipped=skipped)
        .select(
            ("P" + pl.col("i").cast(pl.String)).alias("patrol_id"),
            (
                pl.lit(base, dtype=pl.Datetime("us"))
                + pl.duration(days=pl.col("day"), minutes=(pl.col("i") * 7) % 900)
            ).alias("started_at"),
            pl.lit("Building 2").alias("area"),
            pl.lit("S0002").alias("inspector_id"),
            pl.lit(0, dtype=pl.Int64).alias("issues_found"),
            pl.when(pl.col("skipped"))
            .then(pl.lit("cancelled"))
            .otherwise(pl.lit("completed"))
            .alias("status"),
        )
        .with_columns((pl.col("started_at") + pl.duration(minutes=35)).alias("ended_at"))
    )
    began = time.perf_counter()
    verdict = _evaluate(frame)
    elapsed = time.perf_counter() - began
    assert verdict.metrics["patrol_days"] == 361
    assert verdict.metrics["longest_patrol_gap_days"] == 4
    assert verdict.metrics["patrol_well_formed_share"] == 1.0
    assert elapsed < 5.0, f"a million patrol rows took {elapsed:.1f} s"
