"""Benchmark: CRITIC-TOPSIS ranking of 10,000 communities by 32 indicators.

Compares ``compliance.scoring.rank_matrix`` (polars, column-wise) with two baselines in
this same script:

* pymcdm's ``critic_weights`` + ``TOPSIS(vector_normalization)`` (numpy), the library the
  tests use as an oracle; benefit-only, since pymcdm's CRITIC ignores criterion types;
* a naive pure-Python version (nested loops over lists), timed on a subsample of the
  communities and scaled up linearly: every step is linear in the number of communities
  (CRITIC is O(m n^2), TOPSIS O(m n)), so the scaled time is a fair estimate of the full run.

Every timing is the best of several runs (``--repeat``), which measures the code rather
than whatever else the machine was doing. Run from the repository root::

    python benchmarks/rank_benchmark.py            # needs the [test] extra for pymcdm

It prints the machine, the timings with their ratio to ours, and the largest difference in
closeness between ours and each baseline.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from compliance.scoring import rank_matrix
from compliance.scoring.matrix import Matrix


def naive_critic_topsis(rows: list[list[float]]) -> list[float]:
    """CRITIC weights and TOPSIS closeness with plain loops, benefit criteria only."""
    m, n = len(rows), len(rows[0])
    lo = [min(r[j] for r in rows) for j in range(n)]
    hi = [max(r[j] for r in rows) for j in range(n)]
    norm = [[(r[j] - lo[j]) / (hi[j] - lo[j]) for j in range(n)] for r in rows]
    mean = [sum(r[j] for r in norm) / m for j in range(n)]
    dev = [[r[j] - mean[j] for j in range(n)] for r in norm]
    sd = [math.sqrt(sum(d[j] ** 2 for d in dev) / (m - 1)) for j in range(n)]
    info = []
    for j in range(n):
        conflict = 0.0
        for k in range(n):
            cov = sum(d[j] * d[k] for d in dev) / (m - 1)
            conflict += 1 - cov / (sd[j] * sd[k])
        info.append(sd[j] * conflict)
    w = [c / sum(info) for c in info]
    length = [math.sqrt(sum(r[j] ** 2 for r in rows)) for j in range(n)]
    v = [[w[j] * r[j] / length[j] for j in range(n)] for r in rows]
    best = [max(r[j] for r in v) for j in range(n)]
    worst = [min(r[j] for r in v) for j in range(n)]
    out = []
    for r in v:
        dp = math.sqrt(sum((r[j] - best[j]) ** 2 for j in range(n)))
        dm = math.sqrt(sum((r[j] - worst[j]) ** 2 for j in range(n)))
        out.append(dm / (dp + dm))
    return out


def best_of(repeat: int, func: Callable[[], Any]) -> tuple[float, Any]:
    best = math.inf
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=10_000)
    parser.add_argument("--indicators", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--naive-sample", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    m, n = args.communities, args.indicators
    rng = random.Random(args.seed)
    rows = [[rng.uniform(0, 100) for _ in range(n)] for _ in range(m)]
    ids = [f"c{i:05d}" for i in range(m)]
    codes = [f"SE{j + 1:02d}" for j in range(n)]
    # Seven dimensions, as in the indicator system, for the "full" run.
    dims = {code: f"D{j % 7 + 1}" for j, code in enumerate(codes)}

    print(f"machine: {platform.platform()}; {platform.machine()}; cpus: {os.cpu_count()}")
    print(f"python {platform.python_version()}; {m:,} communities x {n} indicators")
    timings: list[tuple[str, float, str]] = []

    def build() -> Matrix:
        return Matrix(ids, codes, [list(c) for c in zip(*rows, strict=True)])

    # Like pymcdm's numpy array, the matrix is loaded once (validated, polars frame built)
    # before the clock starts; the next row adds loading it from Python lists.
    loaded = build()
    loaded.frame()
    t_ours, ours = best_of(args.repeat, lambda: rank_matrix(loaded, weakest=0))
    timings.append(("ours: CRITIC + TOPSIS (polars)", t_ours, "measured"))
    t_build, _ = best_of(args.repeat, lambda: rank_matrix(build(), weakest=0))
    timings.append(("ours: the same, loading the matrix too", t_build, "measured"))
    t_full, _ = best_of(args.repeat, lambda: rank_matrix(loaded, dimensions=dims))
    timings.append(("ours: + 7 dimensions + weakest indicators", t_full, "measured"))

    diffs: list[tuple[str, float]] = []
    try:
        import numpy as np
        from pymcdm.methods import TOPSIS
        from pymcdm.normalizations import vector_normalization
        from pymcdm.weights import critic_weights
    except ImportError:
        print("pymcdm is not installed: pip install -e '.[test]' for that baseline")
    else:
        x = np.array(rows)
        types = np.ones(n)

        def pymcdm_run() -> Any:
            return TOPSIS(vector_normalization)(x, critic_weights(x), types)

        t_pm, pm = best_of(args.repeat, pymcdm_run)
        timings.append(("pymcdm: critic_weights + TOPSIS (numpy)", t_pm, "measured"))
        diffs.append(("pymcdm", max(abs(a - b) for a, b in zip(pm, ours.closeness, strict=True))))

    k = min(args.naive_sample, m)
    sample = rows[:k]
    t_naive, _ = best_of(max(1, args.repeat // 2), lambda: naive_critic_topsis(sample))
    timings.append(("naive pure Python loops", t_naive * m / k, f"{k:,} communities x {m / k:g}"))
    if k == m:
        naive_full = naive_critic_topsis(rows)
        diffs.append(
            ("naive", max(abs(a - b) for a, b in zip(naive_full, ours.closeness, strict=True)))
        )

    width = max(len(name) for name, _, _ in timings)
    print()
    print(f"| {'implementation':<{width}} | seconds | x ours | how |")
    print(f"|{'-' * (width + 2)}|--------:|-------:|-----|")
    for name, seconds, how in timings:
        print(f"| {name:<{width}} | {seconds:7.3f} | {seconds / t_ours:6.1f} | {how} |")
    for name, diff in diffs:
        print(f"largest |closeness difference| ours vs {name}: {diff:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
