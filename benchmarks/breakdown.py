"""Where the time of one ``compliance check`` goes (see docs/performance.md).

    python benchmarks/breakdown.py BUNDLE

Runs the check once in this process with timers around the evidence readers, then
evaluates every indicator a second time against the already-loaded evidence, so the
indicators' own work is separated from reading and validating the evidence. The numbers
are wall-clock seconds of one run: compare them with each other, not across machines.
SHA-256 runs on its own thread beside the parse and validation, so its time overlaps
theirs rather than adding to "tables: all" (a CSV file of moderate size is read into
memory once, then hashed and parsed from there). So that the lines add up, the timed check
runs one indicator at a time with the check's read-ahead thread (see
``EvidenceStore.prefetch``) turned off; the last two lines time the check as it runs by
itself: one job with read-ahead, then the default number of jobs
(``compliance.runner.default_jobs``).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable
from typing import Any


def _timed(owner: Any, name: str, totals: Counter[str], label: str) -> Callable[[], None]:
    """Wrap ``owner.name`` to add its wall time to ``totals[label]``; returns an undo."""
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - start

    setattr(owner, name, wrapper)
    return lambda: setattr(owner, name, original)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle")
    args = parser.parse_args()

    import compliance.evidence.store as store_module
    import compliance.evidence.tables as tables
    import compliance.runner as runner
    from compliance.plugins import PluginHost
    from compliance.validation.columns import ColumnValidator

    totals: Counter[str] = Counter()
    undo = [
        _timed(tables, "digest_and_find", totals, "tables: SHA-256 (on a thread, overlapped)"),
        _timed(tables, "_bytes_digest", totals, "tables: SHA-256 (on a thread, overlapped)"),
        _timed(tables, "_content", totals, "tables: reading files into memory"),
        _timed(tables, "_read_one", totals, "tables: parse (polars) and field counts"),
        _timed(ColumnValidator, "validate", totals, "tables: column validation"),
        _timed(tables, "read_table", totals, "tables: all"),
        _timed(store_module.EvidenceStore, "_load_records", totals, "records"),
        _timed(store_module.EvidenceStore, "_load_documents", totals, "documents"),
    ]
    seen: dict[str, Any] = {}
    evaluate = runner.evaluate_indicator

    def capture(entry: Any, store: Any, profile: Any, manifest: Any) -> Any:
        seen.update(store=store, profile=profile, manifest=manifest)
        seen.setdefault("entries", []).append(entry)
        return evaluate(entry, store, profile, manifest)

    runner.evaluate_indicator = capture
    start = time.perf_counter()
    host = PluginHost()
    host.collected()
    loaded = time.perf_counter() - start
    prefetch = store_module.EvidenceStore.prefetch
    store_module.EvidenceStore.prefetch = lambda self, type_ids: None
    start = time.perf_counter()
    report = runner.check(args.bundle, host=host, jobs=1)
    total = time.perf_counter() - start
    store_module.EvidenceStore.prefetch = prefetch
    runner.evaluate_indicator = evaluate
    for restore in undo:
        restore()
    start = time.perf_counter()
    runner.check(args.bundle, host=host, jobs=1)
    ahead = time.perf_counter() - start
    start = time.perf_counter()
    runner.check(args.bundle, host=host)
    parallel = time.perf_counter() - start

    own: list[tuple[float, str]] = []
    for entry in seen.get("entries", []):
        start = time.perf_counter()
        evaluate(entry, seen["store"], seen["profile"], seen["manifest"])
        own.append((time.perf_counter() - start, entry.cls.code))
    own.sort(reverse=True)

    from compliance.validation import native

    helper = "C helper in use" if native.enabled() else "without the C helper"
    print(f"bundle {args.bundle}: score {report.score}, {len(own)} indicators; {helper}")
    print(f"  {'loading plugins (before the check)':<44} {loaded:7.3f} s")
    print(f"  {'compliance check, in all (no read-ahead)':<44} {total:7.3f} s")
    for label in sorted(totals):
        print(f"    {label:<42} {totals[label]:7.3f} s")
    print(f"    {'indicators on loaded evidence':<42} {sum(t for t, _ in own):7.3f} s")
    print("      " + ", ".join(f"{code} {t:.3f}" for t, code in own[:8]))
    print(f"  {'compliance check again, tables read ahead':<44} {ahead:7.3f} s")
    jobs = f"compliance check, {runner.default_jobs()} jobs (the default)"
    print(f"  {jobs:<44} {parallel:7.3f} s")


if __name__ == "__main__":
    main()
