"""The SARIF 2.1.0 report: findings as code-scanning results (GitHub, GitLab, IDEs).

* ``tool.driver.rules``: one reporting descriptor per indicator rule (``SE15.R2``) with
  its title as short description, the indicator and the rule's weight, severity and
  red-line flag as full description, and help text with the fix hints its findings gave;
  plus a ``<code>.EVIDENCE`` descriptor for an indicator whose evidence had problems.
* ``results``: one per finding, ``level`` from severity (critical and high: ``error``;
  medium and low: ``warning``; info: ``note``), and one per violated rule that reported
  no finding. A result points into the bundle: ``artifactLocation.uri`` is the
  bundle-relative path with ``uriBaseId`` ``BUNDLE``; ``region.startLine`` is the
  finding's line, or for a table its row: in a CSV file data row N is on line N + 1
  (the header is line 1), in a JSON Lines file on line N; a Parquet row has no line and
  is kept in the location's properties, as are page, column and JSON pointer. A finding
  that concerns no file points at the bundle's manifest.
* ``partialFingerprints.complianceFinding/v1``: a SHA-256 of indicator, rule, location and
  the occurrence number among findings with that same key, never of message text, so
  the fingerprint survives a reworded message or a changed count and code-scanning
  tools track the same alert across runs.
* waived findings carry an accepted external ``suppression`` with the waiver's
  justification; with a baseline, ``baselineState`` says whether a result is ``new``.
* ``invocations[0].toolExecutionNotifications``: plugin failures, indicator errors and
  waivers that expired or were refused.
* ``automationDetails.id``: ``compliance/<community id>/<period>``, one per bundle, so
  a repository holding several bundles keeps their alerts apart.

Deterministic: built from ``report.to_dict()`` in model order, no clock, no random ids.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compliance.report.model import Report

__all__ = ["LEVELS", "location_region", "render_sarif", "sarif_log"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://example.invalid/community-safety-compliance/docs"
FINGERPRINT = "complianceFinding/v1"

LEVELS = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "warning",
    "info": "note",
}
# security-severity lets GitHub sort alerts; the scale is GitHub's (0-10).
_SECURITY_SEVERITY = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
    "info": "0.0",
}


def location_region(location: dict[str, Any]) -> dict[str, int] | None:
    """The SARIF region of a report location: its line, or a table row as a line."""
    if location.get("line") is not None:
        return {"startLine": int(location["line"])}
    row = location.get("row")
    if row is None:
        return None
    path = str(location.get("path", "")).lower()
    if path.endswith((".csv", ".tsv", ".txt")):
        return {"startLine": int(row) + 1}  # line 1 is the header row
    if path.endswith((".jsonl", ".ndjson")):
        return {"startLine": int(row)}
    return None


def _fingerprint(code: str, rule: str, location: dict[str, Any] | None, nth: int) -> str:
    loc = location or {}
    parts = [code, rule] + [
        "" if loc.get(k) is None else str(loc[k])
        for k in ("path", "row", "page", "line", "pointer", "column")
    ]
    parts.append(str(nth))
    # A unit separator cannot occur in a path or pointer we write: no ambiguity.
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _physical(location: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(str(location["path"])), "uriBaseId": "BUNDLE"}
        }
    }
    region = location_region(location)
    if region:
        out["physicalLocation"]["region"] = region
    extra = {k: location[k] for k in ("row", "page", "pointer", "column") if k in location}
    if extra:
        out["properties"] = extra
    return out


def _uri(path: str) -> str:
    """A relative URI reference for a bundle path (spaces and the like percent-encoded)."""
    from urllib.parse import quote

    return quote(path.encode("utf-8", "surrogateescape"), safe="/-._~")


def _rule_descriptor(
    code: str, verdict: dict[str, Any], rule: dict[str, Any] | None, rule_id: str, hints: list[str]
) -> dict[str, Any]:
    if rule is None:
        title = f"The evidence {code} reads is present, readable and follows its schema"
        severity = "high"
        full = f"{code} {verdict['title']}: problems with the evidence the indicator reads."
        props: dict[str, Any] = {"indicator": code, "dimension": verdict["dimension"]}
    else:
        title = str(rule["title"])
        severity = str(rule["severity"])
        full = (
            f"{code} {verdict['title']}: {title}. Weight {rule['weight']:g} within the "
            f"indicator; severity {severity}"
            + ("; red line: failing it caps the indicator's score." if rule["red_line"] else ".")
        )
        props = {
            "indicator": code,
            "dimension": verdict["dimension"],
            "weight": rule["weight"],
            "red_line": rule["red_line"],
        }
    props["tags"] = ["compliance", code, verdict["dimension"]]
    props["security-severity"] = _SECURITY_SEVERITY.get(severity, "5.5")
    help_lines = [f"See docs/indicators/{code}.md for what {code} reads and checks."]
    help_lines += [f"Fix: {hint}" for hint in hints]
    return {
        "id": rule_id,
        "name": rule_id.replace(".", "_"),
        "shortDescription": {"text": title},
        "fullDescription": {"text": full},
        "help": {"text": "\n".join(help_lines)},
        "defaultConfiguration": {"level": LEVELS.get(severity, "warning")},
        "properties": props,
    }


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF log as a dict (one run)."""
    from compliance.baseline import finding_key

    data = report.to_dict()
    manifest = str(data["bundle"]["manifest"])
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    waivers = {w["id"]: w for w in data.get("waivers") or []}
    baseline = data.get("baseline")
    new_keys: Counter[Any] = Counter()
    if baseline is not None:
        for entry in baseline["regressions"]:
            if entry["kind"] == "finding":
                new_keys[finding_key(entry["indicator"], entry)] += 1

    for verdict in data["indicators"]:
        code = verdict["code"]
        by_rule = {r["rule"]: r for r in verdict["rules"]}
        hints: dict[str, list[str]] = {}
        for finding in verdict["findings"]:
            hint = finding.get("remediation")
            if hint and hint not in hints.setdefault(finding["rule"], []):
                hints[finding["rule"]].append(hint)
        wanted = list(by_rule) + [
            f["rule"] for f in verdict["findings"] if f["rule"] not in by_rule
        ]
        for rule_id in dict.fromkeys(wanted):
            index[rule_id] = len(rules)
            rules.append(
                _rule_descriptor(
                    code, verdict, by_rule.get(rule_id), rule_id, hints.get(rule_id, [])[:3]
                )
            )
        fallback = verdict["evidence"][0]["path"] if verdict["evidence"] else manifest
        seen: Counter[tuple[Any, ...]] = Counter()
        reported = set()
        for finding in verdict["findings"]:
            location = finding.get("location")
            key = (finding["rule"], json.dumps(location, sort_keys=True))
            nth = seen[key]
            seen[key] += 1
            reported.add(finding["rule"])
            result = _result(
                finding["rule"],
                index[finding["rule"]],
                str(finding["severity"]),
                finding["message"],
                location or {"path": manifest},
                _fingerprint(code, finding["rule"], location, nth),
            )
            if finding.get("waived"):
                waiver = waivers.get(str(finding.get("waiver")), {})
                result["suppressions"] = [
                    {
                        "kind": "external",
                        "status": "accepted",
                        "justification": f"waiver {finding.get('waiver')}: "
                        + str(waiver.get("justification", "")),
                    }
                ]
            if baseline is not None:
                # An indicator the baseline did not assess has only new findings.
                fkey = finding_key(code, finding)
                if code in baseline["not_compared"]:
                    result["baselineState"] = "new"
                elif not finding.get("waived") and new_keys[fkey] > 0:
                    new_keys[fkey] -= 1
                    result["baselineState"] = "new"
                else:
                    result["baselineState"] = "unchanged"
            result["properties"] = {"indicator": code, "status": verdict["status"]}
            results.append(result)
        for rule in verdict["rules"]:
            score = rule["score"]
            if score is None or score >= 1.0 or rule["rule"] in reported:
                continue
            result = _result(
                rule["rule"],
                index[rule["rule"]],
                str(rule["severity"]),
                f"{rule['title']}: met to {score * 100:.1f}%",
                {"path": fallback},
                _fingerprint(code, rule["rule"], None, 0),
            )
            result["properties"] = {"indicator": code, "status": verdict["status"]}
            if baseline is not None:
                regressed = code in baseline["not_compared"] or any(
                    r["kind"] == "rule" and r.get("rule") == rule["rule"]
                    for r in baseline["regressions"]
                )
                result["baselineState"] = "new" if regressed else "unchanged"
            if verdict["status"] == "waived":
                result["suppressions"] = [
                    {"kind": "external", "status": "accepted", "justification": verdict["reason"]}
                ]
            results.append(result)

    notifications = []
    for error in data["plugin_errors"]:
        notifications.append(
            {
                "level": "error",
                "message": {
                    "text": f"plugin {error['plugin']} failed at {error['stage']}: "
                    f"{error['message']}"
                },
                "descriptor": {"id": "plugin-error"},
            }
        )
    for verdict in data["indicators"]:
        if verdict["status"] == "error":
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": f"indicator {verdict['code']} failed: {verdict['reason']}"},
                    "descriptor": {"id": "indicator-error"},
                }
            )
    for waiver in data.get("waivers") or []:
        if waiver["status"] in ("expired", "refused"):
            notifications.append(
                {
                    "level": "warning",
                    "message": {
                        "text": f"waiver {waiver['id']} {waiver['status']}: {waiver['reason']}"
                    },
                    "descriptor": {"id": f"waiver-{waiver['status']}"},
                }
            )
    checker_failed = bool(data["plugin_errors"]) or any(
        v["status"] == "error" for v in data["indicators"]
    )
    community = data["community"]
    period = data["period"]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "compliance",
                "version": data["tool"]["version"],
                "semanticVersion": data["tool"]["version"],
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "automationDetails": {
            "id": f"compliance/{community['id']}/{period['start']}..{period['end']}",
            "description": {"text": f"Safety audit of {community['name']} ({community['id']})"},
        },
        "originalUriBaseIds": {
            "BUNDLE": {"description": {"text": "The root folder of the evidence bundle."}}
        },
        "invocations": [
            {
                "executionSuccessful": not checker_failed,
                "toolExecutionNotifications": notifications,
            }
        ],
        "results": results,
        "properties": {
            "community": community["id"],
            "period": f"{period['start']}..{period['end']}",
            "profile": data["profile"]["name"],
            "score": data["score"],
            "grade": data["grade"],
            "status": data["status"],
            "gate": data["gate"],
            "generated_at": data["generated_at"],
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _result(
    rule_id: str,
    rule_index: int,
    severity: str,
    message: str,
    location: dict[str, Any],
    fingerprint: str,
) -> dict[str, Any]:
    return {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS.get(severity, "warning"),
        "message": {"text": message},
        "locations": [_physical(location)],
        "partialFingerprints": {FINGERPRINT: fingerprint},
    }


def render_sarif(report: Report) -> bytes:
    """The SARIF log as UTF-8 JSON, two-space indented, with a final newline."""
    text = json.dumps(sarif_log(report), ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8", errors="backslashreplace")
