"""The GitHub Actions format: workflow commands that become annotations on the run.

``compliance check BUNDLE -f github`` writes ``report.github``; a workflow step prints it
(``cat compliance-report/report.github``) and GitHub turns each line into an annotation::

    ::error file=tables/patrol_log.csv,line=4,title=SE15.R4 (low)::patrol row: ...

* critical and high findings, and checker failures, are ``error``; medium and low are
  ``warning``; info findings are only counted.
* GitHub shows at most 10 error and 10 warning annotations per step; the most severe
  findings are annotated first, and one ``::notice`` summarises the score, the gate and
  everything that was not annotated (waived findings included, with their waivers).
* Evidence is untrusted: every value is escaped as the runner expects (``%``, CR and LF
  in messages; also ``:`` and ``,`` in properties) and control characters are replaced,
  so a crafted file name or message can never end the command and start another one.
* ``file`` is the bundle-relative path; when the bundle sits in the repository, the
  annotation lands on the file only if the bundle is checked out at the repository
  root (see docs/ci.md). ``line`` follows the SARIF rule: a CSV data row N is line N + 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compliance.report.formats import format_number, sanitize_text
from compliance.report.sarif import location_region

if TYPE_CHECKING:
    from compliance.report.model import Report

__all__ = ["MAX_PER_LEVEL", "escape_data", "escape_property", "render_github"]

#: GitHub's per-step display limit for each of error and warning annotations.
MAX_PER_LEVEL = 10
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "warning"}
_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}


def escape_data(text: str) -> str:
    """Escape a command's message the way the Actions runner unescapes it."""
    text = sanitize_text(text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (``file``, ``title``): also ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, message: str, **props: Any) -> str:
    shown = ",".join(
        f"{name}={escape_property(str(value))}" for name, value in props.items() if value
    )
    return f"::{level}{' ' + shown if shown else ''}::{escape_data(message)}"


def render_github(report: Report) -> bytes:
    """The workflow commands, one per line, UTF-8."""
    data = report.to_dict()
    lines: list[str] = []
    shown = {"error": 0, "warning": 0}
    left = {"error": 0, "warning": 0, "info": 0}

    def emit(level: str, message: str, **props: Any) -> None:
        if shown[level] < MAX_PER_LEVEL:
            shown[level] += 1
            lines.append(_command(level, message, **props))
        else:
            left[level] += 1

    for error in data["plugin_errors"]:
        emit(
            "error",
            f"plugin {error['plugin']} failed at {error['stage']}: {error['message']}",
            title="compliance checker error",
        )
    for verdict in data["indicators"]:
        if verdict["status"] == "error":
            emit(
                "error",
                f"indicator {verdict['code']} failed: {verdict['reason']}",
                title="compliance checker error",
            )
    candidates = []
    waived = 0
    for verdict in data["indicators"]:
        for finding in verdict["findings"]:
            if finding.get("waived"):
                waived += 1
            elif finding["severity"] == "info":
                left["info"] += 1
            else:
                candidates.append(finding)
    # Most severe first; Python's sort is stable, so ties keep the report's order.
    candidates.sort(key=lambda f: -_RANK[f["severity"]])
    for finding in candidates:
        location = finding.get("location") or {}
        region = location_region(location) if location else None
        emit(
            _LEVEL[finding["severity"]],
            finding["message"],
            file=location.get("path"),
            line=region["startLine"] if region else None,
            title=f"{finding['rule']} ({finding['severity']})",
        )

    community = data["community"]
    summary = [
        f"{community['name']} ({community['id']}): score {format_number(data['score'])}, "
        f"grade {data['grade'] or 'n/a'}, {data['status'].replace('_', ' ')}."
    ]
    gate = data["gate"]
    summary.append(
        "Gate " + ("passed." if gate["passed"] else "failed: " + "; ".join(gate["reasons"]) + ".")
    )
    hidden = left["error"] + left["warning"]
    if hidden or left["info"]:
        summary.append(
            f"Not annotated (GitHub shows {MAX_PER_LEVEL} errors and {MAX_PER_LEVEL} warnings "
            f"per step): {left['error']} error(s), {left['warning']} warning(s), "
            f"{left['info']} info finding(s); see the full report."
        )
    waived_codes = [v["code"] for v in data["indicators"] if v["status"] == "waived"]
    if waived or waived_codes:
        summary.append(
            f"Waived: {waived} finding(s)"
            + (f", indicator(s) {', '.join(waived_codes)}" if waived_codes else "")
            + "."
        )
    for waiver in data.get("waivers") or []:
        if waiver["status"] == "applied":
            summary.append(f"Waiver {waiver['id']} applied ({waiver['findings']} finding(s)).")
        elif waiver["status"] in ("expired", "refused"):
            summary.append(f"Waiver {waiver['id']} {waiver['status']}: {waiver['reason']}.")
    baseline = data.get("baseline")
    if baseline is not None:
        summary.append(
            f"Baseline: {len(baseline['regressions'])} regression(s), "
            f"{len(baseline['improvements'])} improvement(s)."
        )
    lines.append(_command("notice", " ".join(summary), title="compliance summary"))
    return ("\n".join(lines) + "\n").encode("utf-8", errors="backslashreplace")
