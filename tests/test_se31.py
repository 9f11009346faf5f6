"""SE31 Emergency plan: sections by heading keywords, contact entries, revision dates."""

from __future__ import annotations

import re

import pytest
from compliance_builtin.se31_emergency_plan import _dates, contact_problem, plan_sections

from compliance.evidence.model import Document, Heading
from compliance.testing import run_case


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("| 社区应急值班室 | 0755-0000 1001 |", None),
        ("- Rescue team leader: 138 0000 0101", None),
        ("| 火警 Fire | 119 |", None),
        ("- Duty office, call 12345 or +86 13800000001", None),
        ("| 值班手机 | 1380000 |", "number"),
        ("- 0755-0000 1001", "role"),
        ("- Property service centre", "no telephone"),
        ("| Duty office | 755-00001001 |", "number"),
    ],
)
def test_contact_entries(entry: str, problem: str | None) -> None:
    found = contact_problem(entry)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_dates_in_both_languages() -> None:
    assert [d.isoformat() for d in _dates("修订日期：2025年3月1日; revised 2024-11-30")] == [
        "2025-03-01",
        "2024-11-30",
    ]
    assert _dates("2025-02-30 is not a day") == []


def _doc(text: str, headings: list[tuple[int, str, int]]) -> Document:
    return Document(
        path="documents/plan.md",
        type="emergency_plan",
        format="markdown",
        sha256="0",
        size=len(text),
        pages=[text],
        headings=[Heading(level=lv, text=t, line=ln) for lv, t, ln in headings],
    )


def test_sections_include_subsections_and_stop_at_the_next_peer() -> None:
    text = "\n".join(
        [
            "# Plan",  # 1
            "## Contacts",  # 2
            "### Internal",  # 3
            "| Role | Phone |",  # 4: header row, not an entry
            "|---|---|",  # 5
            "| Duty office | 0755-0000 1001 |",  # 6
            "## Rescue team and hazards",  # 7: one heading, two parts
            "- Volunteer squad",  # 8
        ]
    )
    doc = _doc(
        text,
        [(1, "Plan", 1), (2, "Contacts", 2), (3, "Internal", 3), (2, "Rescue team and hazards", 7)],
    )
    parts = {
        "contacts": re.compile("contacts"),
        "team": re.compile("rescue team"),
        "risks": re.compile("hazards"),
    }
    found = plan_sections(doc, parts)
    assert [(line, t) for line, _, t in found["contacts"].entries()] == [
        (6, "| Duty office | 0755-0000 1001 |")
    ]
    assert [t for _, _, t in found["team"].entries()] == ["- Volunteer squad"]
    assert found["risks"].heading == "Rescue team and hazards"


def test_missing_parts_and_superior_citation(host) -> None:
    spec = {"indicator": "SE31", "period": {"start": "2025-01-01", "end": "2025-12-31"}}
    plan = (
        "---\nrevised: 2025-05-01\n---\n# Emergency plan\n\n"
        "This plan implements the Subdistrict Office Emergency Plan.\n\n"
        "## Emergency organization\n\nThe leading group.\n"
    )
    case = {"evidence": [{"path": "documents/p.md", "type": "emergency_plan", "content": plan}]}
    verdict = run_case(spec, case, host=host).verdict
    scores = {r.rule: r.score for r in verdict.rules}
    assert scores["SE31.R1"] == pytest.approx(1 / 5)
    assert scores["SE31.R2"] == 1.0
    assert scores["SE31.R3"] == 1.0
    assert scores["SE31.R4"] == 0.0
    assert scores["SE31.R5"] == 0.0


def _docx_plan() -> bytes:
    """A Word plan: heading styles, tables with a header row, bullet paragraphs."""
    import io

    import docx

    document = docx.Document()
    document.add_heading("Community emergency plan", level=0)
    document.add_paragraph("Revised 2025-04-01. Basis: the district overall emergency plan.")
    document.add_heading("Emergency organization", level=1)
    document.add_paragraph("The leading group directs the response.")
    document.add_heading("Risk and hidden-danger list", level=1)
    risks = document.add_table(rows=1, cols=2)
    risks.rows[0].cells[0].text, risks.rows[0].cells[1].text = "Risk", "Place"
    for risk, place in [("Flooding", "Garage"), ("Fire", "Shed"), ("Gas", "Block 3")]:
        cells = risks.add_row().cells
        cells[0].text, cells[1].text = risk, place
    document.add_heading("Disposal process", level=1)
    document.add_paragraph("Report, assess, respond, recover.")
    document.add_heading("Rescue team", level=1)
    for squad in ("Volunteer fire squad", "Property repair squad", "First-aid group"):
        document.add_paragraph(squad, style="List Bullet")
    document.add_heading("Contacts", level=1)
    contacts = document.add_table(rows=1, cols=2)
    contacts.rows[0].cells[0].text, contacts.rows[0].cells[1].text = "Role", "Phone"
    for role, number in [("Duty office", "0755-0000 1001"), ("Fire", "119"), ("Leader", "138000")]:
        cells = contacts.add_row().cells
        cells[0].text, cells[1].text = role, number
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_tables_and_bullets(host) -> None:
    import base64

    spec = {"indicator": "SE31", "period": {"start": "2025-01-01", "end": "2025-12-31"}}
    case = {
        "evidence": [
            {
                "path": "documents/plan.docx",
                "type": "emergency_plan",
                "content_base64": base64.b64encode(_docx_plan()).decode(),
            }
        ]
    }
    verdict = run_case(spec, case, host=host).verdict
    scores = {r.rule: r.score for r in verdict.rules}
    assert scores["SE31.R1"] == 1.0
    assert scores["SE31.R2"] == 1.0
    assert scores["SE31.R3"] == 1.0
    # Header rows left out: 3 risks (of 5 needed), 3 squads, 3 contacts of which one bad.
    assert verdict.metrics["plan_risk_list_entries"] == 3
    assert verdict.metrics["plan_rescue_team_entries"] == 3
    assert verdict.metrics["contact_entries"] == 3
    assert verdict.metrics["contact_entries_malformed"] == 1
    assert scores["SE31.R5"] == pytest.approx((3 / 5 + 1) / 2)
