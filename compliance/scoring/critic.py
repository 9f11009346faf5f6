"""CRITIC weights (Diakoulaki, Mavrotas and Papayannakis, 1995): an indicator weighs more
the more it spreads across the communities and the less it agrees with the others.

For each indicator j, with the matrix min-max normalised so that 1 is the best community:

* ``x'_ij = (x_ij - min_j) / (max_j - min_j)`` for benefit indicators and
  ``(max_j - x_ij) / (max_j - min_j)`` for cost indicators;
* ``sigma_j``: the sample standard deviation (``n - 1`` in the denominator) of column j;
* ``r_jk``: the Pearson correlation of columns j and k;
* ``C_j = sigma_j * sum_k (1 - r_jk)`` and ``w_j = C_j / sum_k C_k``.

An indicator with the same value in every community has no spread: its correlations are
undefined, it cannot tell communities apart, and it gets weight 0 (said in a note). It is
left out of the other indicators' correlation sums too, because "no information" is not
"conflicting information"; counting it as ``r = 0`` would lift every other weight.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import combinations
from typing import TYPE_CHECKING

from compliance.scoring import Weights
from compliance.scoring.matrix import Matrix, RankingError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["MIN_COMMUNITIES", "critic_weights", "minmax_normalized", "spread_codes"]

#: With two communities every Pearson correlation is +1 or -1, so the "conflict" term
#: carries no information; CRITIC needs at least three.
MIN_COMMUNITIES = 3


def spread_codes(matrix: Matrix) -> list[str]:
    """The codes whose values are not all equal."""
    import polars as pl

    frame = matrix.frame()
    lows = frame.select(pl.all().min()).row(0)
    highs = frame.select(pl.all().max()).row(0)
    return [c for c, lo, hi in zip(matrix.codes, lows, highs, strict=True) if hi > lo]


def minmax_normalized(matrix: Matrix, codes: list[str], cost: Collection[str]) -> pl.DataFrame:
    """Columns ``codes`` min-max normalised to [0, 1] with 1 the best value (a polars
    DataFrame). The codes must have spread."""
    import polars as pl

    frame = matrix.frame().select(codes)
    lows = frame.select(pl.all().min()).row(0)
    highs = frame.select(pl.all().max()).row(0)
    exprs = []
    for code, lo, hi in zip(codes, lows, highs, strict=True):
        span = hi - lo
        if code in cost:
            exprs.append(((hi - pl.col(code)) / span).alias(code))
        else:
            exprs.append(((pl.col(code) - lo) / span).alias(code))
    return frame.select(exprs)


def critic_weights(matrix: Matrix, cost: Collection[str] = ()) -> Weights:
    """CRITIC weights of every column of ``matrix``; ``cost`` names lower-is-better codes.

    :raises RankingError: fewer than :data:`MIN_COMMUNITIES` communities, no indicator
        with spread, or every indicator with spread perfectly correlated with the others.
    """
    import polars as pl

    n = len(matrix.communities)
    if n < MIN_COMMUNITIES:
        raise RankingError(
            f"CRITIC needs at least {MIN_COMMUNITIES} communities, the matrix has {n}"
        )
    varying = spread_codes(matrix)
    notes = [
        f"{code} has the same value in every community: weight 0"
        for code in matrix.codes
        if code not in varying
    ]
    if not varying:
        raise RankingError("no indicator varies across the communities: CRITIC is undefined")
    norm = minmax_normalized(matrix, varying, set(cost))
    sigmas = norm.select(pl.all().std(ddof=1)).row(0)
    pairs = list(combinations(range(len(varying)), 2))
    # All correlations in one select: polars evaluates the expressions in parallel.
    corr_row = (
        norm.select(
            [pl.corr(varying[a], varying[b], method="pearson").alias(f"{a},{b}") for a, b in pairs]
        ).row(0)
        if pairs
        else ()
    )
    conflict = [0.0] * len(varying)
    for (a, b), r in zip(pairs, corr_row, strict=True):
        # Rounding can push |r| a hair past 1; the formula wants r in [-1, 1].
        r = min(1.0, max(-1.0, r))
        conflict[a] += 1.0 - r
        conflict[b] += 1.0 - r
    info = {code: s * c for code, s, c in zip(varying, sigmas, conflict, strict=True)}
    total = sum(info.values())
    if not total > 0:
        raise RankingError(
            "every indicator that varies is perfectly correlated with the others: "
            "CRITIC weights are undefined"
        )
    values = {code: info.get(code, 0.0) / total for code in matrix.codes}
    return Weights(values, notes)
