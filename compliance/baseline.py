"""Baselines: compare a run with a previous JSON report and gate only on what got worse.

``compliance check --baseline PREVIOUS_REPORT.json`` fails the gate on regressions only:

* ``finding``: a finding that the baseline does not have. Findings are matched by
  indicator, rule and location (path, row, page, line, JSON pointer), counted as a
  multiset; message text is never used, so rewording a message or a changed number in it
  is not a regression, and a second finding at the same place is;
* ``rule``: a rule that is violated now (score under 1) but was met, or not present,
  in the baseline;
* ``score``: an indicator whose score is lower than in the baseline by more than
  :data:`SCORE_TOLERANCE`, or that had a score and has none now (its evidence went
  missing).

Improvements are the same comparisons the other way round. Waived findings and waived
indicators are never regressions. Indicators the baseline did not assess (a plugin added
since) are not compared: there is nothing to regress from.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from compliance.errors import ComplianceError

__all__ = [
    "SCORE_TOLERANCE",
    "BaselineDiff",
    "BaselineError",
    "compare",
    "describe_regression",
    "finding_key",
    "load_baseline",
]

#: Scores are rounded to 2 decimals in reports; a drop this small is rounding, not change.
SCORE_TOLERANCE = 0.01
MAX_BASELINE = 200_000_000
REPORT_SCHEMA_ID = "https://schemas.community-safety.dev/report.schema.json"

FindingKey = tuple[str, str, str | None, int | None, int | None, int | None, str | None]


class BaselineError(ComplianceError):
    """The baseline report cannot be read or is not a valid report (exit 2)."""


def finding_key(code: str, finding: dict[str, Any]) -> FindingKey:
    """What identifies a finding across runs: indicator, rule and evidence location."""
    loc = finding.get("location") or {}
    return (
        code,
        str(finding.get("rule", "")),
        loc.get("path"),
        loc.get("row"),
        loc.get("page"),
        loc.get("line"),
        loc.get("pointer"),
    )


def load_baseline(path: str | os.PathLike[str], registry: Any = None) -> dict[str, Any]:
    """Read a previous JSON report and check it against ``report.schema.json``."""
    from compliance.validation.messages import describe

    label = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BASELINE + 1)
    except OSError as exc:
        raise BaselineError(
            f"cannot read the baseline ({exc.strerror or type(exc).__name__})", where=label
        ) from None
    if len(raw) > MAX_BASELINE:
        raise BaselineError(f"baseline larger than {MAX_BASELINE} bytes", where=label)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BaselineError("baseline is not UTF-8 text", where=label) from None
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"baseline is not valid JSON ({exc.msg})", where=f"{label}:{exc.lineno}"
        ) from None
    except RecursionError:
        raise BaselineError("baseline nests too deeply", where=label) from None
    validator = _validator(registry)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        first = errors[0]
        pointer = "".join(f"/{p}" for p in first.absolute_path) or "/"
        raise BaselineError(
            f"not a compliance JSON report: {pointer} "
            f"{describe(str(first.validator), first.validator_value)}",
            where=label,
        )
    result: dict[str, Any] = data
    return result


def _validator(registry: Any) -> Any:
    if registry is not None and REPORT_SCHEMA_ID in registry:
        return registry.validator(REPORT_SCHEMA_ID)
    from importlib.resources import files

    from jsonschema import Draft202012Validator, FormatChecker

    schema = json.loads(
        files("compliance.schemas").joinpath("report.schema.json").read_text("utf-8")
    )
    return Draft202012Validator(schema, format_checker=FormatChecker())


@dataclass
class BaselineDiff:
    """Regressions and improvements; each entry is a JSON-ready dict with a ``kind``."""

    source: str
    generated_at: str
    regressions: list[dict[str, Any]] = field(default_factory=list)
    improvements: list[dict[str, Any]] = field(default_factory=list)
    not_compared: list[str] = field(default_factory=list)

    @property
    def new_findings(self) -> set[FindingKey]:
        return {_key_of(r) for r in self.regressions if r["kind"] == "finding"}

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "generated_at": self.generated_at,
            "regressions": [dict(r) for r in self.regressions],
            "improvements": [dict(i) for i in self.improvements],
            "not_compared": list(self.not_compared),
        }


def _key_of(entry: dict[str, Any]) -> FindingKey:
    return finding_key(entry["indicator"], entry)


def _finding_entry(kind: str, key: FindingKey, severity: str) -> dict[str, Any]:
    code, rule, path, row, page, line, pointer = key
    loc = {
        k: v
        for k, v in (("path", path), ("row", row), ("page", page), ("line", line))
        if v is not None
    }
    if pointer is not None:
        loc["pointer"] = pointer
    out: dict[str, Any] = {"kind": kind, "indicator": code, "rule": rule, "severity": severity}
    if loc:
        out["location"] = loc
    return out


def _violated(rule: dict[str, Any]) -> bool:
    score = rule.get("score")
    return score is not None and score < 1.0


def compare(
    baseline: dict[str, Any], verdicts: list[dict[str, Any]], source: str = ""
) -> BaselineDiff:
    """Compare verdict dicts of this run (``Verdict.to_dict()``, already waived and
    rounded like the baseline's) with a baseline report dict."""
    diff = BaselineDiff(source=source, generated_at=str(baseline.get("generated_at", "")))
    before = {v["code"]: v for v in baseline.get("indicators", [])}
    for now in verdicts:
        code = now["code"]
        old = before.get(code)
        if old is None:
            diff.not_compared.append(code)
            continue
        waived_now = now["status"] == "waived"
        # Scores.
        was, score = old.get("score"), now.get("score")
        if not waived_now and was is not None and (score is None or score < was - SCORE_TOLERANCE):
            diff.regressions.append(
                {"kind": "score", "indicator": code, "before": was, "after": score}
            )
        elif score is not None and (was is None or score > was + SCORE_TOLERANCE):
            diff.improvements.append(
                {"kind": "score", "indicator": code, "before": was, "after": score}
            )
        # Rules.
        old_rules = {r["rule"]: r for r in old.get("rules", [])}
        for rule in now.get("rules", []):
            prior = old_rules.get(rule["rule"])
            was_violated = prior is not None and _violated(prior)
            own = [f for f in now.get("findings", []) if f.get("rule") == rule["rule"]]
            waived = waived_now or (bool(own) and all(f.get("waived") for f in own))
            if _violated(rule) and not was_violated and not waived:
                diff.regressions.append(
                    {
                        "kind": "rule",
                        "indicator": code,
                        "rule": rule["rule"],
                        "severity": rule.get("severity", "medium"),
                        "before": None if prior is None else prior.get("score"),
                        "after": rule.get("score"),
                    }
                )
            elif was_violated and prior is not None and not _violated(rule):
                diff.improvements.append(
                    {
                        "kind": "rule",
                        "indicator": code,
                        "rule": rule["rule"],
                        "severity": rule.get("severity", "medium"),
                        "before": prior.get("score"),
                        "after": rule.get("score"),
                    }
                )
        # Findings, as multisets of keys.
        old_keys: Counter[FindingKey] = Counter()
        severities: dict[FindingKey, str] = {}
        for f in old.get("findings", []):
            key = finding_key(code, f)
            old_keys[key] += 1
            severities.setdefault(key, str(f.get("severity", "medium")))
        all_keys: Counter[FindingKey] = Counter()
        open_keys: Counter[FindingKey] = Counter()
        for f in now.get("findings", []):
            key = finding_key(code, f)
            all_keys[key] += 1
            severities[key] = str(f.get("severity", "medium"))
            if not f.get("waived"):
                open_keys[key] += 1
        for key in open_keys:
            for _ in range(open_keys[key] - old_keys.get(key, 0)):
                diff.regressions.append(_finding_entry("finding", key, severities[key]))
        for key in old_keys:
            for _ in range(old_keys[key] - all_keys.get(key, 0)):
                diff.improvements.append(_finding_entry("finding", key, severities[key]))
    return diff


def describe_regression(entry: dict[str, Any]) -> str:
    """One line for a regression or improvement, for gate reasons and summaries."""
    kind = entry["kind"]
    if kind == "score":
        after = "none" if entry["after"] is None else f"{entry['after']:.2f}"
        before = "none" if entry["before"] is None else f"{entry['before']:.2f}"
        return f"{entry['indicator']} score {before} -> {after}"
    if kind == "rule":
        return f"{entry['rule']} newly violated"
    where = entry.get("location", {}).get("path")
    return f"new {entry['rule']} finding" + (f" in {where}" if where else "")
