"""The built wheel works on its own: installed into a fresh virtual environment, away
from the source tree, it lists the indicators and checks an example bundle."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES, copy_sources

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_wheel_in_fresh_venv(tmp_path) -> None:
    src = copy_sources(tmp_path / "src")
    dist = tmp_path / "dist"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
        tmp_path,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(dist.glob("*.whl"))
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    assert made.returncode == 0, made.stderr
    bin_dir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    installed = _run([str(bin_dir / "pip"), "install", "-q", str(wheel)], tmp_path)
    assert installed.returncode == 0, installed.stderr[-2000:]
    shutil.rmtree(src)  # nothing may be read from the source tree

    listed = _run([str(bin_dir / "compliance"), "indicators", "--format", "json"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert {"SE11", "SE12", "SE13", "SE14", "SE15"} <= {
        r["code"] for r in json.loads(listed.stdout)
    }

    example = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())[0]
    bundle = tmp_path / "bundle"
    shutil.copytree(example, bundle)
    out = tmp_path / "out"
    checked = _run(
        [
            str(bin_dir / "compliance"),
            "check",
            str(bundle),
            "-o",
            str(out),
            "-f",
            "json",
            "-f",
            "html",
            "-f",
            "md",
        ],
        tmp_path,
    )
    assert checked.returncode in (0, 1), checked.stderr
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["indicators"] and (out / "report.html").stat().st_size > 1000
    validate = _run(
        [
            str(bin_dir / "python"),
            "-c",
            "import json,sys; from importlib.resources import files; import jsonschema;"
            "s=json.loads(files('compliance.schemas').joinpath('report.schema.json').read_text());"
            "jsonschema.Draft202012Validator(s).validate(json.load(open(sys.argv[1])))",
            str(out / "report.json"),
        ],
        tmp_path,
    )
    assert validate.returncode == 0, validate.stderr[-2000:]
    # The wheel carries the C helper, built from source (none was copied in).
    helper = _run(
        [
            str(bin_dir / "python"),
            "-c",
            "from compliance.validation import native; assert native.built()",
        ],
        tmp_path,
    )
    assert helper.returncode == 0, helper.stderr[-2000:]
