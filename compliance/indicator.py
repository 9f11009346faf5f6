"""The indicator pattern every built-in and third-party indicator follows.

An indicator is a class: metadata as class attributes, the evidence it needs, and rules
as methods decorated with :func:`rule`. The engine instantiates it and calls
:meth:`Indicator.evaluate` with a :class:`Context`; the default ``evaluate`` checks the
evidence, runs each rule, and composes a graded :class:`~compliance.verdict.Verdict`::

    class OrganizationalSafeguard(Indicator):
        \"\"\"A lead organization for safety work is designated and staffed.\"\"\"

        code = "SE11"
        title = "Organizational safeguard"
        dimension = "SMD"
        evidence = (Need("safety_organization"),)

        @rule("R1", "A lead organization and its leader are named", weight=2, red_line=True)
        def lead_named(self, ctx: Context) -> float | None:
            org = ctx.record("safety_organization")
            ...
            return 1.0

A rule returns a score in [0, 1] (partial credit for measured ratios) or ``None`` when it
does not apply; it reports what it saw with ``ctx.finding`` and ``ctx.metric``. Thresholds
come from the profile through ``ctx.threshold(name)``, never from literals in the rule.
"""

from __future__ import annotations

import copy
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from compliance.verdict import (
    EvidenceRef,
    Finding,
    Location,
    Metric,
    RuleResult,
    Severity,
    Status,
    Verdict,
)

if TYPE_CHECKING:
    from compliance.bundle.model import Community, Period
    from compliance.evidence.model import Document, Issue, Record, Table
    from compliance.evidence.store import EvidenceStore
    from compliance.profile import Profile

__all__ = [
    "Context",
    "EvidenceType",
    "Indicator",
    "IndicatorDefinitionError",
    "Need",
    "RuleSpec",
    "SampleSpec",
    "rule",
]

CODE_PATTERN = re.compile(r"^[A-Z]{2,5}[0-9]{1,4}$")
RULE_PATTERN = re.compile(r"^R[0-9]{1,3}$")
KINDS = ("record", "table", "document")


class IndicatorDefinitionError(TypeError):
    """An indicator class breaks the pattern (bad code, duplicate rule id, no title...)."""


@dataclass(frozen=True)
class EvidenceType:
    """A kind of evidence file a manifest can name.

    :param id: the name manifests use (``patrol_log``).
    :param kind: ``record`` (JSON/YAML document), ``table`` (CSV/JSONL/Parquet rows) or
        ``document`` (PDF/DOCX/Markdown text).
    :param schema: ``$id`` of the JSON Schema for a record, or for one row of a table.
    :param template_name: file name ``compliance bundle init`` writes the template to.
    :param template_text: the template's content.
    :param personal_columns: table columns or record fields holding personal data; they
        are never shown in reports.
    :param sample: makes synthetic evidence for ``compliance sample`` and case files:
        ``sample(rng, spec) -> [(bundle_path, bytes), ...]``. It must be deterministic
        for a given ``random.Random`` state and spec (same seed, same bytes).
    :param sample_rows: the type's share of the row budget of ``compliance sample
        --rows N`` (tables only; 0 for small fixed-size evidence).
    """

    id: str
    kind: str
    title: str
    description: str = ""
    schema: str | None = None
    template_name: str | None = None
    template_text: str | None = None
    personal_columns: tuple[str, ...] = ()
    sample: Callable[[random.Random, SampleSpec], list[tuple[str, bytes]]] | None = None
    sample_rows: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise IndicatorDefinitionError(f"evidence type {self.id}: kind must be one of {KINDS}")
        if self.kind != "document" and not self.schema:
            raise IndicatorDefinitionError(f"evidence type {self.id}: {self.kind} needs a schema")


