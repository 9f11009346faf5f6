"""A smoke run of the benchmark script: it must keep working (the full run is not for CI)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow


def test_benchmark_quick_run() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for part in (
        "machine:",
        "(a) validating",
        "(b) compliance check",
        "(c) start-up",
        "(d) peak memory",
    ):
        assert part in result.stdout, part
    assert "column validator (compliance)" in result.stdout
    # The test extra installs every baseline, so none is skipped here.
    assert "not installed" not in result.stdout
    for baseline in ("jsonschema per row", "jsonschema-rs per row", "pandera (polars backend)"):
        assert baseline in result.stdout, baseline
    # Every target is judged, and the run ends with its numbers as JSON.
    assert result.stdout.count("target:") >= 4
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"a_column_s", "b_ratio", "b_cpu_ratio", "c_ratio", "d_peak_mb"} <= summary.keys()
    assert "CPU time of the same runs" in result.stdout
    # The machine line says which validator path was measured.
    from compliance.validation import native

    first = result.stdout.splitlines()[0]
    assert ("C helper in use" in first) == native.enabled(), first


def test_breakdown_runs_on_a_bundle(sample_bundle) -> None:
    """benchmarks/breakdown.py: the timed lines, the indicators on loaded evidence, and
    the check as it runs (one job with read-ahead, then the default jobs)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "breakdown.py"), str(sample_bundle)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "32 indicators" in out.splitlines()[0]
    for line in (
        "compliance check, in all (no read-ahead)",
        "tables: all",
        "indicators on loaded evidence",
        "compliance check again, tables read ahead",
        "(the default)",
    ):
        assert line in out, line
