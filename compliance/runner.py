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
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from compliance.errors import ProfileError, UsageError
from compliance.indicator import Context
from compliance.plugins import IndicatorEntry, PluginError, PluginHost
from compliance.privacy import Redactor, redact_report
from compliance.profile import Profile, load_profile
from compliance.report.model import DimensionResult, Report
from compliance.verdict import Status, Verdict

__all__ = [
    "aggregate",
    "check",
    "default_jobs",
    "evaluate_indicator",
    "make_registry",
    "resolve_profile",
]

VerdictCallback = Callable[[Verdict, int, int], None]


def make_registry(host: PluginHost) -> Any:
    """The schema registry: engine schemas plus every plugin's.

    A plugin schema that is not a valid JSON Schema is left out and recorded as that
    plugin's error (evidence types naming it are then reported as naming an unknown
    schema); the run goes on with the others.
    """
    from compliance.validation.registry import (
        InvalidSchemaError,
        SchemaRegistry,
        check_schema,
        engine_schemas,
    )

    schemas: dict[str, dict[str, Any]] = {}
    engine = engine_schemas()
    for schema in [*engine, *host.schemas()]:
        schemas.setdefault(schema["$id"], schema)
    verified = host.verified_schema_ids() | {s["$id"] for s in engine}
    for schema_id, schema in list(schemas.items()):
        if schema_id in verified:
            continue
        try:
            check_schema(schema, schema_id)
        except InvalidSchemaError as exc:
            del schemas[schema_id]
            owner = host.schema_owner(schema_id) or "?"
            host.errors.append(PluginError(owner, "compliance_schemas", str(exc)))
    return SchemaRegistry(schemas.values(), verified=schemas.keys())