@dataclass(frozen=True)
class SampleSpec:
    """What a sample generator is asked for.

    :param quality: ``good`` (a community that meets the indicators), ``fair`` or
        ``poor`` (gaps, late records, missing parts).
    :param rows: about how many table rows to write for this evidence type.
    """

    community: Community
    period: Period
    quality: str
    rows: int
    seed: int


@dataclass(frozen=True)
class Need:
    """Evidence an indicator reads. A missing required type makes the verdict
    ``insufficient_evidence``; an optional one only removes the rules that need it."""

    type: str
    required: bool = True
    purpose: str = ""


@dataclass(frozen=True)
class RuleSpec:
    """A rule's metadata, read from the :func:`rule` decorator and the method docstring."""

    id: str
    title: str
    weight: float
    severity: Severity
    red_line: bool
    doc: str
    method: str
    thresholds: tuple[str, ...] = ()


def rule(
    id: str,
    title: str,
    *,
    weight: float = 1.0,
    severity: str | Severity = Severity.MEDIUM,
    red_line: bool = False,
    thresholds: tuple[str, ...] = (),
) -> Callable[[Callable[..., float | None]], Callable[..., float | None]]:
    """Mark an indicator method as a rule.

    :param id: ``R1``, ``R2``...; the full rule id is ``<code>.<id>`` (``SE15.R2``).
    :param weight: the rule's share of the indicator score, relative to the others.
    :param severity: severity of findings the rule reports when it is not met.
    :param red_line: a red-line rule that is not fully met caps the indicator's score at
        the profile's ``red_line_cap``.
    :param thresholds: names of the profile thresholds the rule reads (documentation and
        a check that the profile defines them).
    """
    if not RULE_PATTERN.match(id):
        raise IndicatorDefinitionError(f"rule id {id!r} must look like R1, R2, ...")
    if not (weight > 0 and math.isfinite(weight)):
        raise IndicatorDefinitionError(f"rule {id}: weight must be a positive number")

    def mark(func: Callable[..., float | None]) -> Callable[..., float | None]:
        doc = " ".join((func.__doc__ or "").split())
        func._rule_spec = RuleSpec(  # type: ignore[attr-defined]
            id=id,
            title=title,
            weight=float(weight),
            severity=Severity(severity),
            red_line=red_line,
            doc=doc,
            method=func.__name__,
            thresholds=tuple(thresholds),
        )
        return func

    return mark


