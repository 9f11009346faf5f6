"""Reproducibility: with SOURCE_DATE_EPOCH set, the same bundle gives byte-identical
reports whatever ``--jobs`` is and whether indicators run isolated or in-process."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compliance.plugins import PluginHost
from compliance.runner import check

from .conftest import EXAMPLES

FORMATS = ("json", "md", "html", "sarif", "junit", "oscal", "github")
EPOCH = "1735689600"


def _cli(bundle: Path, out: Path, *args: str) -> dict[str, bytes]:
    """Run the command line in a fresh interpreter (so indicators really fork) and
    return each written report's bytes by file name."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    fmts = [arg for f in FORMATS for arg in ("-f", f)]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "compliance",
            "check",
            str(bundle),
            "-o",
            str(out),
            "-q",
            *fmts,
            *args,
        ],
        capture_output=True,
        env=env,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr.decode()
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("serial")
    return _cli(EXAMPLES / "qingshui-strong", out, "--jobs", "1")


def test_jobs_do_not_change_a_byte(serial: dict[str, bytes], tmp_path: Path) -> None:
    parallel = _cli(EXAMPLES / "qingshui-strong", tmp_path, "--jobs", "3")
    assert sorted(parallel) == sorted(serial)
    assert len(serial) == len(FORMATS)
    for name, data in serial.items():
        assert parallel[name] == data, name


def test_in_process_run_gives_the_same_bytes(
    serial: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    host = PluginHost()
    report = check(EXAMPLES / "qingshui-strong", host=host, jobs=2)
    renderers = host.renderers()
    for fmt in FORMATS:
        renderer = renderers[fmt]
        assert renderer.render(report) == serial[f"report.{renderer.extension}"], fmt


def test_report_records_versions_and_digests(serial: dict[str, bytes]) -> None:
    import json

    data = json.loads(serial["report.json"])
    assert data["generated_at"] == "2025-01-01T00:00:00Z"
    assert data["tool"]["name"] == "compliance" and data["tool"]["version"]
    assert data["plugins"] and all("version" in p for p in data["plugins"])
    assert all(v["version"] for v in data["indicators"] if v["plugin"])
    assert data["evidence"]
    for item in data["evidence"]:
        digest = hashlib.sha256((EXAMPLES / "qingshui-strong" / item["path"]).read_bytes())
        assert item["sha256"] == digest.hexdigest()


@pytest.mark.parametrize("bundle", ["qingshui-strong", "dongfeng-weak"])
def test_the_c_helper_changes_no_byte(
    bundle: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With and without the column validator's C helper, every report is the same."""
    from compliance.validation.native import PURE_PYTHON_ENV

    monkeypatch.delenv(PURE_PYTHON_ENV, raising=False)
    fast = _cli(EXAMPLES / bundle, tmp_path / "fast")
    monkeypatch.setenv(PURE_PYTHON_ENV, "1")
    pure = _cli(EXAMPLES / bundle, tmp_path / "pure")
    assert sorted(fast) == sorted(pure)
    for name, data in fast.items():
        assert pure[name] == data, name
