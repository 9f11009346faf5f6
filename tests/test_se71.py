"""SE71 Propaganda and education: channels, frequency, groups reached, on-site reach."""

from __future__ import annotations

from typing import Any

from compliance_builtin import se71_safety_propaganda_education as se71

from compliance.testing import run_case

HEADER = "activity_id,date,channel,topic,risk_avoidance,target_groups,participants,reach,site\n"


def _run(
    rows: str, start: str = "2025-03-01", end: str = "2025-03-31", population: int = 400
) -> Any:
    spec = {
        "indicator": "SE71",
        "period": {"start": start, "end": end},
        "community": {"population": population, "households": 100},
    }
    case = {
        "name": "unit",
        "evidence": [{"path": "tables/a.csv", "type": se71.ACTIVITIES, "content": HEADER + rows}],
    }
    verdict = run_case(spec, case).verdict
    return {r.rule.split(".")[1]: r.score for r in verdict.rules}, verdict


def test_groups_are_split_and_normalized() -> None:
    rows = (
        "A1,2025-03-02,on_site,Class,true, Students ; ELDERLY ,30,,Hall\n"
        "A2,2025-03-09,on_site,Class,true,disabled;general,20,,Hall\n"
    )
    scores, verdict = _run(rows)
    assert scores["R3"] == 1.0
    assert verdict.metrics["students_activities"] == 1
    assert verdict.metrics["elderly_activities"] == 1


def test_rows_outside_the_period_do_not_count() -> None:
    rows = "A1,2025-02-27,on_site,Class,true,students;elderly;disabled,300,,Hall\n"
    scores, verdict = _run(rows)
    assert verdict.metrics["activities"] == 0
    assert scores["R3"] == 0.0 and scores["R4"] == 0.0


def test_channel_coverage_gives_full_marks_at_four_of_five() -> None:
    rows = "".join(
        f"A{i},2025-03-0{i},{c},Topic,false,general,,100,\n"
        for i, c in enumerate(("radio", "tv", "internet", "display"), start=1)
    )
    scores, _ = _run(rows)
    assert scores["R1"] == 1.0  # 4 of 5 against a 0.8 target
    scores, _ = _run(rows.replace("tv", "radio"))
    assert abs(scores["R1"] - 0.6 / 0.8) < 1e-9


def test_quiet_months_are_found() -> None:
    rows = "".join(
        f"A{i},2025-01-{i + 10:02d},internet,Topic,false,general,,100,\n" for i in range(1, 13)
    )
    rows += "".join(
        f"B{i},2025-06-{i + 10:02d},internet,Topic,false,general,,100,\n" for i in range(1, 13)
    )
    scores, verdict = _run(rows, "2025-01-01", "2025-06-30")
    # 24 activities where 24 are needed, but only 2 of 6 months are active (target 0.9).
    assert verdict.metrics["active_month_share"] == round(2 / 6, 4)
    assert abs(scores["R2"] - (1.0 + (2 / 6) / 0.9) / 2) < 1e-9
    quiet = [f.message for f in verdict.findings if f.rule == "SE71.R2"]
    assert any("2025-02, 2025-03, 2025-04, 2025-05" in m for m in quiet)


def test_onsite_participation_per_resident() -> None:
    rows = "A1,2025-03-02,on_site,Class,true,general,20,,Hall\n"
    scores, verdict = _run(rows, population=400)  # 50 per 1,000 against 100
    assert verdict.metrics["onsite_participants_per_1000"] == 50.0
    assert abs(scores["R4"] - (1.0 + 0.5) / 2) < 1e-9
