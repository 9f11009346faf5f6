"""The JUnit XML report: what CI servers (Jenkins, GitLab, Azure, GitHub test reporters)
show as a test run.

One ``testsuite`` per dimension that has indicators (``SMD Safeguard mechanism``), one
``testcase`` per indicator verdict, and the elements as CI servers read them:

* ``pass``: a passing test case (its findings, if any, in ``system-out``);
* ``partial``, ``fail``, ``insufficient_evidence``: ``failure`` (the community does not
  meet the indicator, or did not show that it does), ``type`` the status;
* ``error``: ``error``: the checker broke, not the community;
* ``not_applicable`` and ``waived``: ``skipped``, with the reason or the waiver.

The failure text lists the findings, waived ones marked ``[waived W-1]``. Built with
``xml.etree``, which escapes text and attribute values; characters XML 1.0 cannot carry
(control characters, lone surrogates) are replaced first. No ``time`` or ``timestamp``
attributes: the run's durations are not reproducible, and the output must be.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

from compliance.report.formats import format_number, sanitize_text, status_label

if TYPE_CHECKING:
    from compliance.report.model import Report

__all__ = ["render_junit"]

_FAILURE = {"partial", "fail", "insufficient_evidence"}
_SKIPPED = {"not_applicable", "waived"}


def _text(value: Any) -> str:
    return sanitize_text(str(value))


def _location(finding: dict[str, Any]) -> str:
    from compliance.report.formats import _location_text

    return _location_text(finding.get("location"))


def _finding_lines(verdict: dict[str, Any]) -> list[str]:
    lines = []
    for f in verdict["findings"]:
        mark = f" [waived {f['waiver']}]" if f.get("waived") else ""
        where = _location(f)
        lines.append(
            f"{f['severity']} {f['rule']}{mark}: {f['message']}" + (f" ({where})" if where else "")
        )
    return lines


def _summary(verdict: dict[str, Any]) -> str:
    score = format_number(verdict["score"])
    grade = verdict["grade"] or "n/a"
    text = f"{status_label(verdict['status'])}: score {score}, grade {grade}"
    if verdict["reason"]:
        text += f"; {verdict['reason']}"
    return text


def render_junit(report: Report) -> bytes:
    """The JUnit XML document as UTF-8 bytes with an XML declaration."""
    data = report.to_dict()
    names = {d["code"]: d["name"] for d in data["dimensions"]}
    order = [d["code"] for d in data["dimensions"]]
    by_dim: dict[str, list[dict[str, Any]]] = {}
    for verdict in data["indicators"]:
        by_dim.setdefault(verdict["dimension"], []).append(verdict)
    order += sorted(d for d in by_dim if d not in order)

    root = ET.Element("testsuites", name=_text(f"compliance {data['community']['id']}"))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for dim in order:
        members = by_dim.get(dim)
        if not members:
            continue
        suite = ET.SubElement(root, "testsuite", name=_text(f"{dim} {names.get(dim, '')}".strip()))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        props = ET.SubElement(suite, "properties")
        dim_score = next((d["score"] for d in data["dimensions"] if d["code"] == dim), None)
        ET.SubElement(props, "property", name="score", value=format_number(dim_score))
        for verdict in members:
            counts["tests"] += 1
            case = ET.SubElement(
                suite,
                "testcase",
                classname=_text(f"compliance.{dim}"),
                name=_text(f"{verdict['code']} {verdict['title']}"),
            )
            status = verdict["status"]
            findings = "\n".join(_finding_lines(verdict))
            if status in _FAILURE:
                counts["failures"] += 1
                node = ET.SubElement(case, "failure", message=_text(_summary(verdict)), type=status)
                node.text = _text(findings) if findings else None
            elif status == "error":
                counts["errors"] += 1
                node = ET.SubElement(
                    case,
                    "error",
                    message=_text(f"checker error: {verdict['reason'] or 'unknown'}"),
                    type="error",
                )
            elif status in _SKIPPED:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=_text(_summary(verdict)))
                if findings:
                    ET.SubElement(case, "system-out").text = _text(findings)
            elif findings:
                ET.SubElement(case, "system-out").text = _text(_summary(verdict) + "\n" + findings)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root, space="  ")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"
