"""Entropy weights: an indicator weighs more the less evenly its values are shared among
the communities (Shannon entropy of each column's shares).

For column j with non-negative values: ``p_ij = x_ij / sum_i x_ij``,
``E_j = -sum_i p_ij ln p_ij / ln m`` (with ``0 ln 0 = 0``), ``d_j = 1 - E_j`` and
``w_j = d_j / sum_k d_k``. The weight measures how concentrated the values are, which does
not depend on whether high is good, so cost indicators are weighted like benefit ones (their
direction matters in TOPSIS). Shares need non-negative values: a negative cell is an error.
A column of equal values (all shares ``1/m``) has entropy 1 and weight 0, said in a note; an
all-zero column has no shares and is treated the same way.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from compliance.scoring import Weights
from compliance.scoring.matrix import Matrix, RankingError

__all__ = ["entropy_weights"]


def entropy_weights(matrix: Matrix, cost: Collection[str] = ()) -> Weights:
    """Entropy weights of every column of ``matrix`` (``cost`` does not change them)."""
    import polars as pl

    m = len(matrix.communities)
    if m < 2:
        raise RankingError(f"entropy weights need at least 2 communities, the matrix has {m}")
    frame = matrix.frame()
    lows = frame.select(pl.all().min()).row(0)
    highs = frame.select(pl.all().max()).row(0)
    negative = [c for c, lo in zip(matrix.codes, lows, strict=True) if lo < 0]
    if negative:
        raise RankingError(
            f"entropy weights need non-negative values; negative in: {', '.join(negative)}"
        )
    sums = frame.select(pl.all().sum()).row(0)
    exprs = []
    flat: list[str] = []
    for code, total, lo, hi in zip(matrix.codes, sums, lows, highs, strict=True):
        if total <= 0 or hi == lo:
            flat.append(code)
            continue
        share = pl.col(code) / total
        # 0 ln 0 = 0: the limit of p ln p as p -> 0.
        term = pl.when(share > 0).then(share * share.log()).otherwise(0.0)
        exprs.append((-term.sum() / math.log(m)).alias(code))
    entropies = dict(
        zip(
            [c for c in matrix.codes if c not in flat],
            frame.select(exprs).row(0) if exprs else (),
            strict=True,
        )
    )
    notes = [f"{code} has the same value in every community: weight 0" for code in flat]
    # Rounding can leave E a hair above 1 for a near-even column; d must not go negative.
    diversity = {code: max(0.0, 1.0 - e) for code, e in entropies.items()}
    total_d = sum(diversity.values())
    if not total_d > 0:
        raise RankingError("no indicator varies across the communities: entropy is undefined")
    return Weights({c: diversity.get(c, 0.0) / total_d for c in matrix.codes}, notes)
