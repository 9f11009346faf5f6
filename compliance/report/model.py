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
    #: ``--fail-on-grade``: fail at this grade or a worse one (None: not set).
    fail_on_grade: str | None = None
    #: ``--fail-on``: fail on an unwaived finding of this severity or higher.
    fail_on: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "fail_under": self.fail_under,
            "passed": self.passed,
            "reasons": list(self.reasons),
        }
        # Written only when set, so a report made without these gates keeps its shape.
        if self.fail_on_grade is not None:
            out["fail_on_grade"] = self.fail_on_grade
        if self.fail_on is not None:
            out["fail_on"] = self.fail_on
        return out


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
    #: What became of each waiver of ``--waivers`` (see ``compliance.waivers``); None when
    #: no waiver file was given.
    waivers: list[dict[str, Any]] | None = None
    #: Regressions and improvements against ``--baseline`` (see ``compliance.baseline``);
    #: None when no baseline was given.
    baseline: dict[str, Any] | None = None

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
        out = self._core_dict()
        # The optional sections follow the gate they explain; a report made without
        # waivers or a baseline has neither key, exactly as before they existed.
        if self.waivers is not None or self.baseline is not None:
            ordered: dict[str, Any] = {}
            for key, value in out.items():
                ordered[key] = value
                if key == "gate":
                    if self.waivers is not None:
                        ordered["waivers"] = [dict(w) for w in self.waivers]
                    if self.baseline is not None:
                        ordered["baseline"] = dict(self.baseline)
            out = ordered
        return out

    def _core_dict(self) -> dict[str, Any]:
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
