"""Waivers: accepted, approved, expiring exceptions to findings and indicators.

A waiver file (``compliance check --waivers FILE``) is a YAML list::

    - id: W-2025-03
      rule: SE15.R2                 # or `indicator: SE13` (exactly one of the two)
      scope: tables/patrol_log.csv  # optional: a bundle path glob or a community id
      justification: Patrol system migrated in April; gap documented in the handover file.
      approver: District safety office
      expires: 2026-06-30           # last day it applies

What a waiver does:

* a **rule** waiver marks the rule's findings (within the scope) as waived;
* an **indicator** waiver without a path scope waives the whole verdict: its status becomes
  ``waived`` (left out of the dimension and overall means, like ``not_applicable``) and
  every finding of it is marked waived; with a path glob it waives only the indicator's
  findings at matching paths.

Scores are not recomputed: a waiver accepts a known problem, it does not make the evidence
better. Waived findings no longer count for ``--fail-on`` or as baseline regressions.

What a waiver cannot do: apply after its expiry date (the report lists it as ``expired``);
waive a red-line rule, whether the indicator declares it ``red_line`` in code or the
profile lists it under ``red_lines`` (``refused``); waive an indicator while one of its
red-line rules is not met or not assessed (``refused``: that would waive the red line);
waive a checker error (``refused``). The approver is kept in the file for the audit trail
but never copied into a report: it is usually a person's name.
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Any

from compliance.errors import ComplianceError
from compliance.verdict import Status, Verdict

__all__ = [
    "WAIVERS_SCHEMA_ID",
    "Waiver",
    "WaiverError",
    "WaiverOutcome",
    "apply_waivers",
    "default_today",
    "load_waivers",
    "parse_waivers",
    "red_line_rules",
    "waiver_summary",
]

WAIVERS_SCHEMA_ID = "https://schemas.community-safety.dev/waivers.schema.json"
MAX_WAIVER_FILE = 1_000_000


class WaiverError(ComplianceError):
    """The waiver file cannot be read, parsed or fails its schema (exit 2)."""


@dataclass(frozen=True)
class Waiver:
    id: str
    justification: str
    approver: str
    expires: date
    indicator: str | None = None
    rule: str | None = None
    scope: str | None = None
    line: int | None = None

    @property
    def target(self) -> str:
        return self.rule or self.indicator or ""

    @property
    def code(self) -> str:
        """The indicator code the waiver concerns (``SE15`` for ``SE15.R2``)."""
        return self.target.split(".", 1)[0]


@dataclass
class WaiverOutcome:
    """What became of one waiver in this run."""

    waiver: Waiver
    status: str = "unmatched"  # applied | expired | refused | unmatched
    reason: str = ""
    findings: int = 0
    indicators: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        w = self.waiver
        out: dict[str, Any] = {"id": w.id}
        out["indicator" if w.indicator else "rule"] = w.target
        if w.scope is not None:
            out["scope"] = w.scope
        out.update(
            {
                "justification": w.justification,
                "expires": w.expires.isoformat(),
                "status": self.status,
                "reason": self.reason,
                "findings": self.findings,
                "indicators": list(self.indicators or []),
            }
        )
        return out


@cache
def _schema() -> dict[str, Any]:
    from importlib.resources import files

    text = files("compliance.schemas").joinpath("waivers.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def load_waivers(path: str | os.PathLike[str]) -> list[Waiver]:
    """Read and validate a waiver file; any problem is a :class:`WaiverError` saying
    ``file:line: what``."""
    label = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_WAIVER_FILE + 1)
    except OSError as exc:
        raise WaiverError(
            f"cannot read the waiver file ({exc.strerror or type(exc).__name__})", where=label
        ) from None
    if len(raw) > MAX_WAIVER_FILE:
        raise WaiverError(f"waiver file larger than {MAX_WAIVER_FILE} bytes", where=label)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise WaiverError("waiver file is not UTF-8 text", where=label) from None
    return parse_waivers(text, label)


def parse_waivers(text: str, label: str = "<waivers>") -> list[Waiver]:
    """Parse waiver-file text (YAML or JSON, which is YAML) into waivers."""
    from jsonschema import Draft202012Validator, FormatChecker

    from compliance._yaml import YAMLError, load_with_lines
    from compliance.validation.messages import describe

    try:
        data, lines = load_with_lines(text)
    except YAMLError as exc:
        where = f"{label}:{exc.line}" if exc.line else label
        raise WaiverError(f"invalid YAML: {exc}", where=where) from None
    if data is None:
        data = []

    def line_of(pointer: str) -> int | None:
        # The line of the innermost part of the pointer the YAML reader located.
        while pointer and pointer not in lines:
            pointer = pointer.rsplit("/", 1)[0]
        return lines.get(pointer)

    def at(pointer: str) -> str:
        line = line_of(pointer)
        return f"{label}:{line}" if line else label

    validator = Draft202012Validator(_schema(), format_checker=FormatChecker())
    errors = sorted(
        validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator)
    )
    if errors:
        first = errors[0]
        pointer = "".join(f"/{p}" for p in first.absolute_path)
        if first.validator == "oneOf":
            what = "a waiver names exactly one of indicator or rule"
        elif first.validator == "required":
            missing = [n for n in first.validator_value if n not in (first.instance or {})]
            what = f"required field {', '.join(missing)} is missing"
        elif first.validator == "additionalProperties":
            extra = sorted(set(first.instance) - set(first.schema.get("properties", {})))
            what = f"unknown field {', '.join(map(str, extra))}"
            if extra:
                pointer += f"/{extra[0]}"
        else:
            what = f"{pointer or '/'} {describe(str(first.validator), first.validator_value)}"
        raise WaiverError(what, where=at(pointer))
    waivers: list[Waiver] = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        where = at(f"/{index}")
        if item["id"] in seen:
            raise WaiverError(f"duplicate waiver id {item['id']}", where=where)
        seen.add(item["id"])
        try:
            expires = date.fromisoformat(item["expires"])
        except ValueError:
            raise WaiverError(
                "expires is not a valid date", where=at(f"/{index}/expires")
            ) from None
        waivers.append(
            Waiver(
                id=item["id"],
                justification=" ".join(item["justification"].split()),
                approver=item["approver"],
                expires=expires,
                indicator=item.get("indicator"),
                rule=item.get("rule"),
                scope=item.get("scope"),
                line=line_of(f"/{index}"),
            )
        )
    return waivers


def _path_matches(scope: str, path: str | None) -> bool:
    return path is not None and fnmatch.fnmatchcase(path, scope)


def apply_waivers(
    verdicts: list[Verdict],
    waivers: Iterable[Waiver],
    *,
    community_id: str,
    red_lines: set[str],
    today: date,
) -> list[WaiverOutcome]:
    """Apply waivers to ``verdicts`` in place (first matching waiver wins) and say what
    became of each one.

    :param red_lines: full rule ids (``SE11.R1``) that cannot be waived: those declared
        ``red_line`` in code plus the profile's ``red_lines``.
    :param today: the date expiry is judged against (the report's ``generated_at`` date,
        so a run under ``SOURCE_DATE_EPOCH`` is reproducible).
    """
    by_code = {v.code: v for v in verdicts}
    outcomes: list[WaiverOutcome] = []
    for waiver in waivers:
        outcome = WaiverOutcome(waiver)
        outcomes.append(outcome)
        if today > waiver.expires:
            outcome.status = "expired"
            outcome.reason = f"expired on {waiver.expires.isoformat()}"
            continue
        if waiver.rule and waiver.rule in red_lines:
            outcome.status = "refused"
            outcome.reason = f"{waiver.rule} is a red-line rule; red-line rules cannot be waived"
            continue
        verdict = by_code.get(waiver.code)
        if verdict is None:
            outcome.reason = f"indicator {waiver.code} was not assessed"
            continue
        # A scope that names another community, or a glob that matches none of this
        # bundle's findings, simply does not apply here.
        whole_bundle = waiver.scope is None or waiver.scope == community_id
        if verdict.status == Status.ERROR:
            outcome.status = "refused"
            outcome.reason = (
                f"indicator {verdict.code} failed to run; a checker error cannot be waived"
            )
            continue
        if waiver.indicator and whole_bundle:
            unmet = _unmet_red_lines(verdict, red_lines)
            if unmet:
                outcome.status = "refused"
                outcome.reason = (
                    f"red-line rule {', '.join(unmet)} of {verdict.code} is not met; "
                    "red-line rules cannot be waived"
                )
                continue
            if verdict.status != Status.WAIVED:
                was = str(verdict.status)
                verdict.status = Status.WAIVED
                verdict.reason = f"waived by {waiver.id} (status was {was})"
                outcome.indicators = [verdict.code]
        count = 0
        marked = []
        for finding in verdict.findings:
            hit = finding.waiver is None and (
                waiver.indicator is not None or finding.rule == waiver.rule
            )
            if hit and not whole_bundle:
                hit = _path_matches(str(waiver.scope), getattr(finding.location, "path", None))
            if hit and finding.rule in red_lines:
                # Only reachable for a path-scoped indicator waiver: the red line stays.
                hit = False
            if hit:
                count += 1
                finding = replace(finding, waiver=waiver.id)
            marked.append(finding)
        verdict.findings = marked
        outcome.findings = count
        if count or outcome.indicators:
            outcome.status = "applied"
            outcome.reason = ""
        else:
            outcome.reason = "no finding matched" + (
                f" the scope {waiver.scope}" if waiver.scope is not None else ""
            )
    return outcomes


def _unmet_red_lines(verdict: Verdict, red_lines: set[str]) -> list[str]:
    """Red-line rules of ``verdict`` that are not fully met or were never assessed."""
    prefix = verdict.code + "."
    results = {r.rule: r for r in verdict.rules}
    unmet = []
    for rule_id in sorted(r for r in red_lines if r.startswith(prefix)):
        result = results.get(rule_id)
        broken = result is None or (result.score is not None and result.score < 1.0)
        if broken or any(f.rule == rule_id for f in verdict.findings):
            unmet.append(rule_id)
    return unmet


def red_line_rules(entries: dict[str, Any], profile_red_lines: Iterable[str]) -> set[str]:
    """Every red-line rule id: declared in indicator code, plus the profile's list."""
    found = {
        f"{code}.{spec.id}"
        for code, entry in entries.items()
        for spec in getattr(entry.cls, "rules", ())
        if spec.red_line
    }
    return found | set(profile_red_lines)


def waiver_summary(outcomes: list[WaiverOutcome]) -> list[str]:
    """One line per waiver that did not apply, for the CLI's stderr."""
    return [
        f"waiver {o.waiver.id} {o.status}: {o.reason}"
        for o in outcomes
        if o.status in ("expired", "refused")
    ]


def default_today() -> date:
    """Today, UTC; or the day of ``SOURCE_DATE_EPOCH`` when it is set (reproducible)."""
    from datetime import UTC, datetime

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    return datetime.now(tz=UTC).date()
