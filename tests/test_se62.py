"""SE62 Emergency warning: period bounds, channel counting, lead times and reach."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from compliance_builtin import se62_emergency_warning as se62

from compliance.bundle.model import Period
from compliance.errors import ProfileError
from compliance.testing import run_case

SYSTEM = """\
monitors:
  - {hazard: extreme_weather, source: feed, feed: api, last_data_at: "2025-07-07T23:00:00+08:00"}
  - {hazard: natural_disaster, source: feed, feed: api, last_data_at: "2025-07-07T23:00:00+08:00"}
  - {hazard: dangerous_behaviour, source: video, feed: video_analytics,
     last_data_at: "2025-07-07T23:00:00+08:00"}
channels:
  - {channel: app, subscribers: 900}
"""
HEADER = "warning_id,hazard,level,detected_at,onset_at,issued_at,channels,area,targeted,reached\n"


def _case(log: str, system: str = SYSTEM) -> dict:
    return {
        "name": "t",
        "period": {"start": "2025-07-01", "end": "2025-07-07"},
        "community": {"households": 1000},
        "evidence": [
            {"path": "records/warning_system.yaml", "type": "warning_system", "content": system},
            {"path": "tables/warning_log.csv", "type": "warning_log", "content": HEADER + log},
        ],
    }


def _rules(verdict) -> dict[str, float | None]:
    return {r.rule: r.score for r in verdict.rules}


def test_period_bounds_follow_the_profile_time_zone() -> None:
    start, end = se62.period_bounds_utc(
        Period(date(2025, 7, 1), date(2025, 7, 7)), "Asia/Shanghai", "SE62"
    )
    assert start == datetime(2025, 6, 30, 16, 0)
    assert end == datetime(2025, 7, 7, 16, 0)
    with pytest.raises(ProfileError):
        se62.period_bounds_utc(Period(date(2025, 7, 1), date(2025, 7, 7)), "Mars/Olympus", "SE62")


def test_channel_count_ignores_blanks_and_repeats() -> None:
    frame = pl.DataFrame({"channels": ["app;sms", "app; app ;", None, "sms;;broadcast;app"]})
    assert frame.select(se62._channel_count()).to_series().to_list() == [2, 1, 0, 3]


def test_lead_time_and_behaviour_delay(host) -> None:
    log = (
        # 60 minutes of lead time: late against the default 120.
        "W1,extreme_weather,red,2025-07-02T05:00:00+08:00,2025-07-02T07:00:00+08:00,"
        "2025-07-02T06:00:00+08:00,app;sms,all,1000,1000\n"
        # Four minutes after detection: timely.
        "W2,dangerous_behaviour,yellow,2025-07-03T15:00:00+08:00,,"
        "2025-07-03T15:04:00+08:00,app;sms,B2,100,100\n"
    )
    result = run_case({"indicator": "SE62"}, _case(log), host=host)
    scores = _rules(result.verdict)
    assert scores["SE62.R2"] == pytest.approx(0.5 / 0.9, abs=1e-3)
    assert scores["SE62.R3"] == 1.0
    assert result.verdict.metrics["timely_share"] == 0.5


def test_warning_outside_the_period_is_ignored(host) -> None:
    log = (
        "W1,extreme_weather,red,2025-06-30T05:00:00+08:00,2025-06-30T09:00:00+08:00,"
        "2025-06-30T05:10:00+08:00,app,all,1000,10\n"
        "W2,natural_disaster,red,2025-07-02T05:00:00+08:00,2025-07-02T12:00:00+08:00,"
        "2025-07-02T05:10:00+08:00,app;sms,all,1000,950\n"
    )
    result = run_case({"indicator": "SE62"}, _case(log), host=host)
    scores = _rules(result.verdict)
    assert result.verdict.metrics["warnings"] == 1
    assert scores["SE62.R3"] == 1.0
    assert scores["SE62.R4"] == 1.0


def test_reach_and_household_coverage_are_averaged(host) -> None:
    system = SYSTEM.replace("subscribers: 900", "subscribers: 400")
    log = (
        "W1,natural_disaster,red,2025-07-02T05:00:00+08:00,2025-07-02T12:00:00+08:00,"
        "2025-07-02T05:10:00+08:00,app;sms,all,1000,450\n"
    )
    result = run_case({"indicator": "SE62"}, _case(log, system), host=host)
    # coverage 0.4 / 0.8 = 0.5; reach 0.45 / 0.9 = 0.5
    assert _rules(result.verdict)["SE62.R4"] == pytest.approx(0.5)
    located = [f for f in result.verdict.findings if f.rule == "SE62.R4" and f.location]
    assert any(f.location.row == 1 for f in located)


def test_silent_and_missing_monitors(host) -> None:
    system = """\
monitors:
  - {hazard: extreme_weather, source: feed, feed: api, last_data_at: "2025-05-01T00:00:00+08:00"}
  - {hazard: natural_disaster, source: feed, feed: api, last_data_at: "2025-07-07T23:00:00+08:00"}
channels:
  - {channel: app, subscribers: 900}
"""
    log = (
        "W1,natural_disaster,red,2025-07-02T05:00:00+08:00,2025-07-02T12:00:00+08:00,"
        "2025-07-02T05:10:00+08:00,app;sms,all,1000,950\n"
    )
    result = run_case({"indicator": "SE62"}, _case(log, system), host=host)
    # extreme weather silent (0.5), natural disaster live (1), behaviour absent (0)
    assert _rules(result.verdict)["SE62.R1"] == pytest.approx(0.5)
