"""EV01's tests, as a vendor writes them: the case files through the pytest plugin the
engine installs, and focused checks with ``compliance.testing``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
from compliance.pytest_plugin import case_params
from compliance.testing import assert_verdict

from compliance_elevator_safety import read_fault_export

CASES = Path(str(files("compliance_elevator_safety").joinpath("cases")))
HEADER = "elevator_id,inspected_on,result,certificate_expires\n"


@pytest.mark.parametrize(("spec", "case"), case_params(CASES))
def test_case(spec, case, run_case) -> None:
    result = run_case(spec, case)
    assert result.ok, "; ".join(result.problems)


def test_lapsed_certificate_caps_the_score(run_indicator) -> None:
    """R1 is a red line: one elevator without a valid certificate caps the score."""
    verdict = run_indicator(
        "EV01",
        [
            {
                "path": "tables/elevator_inspections.csv",
                "type": "elevator_inspections",
                "content": HEADER
                + "L-1-1,2025-06-01,passed,2026-05-31\n"
                + "L-1-2,2025-06-01,failed,\n",
            }
        ],
        profile="elevator-safety",
    )
    assert_verdict(verdict, fired=["EV01.R1"], not_fired=["EV01.R2"])
    assert verdict.metrics["elevators_without_valid_certificate"] == 1
    assert verdict.score is not None and verdict.score <= 60


def test_no_fault_log_leaves_entrapment_rule_out(run_indicator) -> None:
    verdict = run_indicator(
        "EV01",
        [
            {
                "path": "tables/elevator_inspections.csv",
                "type": "elevator_inspections",
                "content": HEADER + "L-1-1,2025-06-01,passed,2026-05-31\n",
            }
        ],
        profile="elevator-safety",
    )
    assert_verdict(verdict, status="pass", score_range=(100, 100))
    assert [r.score for r in verdict.rules if r.rule == "EV01.R3"] == [None]


def test_fault_export_reader(tmp_path) -> None:
    export = tmp_path / "faults.xml"
    export.write_text(
        '<faults><fault fault_id="F1" elevator_id="L-1" occurred_at="2025-01-01T00:00:00Z"'
        ' entrapment="false"/></faults>',
        encoding="utf-8",
    )
    rows = read_fault_export(export)
    assert rows == [
        {
            "fault_id": "F1",
            "elevator_id": "L-1",
            "occurred_at": "2025-01-01T00:00:00Z",
            "entrapment": False,
            "released_at": None,
        }
    ]
