"""TOPSIS (Hwang and Yoon, 1981): rank communities by their closeness to the ideal.

* vector normalisation: ``r_ij = x_ij / sqrt(sum_i x_ij^2)``;
* weighting: ``v_ij = w_j r_ij``;
* ideal ``A+_j`` = the best ``v_ij`` (largest for benefit, smallest for cost indicators) and
  anti-ideal ``A-_j`` = the worst;
* ``d+_i`` and ``d-_i``: Euclidean distances to them; closeness ``c_i = d-_i / (d+_i + d-_i)``.

Vector normalisation keeps the ratios between communities, so scaling a column by a
positive constant changes nothing. A column of zeros has no norm; like any column without
spread it sits at both the ideal and the anti-ideal and adds nothing to either distance,
so it is skipped. When no weighted column separates the communities every distance is 0:
all communities are equally close and each gets closeness 0.5.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from compliance.scoring.matrix import Matrix

__all__ = ["competition_ranks", "topsis"]

#: Closeness is rounded to this many decimals before ranking, so two communities whose
#: closeness differs only by floating-point noise share a rank.
RANK_DECIMALS = 12


def topsis(
    matrix: Matrix,
    weights: Mapping[str, float],
    cost: Collection[str] = (),
    codes: list[str] | None = None,
) -> list[float]:
    """Closeness of every community (matrix order) on ``codes`` (default: all columns)."""
    import polars as pl

    chosen = list(matrix.codes if codes is None else codes)
    frame = matrix.frame().select(chosen)
    # Each column's norm is taken over the column divided by its largest magnitude, then
    # scaled back: squaring tiny values (1e-159) underflows to subnormal numbers, whose lost
    # digits made scaling a column change the closeness in the seventh decimal.
    peaks = frame.select(pl.all().abs().max()).row(0)
    scaled = {code: peak for code, peak in zip(chosen, peaks, strict=True) if peak}
    sums = (
        frame.select(((pl.col(c) / p) ** 2).sum().sqrt().alias(c) for c, p in scaled.items()).row(
            0, named=True
        )
        if scaled
        else {}
    )
    weighted = []
    for code in chosen:
        w = float(weights.get(code, 0.0))
        if code in scaled and w != 0:
            weighted.append(((pl.col(code) / scaled[code] / sums[code]) * w).alias(code))
    if not weighted:
        return [0.5] * len(matrix.communities)
    v = frame.select(weighted)
    names = v.columns
    highs = v.select(pl.all().max()).row(0)
    lows = v.select(pl.all().min()).row(0)
    to_ideal = []
    to_anti = []
    for code, hi, lo in zip(names, highs, lows, strict=True):
        best, worst = (lo, hi) if code in cost else (hi, lo)
        to_ideal.append((pl.col(code) - best) ** 2)
        to_anti.append((pl.col(code) - worst) ** 2)
    d_plus = pl.sum_horizontal(to_ideal).sqrt()
    d_minus = pl.sum_horizontal(to_anti).sqrt()
    total = d_plus + d_minus
    closeness = v.select(pl.when(total > 0).then(d_minus / total).otherwise(0.5).alias("closeness"))
    return [float(c) for c in closeness.to_series()]


def competition_ranks(closeness: list[float]) -> list[int]:
    """Standard competition ranking ("1224"): the most ideal community is 1; communities
    with equal closeness share the best rank of their group and the next rank skips."""
    keys = [round(c, RANK_DECIMALS) for c in closeness]
    order = sorted(range(len(keys)), key=lambda i: -keys[i])
    ranks = [0] * len(keys)
    for position, i in enumerate(order):
        if position and keys[i] == keys[order[position - 1]]:
            ranks[i] = ranks[order[position - 1]]
        else:
            ranks[i] = position + 1
    return ranks