class Indicator:
    """Base class of every indicator. Subclasses set the class attributes below and
    define rules with :func:`rule`; most never override :meth:`evaluate`."""

    code: ClassVar[str]
    title: ClassVar[str]
    dimension: ClassVar[str]
    version: ClassVar[str] = "1.0.0"
    evidence: ClassVar[tuple[Need, ...]] = ()
    #: Set to a code (``"SE57"``) to replace that indicator explicitly; reported.
    replaces: ClassVar[str | None] = None
    #: Set to an evidence kind (``"table"``) when the indicator reads every evidence type
    #: of that kind in the bundle (through :meth:`Context.available`), beyond its declared
    #: ``evidence``. The runner then evaluates it after the indicators without one, so the
    #: evidence they declare is read ahead while they work instead of all at once first.
    scans: ClassVar[str | None] = None
    #: Set to True when the indicator may be evaluated while others are (``--jobs``, by
    #: default several at once): each evaluation has its own instance and ``Context``, so
    #: what matters is module-level state shared between threads. Indicators that leave
    #: it False are evaluated with no other indicator running.
    thread_safe: ClassVar[bool] = False
    rules: ClassVar[tuple[RuleSpec, ...]] = ()
    description: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "abstract", False) and "abstract" in cls.__dict__:
            return
        for attr in ("code", "title", "dimension"):
            if not isinstance(getattr(cls, attr, None), str) or not getattr(cls, attr):
                raise IndicatorDefinitionError(
                    f"{cls.__qualname__}: class attribute {attr} is required"
                )
        if not CODE_PATTERN.match(cls.code):
            raise IndicatorDefinitionError(
                f"{cls.__qualname__}: code {cls.code!r} must be 2-5 capitals and digits (SE57)"
            )
        if cls.scans not in (None, *KINDS):
            raise IndicatorDefinitionError(
                f"{cls.__qualname__}: scans must be one of {', '.join(KINDS)} or None"
            )
        specs: list[RuleSpec] = []
        seen: set[str] = set()
        for klass in reversed(cls.__mro__):
            for value in vars(klass).values():
                spec = getattr(value, "_rule_spec", None)
                if spec is None:
                    continue
                if spec.id in seen:
                    specs = [s for s in specs if s.id != spec.id]
                seen.add(spec.id)
                specs.append(spec)
        if not specs:
            raise IndicatorDefinitionError(
                f"{cls.__qualname__}: an indicator needs at least one rule"
            )
        cls.rules = tuple(specs)
        doc = (cls.__doc__ or "").strip()
        cls.description = " ".join(doc.split("\n\n")[0].split()) if doc else cls.title

    # -- evaluation ---------------------------------------------------------------

    def evaluate(self, ctx: Context) -> Verdict:
        """Check the evidence, run every rule, and compose the verdict."""
        verdict = Verdict(
            code=self.code,
            title=self.title,
            dimension=self.dimension,
            status=Status.INSUFFICIENT_EVIDENCE,
        )
        missing = [n.type for n in self.evidence if n.required and not ctx.usable(n.type)]
        results: list[RuleResult] = []
        if not missing:
            for spec in self.rules:
                ctx._begin_rule(spec)
                raw = getattr(self, spec.method)(ctx)
                score = _clamp_score(raw, f"{self.code}.{spec.id}")
                results.append(
                    RuleResult(
                        rule=f"{self.code}.{spec.id}",
                        title=spec.title,
                        weight=spec.weight,
                        score=score,
                        severity=spec.severity,
                        red_line=spec.red_line,
                    )
                )
            ctx._begin_rule(None)
        verdict.findings = ctx.findings
        verdict.metrics = ctx.metrics
        verdict.evidence = ctx.evidence_used()
        verdict.rules = results
        if missing:
            verdict.reason = "missing or unusable evidence: " + ", ".join(missing)
            return verdict
        applied = [r for r in results if r.score is not None]
        if not applied:
            verdict.status = Status.NOT_APPLICABLE
            verdict.reason = "no rule applied to the evidence given"
            return verdict
        total = sum(r.weight for r in applied)
        score = 100.0 * sum(r.weight * (r.score or 0.0) for r in applied) / total
        broken = [r for r in applied if r.red_line and (r.score or 0.0) < 1.0]
        if broken:
            cap = ctx.profile.red_line_cap
            if score > cap:
                score = cap
                verdict.reason = "red-line rule not met: " + ", ".join(r.rule for r in broken)
        verdict.score = round(score, 2)
        verdict.status = ctx.profile.status_for(verdict.score)
        verdict.grade = ctx.profile.grade(verdict.score)
        return verdict


