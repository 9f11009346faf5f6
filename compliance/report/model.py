"""The report model: everything a renderer needs, computed once by the runner.

Renderers only read this; they never compute scores. ``to_dict`` is the JSON report and
validates against ``report.schema.json``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from compliance.verdict import Severity, Status, Verdict

__all__ = ["REPORT_FORMAT_VERSION", "DimensionResult", "Gate", "Report"]

REPORT_FORMAT_VERSION = "1.0"


@dataclass
class DimensionResult:
    code: str
    name: str
    weight: float
    score: float | None
    grade: str | None
    assessed: int
    indicators: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "weight": round(self.weight, 6),
            "score": None if self.score is None else round(self.score, 2),
            "grade": self.grade,
            "assessed": self.assessed,
            "indicators": list(self.indicators),
        }


@dataclass
class Gate:
    fail_under: float | None
    passed: bool
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"fail_under": self.fail_under, "passed": self.passed, "reasons": list(self.reasons)}


@dataclass
class Report:
    tool: dict[str, str]
    generated_at: str
    bundle: dict[str, Any]
    community: dict[str, Any]
    period: dict[str, str]
    submitter: dict[str, str]
    profile: dict[str, Any]
    score: float | None
    grade: str | None
    status: str
    gate: Gate
    dimensions: list[DimensionResult]
    verdicts: list[Verdict]
    unassessed: list[dict[str, str]]
    plugins: list[dict[str, Any]]
    plugin_errors: list[dict[str, str]]
    evidence: list[dict[str, Any]]
    manifest_issues: list[dict[str, str]]
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status == Status.ERROR]

    @property
    def checker_failed(self) -> bool:
        """A plugin failed to load or an indicator crashed: the result is incomplete."""
        return bool(self.errors or self.plugin_errors)

    def summary(self) -> dict[str, Any]:
        statuses = Counter(str(v.status) for v in self.verdicts)
        severities = Counter(str(f.severity) for v in self.verdicts for f in v.findings)
        return {
            "indicators": len(self.verdicts),
            "by_status": {str(s): statuses.get(str(s), 0) for s in Status},
            "findings": sum(severities.values()),
            "by_severity": {str(s): severities.get(str(s), 0) for s in Severity},
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "report_format": REPORT_FORMAT_VERSION,
            "tool": dict(self.tool),
            "generated_at": self.generated_at,
            "bundle": self.bundle,
            "community": self.community,
            "period": self.period,
            "submitter": self.submitter,
            "profile": self.profile,
            "score": None if self.score is None else round(self.score, 2),
            "grade": self.grade,
            "status": self.status,
            "gate": self.gate.to_dict(),
            "summary": self.summary(),
            "dimensions": [d.to_dict() for d in self.dimensions],
            "indicators": [v.to_dict() for v in self.verdicts],
            "unassessed": list(self.unassessed),
            "plugins": list(self.plugins),
            "plugin_errors": list(self.plugin_errors),
            "evidence": list(self.evidence),
            "manifest_issues": list(self.manifest_issues),
            "notes": list(self.notes),
        }
