"""SE41 Abnormal events recording: completeness, closure grace days, sample generator."""

from __future__ import annotations

import random
from datetime import date

import polars as pl
from compliance_builtin import se41_abnormal_events_recording as se41
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.bundle.model import Community, Period
from compliance.indicator import SampleSpec
from compliance.testing import run_case

HEADER = "incident_id,occurred_at,category,area,source,handler_id,status,closed_at,outcome\n"
SPEC = {"indicator": "SE41", "period": {"start": "2025-03-01", "end": "2025-03-31"}}


def _run(host, body: str):
    case = {
        "evidence": [{"path": "tables/i.csv", "type": "incident_log", "content": HEADER + body}]
    }
    return run_case(SPEC, case, host=host).verdict


def _rule(verdict, rule_id: str) -> float | None:
    return next(r.score for r in verdict.rules if r.rule == rule_id)


def test_closed_before_occurring_is_inconsistent(host) -> None:
    body = (
        "E1,2025-03-02T09:00:00+08:00,dispute,B1,patrol,S1,closed,"
        "2025-03-01T09:00:00+08:00,mediated\n"
        "E2,2025-03-03T09:00:00+08:00,theft,B1,patrol,S1,closed,2025-03-03T10:00:00+08:00,resolved\n"
    )
    verdict = _run(host, body)
    assert _rule(verdict, "SE41.R2") < 1
    located = [f for f in verdict.findings if f.rule == "SE41.R2" and f.location.row == 1]
    assert located and "closed before it occurred" in located[0].message
    # The reversed event is not counted as closed in time either.
    assert verdict.metrics["p90_close_hours"] == 1.0


def test_events_of_the_last_days_are_not_yet_due(host) -> None:
    # One event open on 29 March: inside the 7 grace days, so the closure rate ignores it.
    body = (
        "E1,2025-03-02T09:00:00+08:00,dispute,B1,patrol,S1,closed,2025-03-02T12:00:00+08:00,mediated\n"
        "E2,2025-03-29T09:00:00+08:00,dispute,B1,patrol,S1,open,,\n"
    )
    verdict = _run(host, body)
    assert _rule(verdict, "SE41.R3") == 1.0
    assert verdict.metrics["closure_rate"] == 1.0


def test_local_day_decides_the_period(host) -> None:
    # 07:00 on 1 March in Shanghai is still 28 February in UTC: it belongs to the period.
    body = (
        "E1,2025-03-01T07:00:00+08:00,fire,B1,patrol,S1,closed,2025-03-01T08:00:00+08:00,resolved\n"
    )
    verdict = _run(host, body)
    assert verdict.metrics["events_fire"] == 1


def test_sample_is_deterministic_and_sized() -> None:
    spec = SampleSpec(
        Community("c", "C", "Shenzhen", "Nanshan", 12000, 4200),
        Period(date(2025, 1, 1), date(2025, 12, 31)),
        "fair",
        2000,
        3,
    )
    a = se41._sample_incident_log(random.Random(5), spec)
    b = se41._sample_incident_log(random.Random(5), spec)
    assert a == b
    text = a[0][1].decode()
    assert text.count("\n") == 2001
    assert ",drug_related," not in text  # the fair community never records drug cases


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.booleans()), min_size=4, max_size=4),
        max_size=20,
    )
)
def test_first_defect_names_the_first_defect_that_holds(rows: list[list[bool | None]]) -> None:
    """The helper SE41, SE42, SE44 and SE46 share: a null defect does not hold."""
    from compliance_builtin._cps import first_defect

    names = ["a missing", "b late", "c", "d twice"]
    frame = pl.DataFrame(
        {f"x{i}": [r[i] for r in rows] for i in range(4)},
        schema={f"x{i}": pl.Boolean for i in range(4)},
    )
    found = frame.select(first_defect({n: pl.col(f"x{i}") for i, n in enumerate(names)}))
    expected = [next((n for n, v in zip(names, r, strict=True) if v), None) for r in rows]
    assert found.to_series().to_list() == expected
    assert found.to_series().dtype == pl.String
