"""Side-by-side performance measurements, one script, one run (see docs/performance.md).

    pip install -e '.[bench]'           # the baselines: jsonschema-rs, pandera (polars)
    python benchmarks/run.py            # the full run: 1M-row export, 5M-row bundle
    python benchmarks/run.py --quick    # a smoke run with small sizes (CI runs this)

Every number is a median of ``--repeat`` runs, measured in this process (or, for start-up
and peak memory, in child processes started from it) and printed next to its baseline as a
ratio, so a noisy shared machine moves both sides alike. Each target of issue 3 is printed
with "met" or "MISSED".

(a) validating one device export: the column validator vs jsonschema per row vs
    jsonschema-rs per row vs pandera (polars backend, the same checks), each from reading
    the file to the list of violations;
(b) ``compliance check`` on a ``compliance sample`` bundle vs polars just reading its tables;
(c) ``compliance --version`` vs ``python -c pass``;
(d) the peak memory of (b).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SCHEMA = {
    "type": "object",
    "required": ["device_id", "ts", "value", "status", "seq"],
    "properties": {
        "device_id": {"type": "string", "pattern": "^HY-[0-9]{4}$"},
        "ts": {"type": "string", "format": "date-time"},
        "value": {"type": "number", "minimum": 0, "maximum": 1.6},
        "status": {"type": "string", "enum": ["normal", "low", "high", "offline"]},
        "seq": {"type": "integer", "minimum": 0},
    },
}
TYPES = {"value": float, "seq": int}
TARGETS = {"a_vs_jsonschema": 50.0, "b_ratio": 3.0, "c_ratio": 4.0, "d_peak_mb": 1536.0}


def write_export(path: Path, rows: int, seed: int = 3) -> None:
    """A hydrant-pressure export with about 1% bad rows (the first N rows do not depend on
    how many follow)."""
    rng = random.Random(seed)
    statuses = ["normal", "low", "high", "offline"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["device_id", "ts", "value", "status", "seq"])
        for i in range(rows):
            bad = rng.random() < 0.01
            w.writerow(
                [
                    f"HY-{i % 5000:04d}" if not bad else "HY-x",
                    f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+08:00",
                    f"{rng.random() * (2.0 if bad else 1.5):.3f}",
                    statuses[i % 4] if not bad else "broken",
                    str(i),
                ]
            )


def median_time(func: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def cpu_seconds() -> float:
    """User and system CPU time of this process so far, every thread included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def side_by_side(
    funcs: list[Callable[[], object]], repeat: int, cpu: list[float] | None = None
) -> list[tuple[float, object]]:
    """Median time and last result of each function, the functions taking turns in every
    round, so that a change in the machine's load hits all of them alike. ``cpu``, when
    given, receives each function's median CPU time (all threads) in the same order."""
    times: list[list[float]] = [[] for _ in funcs]
    cpus: list[list[float]] = [[] for _ in funcs]
    results: list[object] = [None] * len(funcs)
    for _ in range(repeat):
        for i, func in enumerate(funcs):
            start, start_cpu = time.perf_counter(), cpu_seconds()
            results[i] = func()
            times[i].append(time.perf_counter() - start)
            cpus[i].append(cpu_seconds() - start_cpu)
    if cpu is not None:
        cpu[:] = [statistics.median(c) for c in cpus]
    return [(statistics.median(t), r) for t, r in zip(times, results, strict=True)]


def verdict(value: float, target: float, *, at_least: bool) -> str:
    met = value >= target if at_least else value <= target
    return "met" if met else "MISSED"


# -- (a) validators ---------------------------------------------------------------------------


def column_path(path: Path) -> int:
    """Violations found by the column validator: failing (row, keyword) pairs."""
    from compliance.evidence.tables import read_table

    table = read_table([("export.csv", path)], type_id="export", row_schema=SCHEMA)
    return sum(i.count for i in table.issues)


def _typed_rows(path: Path, limit: int):
    with path.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh)):
            if n >= limit:
                return
            for key, cast in TYPES.items():
                with contextlib.suppress(ValueError):
                    row[key] = cast(row[key])
            yield row


def jsonschema_path(path: Path, limit: int) -> int:
    from jsonschema import Draft202012Validator, FormatChecker

    validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
    return sum(1 for row in _typed_rows(path, limit) for _ in validator.iter_errors(row))


def jsonschema_rs_path(path: Path, limit: int) -> int:
    import jsonschema_rs

    validator = jsonschema_rs.validator_for(SCHEMA, validate_formats=True)
    return sum(1 for row in _typed_rows(path, limit) for _ in validator.iter_errors(row))


def pandera_path(path: Path) -> int:
    import pandera.polars as pa
    import polars as pl

    schema = pa.DataFrameSchema(
        {
            "device_id": pa.Column(str, pa.Check.str_matches(r"^HY-[0-9]{4}$")),
            "ts": pa.Column(
                str,
                pa.Check.str_matches(
                    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
                    r"(Z|[+-][0-9]{2}:[0-9]{2})$"
                ),
            ),
            "value": pa.Column(float, [pa.Check.ge(0), pa.Check.le(1.6)]),
            "status": pa.Column(str, pa.Check.isin(["normal", "low", "high", "offline"])),
            "seq": pa.Column(int, pa.Check.ge(0)),
        }
    )
    frame = pl.read_csv(path, schema_overrides={"value": pl.Float64, "seq": pl.Int64})
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return len(exc.failure_cases)
    return 0


