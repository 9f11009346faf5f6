"""``compliance rank`` through click's CliRunner: the JSON contract, exit codes, one-line
errors, the cohort report formats, and ranking checked bundles."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.plugins import PluginHost

from .conftest import EXAMPLES
from .test_scoring import ref_critic, ref_topsis


def _run(*args: str | Path):
    return CliRunner().invoke(main, ["rank", *map(str, args)])


def _one_line_error(result) -> str:
    err = result.stderr.strip()
    assert err.startswith("compliance: error: "), err
    assert "\n" not in err, err
    assert "Traceback" not in result.output
    return err


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _matrix_file(tmp_path: Path, rows: list[list[float]], codes: list[str]) -> Path:
    lines = ["community," + ",".join(codes)]
    lines += [f"k{i:03d}," + ",".join(repr(x) for x in row) for i, row in enumerate(rows)]
    return _write(tmp_path / "m.csv", "\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def fair_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small ``compliance sample --quality fair`` bundle: a third community besides the
    two examples, since CRITIC needs three."""
    from compliance.sample import write_sample

    out = tmp_path_factory.mktemp("rank") / "fair"
    write_sample(out, host=PluginHost(), seed=5, rows=300, quality="fair")
    return out


@pytest.mark.parametrize("with_cost", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_matrix_json_agrees_with_reference(tmp_path: Path, seed: int, with_cost: bool) -> None:
    rng = random.Random(seed)
    m, n = rng.randint(3, 60), rng.randint(2, 12)
    rows = [[rng.uniform(0.5, 100) for _ in range(n)] for _ in range(m)]
    codes = [f"Q{j + 1}" for j in range(n)]
    cost = {j for j in range(n) if with_cost and rng.random() < 0.5} or (
        {1} if with_cost else set()
    )
    args = ["--matrix", _matrix_file(tmp_path, rows, codes), "--method", "critic-topsis"]
    if cost:
        args += ["--cost", ",".join(codes[j] for j in sorted(cost))]
    result = _run(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data)[:3] == ["method", "weights", "ranking"]
    assert data["method"] == "critic-topsis"
    w = ref_critic(rows, cost)
    assert [data["weights"][c] for c in codes] == pytest.approx(w, abs=1e-9)
    closeness = ref_topsis(rows, w, cost)
    by_id = {e["community"]: e for e in data["ranking"]}
    assert [by_id[f"k{i:03d}"]["closeness"] for i in range(m)] == pytest.approx(closeness, abs=1e-9)
    ranks = [e["rank"] for e in data["ranking"]]
    assert ranks == sorted(ranks)
    assert all(list(e) == ["community", "closeness", "rank"] for e in data["ranking"])


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        ("community,A,B\nx,1,2\ny,2,1\n", [], "CRITIC needs at least 3 communities"),
        ("community,A\nx,1\ny,\nz,3\n", [], "1 missing value(s): row y column A"),
        ("community,A\nx,1\ny,2\nx,3\n", [], "duplicate community id(s): x"),
        ("community,A\nx,1\ny,one\nz,3\n", [], "non-numeric value(s): row y column A"),
        ("community,A,B\nx,1,2\ny,2,1\nz,3,3\n", ["--cost", "B,Z"], "not in the matrix: Z"),
        (
            "community,A,B\nx,1,2\ny,2,1\nz,3,3\n",
            ["--method", "ahp-topsis"],
            "--ahp FILE goes with --method ahp-topsis",
        ),
        ("community,A,B\nx,1,2\ny,2,1\nz,3,3\n", ["--jobs", "2"], "apply to bundles"),
        ("community,A\nx,1\ny,1\nz,1\n", [], "no indicator varies"),
    ],
)
def test_matrix_errors_are_one_line_exit_2(
    tmp_path: Path, text: str, args: list[str], message: str
) -> None:
    result = _run("--matrix", _write(tmp_path / "m.csv", text), *args)
    assert result.exit_code == 2
    assert message in _one_line_error(result)
    assert result.stdout == ""


