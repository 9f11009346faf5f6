"""SE23 Platform access safety: failed-sign-in bursts, dormant accounts, second factors."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest
from compliance_builtin.se23_platform_access_safety import failed_login_bursts

from compliance.testing import run_case


def _log(events: list[tuple[datetime, str, str]]) -> pl.LazyFrame:
    return pl.LazyFrame(
        {
            "__file": ["log.csv"] * len(events),
            "__row": list(range(1, len(events) + 1)),
            "time": [e[0] for e in events],
            "account_id": [e[1] for e in events],
            "result": [e[2] for e in events],
        }
    )


def test_bursts_are_per_account_and_window() -> None:
    t0 = datetime(2025, 3, 1, 2, 0)
    events = [(t0 + timedelta(seconds=20 * k), "U1", "failure") for k in range(12)]
    # Eleven failures of U2 spread over an hour: never ten in one window.
    events += [(t0 + timedelta(minutes=6 * k), "U2", "failure") for k in range(11)]
    # Successes do not count.
    events += [(t0 + timedelta(seconds=k), "U3", "success") for k in range(30)]
    bursts = failed_login_bursts(_log(events), 10, 10)
    assert bursts.select("account_id", "failures", "row").rows() == [("U1", 12, 1)]


def test_threshold_is_inclusive() -> None:
    t0 = datetime(2025, 3, 1, 2, 0)
    events = [(t0 + timedelta(seconds=k), "U1", "failure") for k in range(10)]
    assert failed_login_bursts(_log(events), 10, 10).height == 1
    assert failed_login_bursts(_log(events[:9]), 10, 10).height == 0


POLICY = """\
authentication:
  sso_enabled: true
  protocol: oidc
  systems: [{system: portal, sso: true}]
roles:
  - {role_id: admin, privileged: true, permissions: ["*"]}
  - {role_id: a, permissions: [x:read]}
  - {role_id: b, permissions: [y:read]}
  - {role_id: c, permissions: [z:read]}
accounts:
  - {account_id: U0001, role: admin, mfa_enabled: true, status: active}
  - {account_id: U0002, role: a, status: active, created_on: "2025-11-01"}
  - {account_id: U0003, role: b, status: active, created_on: "2024-01-01"}
  - {account_id: U0004, role: c, status: disabled, created_on: "2024-01-01"}
"""


def test_dormancy_and_weak_admin_sign_ins(host) -> None:
    spec = {"indicator": "SE23", "period": {"start": "2025-01-01", "end": "2025-12-31"}}
    log = (
        "time,account_id,result,method\n"
        # The administrator signed in once without the second factor.
        "2025-12-01T09:00:00+08:00,U0001,success,sso\n"
        "2025-12-02T09:00:00+08:00,U0001,success,sso_mfa\n"
        # U0003 only failed recently: its last success is old, so it is dormant.
        "2025-03-01T09:00:00+08:00,U0003,success,sso\n"
        "2025-12-20T09:00:00+08:00,U0003,failure,sso\n"
        # An account the policy does not list.
        "2025-12-20T10:00:00+08:00,U0999,success,sso\n"
    )
    case = {
        "evidence": [
            {"path": "records/p.yaml", "type": "access_control_policy", "content": POLICY},
            {"path": "tables/log.csv", "type": "access_log", "content": log},
        ]
    }
    verdict = run_case(spec, case, host=host).verdict
    scores = {r.rule: r.score for r in verdict.rules}
    # U0002 was created 60 days before the end: not dormant; U0003 is; U0004 is disabled.
    assert verdict.metrics["dormant_accounts"] == 1
    assert verdict.metrics["unlisted_log_accounts"] == 1
    assert scores["SE23.R5"] == pytest.approx(((2 / 3) / 0.95 + 2 / 3) / 2)
    assert verdict.metrics["administrators_without_second_factor"] == 1
    assert scores["SE23.R3"] == (1 + 0) / 2
    # One admin among three active accounts is 33 % privileged (10 % allowed): that part
    # scores 0.1 / (1/3); four roles, no wildcard in plain roles, every role defined.
    assert verdict.metrics["privileged_account_share"] == round(1 / 3, 4)
    assert scores["SE23.R2"] == pytest.approx((1 + 0.3 + 1 + 1) / 4)
