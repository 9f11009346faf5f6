"""``compliance verify REPORT.json BUNDLE``: unchanged, changed, missing, unreadable."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.runner import check
from compliance.verify import verify

from .conftest import EXAMPLES
from .test_privacy import PHONE, _host, _leaky_bundle


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the strong example bundle and the JSON report made from it."""
    root = tmp_path_factory.mktemp("verify")
    bundle = root / "qingshui"
    shutil.copytree(EXAMPLES / "qingshui-strong", bundle)
    result = CliRunner().invoke(
        main, ["check", str(bundle), "-f", "json", "-o", str(root / "out"), "-q", "--jobs", "2"]
    )
    assert result.exit_code in (0, 1), result.output
    return bundle, root / "out" / "report.json"


def test_unchanged_bundle_matches(checked: tuple[Path, Path]) -> None:
    bundle, report = checked
    result = CliRunner().invoke(main, ["verify", str(report), str(bundle)])
    assert result.exit_code == 0, result.output
    assert "bundle matches the report" in result.output
    cited = len(json.loads(report.read_text(encoding="utf-8"))["evidence"])
    assert cited > 0 and f"{cited} unchanged, 0 changed, 0 missing" in result.output


def test_the_same_bundle_as_an_archive_matches(checked: tuple[Path, Path], tmp_path: Path) -> None:
    bundle, report = checked
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(bundle).as_posix())
    assert verify(report, archive).matches


def test_changed_and_missing_files_are_named(checked: tuple[Path, Path], tmp_path: Path) -> None:
    bundle, report = checked
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    cited = [e["path"] for e in json.loads(report.read_text(encoding="utf-8"))["evidence"]]
    with open(copy / cited[0], "ab") as handle:
        handle.write(b"\n")
    (copy / cited[-1]).unlink()
    result = CliRunner().invoke(main, ["verify", str(report), str(copy), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["matches"] is False
    status = {f["path"]: f["status"] for f in data["files"]}
    assert status[cited[0]] == "changed" and status[cited[-1]] == "missing"
    assert data["counts"]["ok"] == len(cited) - 2
    text = CliRunner().invoke(main, ["verify", str(report), str(copy)])
    assert text.exit_code == 1
    assert f"changed  {cited[0]}" in text.output and f"missing  {cited[-1]}" in text.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "unreadable JSON"),
        (b"[" * 100_000, "unreadable JSON"),
        (b"\xff\xfe", "unreadable JSON"),
        (b"{}", "no evidence list"),
        (b'{"evidence": [{"path": 1}]}', "evidence entry 0 has no path and sha256"),
    ],
)
def test_bad_report_is_one_line_exit_2(
    checked: tuple[Path, Path], tmp_path: Path, content: bytes, message: str
) -> None:
    bundle, _ = checked
    bad = tmp_path / "report.json"
    bad.write_bytes(content)
    result = CliRunner().invoke(main, ["verify", str(bad), str(bundle)])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_report_that_is_a_pipe_is_refused(checked: tuple[Path, Path], tmp_path: Path) -> None:
    import os

    bundle, _ = checked
    fifo = tmp_path / "report.json"
    os.mkfifo(fifo)
    result = CliRunner().invoke(main, ["verify", str(fifo), str(bundle)])
    assert result.exit_code == 2 and "not a regular file" in result.output


def test_rejected_bundle_is_exit_2(checked: tuple[Path, Path], tmp_path: Path) -> None:
    _, report = checked
    result = CliRunner().invoke(main, ["verify", str(report), str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no such file or folder" in result.output


def test_pseudonymized_paths_are_still_found(tmp_path: Path) -> None:
    bundle = _leaky_bundle(tmp_path)
    report = check(bundle, host=_host(), only=["TT09"]).to_dict()
    assert report["evidence"] and PHONE not in json.dumps(report)
    assert verify(report, bundle).matches
