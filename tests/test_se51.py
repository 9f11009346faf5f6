"""SE51 Life channel monitoring: per-device silences (with period edges), obstruction
clearance and event traceability; plus the shared device-gap helper."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from compliance_builtin._devices import device_gaps, local_months, period_bounds_utc
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.testing import run_case

SPEC = {"indicator": "SE51", "period": {"start": "2025-03-01", "end": "2025-03-02"}}
REGISTER = """\
channels:
  - {channel_id: LC1, type: safety_exit}
  - {channel_id: LC2, type: evacuation_passage}
  - {channel_id: LC3, type: fire_truck_passage}
devices:
  - {device_id: D1, channel_id: LC1, installed_on: "2024-01-01", status: active}
  - {device_id: D2, channel_id: LC2, installed_on: "2024-01-01", status: active}
  - {device_id: D3, channel_id: LC3, installed_on: "2024-01-01", status: active}
"""
UPLOADS_OK = "device_id,uploaded_at\n" + "".join(
    f"D{d},2025-03-0{day}T{h:02d}:00:00+08:00\n"
    for d in (1, 2, 3)
    for day in (1, 2)
    for h in (0, 12, 23)
)


def _case(uploads: str, events: str, **profile: object) -> dict[int, float | None]:
    case = {
        "name": "t",
        "evidence": [
            {"path": "r.yaml", "type": "life_channel_register", "content": REGISTER},
            {"path": "u.csv", "type": "life_channel_uploads", "content": uploads},
            {"path": "e.csv", "type": "life_channel_events", "content": events},
        ],
    }
    verdict = run_case(SPEC, case).verdict
    return {int(r.rule.split(".R")[1]): r.score for r in verdict.rules}


EVENTS_HDR = "event_id,channel_id,device_id,event_type,detected_at,cleared_at\n"


def test_continuous_devices_and_quick_clearance_score_full() -> None:
    events = (
        EVENTS_HDR + "E1,LC1,D1,obstruction,2025-03-01T09:00:00+08:00,2025-03-01T09:20:00+08:00\n"
    )
    scores = _case(UPLOADS_OK, events)
    assert scores == {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}


def test_a_silent_device_and_a_late_tail_break_continuity() -> None:
    # D3 stops after the first morning: 47 hours of silence to the period's end.
    uploads = "\n".join(
        line
        for line in UPLOADS_OK.splitlines()
        if not (line.startswith("D3") and "T00" not in line)
    )
    uploads = "\n".join(
        line for line in uploads.splitlines() if not line.startswith("D3,2025-03-02")
    )
    events = (
        EVENTS_HDR + "E1,LC1,D1,obstruction,2025-03-01T09:00:00+08:00,2025-03-01T09:20:00+08:00\n"
    )
    scores = _case(uploads + "\n", events)
    # 2 of 3 devices continuous, over the 0.95 target.
    assert scores[2] == pytest.approx((2 / 3) / 0.95)


def test_uncleared_and_late_obstructions_count_against_clearance() -> None:
    events = EVENTS_HDR + (
        "E1,LC1,D1,obstruction,2025-03-01T09:00:00+08:00,2025-03-01T09:20:00+08:00\n"
        "E2,LC2,D2,exit_locked,2025-03-01T10:00:00+08:00,2025-03-01T12:00:00+08:00\n"
        "E3,LC3,D3,obstruction,2025-03-01T11:00:00+08:00,\n"
        "E4,LC3,D3,device_tamper,2025-03-01T11:00:00+08:00,\n"  # not a blocking type
    )
    scores = _case(UPLOADS_OK, events)
    assert scores[3] == pytest.approx((1 / 3) / 0.9)
    assert scores[4] == 1.0


def test_events_on_other_channels_or_devices_are_untraceable() -> None:
    events = EVENTS_HDR + (
        "E1,LC1,D2,obstruction,2025-03-01T09:00:00+08:00,2025-03-01T09:10:00+08:00\n"
        "E2,LC9,,obstruction,2025-03-01T09:00:00+08:00,2025-03-01T09:10:00+08:00\n"
        "E3,LC1,D1,obstruction,2025-03-01T09:00:00+08:00,2025-03-01T08:10:00+08:00\n"
        "E4,LC1,D1,obstruction,2025-03-01T09:00:00+08:00,2025-03-01T09:10:00+08:00\n"
    )
    assert _case(UPLOADS_OK, events)[4] == pytest.approx((1 / 4) / 0.98)


def _gaps(
    frame: pl.LazyFrame, begin: datetime, finish: datetime, devices: list[str], limit: float
) -> pl.DataFrame:
    return device_gaps(
        frame,
        device="device_id",
        at="at",
        begin=begin,
        finish=finish,
        devices=devices,
        limit_minutes=limit,
    )


def test_device_gaps_counts_period_edges_and_devices_without_rows() -> None:
    begin, finish = datetime(2025, 1, 1), datetime(2025, 1, 2)
    frame = pl.LazyFrame(
        {
            "device_id": ["A", "A", "A"],
            "at": [datetime(2025, 1, 1, 1), datetime(2025, 1, 1, 2), datetime(2025, 1, 1, 20)],
        }
    )
    gaps = _gaps(frame, begin, finish, ["A", "B"], 120)
    a = gaps.filter(pl.col("device_id") == "A").row(0, named=True)
    b = gaps.filter(pl.col("device_id") == "B").row(0, named=True)
    assert a["rows"] == 3 and a["longest_min"] == 18 * 60 and a["over"] == 2
    assert a["longest_from"] == datetime(2025, 1, 1, 2)
    assert a["over_min"] == pytest.approx((18 * 60 - 120) + (4 * 60 - 120))
    assert b["rows"] == 0 and b["longest_min"] == 24 * 60 and b["over"] == 1


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["A", "B", "C", "X", None]), st.none() | st.integers(-60, 1500)),
        max_size=25,
    ),
    st.sampled_from([0, 30, 120]),
)
def test_device_gaps_match_a_plain_computation(
    rows: list[tuple[str | None, int | None]], limit: int
) -> None:
    """Per device: the sorted timestamps inside the period plus both ends, their gaps."""
    begin = datetime(2025, 1, 1)
    finish = begin + timedelta(minutes=1440)
    stamp = [None if m is None else begin + timedelta(minutes=m) for _, m in rows]
    frame = pl.LazyFrame(
        {"device_id": [d for d, _ in rows], "at": stamp},
        schema={"device_id": pl.String, "at": pl.Datetime("us")},
    )
    devices = ["A", "B", "C"]
    got = _gaps(frame, begin, finish, devices, limit)
    assert got["device_id"].to_list() == devices
    for row in got.iter_rows(named=True):
        inside = sorted(
            t
            for (d, _), t in zip(rows, stamp, strict=True)
            if d == row["device_id"] and t is not None and begin <= t < finish
        )
        points = [begin, *inside, finish]
        gaps = [(b - a).total_seconds() / 60 for a, b in itertools.pairwise(points)]
        assert row["rows"] == len(inside)
        assert row["longest_min"] == max(gaps)
        assert row["over"] == sum(g > limit for g in gaps)
        assert row["over_min"] == pytest.approx(sum(max(g - limit, 0) for g in gaps))
        starts = {
            a for a, b in itertools.pairwise(points) if (b - a).total_seconds() / 60 == max(gaps)
        }
        assert row["longest_from"] in starts


def test_period_bounds_follow_the_local_calendar() -> None:
    begin, finish = period_bounds_utc(
        date(2025, 1, 1), date(2025, 1, 31), ZoneInfo("Asia/Shanghai")
    )
    assert begin == datetime(2024, 12, 31, 16) and finish == datetime(2025, 1, 31, 16)
    assert local_months(date(2024, 11, 15), date(2025, 2, 1)) == [
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ]
