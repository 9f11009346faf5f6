"""SE46 Building monitoring: coverage, gaps, exceedances matched to warnings, samples."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import polars as pl
from compliance_builtin import se46_building_monitoring as se46

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
