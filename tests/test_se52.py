"""SE52 People flow: interval, slot coverage, statistics timeliness, history, encryption."""

from __future__ import annotations

import pytest

from compliance.testing import run_case

SPEC = {"indicator": "SE52", "period": {"start": "2025-03-01", "end": "2025-03-01"}}
SYSTEM = """\
counting_points:
  - {{point_id: PF01, count_interval_minutes: {interval}, status: active}}
  - {{point_id: PF02, count_interval_minutes: 15, status: decommissioned}}
statistics:
  - {{report_id: S1, covers_from: "2025-03-01", covers_to: "2025-03-01", produced_on: "{made}"}}
storage: {{encrypted_at_rest: {enc}, encryption_algorithm: {alg}, key_management: kms,
          retention_days: {keep}, oldest_record_on: "2024-01-01"}}
"""
HDR = "point_id,interval_start,interval_minutes,entered,exited\n"


def _rows(hours: range, minutes: int = 60) -> str:
    return "".join(f"PF01,2025-03-01T{h:02d}:00:00+08:00,{minutes},5,4\n" for h in hours)


def _scores(counts: str, **kw: object) -> dict[int, float | None]:
    values = {"interval": 15, "made": "2025-03-03", "enc": "true", "alg": "SM4", "keep": 365}
    values.update(kw)
    case = {
        "name": "t",
        "evidence": [
            {"path": "s.yaml", "type": "people_flow_system", "content": SYSTEM.format(**values)},
            {"path": "c.csv", "type": "people_flow_counts", "content": HDR + counts},
        ],
    }
    verdict = run_case(SPEC, case).verdict
    return {int(r.rule.split(".R")[1]): r.score for r in verdict.rules}


def test_full_hourly_day_passes_everything() -> None:
    assert _scores(_rows(range(24))) == {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0}


def test_missing_hours_lower_coverage_and_decommissioned_points_do_not_count() -> None:
    scores = _scores(_rows(range(12)))
    assert scores[2] == pytest.approx((12 / 24) / 0.95)


def test_coarse_rows_and_coarse_configuration_multiply() -> None:
    counts = _rows(range(0, 24, 2), minutes=120) + _rows(range(1, 24, 2))
    scores = _scores(counts, interval=120)
    assert scores[1] == 0.0  # the only active point is configured coarser than hourly
    scores = _scores(counts)
    assert scores[1] == pytest.approx(0.5)


def test_late_statistics_do_not_count() -> None:
    assert _scores(_rows(range(24)), made="2025-03-20")[3] == 0.0


def test_unaccepted_algorithm_and_short_retention() -> None:
    scores = _scores(_rows(range(24)), alg="DES", keep=90)
    assert scores[5] == pytest.approx(2 / 3)
    assert scores[4] == pytest.approx(90 / 180)
