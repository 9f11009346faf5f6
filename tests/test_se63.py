"""SE63 Emergency rescue alarm: density, links per device kind, test counts, push times."""

from __future__ import annotations

import pytest

from compliance.testing import run_case

REGISTER = "device_id,kind,area,building,resident_group,installed_on,links,status\n"
TESTS = "test_id,device_id,tested_at,result,tester_id\n"
EVENTS = "alarm_id,device_id,kind,triggered_at,pushed_at\n"
FULL = "property;emergency_centre;medical;contacts"


def _case(register: str, tests: str, events: str, population: int = 1000) -> dict:
    return {
        "name": "t",
        "period": {"start": "2025-01-01", "end": "2025-03-31"},
        "community": {"population": population, "households": population // 3},
        "evidence": [
            {"path": "t/r.csv", "type": "help_point_register", "content": REGISTER + register},
            {"path": "t/t.csv", "type": "alarm_device_tests", "content": TESTS + tests},
            {"path": "t/e.csv", "type": "rescue_alarm_events", "content": EVENTS + events},
        ],
    }


def _scores(verdict) -> dict[str, float | None]:
    return {r.rule: r.score for r in verdict.rules}


def _devices(n_pub: int, n_ind: int, links_ind: str = FULL, status: str = "active") -> str:
    rows = [
        f"HB{i:04d},public_help_button,Lift hall,B01,,2024-01-01,property;emergency_centre,active"
        for i in range(n_pub)
    ]
    rows += [
        f"IA{i:04d},indoor_alarm,Home,B01,disabled,2024-01-01,{links_ind},{status}"
        for i in range(n_ind)
    ]
    return "\n".join(rows) + "\n"


def _passes(ids: list[str], day: str = "2025-02-01") -> str:
    return "".join(f"T{i},{d},{day}T10:00:00+08:00,pass,S1\n" for i, d in enumerate(ids))


def test_density_counts_only_active_devices(host) -> None:
    # 1,000 residents: 3 buttons and 8 alarms needed; 3 buttons, 8 alarms of which 4 faulty.
    register = _devices(3, 4) + _devices(0, 4, status="faulty").replace("IA000", "IB000")
    ids = [f"HB{i:04d}" for i in range(3)] + [f"IA{i:04d}" for i in range(4)]
    ids += [f"IB{i:04d}" for i in range(4)]
    result = run_case({"indicator": "SE63"}, _case(register, _passes(ids), ""), host=host)
    # public 1.0, indoor 4/8 = 0.5
    assert _scores(result.verdict)["SE63.R1"] == pytest.approx(0.75)


def test_public_buttons_need_fewer_links_than_indoor_alarms(host) -> None:
    # An indoor alarm with only the public set of links is not fully linked.
    register = _devices(3, 8, links_ind="property;emergency_centre")
    ids = [f"HB{i:04d}" for i in range(3)] + [f"IA{i:04d}" for i in range(8)]
    result = run_case({"indicator": "SE63"}, _case(register, _passes(ids), ""), host=host)
    scores = _scores(result.verdict)
    assert scores["SE63.R2"] == pytest.approx((3 / 11) / 0.95)
    message = next(f.message for f in result.verdict.findings if f.rule == "SE63.R2")
    assert "medical: 8" in message and "contacts: 8" in message


def test_failed_and_out_of_period_tests_do_not_count(host) -> None:
    register = _devices(3, 8)
    ids = [f"HB{i:04d}" for i in range(3)] + [f"IA{i:04d}" for i in range(6)]
    tests = _passes(ids)
    tests += "X1,IA0006,2025-02-01T10:00:00+08:00,fail,S1\n"
    tests += "X2,IA0007,2024-12-31T10:00:00+08:00,pass,S1\n"  # before the period (local)
    tests += "X3,ZZ9999,2025-02-01T10:00:00+08:00,pass,S1\n"  # not in the register
    result = run_case({"indicator": "SE63"}, _case(register, tests, ""), host=host)
    assert _scores(result.verdict)["SE63.R3"] == pytest.approx((9 / 11) / 0.9)
    assert any("not in the register" in f.message for f in result.verdict.findings)


def test_push_time_excludes_tests_and_counts_unpushed_as_late(host) -> None:
    register = _devices(3, 8)
    ids = [f"HB{i:04d}" for i in range(3)] + [f"IA{i:04d}" for i in range(8)]
    events = (
        "A1,IA0001,real,2025-01-08T21:14:05+08:00,2025-01-08T21:14:09+08:00\n"
        "A2,IA0002,false,2025-01-09T21:14:05+08:00,2025-01-09T21:15:05+08:00\n"
        "A3,IA0003,real,2025-01-10T21:14:05+08:00,\n"
        "A4,IA0004,test,2025-01-11T21:14:05+08:00,\n"
    )
    result = run_case({"indicator": "SE63"}, _case(register, _passes(ids), events), host=host)
    assert result.verdict.metrics["alarms"] == 3
    assert _scores(result.verdict)["SE63.R4"] == pytest.approx((1 / 3) / 0.95)
    rows = {f.location.row for f in result.verdict.findings if f.rule == "SE63.R4" and f.location}
    assert {2, 3} <= rows
