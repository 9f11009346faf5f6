"""The result types every indicator returns: Verdict, Finding, Location, Status, Severity.

These are plain, frozen-where-possible dataclasses that convert to JSON-ready dicts with
``to_dict`` so results can cross process boundaries and be rendered by any format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "EvidenceRef",
    "Finding",
    "Location",
    "Metric",
    "RuleResult",
    "Severity",
    "Status",
    "Verdict",
]

Metric = float | int | str | bool | None


class Status(StrEnum):
    """How an indicator came out.

    ``fail`` means the community does not meet the indicator; ``insufficient_evidence``
    means the evidence to judge it is missing or unusable; ``error`` means the checker
    itself broke. Keep the three apart.
    """

    PASS = "pass"
    PARTIAL = "partial"
    FAIL = "fail"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"
    ERROR = "error"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = list(Severity)


@dataclass(frozen=True)
class Location:
    """Where in the bundle a finding points: a bundle-relative path plus one of
    row (1-based data row of a table), page (1-based), line (1-based) or a JSON pointer."""

    path: str
    row: int | None = None
    page: int | None = None
    line: int | None = None
    pointer: str | None = None
    column: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def __str__(self) -> str:
        text = self.path
        if self.row is not None:
            text += f" row {self.row}"
        if self.column is not None:
            text += f" column {self.column}"
        if self.page is not None:
            text += f" page {self.page}"
        if self.line is not None:
            text += f" line {self.line}"
        if self.pointer is not None:
            text += f" at {self.pointer or '/'}"
        return text


@dataclass(frozen=True)
class Finding:
    """One observation a rule made. ``message`` must not quote personal data."""

    rule: str
    severity: Severity
    message: str
    location: Location | None = None
    remediation: str | None = None
    #: The id of the waiver that accepted this finding (``--waivers``), else None. Written
    #: to the report only when set, so reports without waivers keep their exact shape.
    waiver: str | None = None

    @property
    def waived(self) -> bool:
        return self.waiver is not None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": str(self.severity),
            "message": self.message,
        }
        if self.location is not None:
            out["location"] = self.location.to_dict()
        if self.remediation:
            out["remediation"] = self.remediation
        if self.waiver is not None:
            out["waived"] = True
            out["waiver"] = self.waiver
        return out


@dataclass(frozen=True)
class EvidenceRef:
    """An evidence file an indicator read: bundle path, declared type and sha256."""

    path: str
    type: str
    sha256: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "type": self.type, "sha256": self.sha256, "size": self.size}


@dataclass
class RuleResult:
    """The outcome of one rule: a score in [0, 1] (None when it did not apply)."""

    rule: str
    title: str
    weight: float
    score: float | None
    severity: Severity
    red_line: bool = False
    note: str | None = None

    @property
    def applied(self) -> bool:
        return self.score is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "weight": self.weight,
            "score": None if self.score is None else round(self.score, 4),
            "severity": str(self.severity),
            "red_line": self.red_line,
            **({"note": self.note} if self.note else {}),
        }


@dataclass
class Verdict:
    """An indicator's graded result."""

    code: str
    title: str
    dimension: str
    status: Status
    score: float | None = None
    grade: str | None = None
    findings: list[Finding] = field(default_factory=list)
    metrics: dict[str, Metric] = field(default_factory=dict)
    rules: list[RuleResult] = field(default_factory=list)
    evidence: list[EvidenceRef] = field(default_factory=list)
    reason: str | None = None
    plugin: str | None = None
    version: str | None = None
    duration_ms: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "dimension": self.dimension,
            "status": str(self.status),
            "score": None if self.score is None else round(self.score, 2),
            "grade": self.grade,
            "reason": self.reason,
            "plugin": self.plugin,
            "version": self.version,
            "metrics": {k: _round(v) for k, v in sorted(self.metrics.items())},
            "rules": [r.to_dict() for r in self.rules],
            "findings": [f.to_dict() for f in self.findings],
            "evidence": [e.to_dict() for e in self.evidence],
        }


def _round(value: Metric) -> Metric:
    if isinstance(value, float):
        return round(value, 4)
    return value
