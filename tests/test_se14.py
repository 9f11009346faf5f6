"""SE14 Talent safeguard: who is in post, certificates, volunteer size and training."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from compliance_builtin import se14_talent_safeguard as se14

from compliance.bundle.model import Community, Period
from compliance.evidence.model import Table
from compliance.indicator import Context, SampleSpec
from compliance.profile import ProfileSource, load_profile
from compliance.verdict import Status

PERIOD = Period(date(2025, 1, 1), date(2025, 12, 31))
COMMUNITY = Community("c-1", "Test community", "Shenzhen", "Nanshan", 4000, 1400)

STAFF_SCHEMA = {
    "staff_id": pl.String,
    "team": pl.String,
    "role": pl.String,
    "qualification": pl.String,
    "certified": pl.Boolean,
    "certificate_expires": pl.Date,
    "hired_on": pl.Date,
    "left_on": pl.Date,
}
VOLUNTEER_SCHEMA = {
    "volunteer_id": pl.String,
    "joined_on": pl.Date,
    "skills": pl.String,
    "trained_on": pl.Date,
    "training_hours": pl.Float64,
    "active": pl.Boolean,
}


class _Store:
    """Just enough of the evidence store for a Context: typed tables by evidence type."""

    def __init__(self, tables: dict[str, Table]) -> None:
        self.tables = tables

    def kind(self, type_id: str) -> str | None:
        return "table" if type_id in (se14.STAFF_ROSTER, se14.VOLUNTEER_ROSTER) else None

    def paths(self, type_id: str) -> list[str]:
        return list(self.tables[type_id].paths) if type_id in self.tables else []

    def declared(self, type_id: str) -> list[str]:
        return self.paths(type_id)

    def table(self, type_id: str) -> Table | None:
        return self.tables.get(type_id)

    def records(self, type_id: str) -> list[Any]:
        return []

    def documents(self, type_id: str) -> list[Any]:
        return []


def _profile(**overrides: Any) -> Any:
    source = ProfileSource("default", Path(se14.__file__).parent / "profiles" / "default.yaml")
    profile = load_profile("default", {"default": source})
    profile.indicators["SE14"]["thresholds"].update(overrides)
    return profile


def _table(type_id: str, rows: list[dict[str, Any]], schema: dict[str, Any]) -> Table:
    path = f"tables/{type_id}.csv"
    frame = pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema)
    frame = frame.with_columns(
        pl.lit(path).alias("__file"), pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("__row")
    )
    return Table(type_id, [path], frame.lazy(), frame.height, {path: "0"}, {path: 0})


def _staff(team: str, n: int, **extra: Any) -> list[dict[str, Any]]:
    row = {
        "team": team,
        "role": "Role",
        "qualification": "Certificate",
        "certified": True,
        "certificate_expires": None,
        "hired_on": date(2020, 1, 1),
        "left_on": None,
    }
    return [{**row, **extra, "staff_id": f"{team[:3]}-{extra.get('tag', '')}{i}"} for i in range(n)]


def _volunteers(n: int, **extra: Any) -> list[dict[str, Any]]:
    row = {
        "joined_on": date(2022, 1, 1),
        "skills": "first aid",
        "trained_on": date(2025, 6, 1),
        "training_hours": 8.0,
        "active": True,
    }
    return [{**row, **extra, "volunteer_id": f"V{extra.get('tag', '')}{i}"} for i in range(n)]


def _good_staff() -> list[dict[str, Any]]:
    return _staff("technical", 2) + _staff("administrative", 2)  # 4 per 4,000 = 1 per 1,000


def _evaluate(
    staff: list[dict[str, Any]],
    volunteers: list[dict[str, Any]],
    community: Community = COMMUNITY,
    **thresholds: Any,
) -> Any:
    tables = {
        se14.STAFF_ROSTER: _table(se14.STAFF_ROSTER, staff, STAFF_SCHEMA),
        se14.VOLUNTEER_ROSTER: _table(se14.VOLUNTEER_ROSTER, volunteers, VOLUNTEER_SCHEMA),
    }
    indicator = se14.TalentSafeguard()
    ctx = Context(
        indicator,
        store=_Store(tables),  # type: ignore[arg-type]
        profile=_profile(**thresholds),
        community=community,
        period=PERIOD,
    )
    return indicator.evaluate(ctx)


def _scores(verdict: Any) -> dict[str, float | None]:
    return {r.rule: r.score for r in verdict.rules}


def test_a_complete_community_passes() -> None:
    verdict = _evaluate(_good_staff(), _volunteers(20))
    assert verdict.score == 100.0
    assert not verdict.findings


def test_missing_administrative_team_is_a_red_line() -> None:
    staff = _staff("technical", 6)  # large enough overall, but no administrative team
    verdict = _evaluate(staff, _volunteers(20))
    assert _scores(verdict)["SE14.R1"] == 0.5
    assert verdict.score == 59.0  # the profile's red-line cap
    assert "SE14.R1" in (verdict.reason or "")


def test_staff_who_left_or_joined_late_are_not_in_post() -> None:
    staff = _good_staff()
    staff += _staff("administrative", 3, tag="left", left_on=date(2025, 6, 30))
    staff += _staff("administrative", 3, tag="late", hired_on=date(2026, 2, 1))
    staff[0]["left_on"] = date(2025, 12, 31)  # left on the last day: not in post at the end
    verdict = _evaluate(staff, _volunteers(20))
    assert verdict.metrics["staff_in_post"] == 3
    assert verdict.metrics["technical_staff"] == 1
    assert _scores(verdict)["SE14.R2"] == pytest.approx(0.75)


def test_a_person_listed_twice_counts_once() -> None:
    staff = _good_staff() + _good_staff()
    verdict = _evaluate(staff, _volunteers(20))
    assert verdict.metrics["staff_in_post"] == 4


def test_certificate_validity_at_period_end() -> None:
    staff = _staff("technical", 1, tag="ok", certificate_expires=date(2025, 12, 31))
    staff += _staff("technical", 1, tag="exp", certificate_expires=date(2025, 12, 30))
    staff += _staff("technical", 1, tag="noq", qualification=" ")
    staff += _staff("technical", 1, tag="not", certified=False)
    staff += _staff("technical", 1, tag="perm")  # no expiry date: valid
    staff += _staff("administrative", 2)
    verdict = _evaluate(staff, _volunteers(20))
    assert verdict.metrics["technical_certified_share"] == pytest.approx(2 / 5)
    assert _scores(verdict)["SE14.R3"] == pytest.approx((2 / 5) / 0.8)
    rows = {
        (f.location.row, f.location.column)
        for f in verdict.findings
        if f.rule == "SE14.R3" and f.location and f.location.row
    }
    assert rows == {(2, "certificate_expires"), (3, "qualification"), (4, "certified")}


def test_no_technical_staff_scores_zero_for_certificates() -> None:
    verdict = _evaluate(_staff("administrative", 4), _volunteers(20))
    assert _scores(verdict)["SE14.R3"] == 0.0


def test_volunteer_ratio_uses_active_members_only() -> None:
    volunteers = _volunteers(10) + _volunteers(30, tag="x", active=False)
    volunteers += _volunteers(5, tag="future", joined_on=date(2026, 1, 5))
    verdict = _evaluate(_good_staff(), volunteers)
    assert verdict.metrics["active_volunteers"] == 10
    assert _scores(verdict)["SE14.R4"] == pytest.approx((10 / 4) / 5)


def test_volunteer_training_window_and_hours() -> None:
    volunteers = _volunteers(6)
    volunteers += _volunteers(1, tag="old", trained_on=date(2024, 12, 31))  # 366 days before
    volunteers += _volunteers(1, tag="edge", trained_on=date(2025, 1, 1))  # 365th day: counts
    volunteers += _volunteers(1, tag="short", training_hours=2.0)
    volunteers += _volunteers(1, tag="never", trained_on=None, training_hours=None)
    volunteers += _volunteers(10, tag="off", active=False, trained_on=None)  # not counted
    verdict = _evaluate(_good_staff(), volunteers, volunteers_per_1000_min=1)
    assert verdict.metrics["volunteers_trained"] == 7
    assert verdict.metrics["volunteer_trained_share"] == pytest.approx(0.7)
    assert _scores(verdict)["SE14.R5"] == pytest.approx(0.7 / 0.8)
    columns = {
        f.location.column for f in verdict.findings if f.rule == "SE14.R5" and f.location.row
    }
    assert columns == {"trained_on", "training_hours"}


def test_zero_population_skips_per_resident_rules() -> None:
    empty = Community("c-0", "Empty", "Shenzhen", "Nanshan", 0, 0)
    verdict = _evaluate(_good_staff(), _volunteers(5), community=empty)
    scores = _scores(verdict)
    assert scores["SE14.R2"] is None and scores["SE14.R4"] is None
    assert verdict.status == Status.PASS


def test_findings_do_not_quote_identifiers() -> None:
    staff = _staff("technical", 3, certified=False) + _staff("administrative", 1)
    verdict = _evaluate(staff, _volunteers(2, trained_on=None))
    for finding in verdict.findings:
        assert "tec-" not in finding.message and "adm-" not in finding.message
        assert "V0" not in finding.message


def _samples(quality: str, seed: int = 5) -> tuple[bytes, bytes]:
    spec = SampleSpec(COMMUNITY, PERIOD, quality, 0, seed)
    staff = se14._sample_staff_roster(random.Random(seed), spec)[0][1]
    volunteers = se14._sample_volunteer_roster(random.Random(seed), spec)[0][1]
    return staff, volunteers


def test_samples_are_deterministic() -> None:
    assert _samples("fair") == _samples("fair")
    assert _samples("fair") != _samples("fair", seed=6)


def test_sample_qualities_order_the_scores() -> None:
    scores = {}
    for quality in ("good", "fair", "poor"):
        staff_csv, volunteer_csv = _samples(quality)
        staff = pl.read_csv(staff_csv, schema=STAFF_SCHEMA).to_dicts()
        volunteers = pl.read_csv(volunteer_csv, schema=VOLUNTEER_SCHEMA).to_dicts()
        scores[quality] = _evaluate(staff, volunteers).score
    assert scores["good"] >= 90
    assert 50 <= scores["fair"] < 80
    assert scores["poor"] < 50
