"""SE42 Special population management: pseudonymization scan and follow-up gaps."""

from __future__ import annotations

from datetime import date

import polars as pl
from compliance_builtin import se42_special_population_management as se42

from compliance.testing import run_case

PATTERN = "^[A-Z]{1,4}[0-9]{3,10}$"
REG = (
    "person_ref,category,risk_level,registered_on,status,closed_on,responsible_staff_id,"
    "supervision,name,id_number,phone\n"
)
FOL = "followup_id,followed_up_on,person_ref,method,staff_id,outcome\n"


def _frame(data: dict) -> pl.LazyFrame:
    n = len(next(iter(data.values())))
    return pl.DataFrame({**data, "__file": ["t.csv"] * n, "__row": list(range(1, n + 1))}).lazy()


def test_identifiers_found_in_any_text_column() -> None:
    frame = _frame(
        {
            "person_ref": ["KP0001", "KP0002", "Zhang San"],
            "note": ["ok", "call 13912345678", "id 11010119900307123X"],
            "name": [None, None, None],
        }
    )
    hits = {(c, k): (n, r) for c, k, n, _, r in se42.identifier_hits(frame, PATTERN).rows()}
    assert hits[("note", "mobile number")] == (1, 2)
    assert hits[("note", "identity number")] == (1, 3)
    assert hits[("person_ref", "not a pseudonymous reference")] == (1, 3)
    assert not any(c == "name" for c, _ in hits)


def test_findings_never_show_the_value(host) -> None:
    secret = "11010119900307123X"
    case = {
        "evidence": [
            {
                "path": "tables/r.csv",
                "type": "key_person_register",
                "content": REG + f"KP0001,petitioner,low,2024-01-01,active,,S1,none,,{secret},\n",
            },
            {
                "path": "tables/f.csv",
                "type": "key_person_followups",
                "content": FOL + "F1,2025-02-01,KP0001,phone,S1,stable\n",
            },
        ]
    }
    verdict = run_case({"indicator": "SE42"}, case, host=host).verdict
    r1 = [f for f in verdict.findings if f.rule == "SE42.R1"]
    assert r1 and r1[0].severity == "critical"
    assert r1[0].location.column == "id_number" and r1[0].location.row == 1
    assert verdict.score <= 59
    assert all(secret not in (f.message + str(f.location)) for f in verdict.findings)


def test_gaps_run_from_registration_to_period_end() -> None:
    register = _frame(
        {
            "person_ref": ["KP1", "KP2"],
            "risk_level": ["high", "low"],
            "registered_on": [date(2024, 1, 1), date(2025, 3, 1)],
            "closed_on": [None, None],
        }
    )
    followups = pl.DataFrame(
        {
            "person_ref": ["KP1", "KP1", "KP2", "KP9"],
            "followed_up_on": [
                date(2025, 1, 10),
                date(2025, 1, 20),
                date(2025, 3, 5),
                date(2025, 1, 2),
            ],
        }
    ).lazy()
    gaps = se42.longest_followup_gaps(register, followups, date(2025, 1, 1), date(2025, 3, 31))
    got = {r: (n, g) for r, _, _, _, n, g in gaps.rows()}
    assert got["KP1"] == (2, 70)  # 20 January to 31 March
    assert got["KP2"] == (1, 26)  # registered 1 March: 5 March to 31 March
