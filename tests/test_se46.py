"""SE46 Building monitoring: coverage, gaps, exceedances matched to warnings, samples."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta

import polars as pl
from compliance_builtin import se46_building_monitoring as se46
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.bundle.model import Community, Period
from compliance.indicator import SampleSpec

START, END = datetime(2025, 1, 1), datetime(2025, 1, 3)
LIMITS = {"tilt": 4.0, "crack_width": 0.3, "vibration": 10.0}


def _readings(rows: list[tuple[str, str, datetime, float | None]]) -> pl.LazyFrame:
    sensor, metric, at, value = zip(*rows, strict=True)
    return pl.DataFrame(
        {
            "__file": ["r.csv"] * len(rows),
            "__row": list(range(1, len(rows) + 1)),
            "building_id": ["B01"] * len(rows),
            "sensor_id": list(sensor),
            "metric": list(metric),
            "measured_at": list(at),
            "value": list(value),
        },
        schema_overrides={"value": pl.Float64},
    ).lazy()


def _stats(readings: pl.LazyFrame, warnings: pl.LazyFrame | None) -> se46.SensorStats:
    return se46.sensor_stats(
        readings,
        warnings,
        start=START,
        end=END,
        slot_hours=6,
        gap_hours=24,
        limits=LIMITS,
        delay_minutes=30,
    )


def test_each_exceedance_episode_needs_its_own_timely_warning() -> None:
    h = timedelta(hours=1)
    rows = [("CW", "crack_width", START + i * 6 * h, 0.1) for i in range(8)]
    rows[2] = ("CW", "crack_width", START + 12 * h, 0.4)  # episode 1 starts
    rows[3] = ("CW", "crack_width", START + 18 * h, 0.5)  # same episode
    rows[6] = ("CW", "crack_width", START + 36 * h, 0.4)  # episode 2
    warnings = pl.DataFrame(
        {
            "sensor_id": ["CW", "CW", "OTHER"],
            "issued_at": [START + 12 * h + timedelta(minutes=5), START + 38 * h, START + 36 * h],
        }
    ).lazy()
    stats = _stats(_readings(rows), warnings)
    assert stats.episodes.height == 2
    assert stats.episodes["warned"].to_list() == [True, False]  # second warned 2 h late


def test_coverage_and_gaps_count_the_period_edges() -> None:
    h = timedelta(hours=1)
    # Readings only on the second day: the first 24+ hours are a gap, half the slots empty.
    rows = [("TL", "tilt", START + (26 + i * 6) * h, 1.0) for i in range(4)]
    stats = _stats(_readings(rows), None)
    sensor = stats.sensors.row(0, named=True)
    assert stats.slots == 8
    assert sensor["slots"] == 4
    assert sensor["longest_gap_h"] == 26
    assert sensor["long_gaps"] == 1


def test_defects_are_counted_once_per_row() -> None:
    rows = [
        ("VB", "vibration", START, -1.0),
        ("VB", "vibration", START + timedelta(hours=1), None),
        ("VB", "vibration", END + timedelta(hours=1), 1.0),
    ]
    q = _stats(_readings(rows), None).quality
    assert q["rows"] == 3 and q["well_formed"] == 0
    assert q["negative crack width or vibration"] == 1
    assert q["value missing"] == 1
    assert q["time missing or outside the period"] == 1


def test_a_sensor_with_two_metrics_is_a_defect_on_each_of_its_rows() -> None:
    rows = [
        ("MX", "tilt", START, 1.0),
        ("MX", "vibration", START + timedelta(hours=1), 1.0),
        ("MX", "tilt", START + timedelta(hours=2), 1.0),
        ("OK", "tilt", START, 1.0),
        ("OK", None, START + timedelta(hours=1), 1.0),  # a missing metric is not a second
    ]
    q = _stats(_readings(rows), None).quality
    assert q["sensor reports more than one metric"] == 3
    assert q["metric missing"] == 1
    assert q["well_formed"] == 1


def test_samples_match_each_other_and_repeat() -> None:
    spec = SampleSpec(
        Community("c", "C", "Shenzhen", "Nanshan", 12000, 4200),
        Period(date(2025, 1, 1), date(2025, 12, 31)),
        "good",
        5000,
        1,
    )
    a = se46._sample_readings(random.Random(1), spec)
    assert a == se46._sample_readings(random.Random(1), spec)
    warnings = se46._sample_warnings(random.Random(2), spec)[0][1].decode().splitlines()
    planned = sum(len(s[4]) for s in se46._plan(spec))
    assert len(warnings) - 1 == planned  # "good": every exceedance is warned


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["S1", "S2", "S3"]),
            st.integers(-120, 49 * 60),  # minutes from START: some outside the period
            st.one_of(st.none(), st.floats(0, 12, allow_nan=False)),
        ),
        max_size=30,
        unique_by=lambda r: (r[0], r[1]),  # one reading per sensor and time
    ),
    st.randoms(use_true_random=False),
)
def test_sensor_stats_match_a_plain_computation(
    rows: list[tuple[str, int, float | None]], rng: random.Random
) -> None:
    """Per sensor, in time order whatever the row order: readings, slots, gaps and the
    readings that start an exceedance (over the limit, the previous reading not)."""
    rng.shuffle(rows)
    metric = {"S1": "tilt", "S2": "crack_width", "S3": "vibration"}
    stats = _stats(
        _readings(
            [(s, metric[s], START + timedelta(minutes=m), v) for s, m, v in rows]
            or [("S1", "tilt", START - timedelta(days=1), None)]
        ),
        None,
    )
    good = sorted(
        (s, START + timedelta(minutes=m), v, i + 1)
        for i, (s, m, v) in enumerate(rows or [("S1", -1440, None)])
        if v is not None and START <= START + timedelta(minutes=m) < END
    )
    by_sensor: dict[str, list[tuple[datetime, float, int]]] = {}
    for s, at, v, row in good:
        by_sensor.setdefault(s, []).append((at, v, row))
    expected_episodes = []
    for s, series in by_sensor.items():
        limit = LIMITS[metric[s]]
        for k, (at, v, row) in enumerate(series):
            if v > limit and (k == 0 or series[k - 1][1] <= limit):
                expected_episodes.append((row, s, at))
    got = stats.episodes.select("__row", "sensor_id", "at").rows()
    assert sorted(got) == sorted(expected_episodes)
    sensors = {r["sensor_id"]: r for r in stats.sensors.iter_rows(named=True)}
    assert set(sensors) == set(by_sensor)
    for s, series in by_sensor.items():
        times = [START, *(at for at, _, _ in series), END]
        hours = [(b - a).total_seconds() / 3600 for a, b in itertools.pairwise(times)]
        assert sensors[s]["readings"] == len(series)
        assert sensors[s]["longest_gap_h"] == max(hours)
        assert sensors[s]["slots"] == len(
            {int((at - START) / timedelta(hours=6)) for at, _, _ in series}
        )