def part_a(root: Path, args: argparse.Namespace) -> dict[str, float]:
    export = root / "export.csv"
    write_export(export, args.rows)
    subset_rows = min(args.baseline_rows, args.rows)
    subset = root / "subset.csv"
    write_export(subset, subset_rows)
    scale = args.rows / subset_rows
    lines = []
    base_t, base_v = median_time(lambda: column_path(export), args.repeat)
    lines.append(("column validator (compliance)", base_t, base_v, 1.0))
    ratios: dict[str, float] = {}
    agreement = []
    for key, name, func in (
        ("jsonschema", "jsonschema per row", jsonschema_path),
        ("jsonschema_rs", "jsonschema-rs per row", jsonschema_rs_path),
    ):
        try:
            t, v = median_time(lambda f=func: f(subset, subset_rows), args.repeat)
        except ImportError:
            print(f"  {name}: not installed, skipped (pip install -e '.[bench]')")
            continue
        label = name + (f" (timed on {subset_rows:,} rows, x{scale:g})" if scale > 1 else "")
        lines.append((label, t * scale, f"{v} in subset", t * scale / base_t))
        ratios[key] = t * scale / base_t
        agreement.append((name, v))
    try:
        t, v = median_time(lambda: pandera_path(export), args.repeat)
        lines.append(("pandera (polars backend)", t, v, t / base_t))
        ratios["pandera"] = t / base_t
    except ImportError:
        print("  pandera: not installed, skipped (pip install -e '.[bench]')")
    print(
        f"\n(a) validating a {args.rows:,}-row export, file to violations (median of {args.repeat})"
    )
    print(f"  {'validator':<58} {'seconds':>8} {'violations':>16} {'vs column':>10}")
    for name, t, v, ratio in lines:
        print(f"  {name:<58} {t:>8.3f} {v!s:>16} {ratio:>9.1f}x")
    ours_on_subset = column_path(subset)
    same = ", ".join(f"{n} {v}" for n, v in agreement)
    print(f"  on the {subset_rows:,}-row subset: column validator {ours_on_subset}; {same}")
    if "jsonschema" in ratios:
        print(
            f"  target: at least {TARGETS['a_vs_jsonschema']:g}x faster than jsonschema: "
            f"{ratios['jsonschema']:.1f}x, "
            f"{verdict(ratios['jsonschema'], TARGETS['a_vs_jsonschema'], at_least=True)}"
        )
    if "jsonschema_rs" in ratios:
        print(
            f"  target: faster than jsonschema-rs: {ratios['jsonschema_rs']:.1f}x, "
            f"{verdict(ratios['jsonschema_rs'], 1.0, at_least=True)}"
        )
    return {"a_column_s": base_t, **{f"a_{k}_x": r for k, r in ratios.items()}}


# -- (b), (c), (d) ------------------------------------------------------------------------------


def plain_read(bundle: Path) -> int:
    """What polars needs just to read every table of the bundle."""
    import polars as pl

    readers = {".csv": pl.read_csv, ".jsonl": pl.read_ndjson, ".parquet": pl.read_parquet}
    return sum(
        readers[p.suffix](p).height for p in sorted(bundle.rglob("*")) if p.suffix in readers
    )


def typed_read(bundle: Path) -> int:
    """polars reading the CSV tables and parsing their dates, as an analyst would."""
    import polars as pl

    return sum(pl.read_csv(p, try_parse_dates=True).height for p in sorted(bundle.rglob("*.csv")))


def full_check(bundle: Path) -> float | None:
    from compliance.plugins import PluginHost
    from compliance.runner import check

    return check(bundle, host=PluginHost()).score


