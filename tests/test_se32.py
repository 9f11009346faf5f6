"""SE32 Emergency exercise: exercises listed once per kind count once, and so do people."""

from __future__ import annotations

from typing import Any

import pytest

from compliance.testing import run_case

SPEC = {
    "indicator": "SE32",
    "community": {"population": 10000},
    "period": {"start": "2025-01-01", "end": "2025-12-31"},
}
HEADER = (
    "exercise_id,date,kind,title,residents,enterprises_institutions,social_organizations,"
    "volunteers,evacuated_people,evacuation_minutes,report_ref\n"
)


def _verdict(host: Any, rows: str, **spec: Any) -> Any:
    case = {
        "evidence": [
            {"path": "tables/ex.csv", "type": "emergency_exercises", "content": HEADER + rows}
        ]
    }
    return run_case({**SPEC, **spec}, case, host=host).verdict


def test_an_exercise_of_two_kinds_counts_once(host) -> None:
    rows = (
        "EX-1,2025-05-20,evacuation,Fire,200,10,3,20,230,9,\n"
        "EX-1,2025-05-20,communication_guarantee,Fire,200,10,3,20,,,\n"
    )
    verdict = _verdict(host, rows)
    scores = {r.rule: r.score for r in verdict.rules}
    assert verdict.metrics["exercises"] == 1
    assert scores["SE32.R1"] == pytest.approx(1 / 4)
    assert scores["SE32.R2"] == 1.0
    # 200 residents, not 400: 20 per 1,000 against 30.
    assert verdict.metrics["participants_residents"] == 200
    assert scores["SE32.R3"] == pytest.approx((1 + 1 + 20 / 30) / 3)
    assert scores["SE32.R4"] == 1.0


def test_minimum_scales_with_the_period(host) -> None:
    rows = (
        "EX-1,2025-02-01,evacuation,A,200,10,3,20,230,9,\n"
        "EX-2,2025-04-01,communication_guarantee,B,200,10,3,20,,,\n"
    )
    verdict = _verdict(host, rows, period={"start": "2025-01-01", "end": "2025-06-30"})
    assert verdict.metrics["exercises_required"] == 2
    assert {r.rule: r.score for r in verdict.rules}["SE32.R1"] == 1.0


def test_untimed_and_slow_evacuations(host) -> None:
    rows = (
        "EX-1,2025-02-01,evacuation,A,300,10,3,20,330,,\n"
        "EX-2,2025-04-01,evacuation,B,300,10,3,20,330,25,\n"
        "EX-3,2025-06-01,evacuation,C,300,10,3,20,330,12,\n"
    )
    verdict = _verdict(host, rows)
    r4 = next(r.score for r in verdict.rules if r.rule == "SE32.R4")
    assert r4 == pytest.approx((2 / 3 + 1 / 2) / 2)
    rows_reported = sorted(
        f.location.row for f in verdict.findings if f.rule == "SE32.R4" and f.location
    )
    assert rows_reported == [1, 2]
