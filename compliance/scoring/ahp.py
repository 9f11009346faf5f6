"""AHP weights (Saaty): an expert's pairwise comparisons of the indicators, turned into
weights by the principal eigenvector, refused when the judgements contradict each other.

The comparison file is CSV. The header row lists the n indicator codes; the next n rows
hold the n x n matrix ``a_ij`` = how much more important code i is than code j (Saaty's
1-9 scale; reciprocals may be written ``1/3``). A first column of row labels is allowed
when the header starts with an empty cell or ``code``: the labels must then repeat the
header's codes in order. The matrix must be positive, 1 on the diagonal and reciprocal
(``a_ij * a_ji`` within 1% of 1, so rounded decimals such as 0.333 pass).

Consistency: ``lambda_max`` is the principal eigenvalue, ``CI = (lambda_max - n) / (n - 1)``
and ``CR = CI / RI(n)`` with Saaty's random index. ``CR >= 0.1`` means the judgements are too
inconsistent to use (Saaty's rule) and is an error. For n <= 2 every reciprocal matrix is
consistent (CR = 0). Saaty's table stops at n = 15; beyond it RI follows Alonso and
Lamata's (2006) fit ``RI = 1.7699 (n - 2.4585) / (n - 1)``.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from compliance.scoring import Weights
from compliance.scoring.matrix import RankingError

__all__ = ["AHP_CR_LIMIT", "Pairwise", "ahp_weights", "random_index", "read_pairwise_csv"]

AHP_CR_LIMIT = 0.1

# Saaty's random consistency index by matrix order (Saaty 1980, orders 1-15).
_SAATY_RI = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}

_RECIPROCAL_TOLERANCE = 0.01
_POWER_STEPS = 2_000
_POWER_TOLERANCE = 1e-14


@dataclass(frozen=True)
class Pairwise:
    """A pairwise comparison matrix: ``values[i][j]`` compares ``codes[i]`` with ``codes[j]``."""

    codes: list[str]
    values: list[list[float]]


def random_index(n: int) -> float:
    if n in _SAATY_RI:
        return _SAATY_RI[n]
    return 1.7699 * (n - 2.4585) / (n - 1)


def _cell(text: str) -> float | None:
    cleaned = text.strip()
    try:
        value = float(Fraction(cleaned)) if "/" in cleaned else float(cleaned)
    except (ValueError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) and value > 0 else None


def read_pairwise_csv(path: str | os.PathLike[str]) -> Pairwise:
    """Read and check a pairwise comparison matrix (see the module docstring)."""
    label = str(path)
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            records = [r for r in csv.reader(handle) if any(c.strip() for c in r)]
    except UnicodeDecodeError:
        raise RankingError("the comparison matrix is not UTF-8 text", where=label) from None
    except csv.Error as exc:
        raise RankingError(f"unreadable CSV ({exc})", where=label) from None
    if not records:
        raise RankingError("the comparison matrix file is empty", where=label)
    header = [c.strip() for c in records[0]]
    labelled = header[0] in ("", "code")
    codes = header[1:] if labelled else header
    n = len(codes)
    if n == 0 or any(not c for c in codes):
        raise RankingError("the header must name every indicator code", where=label)
    if len(set(codes)) != n:
        raise RankingError("the header names an indicator code twice", where=label)
    rows = records[1:]
    if len(rows) != n:
        raise RankingError(f"{n} codes need {n} rows, the file has {len(rows)}", where=label)
    values: list[list[float]] = []
    for i, record in enumerate(rows):
        cells = [c.strip() for c in record]
        if labelled:
            if cells[:1] != [codes[i]]:
                raise RankingError(f"row {i + 1} must be labelled {codes[i]}", where=label)
            cells = cells[1:]
        if len(cells) != n:
            raise RankingError(f"row {codes[i]} has {len(cells)} values, not {n}", where=label)
        row = []
        for j, text in enumerate(cells):
            value = _cell(text)
            if value is None:
                raise RankingError(
                    f"row {codes[i]} column {codes[j]} is not a positive number", where=label
                )
            row.append(value)
        values.append(row)
    for i in range(n):
        if abs(values[i][i] - 1.0) > 1e-9:
            raise RankingError(f"row {codes[i]} column {codes[i]} must be 1", where=label)
        for j in range(i + 1, n):
            if abs(values[i][j] * values[j][i] - 1.0) > _RECIPROCAL_TOLERANCE:
                raise RankingError(
                    f"row {codes[i]} column {codes[j]} and row {codes[j]} column {codes[i]} "
                    "are not reciprocal",
                    where=label,
                )
    return Pairwise(codes, values)


def principal_eigen(values: list[list[float]]) -> tuple[list[float], float]:
    """The principal eigenvector (summing to 1) and eigenvalue of a positive matrix.

    Power iteration: for a positive matrix the Perron root is simple and strictly largest,
    so the iteration converges from the all-ones start. Plain Python because an expert
    compares at most a few dozen indicators.
    """
    n = len(values)
    w = [1.0 / n] * n
    for _ in range(_POWER_STEPS):
        product = [sum(a * x for a, x in zip(row, w, strict=True)) for row in values]
        total = sum(product)
        nxt = [p / total for p in product]
        if max(abs(a - b) for a, b in zip(nxt, w, strict=True)) < _POWER_TOLERANCE:
            w = nxt
            break
        w = nxt
    product = [sum(a * x for a, x in zip(row, w, strict=True)) for row in values]
    lam = sum(p / x for p, x in zip(product, w, strict=True)) / n
    return w, lam


def consistency_ratio(values: list[list[float]]) -> tuple[list[float], float, float]:
    """(weights, lambda_max, CR) of a comparison matrix."""
    n = len(values)
    w, lam = principal_eigen(values)
    if n <= 2:
        return w, lam, 0.0
    ci = (lam - n) / (n - 1)
    return w, lam, max(0.0, ci / random_index(n))


def ahp_weights(codes: list[str], pairwise: Pairwise) -> Weights:
    """Weights for the matrix columns ``codes`` from ``pairwise``, which must compare
    exactly those codes (in any order)."""
    missing = [c for c in codes if c not in pairwise.codes]
    extra = [c for c in pairwise.codes if c not in codes]
    if missing:
        raise RankingError(f"the comparison matrix lacks code(s): {', '.join(missing)}")
    if extra:
        raise RankingError(
            f"the comparison matrix names code(s) not in the ranking matrix: {', '.join(extra)}"
        )
    w, lam, cr = consistency_ratio(pairwise.values)
    if cr >= AHP_CR_LIMIT:
        raise RankingError(
            f"the comparison matrix is inconsistent: consistency ratio {cr:.3f} "
            f"(must be under {AHP_CR_LIMIT})"
        )
    by_code = dict(zip(pairwise.codes, w, strict=True))
    note = f"AHP: lambda_max {lam:.4f}, consistency ratio {cr:.4f}"
    return Weights({c: by_code[c] for c in codes}, [note])
