"""The OSCAL Assessment Results report (OSCAL 1.0.6, JSON), for GRC tools.

How the audit maps onto OSCAL:

* ``back-matter.resources``: one resource per evidence file, its bundle path as
  ``rlinks[].href`` with its SHA-256 in ``hashes``, plus one for the profile, which plays
  the assessment plan (``import-ap`` points at it: the profile says what is assessed and
  how).
* ``results[0].observations``: one per indicator verdict, method ``EXAMINE`` (and
  ``TEST`` when rules ran), citing every evidence file it read in ``relevant-evidence``
  (``#<resource uuid>`` with the path and SHA-256 in the description) and listing its
  findings in ``remarks``.
* ``results[0].findings``: one per indicator, target ``objective-id`` = the indicator
  code, ``status.state`` ``satisfied`` for ``pass`` and ``not_applicable``, otherwise
  ``not-satisfied`` (``reason`` ``fail``, or ``other`` for missing evidence, a checker
  error or a waiver), with our status, score and grade as properties in our namespace.
  A waived indicator says so in a ``waived`` property and its remarks.
* Every uuid is a version-5 uuid derived from the community, the period, the report time
  and what the object is, so the same report always gives the same document.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from compliance.report.formats import format_number, sanitize_text

if TYPE_CHECKING:
    from compliance.report.model import Report

__all__ = ["NAMESPACE", "OSCAL_VERSION", "oscal_document", "render_oscal"]

OSCAL_VERSION = "1.0.6"
#: Namespace of our own property names (OSCAL asks for one on non-OSCAL names).
NAMESPACE = "https://schemas.community-safety.dev/ns/oscal"
_UUID_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, NAMESPACE)


def _prop(name: str, value: Any) -> dict[str, str]:
    return {"name": name, "ns": NAMESPACE, "value": _text(value)}


def _text(value: Any) -> str:
    # OSCAL strings must not be empty or start/end with whitespace (StringDatatype).
    text = sanitize_text(str(value)).strip()
    return text or "-"


def oscal_document(report: Report) -> dict[str, Any]:
    """The assessment-results document as a dict."""
    data = report.to_dict()
    community, period = data["community"], data["period"]
    seed = "|".join(
        [
            community["id"],
            period["start"],
            period["end"],
            data["generated_at"],
            data["tool"]["version"],
        ]
    )
    doc_uuid = uuid.uuid5(_UUID_ROOT, seed)

    def uid(*parts: str) -> str:
        return str(uuid.uuid5(doc_uuid, "|".join(parts)))

    resources = []
    evidence_uuid: dict[str, str] = {}
    for ref in data["evidence"]:
        rid = uid("evidence", ref["path"])
        evidence_uuid[ref["path"]] = rid
        resources.append(
            {
                "uuid": rid,
                "title": _text(ref["path"]),
                "description": _text(f"Evidence file of type {ref['type']}, {ref['size']} bytes."),
                "props": [_prop("evidence-type", ref["type"])],
                "rlinks": [
                    {
                        "href": _href(ref["path"]),
                        "hashes": [{"algorithm": "SHA-256", "value": ref["sha256"]}],
                    }
                ],
            }
        )
    profile = data["profile"]
    profile_uuid = uid("profile", profile["name"], profile["version"])
    resources.append(
        {
            "uuid": profile_uuid,
            "title": _text(f"Assessment profile {profile['name']} version {profile['version']}"),
            "description": _text(
                "The profile that set which indicators were assessed, their weights, rule "
                "thresholds and grade bands; it stands in for the assessment plan."
                + (f" {profile['weights_note']}" if profile["weights_note"] else "")
            ),
        }
    )

    observations = []
    findings = []
    for verdict in data["indicators"]:
        code = verdict["code"]
        obs_uuid = uid("observation", code)
        evidence = [
            {
                "href": f"#{evidence_uuid[e['path']]}",
                "description": _text(f"{e['path']} (sha256 {e['sha256']})"),
            }
            for e in verdict["evidence"]
            if e["path"] in evidence_uuid
        ]
        lines = []
        for f in verdict["findings"]:
            where = _where(f.get("location"))
            mark = f" [waived {f['waiver']}]" if f.get("waived") else ""
            lines.append(f"{f['severity']} {f['rule']}{mark}: {f['message']}{where}")
        observation: dict[str, Any] = {
            "uuid": obs_uuid,
            "title": _text(f"{code} {verdict['title']}"),
            "description": _text(_summary(verdict)),
            "props": [_prop("indicator", code), _prop("status", verdict["status"])],
            "methods": ["EXAMINE", "TEST"] if verdict["rules"] else ["EXAMINE"],
            "types": ["finding"] if verdict["findings"] else ["control-objective"],
            "collected": data["generated_at"],
        }
        if evidence:
            observation["relevant-evidence"] = evidence
        if lines:
            observation["remarks"] = _text("\n".join(lines))
        observations.append(observation)

        status = verdict["status"]
        satisfied = status in ("pass", "not_applicable")
        reason = "pass" if satisfied else ("fail" if status in ("fail", "partial") else "other")
        props = [
            _prop("status", status),
            _prop("score", format_number(verdict["score"])),
            _prop("grade", verdict["grade"] or "n/a"),
        ]
        if status == "waived":
            props.append(_prop("waived", "true"))
        finding: dict[str, Any] = {
            "uuid": uid("finding", code),
            "title": _text(f"{code} {verdict['title']}"),
            "description": _text(_summary(verdict)),
            "props": props,
            "target": {
                "type": "objective-id",
                "target-id": code,
                "title": _text(verdict["title"]),
                "status": {
                    "state": "satisfied" if satisfied else "not-satisfied",
                    "reason": reason,
                },
            },
            "related-observations": [{"observation-uuid": obs_uuid}],
        }
        if verdict["reason"]:
            finding["remarks"] = _text(verdict["reason"])
        findings.append(finding)

    result: dict[str, Any] = {
        "uuid": uid("result"),
        "title": _text(f"Safety audit of {community['name']}"),
        "description": _text(
            f"{community['name']} ({community['id']}), {community['district']}, "
            f"{community['city']}: assessment period {period['start']} to {period['end']}. "
            f"Overall score {format_number(data['score'])}, grade {data['grade'] or 'n/a'}, "
            f"status {data['status']}."
        ),
        "start": f"{period['start']}T00:00:00Z",
        "end": f"{period['end']}T23:59:59Z",
        "props": [
            _prop("community", community["id"]),
            _prop("score", format_number(data["score"])),
            _prop("grade", data["grade"] or "n/a"),
            _prop("gate", "passed" if data["gate"]["passed"] else "failed"),
        ],
        "reviewed-controls": {
            "description": _text(
                f"The indicators of profile {profile['name']} that loaded plugins provide."
            ),
            "control-selections": [{"include-all": {}}],
        },
    }
    if observations:
        result["observations"] = observations
    if findings:
        result["findings"] = findings
    notes = [f"{u['code']} not assessed: {u['reason']}" for u in data["unassessed"]]
    notes += [
        f"waiver {w['id']} {w['status']}: {w['reason']}"
        for w in data.get("waivers") or []
        if w["status"] in ("expired", "refused")
    ]
    if notes:
        result["remarks"] = _text("\n".join(notes))

    return {
        "assessment-results": {
            "uuid": str(doc_uuid),
            "metadata": {
                "title": _text(f"Safety audit of {community['name']} ({community['id']})"),
                "last-modified": data["generated_at"],
                "version": _text(data["tool"]["version"]),
                "oscal-version": OSCAL_VERSION,
                "props": [_prop("tool", f"{data['tool']['name']} {data['tool']['version']}")],
            },
            "import-ap": {
                "href": f"#{profile_uuid}",
                "remarks": _text("No separate assessment plan: the profile resource stands in."),
            },
            "results": [result],
            "back-matter": {"resources": resources},
        }
    }


def _href(path: str) -> str:
    from urllib.parse import quote

    return quote(path.encode("utf-8", "surrogateescape"), safe="/-._~")


def _where(location: dict[str, Any] | None) -> str:
    from compliance.report.formats import _location_text

    text = _location_text(location)
    return f" ({text})" if text else ""


def _summary(verdict: dict[str, Any]) -> str:
    return (
        f"{verdict['code']} {verdict['title']}: {verdict['status'].replace('_', ' ')}, "
        f"score {format_number(verdict['score'])}, grade {verdict['grade'] or 'n/a'}, "
        f"{len(verdict['findings'])} finding(s)."
    )


def render_oscal(report: Report) -> bytes:
    """The document as UTF-8 JSON, two-space indented, with a final newline."""
    text = json.dumps(oscal_document(report), ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8", errors="backslashreplace")
