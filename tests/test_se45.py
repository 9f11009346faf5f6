"""SE45 Key parts: expected inspections per risk level and registration date."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from compliance_builtin import se45_key_parts_control as se45


def test_expected_inspections_follow_risk_and_registration() -> None:
    register = pl.DataFrame(
        {
            "part_id": ["A", "B", "C", "D"],
            "risk_level": ["high", "low", None, "low"],
            "registered_on": [date(2024, 1, 1), date(2025, 3, 2), date(2024, 1, 1), None],
            "status": ["active", "active", "active", "removed"],
            "removed_on": [None, None, None, date(2024, 12, 1)],
            "__file": ["r.csv"] * 4,
            "__row": [1, 2, 3, 4],
        }
    ).lazy()
    inspections = pl.DataFrame(
        {
            "part_id": ["A", "A", "B", "C"],
            "inspected_at": [
                datetime(2025, 1, 5),
                datetime(2025, 2, 5),
                datetime(2025, 3, 10),
                datetime(2024, 12, 31, 12),  # before the period in UTC: not counted
            ],
        }
    ).lazy()
    counts = se45.inspection_counts(
        register,
        inspections,
        start=datetime(2024, 12, 31, 16),
        end=datetime(2025, 3, 31, 16),
        period_start=date(2025, 1, 1),
        period_end=date(2025, 3, 31),
        intervals={"high": 7, "medium": 14, "low": 30},
    )
    got = {p: (d, e) for p, _, _, _, d, e in counts.rows()}
    assert "D" not in got  # removed before the period
    assert got["A"] == (2, 90 // 7)
    assert got["B"] == (1, 1)  # 30 days on the register: one inspection expected
    assert got["C"] == (0, 90 // 7)  # no risk level: treated as high risk
