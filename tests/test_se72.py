"""SE72 Training of community administrators: who is in post, trained, for how long."""

from __future__ import annotations

from typing import Any

from compliance_builtin import se72_administrator_training as se72

from compliance.testing import run_case

COURSES = """\
course_id,date,title,topic,audience,hours,provider,assessed
C1,2025-02-10,Safety management,safety_management,both,4,Office,true
C2,2025-03-05,Emergency management,emergency_management,both,3,Office,true
"""
STAFF = """\
staff_id,group,role,in_post_from,left_on
A1,administrator,Grid administrator,2022-04-01,
P1,property_staff,Property officer,2023-09-15,
P2,property_staff,Property officer,2021-01-10,2025-01-20
P3,property_staff,Property officer,2025-04-15,
"""


def _run(attendance: str, courses: str = COURSES, staff: str = STAFF) -> Any:
    spec = {"indicator": "SE72", "period": {"start": "2025-01-01", "end": "2025-03-31"}}
    header = "course_id,staff_id,attended,hours,passed\n"
    case = {
        "name": "unit",
        "evidence": [
            {"path": "tables/c.csv", "type": se72.COURSES, "content": courses},
            {"path": "tables/a.csv", "type": se72.ATTENDANCE, "content": header + attendance},
            {"path": "tables/s.csv", "type": se72.STAFF, "content": staff},
        ],
    }
    verdict = run_case(spec, case).verdict
    return {r.rule.split(".")[1]: r.score for r in verdict.rules}, verdict


def test_left_and_future_staff_are_not_in_post() -> None:
    scores, verdict = _run("C1,A1,true,,true\nC1,P1,true,,true\n")
    # P2 left and P3 starts after the period: one person in post per group.
    assert verdict.metrics["property_staff_in_post"] == 1
    assert scores["R2"] == 1.0


def test_absent_attendance_does_not_count() -> None:
    scores, verdict = _run("C1,A1,true,,true\nC1,P1,false,,\n")
    assert verdict.metrics["property_staff_trained_share"] == 0.0
    assert scores["R2"] == 0.5


def test_hours_are_capped_at_the_course_length() -> None:
    # 12 hours a year pro-rated to 90 days is 2.96 hours; A1 claims 10 hours of a 4-hour
    # course (capped to 4, enough) and P1 attended 2 hours (not enough).
    scores, verdict = _run("C1,A1,true,10,true\nC1,P1,true,2,true\n")
    assert verdict.metrics["staff_with_enough_hours_share"] == 0.5
    assert abs(scores["R3"] - 0.5 / 0.8) < 1e-9
    assert scores["R4"] < 1.0  # the 10-hour row is inconsistent


def test_courses_outside_the_period_do_not_train() -> None:
    courses = COURSES.replace("2025-02-10", "2024-12-10")
    scores, verdict = _run("C1,A1,true,,true\nC1,P1,true,,true\n", courses=courses)
    assert verdict.metrics["administrator_trained_share"] == 0.0
    assert scores["R1"] < 1.0  # one course where one is needed, but no safety management


def test_unknown_course_and_staff_rows() -> None:
    scores, verdict = _run("C1,A1,true,,true\nC9,P1,true,,true\nC1,X1,true,,true\n")
    columns = {
        f.location.column for f in verdict.findings if f.rule == "SE72.R4" and f.location.row
    }
    assert columns == {"course_id", "staff_id"}
    assert abs(scores["R4"] - (1 / 3) / 0.98) < 1e-9