def resolve_profile(name: str | os.PathLike[str], host: PluginHost, registry: Any) -> Profile:
    """Load a profile by name or path and validate it against the profile schema."""
    from compliance.validation.messages import describe

    def validate(schema_id: str, data: Any, label: str) -> None:
        from compliance.validation.quick import passes

        if passes(registry.quick(schema_id), data):
            return  # valid; jsonschema is asked only to say what is wrong
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
    jobs: int | None = None,
    fail_under: float | None = None,
    host: PluginHost | None = None,
    block: Iterable[str] = (),
    limits: Any = None,
    only: Iterable[str] | None = None,
    on_verdict: VerdictCallback | None = None,
    fail_on_grade: str | None = None,
    fail_on: str | None = None,
    waivers: str | os.PathLike[str] | list[Any] | None = None,
    baseline: str | os.PathLike[str] | dict[str, Any] | None = None,
    today: date | None = None,
    timeout: float | None = None,
    memory_limit: int | None = None,
) -> Report:
    """Audit one evidence bundle and return the report model.

    :param bundle: a folder, ``.zip``, ``.tar.gz``/``.tgz`` or BagIt bag.
    :param profile: a profile name contributed by a plugin, or a profile file.
    :param jobs: indicators evaluated at once (threads; evidence is read once and shared);
        default :func:`default_jobs`. Indicators that are not ``thread_safe`` are evaluated
        by themselves, whatever ``jobs`` is.
    :param fail_under: the gate: the report's gate fails when the overall score is lower.
    :param host: a prepared :class:`PluginHost` (tests pass an exact plugin set).
    :param block: plugin names not to load.
    :param only: evaluate just these indicator codes (the others are not run).
    :param fail_on_grade: the gate fails at this grade of the profile or a worse one.
    :param fail_on: the gate fails on an unwaived finding of this severity or higher.
    :param waivers: a waiver file (or already loaded :class:`~compliance.waivers.Waiver`
        objects); see :mod:`compliance.waivers`.
    :param baseline: a previous JSON report (path or dict): the gate then fails only on
        regressions; see :mod:`compliance.baseline`.
    :param today: the date waiver expiry is judged against (default: today, or the day
        of ``SOURCE_DATE_EPOCH``).
    :param timeout: seconds each indicator may run; when set (or ``memory_limit`` is),
        indicators run in forked worker processes (see :mod:`compliance.isolation`) and
        one that runs over, exhausts memory or dies becomes an ``error`` verdict.
    :param memory_limit: MiB of extra memory each isolated indicator may allocate
        (default :data:`compliance.isolation.DEFAULT_MEMORY_MB` when isolating).
    :raises BundleError: the bundle is unreadable, unsafe or its manifest invalid.
    :raises ProfileError: the profile cannot be loaded.
    :raises WaiverError: the waiver file is unreadable or invalid.
    :raises BaselineError: the baseline is unreadable or not a valid report.
    """
    from compliance.baseline import load_baseline
    from compliance.bundle import Limits, open_bundle, resolve_evidence
    from compliance.evidence.store import EvidenceStore
    from compliance.gates import GateOptions
    from compliance.waivers import load_waivers

    if jobs is None:
        jobs = default_jobs()
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if timeout is not None and not timeout > 0:
        raise UsageError("--timeout must be more than 0 seconds")
    host = host or PluginHost(block=block)
    registry = make_registry(host)
    prof = resolve_profile(profile, host, registry)
    # Everything that can be wrong with the options is found before any evidence is read.
    options = GateOptions(fail_under=fail_under, fail_on_grade=fail_on_grade, fail_on=fail_on)
    options.check(prof)
    waiver_list = load_waivers(waivers) if isinstance(waivers, str | os.PathLike) else waivers
    baseline_data, baseline_name = None, ""
    if isinstance(baseline, dict):
        baseline_data = baseline
    elif baseline is not None:
        baseline_data = load_baseline(baseline, registry)
        baseline_name = Path(baseline).name
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
        store = EvidenceStore(
            opened, types, registry, resolution.files, declared, host.evidence_readers()
        )
        wanted = set(only) if only is not None else None
        if wanted is not None and (unknown := sorted(wanted - set(entries))):
            raise UsageError(f"no loaded indicator has the code {', '.join(unknown)}")
        selected = _schedule(
            [
                e
                for code, e in entries.items()
                if prof.indicators.get(code, {}).get("enabled", True)
                and (wanted is None or code in wanted)
            ]
        )
        total = len(selected)
        verdicts: list[Verdict] = []

        def done(verdict: Verdict) -> None:
            # On this thread only: hook implementations and callbacks need not be
            # thread-safe, whatever --jobs is.
            host.notify("compliance_verdict_finished", verdict=verdict)
            verdicts.append(verdict)
            if on_verdict:
                on_verdict(verdict, len(verdicts), total)

        def run(entry: IndicatorEntry) -> Verdict:
            return evaluate_indicator(entry, store, prof, opened.manifest)

        threads = _threads(selected, jobs)
        _import_loaders(store)
        if timeout is not None or memory_limit is not None:
            for verdict in _run_isolated(
                selected, store, prof, opened.manifest, threads, timeout, memory_limit
            ):
                done(verdict)
        elif threads == 1:
            store.prefetch(_needed(selected, store))
            try:
                for chosen in selected:
                    done(run(chosen))
            finally:
                store.end_prefetch()
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                for verdict in pool.map(run, [e for e in selected if _thread_safe(e)]):
                    done(verdict)
            # Then, one at a time, those that must run by themselves.
            for chosen in selected:
                if not _thread_safe(chosen):
                    done(run(chosen))
        verdicts.sort(key=lambda v: v.code)
        redactor = _redactor(opened, store, types)
        extras = _waive_and_compare(
            verdicts,
            prof,
            entries,
            opened.manifest,
            waiver_list,
            baseline_data,
            baseline_name,
            today,
            redactor.value,
        )
        report = _build_report(opened, prof, host, verdicts, manifest_issues, options, *extras)
        # The one redaction pass: every format renders from this model, so none can show
        # personal data another missed.
        report = redact_report(report, redactor)
    host.notify("compliance_report_finished", report=report)
    report.plugin_errors = [redactor.value(e.to_dict()) for e in host.errors]
    return report