def child_run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of a command, run in a child process."""
    code = (
        "import resource, subprocess, sys, time;"
        "t = time.perf_counter();"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL);"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    wall, peak_kb = out.stdout.split()
    return float(wall), int(peak_kb) / 1024


def startup(args: list[str], repeat: int) -> float:
    return median_time(lambda: subprocess.run(args, check=True, stdout=subprocess.DEVNULL), repeat)[
        0
    ]


def part_b_to_d(root: Path, args: argparse.Namespace, compliance_exe: str) -> dict[str, float]:
    bundle = root / "bundle"
    subprocess.run(
        [compliance_exe, "sample", str(bundle), "--rows", str(args.bundle_rows)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    plain_read(bundle)  # the first read of each file warms the page cache for both sides
    # ...and one check imports the engine and its plugins (compiling them where bytecode is
    # not cached), as the read's side has imported polars: both sides are then timed warm.
    # Start-up is measured by itself in (c), and cold in the end-to-end line below.
    full_check(bundle)
    # Reads and checks alternate, so load from other work on the machine hits both.
    cpu: list[float] = []
    (read_t, read_rows), (check_t, score), (typed_t, _) = side_by_side(
        [lambda: plain_read(bundle), lambda: full_check(bundle), lambda: typed_read(bundle)],
        args.repeat,
        cpu,
    )
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file()) / 2**20
    ratio = check_t / read_t
    print(
        f"\n(b) compliance check on a {args.bundle_rows:,}-row sample bundle "
        f"({read_rows:,} table rows, {size:.0f} MB; median of {args.repeat} alternating "
        "runs, in this process)"
    )
    print(f"  polars reading the tables                       {read_t:8.3f} s")
    print(
        f"  compliance check (the engine)                   {check_t:8.3f} s "
        f"{ratio:6.2f}x   score {score}"
    )
    print(
        f"  for scale, polars reading them with dates parsed {typed_t:7.3f} s "
        f"{typed_t / read_t:6.2f}x   (read_csv(try_parse_dates=True); not the target's baseline)"
    )
    read_cpu, check_cpu = cpu[0], cpu[1]
    print(
        f"  CPU time of the same runs (every thread): read {read_cpu:.2f} s, check "
        f"{check_cpu:.2f} s: {check_cpu / read_cpu:.2f}x (steadier than wall time on a "
        "shared machine)"
    )
    reader = (
        "import sys, polars as pl; from pathlib import Path; "
        "r = {'.csv': pl.read_csv, '.jsonl': pl.read_ndjson, '.parquet': pl.read_parquet}; "
        "sum(r[p.suffix](p).height for p in sorted(Path(sys.argv[1]).rglob('*')) "
        "if p.suffix in r)"
    )
    read_cli, read_peak = child_run([sys.executable, "-c", reader, str(bundle)])
    out = root / "out"
    check_cli, peak = child_run([compliance_exe, "check", str(bundle), "-q", "-o", str(out)])
    print(
        f"  end to end, each in a fresh process: python reading the tables {read_cli:.3f} s, "
        f"`compliance check` writing its reports {check_cli:.3f} s: {check_cli / read_cli:.2f}x"
    )
    print(
        f"  target: at most {TARGETS['b_ratio']:g}x the plain read: {ratio:.2f}x, "
        f"{verdict(ratio, TARGETS['b_ratio'], at_least=False)}"
    )

    version_t = startup([compliance_exe, "--version"], max(5, args.repeat))
    pass_t = startup([sys.executable, "-c", "pass"], max(5, args.repeat))
    c_ratio = version_t / pass_t
    print(
        f"\n(c) start-up: compliance --version {version_t * 1000:.1f} ms; "
        f"python -c pass {pass_t * 1000:.1f} ms; {c_ratio:.2f}x"
    )
    print(
        f"  target: at most {TARGETS['c_ratio']:g}x: "
        f"{verdict(c_ratio, TARGETS['c_ratio'], at_least=False)}"
    )

    print(
        f"\n(d) peak memory (resident) of `compliance check` on (b): {peak:.0f} MB "
        f"(python reading the same tables: {read_peak:.0f} MB)"
    )
    print(
        f"  target: under {TARGETS['d_peak_mb']:g} MB: "
        f"{verdict(peak, TARGETS['d_peak_mb'], at_least=False)}"
    )
    return {
        "b_read_s": read_t,
        "b_typed_read_s": typed_t,
        "b_check_s": check_t,
        "b_ratio": ratio,
        "b_cpu_ratio": check_cpu / read_cpu,
        "b_end_to_end_ratio": check_cli / read_cli,
        "c_ratio": c_ratio,
        "d_peak_mb": peak,
    }


def machine() -> str:
    import polars as pl

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 2**20:.0f} GiB"
    load = ""
    with contextlib.suppress(OSError, AttributeError):
        load = ", load average {:.2f} {:.2f} {:.2f} at start".format(*os.getloadavg())
    bytecode = (
        "; PYTHONDONTWRITEBYTECODE is set (modules compile at every start)"
        if os.environ.get("PYTHONDONTWRITEBYTECODE")
        else ""
    )
    from compliance.validation import native

    helper = (
        "C helper in use"
        if native.enabled()
        else "C helper built but off"
        if native.built()
        else "C helper not built (polars alone)"
    )
    return (
        f"{platform.platform()}; {cpu}, {os.cpu_count()} cpus{memory}{load}; "
        f"Python {platform.python_version()}, polars {pl.__version__}; {helper}{bytecode}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the export in (a)")
    parser.add_argument(
        "--bundle-rows", type=int, default=5_000_000, help="rows of the bundle in (b)"
    )
    parser.add_argument(
        "--baseline-rows",
        type=int,
        default=200_000,
        help="rows the per-row validators run on; their time is scaled to --rows",
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.bundle_rows, args.baseline_rows, args.repeat = 20_000, 20_000, 5_000, 1
    compliance_exe = str(Path(sys.executable).with_name("compliance"))
    print(f"machine: {machine()}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="compliance-bench-") as tmp:
        root = Path(tmp)
        summary = part_a(root, args)
        summary |= part_b_to_d(root, args, compliance_exe)
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")
    print(json.dumps({k: round(v, 4) for k, v in summary.items()}))


if __name__ == "__main__":
    main()