def _clamp_score(raw: object, rule_id: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if not isinstance(raw, int | float) or not math.isfinite(raw):
        raise TypeError(f"rule {rule_id} returned {type(raw).__name__}, not a score in [0, 1]")
    return min(1.0, max(0.0, float(raw)))


@dataclass
class _Used:
    refs: dict[str, EvidenceRef] = field(default_factory=dict)


class Context:
    """What a rule sees: the evidence, the profile's thresholds and the bundle's facts.

    One context serves one indicator evaluation. It records which evidence files were
    read (for the report's sha256 list), turns schema issues of evidence the indicator
    reads into findings once, and tags findings with the rule that is running.
    """

    def __init__(
        self,
        indicator: Indicator,
        *,
        store: EvidenceStore,
        profile: Profile,
        community: Community,
        period: Period,
    ) -> None:
        self.code = indicator.code
        self.store = store
        self.profile = profile
        self.community = community
        self.period = period
        self.findings: list[Finding] = []
        self.metrics: dict[str, Metric] = {}
        self._rule: RuleSpec | None = None
        self._used = _Used()
        self._reported: set[str] = set()
        self._declared = {n.type for n in indicator.evidence}

    # -- profile ------------------------------------------------------------------

    def threshold(self, name: str) -> Any:
        """The profile's value for ``<code>.thresholds.<name>``."""
        return self.profile.threshold(self.code, name)

    def keywords(self, name: str) -> dict[str, list[str]]:
        """A keyword set from the profile, by language (``{"en": [...], "zh": [...]}``)."""
        return self.profile.keyword_set(name)

    # -- evidence -----------------------------------------------------------------

    def available(self, kind: str | None = None) -> list[str]:
        """Evidence types the bundle maps files to (optionally of one kind), sorted; for
        indicators that look across all evidence, such as a scan for plaintext personal
        data in every table."""
        return sorted(
            t
            for t in self.store.types
            if self.store.paths(t) and (kind is None or self.store.kind(t) == kind)
        )

    def has(self, type_id: str) -> bool:
        """Whether the manifest maps at least one existing file to ``type_id``."""
        return bool(self.store.paths(type_id))

    def usable(self, type_id: str) -> bool:
        """Whether at least one file of ``type_id`` could be read (schema issues aside)."""
        kind = self.store.kind(type_id)
        if kind == "record":
            return bool(self.records(type_id))
        if kind == "table":
            return self.table(type_id) is not None
        if kind == "document":
            return bool(self.documents(type_id))
        if type_id not in self._reported:
            self._reported.add(type_id)
            self._finding_raw(
                f"{self.code}.EVIDENCE",
                Severity.HIGH,
                f"evidence type {type_id} is not provided by any loaded plugin",
                None,
                None,
            )
        return False

    def records(self, type_id: str) -> list[Record]:
        """Every usable record of the type (schema-invalid parts are reported as findings)."""
        records = self.store.records(type_id)
        self._note(type_id, [(r.path, r.sha256, r.size) for r in records])
        self._issues(type_id, [i for r in records for i in r.issues])
        if not records:
            self._missing(type_id)
        return [r for r in records if r.usable]

    def record(self, type_id: str) -> Record | None:
        """The first usable record of the type, or None."""
        records = self.records(type_id)
        return records[0] if records else None

    def table(self, type_id: str, *, report_issues: bool = True) -> Table | None:
        """The type's rows from every file mapped to it, or None if none is readable.

        :param report_issues: turn the table's schema issues into this indicator's
            findings (the default). An indicator that reads every table for a side check
            (a scan for personal data, say) passes False so it does not repeat problems
            that belong to the indicators that own those tables.
        """
        table = self.store.table(type_id)
        if table is None:
            if report_issues:
                self._missing(type_id)
            return None
        self._note(type_id, [(p, table.sha256[p], table.sizes[p]) for p in table.paths])
        if report_issues:
            self._issues(type_id, table.issues)
        return table if table.usable else None

    def schema(self, type_id: str) -> dict[str, Any] | None:
        """A copy of the JSON Schema the type's evidence is validated against (one row,
        for a table), or None when the type names none or it is not registered.

        For rules that reason from what validation guarantees: in a table, a cell that
        failed any keyword of its column is null, so a ``string`` column with an ``enum``
        holds nothing but the enum's members.
        """
        et = self.store.types.get(type_id)
        schema_id = et.schema if et is not None else None
        if not schema_id or schema_id not in self.store.registry:
            return None
        return copy.deepcopy(self.store.registry.get(schema_id))

    def documents(self, type_id: str) -> list[Document]:
        """Every readable document of the type."""
        docs = self.store.documents(type_id)
        self._note(type_id, [(d.path, d.sha256, d.size) for d in docs])
        self._issues(type_id, [i for d in docs for i in d.issues])
        if not docs:
            self._missing(type_id)
        return [d for d in docs if d.usable]

    # -- reporting ----------------------------------------------------------------

    def finding(
        self,
        message: str,
        *,
        at: Location | None = None,
        fix: str | None = None,
        severity: str | Severity | None = None,
    ) -> None:
        """Report what the running rule observed. Severity defaults to the rule's.
        Never put personal data (names, phone or ID numbers) in ``message``."""
        spec = self._rule
        rule_id = f"{self.code}.{spec.id}" if spec else f"{self.code}.EVIDENCE"
        sev = Severity(severity) if severity else (spec.severity if spec else Severity.MEDIUM)
        self._finding_raw(rule_id, sev, message, at, fix)

    def metric(self, name: str, value: Metric) -> None:
        """Record a measured number (``coverage``, ``median_response_min``)."""
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        self.metrics[name] = value

    def at(
        self,
        evidence: Record | Document | Table | str,
        *,
        pointer: str | None = None,
        row: int | None = None,
        page: int | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> Location:
        """A location in an evidence file. For a record and a pointer, the line is
        filled in when the reader knows it."""
        if isinstance(evidence, str):
            path = evidence
        elif hasattr(evidence, "paths"):
            path = evidence.paths[0]  # type: ignore[union-attr]
        else:
            path = evidence.path  # type: ignore[union-attr]
        if line is None and pointer is not None:
            line = getattr(evidence, "lines", {}).get(pointer)
        return Location(path=path, row=row, page=page, line=line, pointer=pointer, column=column)

    def evidence_used(self) -> list[EvidenceRef]:
        return sorted(self._used.refs.values(), key=lambda r: (r.path, r.type))

    # -- internals ----------------------------------------------------------------

    def _begin_rule(self, spec: RuleSpec | None) -> None:
        self._rule = spec

    def _finding_raw(
        self, rule_id: str, severity: Severity, message: str, at: Location | None, fix: str | None
    ) -> None:
        self.findings.append(Finding(rule_id, severity, message, at, fix))

    def _note(self, type_id: str, files: list[tuple[str, str, int]]) -> None:
        for path, sha, size in files:
            self._used.refs.setdefault(path, EvidenceRef(path, type_id, sha, size))

    def _missing(self, type_id: str) -> None:
        key = f"missing:{type_id}"
        if key in self._reported:
            return
        self._reported.add(key)
        declared = self.store.declared(type_id)
        if declared:
            msg = (
                f"the manifest maps {type_id} to {', '.join(declared)} "
                "but no such file is in the bundle"
            )
        else:
            msg = f"no {type_id} evidence in the bundle's manifest"
        required = type_id in self._declared
        self._finding_raw(
            f"{self.code}.EVIDENCE",
            Severity.HIGH if required else Severity.LOW,
            msg,
            None,
            f"Add the {type_id} evidence and list it in the manifest's evidence index.",
        )

    def _issues(self, type_id: str, issues: list[Issue]) -> None:
        for issue in issues:
            key = f"{issue.path}|{issue.keyword}|{issue.pointer}|{issue.column}|{issue.message}"
            if key in self._reported:
                continue
            self._reported.add(key)
            row = issue.rows[0] if issue.rows else None
            text = issue.message
            if issue.count > 1 or len(issue.rows) > 1:
                shown = ", ".join(str(r) for r in issue.rows)
                text += (
                    f" ({issue.count} rows; first: {shown})"
                    if issue.rows
                    else f" ({issue.count} times)"
                )
            self._finding_raw(
                f"{self.code}.EVIDENCE",
                Severity.HIGH if issue.fatal else Severity.MEDIUM,
                f"{type_id}: {text}",
                Location(path=issue.path, row=row, pointer=issue.pointer, column=issue.column),
                "Correct the evidence file so it follows its schema.",
            )