def _redactor(opened: Any, store: Any, types: dict[str, Any]) -> Redactor:
    """Pseudonyms keyed with the manifest's SHA-256 (same bundle, same pseudonyms), and
    the residents' names read from the declared personal fields and columns."""
    from compliance.evidence.hashing import file_sha256
    from compliance.privacy import collect_personal_values

    key = file_sha256(opened.root / opened.manifest.path).encode("ascii")
    names = collect_personal_values(types, store.records, store.table)
    return Redactor(key, names)


def _import_loaders(store: Any) -> None:
    """Import the evidence loaders on this thread, before indicators first ask for
    evidence on several. Python imports safely from several threads, but pytest rewrites
    the asserts of this distribution's modules as it imports them (the compliance pytest
    plugin makes it one of pytest's), and Python 3.11's ``ast.parse`` on two threads at
    once can fail with SystemError ("AST constructor recursion depth mismatch"): two
    indicators loading their first documents together did, in the test suite."""
    import compliance.evidence.documents
    import compliance.evidence.hashing
    import compliance.evidence.records
    import compliance.validation.quick

    if any(store.kind(t) == "table" and store.paths(t) for t in store.types):
        import compliance.evidence.tables  # noqa: F401


def _schedule(selected: list[IndicatorEntry]) -> list[IndicatorEntry]:
    """The order indicators are evaluated in: code order, except that those reading every
    evidence type of a kind (``Indicator.scans``, such as SE22's scan of all tables) come
    after the others, and those that must run by themselves (not ``thread_safe``) last.
    Evaluated early, a scanning indicator reads every table before any other indicator
    runs, and the tables are then read and worked on one phase after the other; late, each
    table is read ahead while the indicators before it work, and the scan finds them all
    read. Verdicts are reported in code order whatever the order here."""
    return sorted(
        selected,
        key=lambda e: (not _thread_safe(e), getattr(e.cls, "scans", None) is not None),
    )


def _thread_safe(entry: IndicatorEntry) -> bool:
    return getattr(entry.cls, "thread_safe", False) is True


def _threads(selected: list[IndicatorEntry], jobs: int) -> int:
    """Threads to evaluate on: ``jobs``, or one when fewer than two indicators may share
    them (one thread then runs them in order and reads their tables ahead)."""
    return jobs if sum(_thread_safe(e) for e in selected) > 1 else 1