def test_needs_a_matrix_or_bundles(tmp_path: Path) -> None:
    result = _run()
    assert result.exit_code == 2
    assert "give either --matrix FILE or one or more BUNDLE" in _one_line_error(result)
    matrix = _write(tmp_path / "m.csv", "community,A\nx,1\n")
    result = _run("--matrix", matrix, EXAMPLES / "qingshui-strong")
    assert result.exit_code == 2
    result = _run("--matrix", tmp_path / "absent.csv")
    assert result.exit_code == 2
    assert "absent.csv" in _one_line_error(result)


def test_zero_spread_note_and_methods(tmp_path: Path) -> None:
    matrix = _write(
        tmp_path / "m.csv", "community,SE11,SE12,SE13\nx,10,20,5\ny,20,10,5\nz,30,30,5\n"
    )
    data = json.loads(_run("--matrix", matrix).stdout)
    assert data["weights"]["SE13"] == 0
    assert "SE13 has the same value in every community: weight 0" in data["notes"]
    assert set(data["dimensions"]) == {"SMD"}
    profile = json.loads(_run("--matrix", matrix, "--method", "profile-topsis").stdout)
    assert profile["weights"] == pytest.approx({"SE11": 1 / 3, "SE12": 1 / 3, "SE13": 1 / 3})
    assert any("SE13" in n and "cannot separate" in n for n in profile["notes"])
    entropy = json.loads(_run("--matrix", matrix, "--method", "entropy-topsis").stdout)
    assert entropy["method"] == "entropy-topsis"
    assert sum(entropy["weights"].values()) == pytest.approx(1.0)


def test_ahp_through_the_cli(tmp_path: Path) -> None:
    matrix = _write(tmp_path / "m.csv", "community,A,B,C\nx,1,2,3\ny,2,3,1\nz,3,1,2\n")
    good = _write(tmp_path / "ahp.csv", "A,B,C\n1,2,4\n1/2,1,2\n1/4,1/2,1\n")
    result = _run("--matrix", matrix, "--method", "ahp-topsis", "--ahp", good)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["weights"] == pytest.approx({"A": 4 / 7, "B": 2 / 7, "C": 1 / 7})
    bad = _write(tmp_path / "bad.csv", "A,B,C\n1,9,1/9\n1/9,1,9\n9,1/9,1\n")
    result = _run("--matrix", matrix, "--method", "ahp-topsis", "--ahp", bad)
    assert result.exit_code == 2
    assert "inconsistent: consistency ratio" in _one_line_error(result)


def test_dimensions_file(tmp_path: Path) -> None:
    matrix = _write(tmp_path / "m.csv", "community,A,B,C\nx,1,2,3\ny,2,3,1\nz,3,1,2\n")
    dims = _write(tmp_path / "d.csv", "code,dimension,name\nA,P,People\nB,P,\nC,T,Things\n")
    data = json.loads(_run("--matrix", matrix, "--dimensions", dims).stdout)
    assert list(data["dimensions"]) == ["P", "T"]
    assert data["dimensions"]["P"]["name"] == "People"
    assert data["dimensions"]["P"]["indicators"] == ["A", "B"]
    assert len(data["dimensions"]["T"]["ranking"]) == 3


