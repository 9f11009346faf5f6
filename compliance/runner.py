"""The runner: open a bundle, evaluate every indicator in isolation, aggregate by the
profile, and build the report model. This is the documented Python API behind
``compliance check``::

    import compliance
    report = compliance.check("examples/bundles/qingshui-strong", profile="default")
    print(report.score, report.grade)
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from compliance.errors import ComplianceError, ProfileError, UsageError
from compliance.indicator import Context
from compliance.plugins import IndicatorEntry, PluginError, PluginHost
from compliance.profile import Profile, load_profile
from compliance.report.model import DimensionResult, Gate, Report
from compliance.verdict import Status, Verdict

__all__ = ["aggregate", "check", "evaluate_indicator", "make_registry", "resolve_profile"]

VerdictCallback = Callable[[Verdict, int, int], None]


def make_registry(host: PluginHost) -> Any:
    """The schema registry: engine schemas plus every plugin's."""
    from compliance.validation.registry import SchemaRegistry, engine_schemas

    schemas: dict[str, dict[str, Any]] = {}
    for schema in [*engine_schemas(), *host.schemas()]:
        schemas.setdefault(schema["$id"], schema)
    try:
        return SchemaRegistry(schemas.values())
    except Exception as exc:
        raise ComplianceError(f"a plugin schema is invalid ({type(exc).__name__})") from None


def resolve_profile(name: str | os.PathLike[str], host: PluginHost, registry: Any) -> Profile:
    """Load a profile by name or path and validate it against the profile schema."""
    from compliance.validation.messages import describe

    def validate(schema_id: str, data: Any, label: str) -> None:
        validator = registry.validator(schema_id)
        errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
        if errors:
            first = errors[0]
            pointer = "/" + "/".join(str(p) for p in first.absolute_path)
            raise ProfileError(
                f"{pointer}: {describe(first.validator, first.validator_value)}", where=label
            )

    return load_profile(str(name), host.profiles(), validate=validate)


def check(
    bundle: str | os.PathLike[str],
    *,
    profile: str | os.PathLike[str] = "default",
    jobs: int = 1,
    fail_under: float | None = None,
    host: PluginHost | None = None,
    block: Iterable[str] = (),
    limits: Any = None,
    only: Iterable[str] | None = None,
    on_verdict: VerdictCallback | None = None,
) -> Report:
    """Audit one evidence bundle and return the report model.

    :param bundle: a folder, ``.zip``, ``.tar.gz``/``.tgz`` or BagIt bag.
    :param profile: a profile name contributed by a plugin, or a profile file.
    :param jobs: indicators evaluated at once (threads; evidence is read once and shared).
    :param fail_under: the gate: the report's gate fails when the overall score is lower.
    :param host: a prepared :class:`PluginHost` (tests pass an exact plugin set).
    :param block: plugin names not to load.
    :param only: evaluate just these indicator codes (the others are not run).
    :raises BundleError: the bundle is unreadable, unsafe or its manifest invalid.
    :raises ProfileError: the profile cannot be loaded.
    """
    from compliance.bundle import Limits, open_bundle, resolve_evidence
    from compliance.evidence.store import EvidenceStore

    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    host = host or PluginHost(block=block)
    registry = make_registry(host)
    prof = resolve_profile(profile, host, registry)
    entries = host.indicators()
    types = host.evidence_types()
    for type_id, et in types.items():
        if et.schema and et.schema not in registry:
            host.errors.append(
                PluginError(
                    host.collected().evidence_owner.get(type_id, "?"),
                    "compliance_evidence_types",
                    f"evidence type {type_id} names unknown schema {et.schema}",
                )
            )
    with open_bundle(bundle, limits=limits or Limits()) as opened:
        resolution = resolve_evidence(opened)
        manifest_issues = _manifest_issues(opened, resolution, types)
        declared: dict[str, list[str]] = {}
        for item in opened.manifest.evidence:
            declared.setdefault(item.type, []).append(item.path)
        store = EvidenceStore(opened, types, registry, resolution.files, declared)
        wanted = set(only) if only is not None else None
        if wanted is not None and (unknown := sorted(wanted - set(entries))):
            raise UsageError(f"no loaded indicator has the code {', '.join(unknown)}")
        selected = [
            e
            for code, e in entries.items()
            if prof.indicators.get(code, {}).get("enabled", True)
            and (wanted is None or code in wanted)
        ]
        total = len(selected)
        verdicts: list[Verdict] = []

        def run(entry: IndicatorEntry) -> Verdict:
            verdict = evaluate_indicator(entry, store, prof, opened.manifest)
            host.notify("compliance_verdict_finished", verdict=verdict)
            return verdict

        if jobs == 1 or total <= 1:
            for chosen in selected:
                verdicts.append(run(chosen))
                if on_verdict:
                    on_verdict(verdicts[-1], len(verdicts), total)
        else:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                for verdict in pool.map(run, selected):
                    verdicts.append(verdict)
                    if on_verdict:
                        on_verdict(verdict, len(verdicts), total)
        verdicts.sort(key=lambda v: v.code)
        report = _build_report(opened, prof, host, verdicts, manifest_issues, fail_under)
    host.notify("compliance_report_finished", report=report)
    report.plugin_errors = [e.to_dict() for e in host.errors]
    return report