def default_jobs() -> int:
    """Indicators evaluated at once when the caller does not say: four per core this
    process may use, at most 8. Measured on two cores with the 5M-row sample bundle, in
    process: 1 job 3.16 s, 3 jobs 2.68 s, 4 jobs 2.51 s, 6 jobs 2.44 s (fifth round);
    in the ninth round 4 jobs 1.46 s, 8 jobs 1.41 s (16 alternating rounds), 12 jobs
    no faster than 4 (docs/performance.md). Peak memory grows by about 100 MB from 4 to 8.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(8, 4 * cores))


def _needed(selected: list[IndicatorEntry], store: Any) -> list[str]:
    """The evidence types the indicators will ask for, in that order: the declared ones,
    and for an indicator that scans a kind, every type of that kind in the bundle."""
    wanted: dict[str, None] = {}
    for entry in selected:
        wanted.update(dict.fromkeys(need.type for need in entry.cls.evidence))
        kind = getattr(entry.cls, "scans", None)
        if kind is not None:
            wanted.update(dict.fromkeys(t for t in sorted(store.types) if store.kind(t) == kind))
    return list(wanted)


def _run_isolated(
    selected: list[IndicatorEntry],
    store: Any,
    profile: Profile,
    manifest: Any,
    threads: int,
    timeout: float | None,
    memory_limit: int | None,
) -> Iterable[Verdict]:
    """Each indicator in a child process; a child that fails gives an ``error`` verdict
    saying why (timeout, memory, crash) instead of a result.

    One worker process runs them, ``threads`` at a time on threads that share what it has
    read: several workers would each read and validate the tables their indicators need,
    and SE22 needs every table. A worker that dies is replaced, and what failed beside
    other indicators is tried again alone (see :mod:`compliance.isolation`)."""
    from compliance.isolation import DEFAULT_MEMORY_MB, run_tasks

    def task(index: int, entry: IndicatorEntry) -> Callable[[], Verdict]:
        def evaluate() -> Verdict:
            # With one thread the worker runs the tasks in order and reads the tables
            # ahead of them (EvidenceStore.prefetch; once per worker, so a replacement
            # reads only what is left). With more, the indicators' own reads overlap.
            if threads == 1:
                store.prefetch(_needed(selected[index:], store))
            # Out of memory is the isolation's to judge: beside other indicators it may
            # be their doing, and the indicator is then run again alone.
            return evaluate_indicator(entry, store, profile, manifest, memory_errors=True)

        return evaluate

    started = {id(e): time.perf_counter() for e in selected}
    outcomes = run_tasks(
        [task(i, e) for i, e in enumerate(selected)],
        threads=threads,
        alone=[i for i, e in enumerate(selected) if not _thread_safe(e)],
        timeout=timeout,
        memory_mb=DEFAULT_MEMORY_MB if memory_limit is None else memory_limit,
    )
    try:
        for index, outcome in outcomes:
            entry = selected[index]
            if isinstance(outcome.value, Verdict):
                yield outcome.value
                continue
            verdict = _error_verdict(entry.cls, outcome.error or "the indicator gave no verdict")
            verdict.plugin = entry.plugin
            verdict.version = entry.version
            verdict.duration_ms = (time.perf_counter() - started[id(entry)]) * 1000
            yield verdict
    finally:
        # Tasks run in this process when forking was unsafe: stop reading ahead, without
        # waiting (a stuck reader must not hold up the report). A no-op after forking.
        store.end_prefetch(wait=False)


def evaluate_indicator(
    entry: IndicatorEntry,
    store: Any,
    profile: Profile,
    manifest: Any,
    *,
    memory_errors: bool = False,
) -> Verdict:
    """Evaluate one indicator; any exception becomes an ``error`` verdict naming the
    exception type and where in the plugin it was raised (never evidence content).
    ``memory_errors``: let ``MemoryError`` through instead (isolated runs, where the
    worker's memory limit is shared and the isolation decides whom to blame)."""
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
    except MemoryError as exc:
        if memory_errors:
            raise
        verdict = _error_verdict(cls, f"memory exhausted at {_where(exc)}")
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


def _waive_and_compare(
    verdicts: list[Verdict],
    profile: Profile,
    entries: dict[str, IndicatorEntry],
    manifest: Any,
    waiver_list: list[Any] | None,
    baseline_data: dict[str, Any] | None,
    baseline_name: str,
    today: date | None,
    redact: Callable[[Any], Any] = lambda data: data,
) -> tuple[list[Any] | None, Any]:
    """Apply the waivers to the verdicts (in place), then compare with the baseline:
    waivers first, so a waived finding is never a regression. The baseline report was
    redacted, so the verdicts are compared as ``redact`` shows them (a file named after
    a phone number is the same pseudonym in both)."""
    from compliance.baseline import compare
    from compliance.waivers import apply_waivers, default_today, red_line_rules

    outcomes = None
    if waiver_list is not None:
        outcomes = apply_waivers(
            verdicts,
            waiver_list,
            community_id=str(manifest.community.id),
            red_lines=red_line_rules(entries, profile.red_lines),
            today=today or default_today(),
        )
    diff = None
    if baseline_data is not None:
        diff = compare(baseline_data, [redact(v.to_dict()) for v in verdicts], baseline_name)
    return outcomes, diff


def _build_report(
    opened: Any,
    profile: Profile,
    host: PluginHost,
    verdicts: list[Verdict],
    manifest_issues: list[dict[str, str]],
    options: Any,
    outcomes: list[Any] | None = None,
    diff: Any = None,
) -> Report:
    from compliance import __version__
    from compliance.gates import evaluate_gate

    overall, dims = aggregate(verdicts, profile)
    status = "not_assessed" if overall is None else str(profile.status_for(overall))
    gate = evaluate_gate(
        score=overall,
        grade=profile.grade(overall),
        verdicts=verdicts,
        profile=profile,
        options=options,
        diff=diff,
    )
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
        waivers=None if outcomes is None else [o.to_dict() for o in outcomes],
        baseline=None if diff is None else diff.to_dict(),
    )


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