def test_html_and_markdown_reports_escape_and_stay_offline(tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script>|**x**"
    matrix = _write(
        tmp_path / "m.csv",
        f'community,SE11,SE12\n"{hostile}",1,2\ny,2,1\nz,3,3\n',
    )
    out = tmp_path / "cohort.html"
    result = _run("--matrix", matrix, "--format", "html", "--output", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    html = out.read_text("utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<svg" in html and 'class="bar"' in html
    # No external resources: the only URL is the SVG namespace.
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg"}
    for section in ('id="ranking"', 'id="weights"', 'id="dimensions"', 'id="weakest"'):
        assert section in html
    md = _run("--matrix", matrix, "--format", "md").stdout
    assert "\\<script\\>" in md and "\\|\\*\\*x\\*\\*" in md
    assert "## Ranking" in md and "## Weights" in md and "## Weakest indicators" in md
    # Same input, same bytes.
    assert _run("--matrix", matrix, "--format", "md").stdout == md


def test_methods_listed_in_the_cli_match_the_library() -> None:
    from compliance.cli_rank import _METHODS
    from compliance.scoring import METHODS

    assert _METHODS == METHODS


# -- bundles ---------------------------------------------------------------------------------


def test_rank_bundles_examples_and_sample(tmp_path: Path, fair_sample: Path) -> None:
    bundles = [EXAMPLES / "qingshui-strong", EXAMPLES / "dongfeng-weak", fair_sample]
    result = _run(*bundles)
    assert result.exit_code == 0, result.stderr
    serial = result.stdout
    data = json.loads(serial)
    ids = [e["community"] for e in data["ranking"]]
    assert sorted(ids) == sorted(["sz-ns-qingshui", "sz-lg-dongfeng", "sample-0005"])
    assert data["communities"]["sz-ns-qingshui"] == "Qingshui Bay Community"
    # The weak example is the weakest of the three on the indicators with evidence.
    assert ids[-1] == "sz-lg-dongfeng"
    assert "SE11" in data["weights"] and "SMD" in data["dimensions"]
    out = tmp_path / "cohort.html"
    result = _run(*bundles, "--format", "html", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "Qingshui Bay Community" in out.read_text("utf-8")
    # Checked in two local processes: the same bytes.
    parallel = _run(*bundles, "--jobs", "2")
    assert parallel.exit_code == 0, parallel.stderr
    assert parallel.stdout == serial


def test_two_bundles_are_too_few_for_critic() -> None:
    result = _run(EXAMPLES / "qingshui-strong", EXAMPLES / "dongfeng-weak")
    assert result.exit_code == 2
    assert "CRITIC needs at least 3 communities, the matrix has 2" in _one_line_error(result)


def test_the_same_community_twice_is_refused() -> None:
    strong = EXAMPLES / "qingshui-strong"
    result = _run(strong, EXAMPLES / "dongfeng-weak", strong)
    assert result.exit_code == 2
    assert "duplicate community id sz-ns-qingshui" in _one_line_error(result)


def test_a_rejected_bundle_is_named(tmp_path: Path) -> None:
    result = _run(EXAMPLES / "qingshui-strong", tmp_path / "nowhere", EXAMPLES / "dongfeng-weak")
    assert result.exit_code == 2
    assert "nowhere" in _one_line_error(result)


def test_scheduler_address_is_checked() -> None:
    pytest.importorskip("distributed")
    result = _run(EXAMPLES / "qingshui-strong", "--scheduler", "bogus://127.0.0.1:9")
    assert result.exit_code == 2
    assert "bogus://127.0.0.1:9 is not a Dask scheduler address" in _one_line_error(result)
    result = _run(EXAMPLES / "qingshui-strong", "--scheduler", "tcp://h:1", "--jobs", "2")
    assert result.exit_code == 2
    assert "--jobs and --scheduler exclude each other" in _one_line_error(result)


def test_rank_needs_neither_numpy_nor_dask(tmp_path: Path) -> None:
    # numpy and Dask are test and optional dependencies; a plain install has neither. The
    # ranking computes in polars, and loading the CLI imports none of the heavy modules.
    import subprocess
    import sys

    matrix = _write(tmp_path / "m.csv", "community,SE11,SE12\nx,1,2\ny,2,1\nz,3,3\n")
    code = (
        "import sys\n"
        "for name in ('numpy', 'dask', 'distributed'):\n"
        "    sys.modules[name] = None\n"
        "import compliance.cli\n"
        "heavy = [m for m in ('polars', 'compliance.scoring', 'jinja2') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        f"compliance.cli.main(['rank', '--matrix', {str(matrix)!r}])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ranking"][0]["community"] == "z"
    scheduled = subprocess.run(
        [sys.executable, "-c", code.replace("'--matrix', ", "'--scheduler', 'tcp://h:1', ")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert scheduled.returncode == 2
    assert scheduled.stderr.strip() == (
        "compliance: error: --scheduler needs Dask: pip install 'community-safety-compliance[dask]'"
    )
