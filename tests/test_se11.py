"""SE11 Organizational safeguard: designation, staffing, meeting cadence and functions."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from compliance_builtin import se11_organizational_safeguard as se11

from compliance.bundle.model import Community, Period
from compliance.evidence.model import Record
from compliance.indicator import Context, SampleSpec
from compliance.profile import ProfileSource, load_profile
from compliance.verdict import Status

PERIOD = Period(date(2025, 1, 1), date(2025, 12, 31))
COMMUNITY = Community("c-1", "Test community", "Shenzhen", "Nanshan", 12000, 4200)
PATH = "records/safety_organization.yaml"


class _Store:
    """Just enough of the evidence store for a Context: one organization record."""

    def __init__(self, data: Any) -> None:
        self.record = Record(PATH, se11.ORGANIZATION, data, "0" * 64, 1)

    def kind(self, type_id: str) -> str | None:
        return "record" if type_id == se11.ORGANIZATION else None

    def paths(self, type_id: str) -> list[str]:
        return [PATH] if type_id == se11.ORGANIZATION else []

    def declared(self, type_id: str) -> list[str]:
        return self.paths(type_id)

    def records(self, type_id: str) -> list[Record]:
        return [self.record] if type_id == se11.ORGANIZATION else []

    def table(self, type_id: str) -> None:
        return None

    def documents(self, type_id: str) -> list[Any]:
        return []


def _profile(**overrides: Any) -> Any:
    source = ProfileSource("default", Path(se11.__file__).parent / "profiles" / "default.yaml")
    profile = load_profile("default", {"default": source})
    profile.indicators["SE11"]["thresholds"].update(overrides)
    return profile


def _evaluate(data: Any, period: Period = PERIOD, **overrides: Any) -> Any:
    indicator = se11.OrganizationalSafeguard()
    ctx = Context(
        indicator,
        store=_Store(data),  # type: ignore[arg-type]
        profile=_profile(**overrides),
        community=COMMUNITY,
        period=period,
    )
    return indicator.evaluate(ctx)


def _scores(verdict: Any) -> dict[str, float | None]:
    return {r.rule.split(".")[1]: r.score for r in verdict.rules}


def _member(n: int, functions: list[str], duties: int = 2) -> dict[str, Any]:
    return {
        "member_id": f"M{n:03d}",
        "role": "Officer",
        "functions": functions,
        "duties": [f"Duty {k}" for k in range(duties)],
    }


def _org(**parts: Any) -> dict[str, Any]:
    functions = [
        ["public_security"],
        ["fire_safety"],
        ["emergency_response"],
        ["property_management"],
        ["information_platform"],
        ["public_health"],
        ["building_safety"],
    ]
    data: dict[str, Any] = {
        "organization": {
            "name": "Leading group",
            "established": "2023-01-01",
            "approving_document": "JD-2023-001",
        },
        "leader": {"role": "Director", "appointed": "2023-01-01"},
        "members": [_member(i + 1, f) for i, f in enumerate(functions)],
        "meetings": [
            {"date": d, "attendance": 6}
            for d in ("2025-02-01", "2025-05-01", "2025-08-01", "2025-11-01")
        ],
    }
    data.update(parts)
    return data


def test_complete_organization_scores_full() -> None:
    verdict = _evaluate(_org())
    assert verdict.status == Status.PASS
    assert verdict.score == 100.0
    assert not verdict.findings


def test_late_establishment_earns_partial_credit_and_caps_the_score() -> None:
    # Established on 1 July: in place for 184 of 365 days, about 0.504 of the period;
    # against a 0.75 target that element earns about 0.672 of its fifth.
    org = _org()
    org["organization"]["established"] = "2025-07-01"
    verdict = _evaluate(org)
    r1 = _scores(verdict)["R1"]
    assert r1 == pytest.approx((4 + (184 / 365) / 0.75) / 5)
    assert verdict.score == 59.0  # red line: R1 below 1 caps the score


def test_leader_needs_a_name_or_an_appointment_within_the_period() -> None:
    org = _org(leader={"role": "Director", "appointed": "2026-03-01"})
    assert _scores(_evaluate(org))["R1"] == pytest.approx(0.8)
    org = _org(leader={"role": "Director", "name": "Resident 0001"})
    verdict = _evaluate(org)
    assert _scores(verdict)["R1"] == 1.0
    # The leader's name never appears in a finding.
    assert all("Resident 0001" not in f.message for f in verdict.findings)


def test_duplicate_members_count_once_and_duties_are_required() -> None:
    members = [_member(1, ["fire_safety"]), _member(1, ["fire_safety"])]
    members += [_member(n, ["public_security"], duties=1) for n in range(2, 5)]
    verdict = _evaluate(_org(members=members))
    # 4 distinct members of the 7 needed, 1 of them with two duties.
    assert _scores(verdict)["R2"] == pytest.approx(4 / 7 * 1 / 4)
    assert verdict.metrics["members"] == 4


def test_meetings_need_quorum_count_once_per_day_and_stay_in_period() -> None:
    # 7 members + leader = 8; quorum at 0.5 is 4.
    meetings = [
        {"date": "2025-02-01", "attendance": 4},
        {"date": "2025-02-01", "attendance": 5},  # same day: counted once
        {"date": "2025-05-01", "attendance": 3},  # below quorum
        {"date": "2025-08-01"},  # attendance not recorded
        {"date": "2024-11-01", "attendance": 8},  # before the period
    ]
    verdict = _evaluate(_org(meetings=meetings))
    assert verdict.metrics["quorate_meetings"] == 1
    assert verdict.metrics["meetings_in_period"] == 3
    # Longest gap: 1 Aug to 31 Dec = 152 days; 120 / 152 spread factor; 1 of 4 meetings.
    assert verdict.metrics["longest_gap_days"] == 152
    assert _scores(verdict)["R3"] == pytest.approx(1 / 4 * 120 / 152)


def test_meeting_rate_is_prorated_to_a_short_period() -> None:
    period = Period(date(2025, 1, 1), date(2025, 3, 31))  # 90 days: ceil(4 * 90 / 365) = 1
    meetings = [{"date": "2025-02-15", "attendance": 8}]
    verdict = _evaluate(_org(meetings=meetings), period=period)
    assert verdict.metrics["meetings_needed"] == 1
    assert _scores(verdict)["R3"] == 1.0


def test_function_codes_are_normalized_and_missing_ones_reported() -> None:
    members = [
        _member(1, ["Public-Security"]),
        _member(2, ["fire safety"]),
        _member(3, ["emergency_response"]),
    ]
    verdict = _evaluate(_org(members=members))
    assert _scores(verdict)["R4"] == pytest.approx(3 / 5)
    messages = [f.message for f in verdict.findings if f.rule == "SE11.R4"]
    assert len(messages) == 2
    assert any("information_platform" in m for m in messages)


def test_thresholds_come_from_the_profile() -> None:
    members = [_member(1, ["fire_safety"])]
    strict = _evaluate(_org(members=members), required_functions=["fire_safety"], min_members=1)
    assert _scores(strict)["R4"] == 1.0
    assert _scores(strict)["R2"] == 1.0


def test_malformed_data_does_not_crash_the_rules() -> None:
    verdict = _evaluate({"organization": "yes", "members": "many", "meetings": [1, None]})
    assert verdict.status == Status.FAIL
    assert all(r.score is not None for r in verdict.rules)


@pytest.mark.parametrize("quality", ["good", "fair", "poor"])
def test_sample_is_deterministic_and_schema_valid(quality: str) -> None:
    import jsonschema
    import yaml

    spec = SampleSpec(COMMUNITY, PERIOD, quality, 0, 1)
    first = se11._sample_organization(random.Random("s"), spec)
    assert first == se11._sample_organization(random.Random("s"), spec)
    ((path, content),) = first
    data = yaml.safe_load(content)
    # Dates stay strings in our YAML reading; quoted in the sample, they do here too.
    jsonschema.Draft202012Validator(
        se11.load_schema(se11.ORGANIZATION), format_checker=jsonschema.FormatChecker()
    ).validate(data)
    assert path.endswith(".yaml")
