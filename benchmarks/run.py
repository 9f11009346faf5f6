"""Side-by-side performance measurements, one script, one run (see docs/performance.md).

    python benchmarks/run.py            # the full run: 1M-row export, 5M-row bundle
    python benchmarks/run.py --quick    # a smoke run with small sizes (CI runs this)

Every number is a median of ``--repeat`` runs, measured in this process (or, for start-up
and peak memory, in child processes started from it) and printed next to its baseline as a
ratio, so a noisy shared machine moves both sides alike.

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


def write_export(path: Path, rows: int, seed: int = 3) -> None:
    """A hydrant-pressure export with about 1% bad cells."""
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


# -- (a) validators ---------------------------------------------------------------------------


def column_path(path: Path) -> int:
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


# -- (b), (c), (d) ------------------------------------------------------------------------------


def plain_read(bundle: Path) -> int:
    import polars as pl

    return sum(pl.read_csv(p, infer_schema=False).height for p in sorted(bundle.rglob("*.csv")))


def full_check(bundle: Path) -> float | None:
    from compliance.plugins import PluginHost
    from compliance.runner import check

    return check(bundle, host=PluginHost()).score


def child_peak_mb(args: list[str]) -> float:
    code = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip()) / 1024


def startup(args: list[str], repeat: int) -> float:
    return median_time(lambda: subprocess.run(args, check=True, stdout=subprocess.DEVNULL), repeat)[
        0
    ]


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
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory(prefix="compliance-bench-") as tmp:
        root = Path(tmp)
        export = root / "export.csv"
        write_export(export, args.rows)
        rows_line = []
        base_t, base_v = median_time(lambda: column_path(export), args.repeat)
        rows_line.append(("column validator (compliance)", base_t, base_v, 1.0))
        scale = args.rows / min(args.baseline_rows, args.rows)
        for name, func in (
            ("jsonschema per row", lambda: jsonschema_path(export, args.baseline_rows)),
            ("jsonschema-rs per row", lambda: jsonschema_rs_path(export, args.baseline_rows)),
        ):
            try:
                t, v = median_time(func, args.repeat)
            except ImportError:
                print(f"  {name}: not installed, skipped")
                continue
            rows_line.append(
                (
                    name + (f" (x{scale:g} from {args.baseline_rows} rows)" if scale > 1 else ""),
                    t * scale,
                    v,
                    t * scale / base_t,
                )
            )
        try:
            t, v = median_time(lambda: pandera_path(export), args.repeat)
            rows_line.append(("pandera (polars backend)", t, v, t / base_t))
        except ImportError:
            print("  pandera: not installed, skipped")
        print(
            f"\n(a) validating a {args.rows:,}-row export, file to violations "
            f"(median of {args.repeat})"
        )
        print(f"  {'validator':<52} {'seconds':>9} {'violations':>11} {'x column':>9}")
        for name, t, v, ratio in rows_line:
            print(f"  {name:<52} {t:>9.3f} {v!s:>11} {ratio:>9.1f}")

        bundle = root / "bundle"
        subprocess.run(
            [compliance_exe, "sample", str(bundle), "--rows", str(args.bundle_rows)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        read_t, read_rows = median_time(lambda: plain_read(bundle), args.repeat)
        check_t, score = median_time(lambda: full_check(bundle), args.repeat)
        print(
            f"\n(b) compliance check on a {args.bundle_rows:,}-row sample bundle "
            f"({read_rows:,} table rows)"
        )
        print(
            f"  polars reading the tables: {read_t:.3f} s; compliance check: {check_t:.3f} s; "
            f"ratio {check_t / read_t:.2f}x (score {score})"
        )

        version_t = startup([compliance_exe, "--version"], max(5, args.repeat))
        pass_t = startup([sys.executable, "-c", "pass"], max(5, args.repeat))
        print(
            f"\n(c) start-up: compliance --version {version_t * 1000:.1f} ms; "
            f"python -c pass {pass_t * 1000:.1f} ms; ratio {version_t / pass_t:.2f}x"
        )

        peak = child_peak_mb([compliance_exe, "check", str(bundle), "-q", "-o", str(root / "out")])
        print(f"\n(d) peak memory of compliance check on (b): {peak:.0f} MB")
        print(
            json.dumps(
                {
                    "a_column_s": base_t,
                    "b_ratio": check_t / read_t,
                    "c_ratio": version_t / pass_t,
                    "d_peak_mb": peak,
                }
            )
        )


if __name__ == "__main__":
    main()