def evaluate_indicator(
    entry: IndicatorEntry, store: Any, profile: Profile, manifest: Any
) -> Verdict:
    """Evaluate one indicator; any exception becomes an ``error`` verdict naming the
    exception type and where in the plugin it was raised (never evidence content)."""
    cls = entry.cls
    started = time.perf_counter()
    ctx: Context | None = None
    try:
        indicator = cls()
        ctx = Context(
            indicator,
            store=store,
            profile=profile,
            community=manifest.community,
            period=manifest.period,
        )
        verdict = indicator.evaluate(ctx)
        if not isinstance(verdict, Verdict):
            raise TypeError(f"evaluate returned {type(verdict).__name__}, not a Verdict")
    except ProfileError as exc:
        verdict = _error_verdict(cls, exc.line())
    except Exception as exc:
        where = _where(exc)
        running = f" in rule {cls.code}.{ctx._rule.id}" if ctx is not None and ctx._rule else ""
        verdict = _error_verdict(cls, f"{type(exc).__name__}{running} at {where}")
    verdict.plugin = entry.plugin
    verdict.version = entry.version
    verdict.duration_ms = (time.perf_counter() - started) * 1000
    return verdict


def _error_verdict(cls: type, reason: str) -> Verdict:
    return Verdict(
        code=getattr(cls, "code", "?"),
        title=getattr(cls, "title", "?"),
        dimension=getattr(cls, "dimension", "?"),
        status=Status.ERROR,
        reason=reason,
    )


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown location"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno}"


def _manifest_issues(opened: Any, resolution: Any, types: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for entry in opened.manifest.evidence:
        if entry.type not in types:
            out.append(
                {
                    "path": entry.path,
                    "type": entry.type,
                    "message": "no loaded plugin reads this evidence type",
                }
            )
    for entry in resolution.unmatched:
        out.append(
            {"path": entry.path, "type": entry.type, "message": "matches no file in the bundle"}
        )
    for path, reason in getattr(opened, "skipped", []):
        out.append({"path": path, "type": "", "message": f"left out: {reason}"})
    return out


def aggregate(
    verdicts: list[Verdict], profile: Profile
) -> tuple[float | None, list[DimensionResult]]:
    """Dimension scores (weighted mean of their indicators) and the overall score
    (weighted mean of the dimensions that have a score).

    ``insufficient_evidence`` counts as 0 when the profile says so; ``error``,
    ``not_applicable`` and ``waived`` are left out of the means.
    """
    dims: list[DimensionResult] = []
    by_dim: dict[str, list[Verdict]] = {}
    for verdict in verdicts:
        by_dim.setdefault(verdict.dimension, []).append(verdict)
    order = list(profile.dimensions) + sorted(d for d in by_dim if d not in profile.dimensions)
    for code in order:
        members = by_dim.get(code, [])
        num = den = 0.0
        assessed = 0
        for v in members:
            w = profile.indicator_weight(v.code)
            if v.score is not None and v.status not in (Status.ERROR, Status.WAIVED):
                num += w * v.score
                den += w
                assessed += 1
            elif v.status == Status.INSUFFICIENT_EVIDENCE and profile.insufficient_scores_zero:
                den += w
                assessed += 1
        score = num / den if den > 0 else None
        dims.append(
            DimensionResult(
                code=code,
                name=profile.dimension_name(code),
                weight=profile.dimension_weight(code),
                score=score,
                grade=profile.grade(score),
                assessed=assessed,
                indicators=[v.code for v in members],
            )
        )
    num = den = 0.0
    for d in dims:
        if d.score is not None and d.weight > 0:
            num += d.weight * d.score
            den += d.weight
    overall = num / den if den > 0 else None
    return overall, dims


def _generated_at() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            moment = datetime.fromtimestamp(int(epoch), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise UsageError("SOURCE_DATE_EPOCH must be a whole number of seconds") from None
    else:
        moment = datetime.now(tz=UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _build_report(
    opened: Any,
    profile: Profile,
    host: PluginHost,
    verdicts: list[Verdict],
    manifest_issues: list[dict[str, str]],
    fail_under: float | None,
) -> Report:
    from compliance import __version__

    overall, dims = aggregate(verdicts, profile)
    status = "not_assessed" if overall is None else str(profile.status_for(overall))
    reasons = []
    if fail_under is not None:
        if overall is None:
            reasons.append("no overall score")
        elif overall < fail_under:
            reasons.append(f"score {overall:.2f} is under {fail_under:g}")
    gate = Gate(fail_under=fail_under, passed=not reasons, reasons=reasons)
    loaded = {v.code for v in verdicts}
    unassessed = [
        {
            "code": code,
            "title": str(spec.get("title", code)),
            "dimension": str(spec.get("dimension", "")),
            "reason": "no loaded plugin provides this indicator",
        }
        for code, spec in sorted(profile.indicators.items())
        if code not in loaded and spec.get("enabled", True)
    ]
    evidence: dict[str, dict[str, Any]] = {}
    for v in verdicts:
        for ref in v.evidence:
            evidence.setdefault(ref.path, ref.to_dict())
    manifest = opened.manifest
    submitter = {
        k: str(manifest.submitter[k]) for k in ("organization", "role") if k in manifest.submitter
    }
    manifest_name = Path(getattr(manifest, "path", "bundle.json")).name
    return Report(
        tool={"name": "compliance", "version": __version__},
        generated_at=_generated_at(),
        bundle={
            "source": Path(str(opened.source)).name,
            "kind": opened.kind,
            "manifest": manifest_name,
            "files": len(opened.files),
            "fixity": opened.fixity,
        },
        community=manifest.community.to_dict(),
        period=manifest.period.to_dict(),
        submitter=submitter,
        profile={
            "name": profile.name,
            "version": profile.version,
            "weights_note": profile.weights_note,
        },
        score=overall,
        grade=profile.grade(overall),
        status=status,
        gate=gate,
        dimensions=dims,
        verdicts=verdicts,
        unassessed=unassessed,
        plugins=[p.to_dict() for p in host.plugins()],
        plugin_errors=[e.to_dict() for e in host.errors],
        evidence=[evidence[k] for k in sorted(evidence)],
        manifest_issues=manifest_issues,
        notes=host.notes(),
    )


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
