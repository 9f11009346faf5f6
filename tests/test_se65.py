"""SE65 Emergency supplies reserve: shortfall runs, expiry, monitoring gaps, per capita."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import polars as pl
import pytest
from compliance_builtin.se65_emergency_supplies_reserve import latest_stock, shortfall_episodes
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.testing import run_case

HEADER = "reading_at,warehouse_id,item_id,category,quantity,unit,expires_on,reorder_level\n"


def _frame(rows: list[tuple]) -> pl.LazyFrame:
    frame = pl.DataFrame(
        rows,
        schema=["reading_at", "warehouse_id", "item_id", "quantity", "reorder_level"],
        orient="row",
    )
    return (
        frame.with_row_index("__row", offset=1).with_columns(pl.lit("t.csv").alias("__file")).lazy()
    )


def test_shortfall_runs_start_and_end_per_item() -> None:
    d = lambda day: datetime(2025, 1, day)  # noqa: E731
    rows = [
        (d(1), "W", "A", 10.0, 5.0),
        (d(2), "W", "A", 4.0, 5.0),  # run 1 begins
        (d(3), "W", "A", 3.0, 5.0),
        (d(6), "W", "A", 9.0, 5.0),  # run 1 ends
        (d(7), "W", "A", 2.0, 5.0),  # run 2 begins, still open
        (d(1), "W", "B", 1.0, 5.0),  # another item: open from its first reading
        (d(2), "W", "C", 1.0, None),  # no reorder level: never a shortfall
    ]
    runs = (
        shortfall_episodes(_frame(rows), datetime(2025, 1, 1), datetime(2025, 2, 1))
        .sort("item_id", "began")
        .collect()
    )
    assert runs.select("item_id", "began", "ended", "__row").rows() == [
        ("A", d(2), d(6), 2),
        ("A", d(7), None, 5),
        ("B", d(1), None, 6),
    ]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([("W1", "A"), ("W1", "B"), ("W2", "A")]),
            st.integers(0, 40),  # day of January, some after the period
            st.floats(0, 10, allow_nan=False),
        ),
        max_size=30,
        unique_by=lambda r: (r[0], r[1]),  # one reading per item and day
    ),
    st.randoms(use_true_random=False),
)
def test_shortfall_runs_match_a_plain_computation(
    readings: list[tuple[tuple[str, str], int, float]], rng: random.Random
) -> None:
    """Per item, in time order whatever the row order: each run of readings below the
    level, its first reading and the first reading back at or above the level."""
    rng.shuffle(readings)
    start, end = datetime(2025, 1, 1), datetime(2025, 2, 1)
    at = lambda day: start + timedelta(days=day)  # noqa: E731
    rows = [(at(day), w, i, q, 5.0) for (w, i), day, q in readings]
    got = shortfall_episodes(_frame(rows), start, end) if rows else None
    series: dict[tuple[str, str], list[tuple[datetime, float, int]]] = {}
    for row, (when, w, i, q, _) in enumerate(rows, start=1):
        if start <= when < end:
            series.setdefault((w, i), []).append((when, q, row))
    expected = []
    for (w, i), points in series.items():
        points.sort()
        k = 0
        while k < len(points):
            if points[k][1] < 5.0:
                first = k
                while k < len(points) and points[k][1] < 5.0:
                    k += 1
                ended = points[k][0] if k < len(points) else None
                expected.append((w, i, points[first][0], ended, points[first][2]))
            else:
                k += 1
    columns = ["warehouse_id", "item_id", "began", "ended", "__row"]
    found = got.select(columns).collect().rows() if got is not None else []
    assert sorted(found, key=str) == sorted(expected, key=str)


def test_latest_stock_takes_the_last_reading_before_the_end() -> None:
    rows = [
        (datetime(2025, 1, 1), "W", "A", 10.0, None),
        (datetime(2025, 1, 3), "W", "A", 30.0, None),  # after the end
        (datetime(2025, 1, 2), "W", "A", 20.0, None),
    ]
    latest = latest_stock(_frame(rows), datetime(2025, 1, 3)).collect()
    assert latest["quantity"].to_list() == [20.0]


def _case(body: str, start: str = "2025-03-01", end: str = "2025-03-02") -> dict:
    return {
        "name": "t",
        "period": {"start": start, "end": end},
        "community": {"population": 10, "households": 4},
        "evidence": [
            {"path": "t/s.csv", "type": "supply_stock_readings", "content": HEADER + body}
        ],
    }


def _scores(verdict) -> dict[str, float | None]:
    return {r.rule: r.score for r in verdict.rules}


def _full_set(at: str, water_expiry: str = "2026-01-01") -> str:
    return (
        f"{at},W,WAT,drinking_water,40,litre,{water_expiry},\n"
        f"{at},W,FOO,food,20,ration,,\n"
        f"{at},W,MED,medical,1,kit,,\n"
        f"{at},W,LIG,lighting,1,piece,,\n"
        f"{at},W,BED,bedding,1,piece,,\n"
        f"{at},W,RES,rescue_tools,1,set,,\n"
        f"{at},W,PRO,protective,2,piece,,\n"
    )


def test_expired_stock_does_not_count_towards_per_capita(host) -> None:
    body = "".join(
        _full_set(f"2025-03-0{d}T{h}:00:00+08:00", water_expiry="2025-02-01")
        for d in (1, 2)
        for h in ("02", "14")
    )
    result = run_case({"indicator": "SE65"}, _case(body), host=host)
    scores = _scores(result.verdict)
    # water is expired: 0 of 7 categories -> 6/7; one of 7 items expired.
    assert scores["SE65.R1"] == pytest.approx(6 / 7)
    assert scores["SE65.R2"] == pytest.approx(6 / 7)
    assert result.verdict.metrics["drinking_water_per_capita"] == 0


def test_gap_to_the_end_of_the_period_counts(host) -> None:
    body = _full_set("2025-03-01T02:00:00+08:00") + _full_set("2025-03-01T20:00:00+08:00")
    body += _full_set("2025-03-02T10:00:00+08:00").split("\n", 1)[1]  # all but water
    result = run_case({"indicator": "SE65"}, _case(body), host=host)
    # Water's last reading is 2025-03-01 20:00; the period ends 2025-03-03 00:00: 28 hours.
    assert result.verdict.metrics["longest_reading_gap_hours"] == pytest.approx(28.0)
    assert _scores(result.verdict)["SE65.R3"] == pytest.approx((6 / 7) / 0.95)
