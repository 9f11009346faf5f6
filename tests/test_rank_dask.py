"""``compliance rank --scheduler``: the checks run on a Dask distributed cluster started
here on loopback, and the ranking is the same as when they run locally.

Skipped when the ``[dask]`` extra is not installed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.plugins import PluginHost

from .conftest import EXAMPLES

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """One worker process with one thread, on 127.0.0.1 only, no dashboard."""
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    from compliance.sample import write_sample

    out = tmp_path_factory.mktemp("dask") / "fair"
    write_sample(out, host=PluginHost(), seed=11, rows=300, quality="fair")
    return [EXAMPLES / "qingshui-strong", EXAMPLES / "dongfeng-weak", out]


def _rank(*args: str | Path):
    return CliRunner().invoke(main, ["rank", *map(str, args)])


def test_dask_gives_the_same_ranking_as_local(cluster: str, bundles: list[Path]) -> None:
    local = _rank(*bundles)
    assert local.exit_code == 0, local.stderr
    remote = _rank(*bundles, "--scheduler", cluster)
    assert remote.exit_code == 0, remote.stderr
    assert remote.stdout == local.stdout
    data = json.loads(remote.stdout)
    assert len(data["ranking"]) == 3
    assert sum(data["weights"].values()) == pytest.approx(1.0)


def test_dask_reports_a_rejected_bundle(cluster: str, tmp_path: Path) -> None:
    result = _rank(EXAMPLES / "qingshui-strong", tmp_path / "nowhere", "--scheduler", cluster)
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert "nowhere" in err and "\n" not in err


def test_unreachable_scheduler_is_one_line() -> None:
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = _rank(EXAMPLES / "qingshui-strong", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert (
        err == "compliance: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9 (OSError)"
    )
