"""Weighting and ranking of communities: CRITIC, entropy, AHP and fixed (profile) weights,
each followed by TOPSIS.

The Python API behind ``compliance rank``::

    from compliance.scoring import rank_matrix
    from compliance.scoring.matrix import read_matrix_csv

    ranking = rank_matrix(read_matrix_csv("scores.csv"), method="critic-topsis", cost=["SE12"])
    print(ranking.to_dict()["ranking"][0])

This module imports nothing heavy: polars loads inside the methods, on first use.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compliance.scoring.ahp import Pairwise
    from compliance.scoring.matrix import Matrix

__all__ = ["METHODS", "DimensionRanking", "Ranking", "Weights", "rank_matrix"]

#: The ranking methods: how the weights are found; TOPSIS ranks in every case.
METHODS = ("critic-topsis", "entropy-topsis", "profile-topsis", "ahp-topsis")

#: Weights and closeness are written with this many decimals: the precision ranks are
#: compared at (:data:`compliance.scoring.topsis.RANK_DECIMALS`), far finer than any
#: input, and coarse enough that the last-bit noise of floating-point sums cannot change
#: the bytes of the output.
OUTPUT_DECIMALS = 12

#: How many weakest indicators the ranking names per community.
WEAKEST = 3


@dataclass
class Weights:
    """One weight per code (non-negative, summing to 1) and notes on how they came about."""

    values: dict[str, float]
    notes: list[str] = field(default_factory=list)


@dataclass
class DimensionRanking:
    """TOPSIS within one dimension, with the overall weights of its codes renormalised."""

    code: str
    name: str
    codes: list[str]
    closeness: list[float] | None  # None: no weighted indicator of the dimension varies
    ranks: list[int] | None


@dataclass
class Ranking:
    """The result of ranking a matrix; :meth:`to_dict` is the JSON output."""

    method: str
    communities: list[str]
    codes: list[str]
    weights: dict[str, float]
    closeness: list[float]
    ranks: list[int]
    cost: list[str] = field(default_factory=list)
    dimensions: list[DimensionRanking] = field(default_factory=list)
    weakest: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def _entries(self, closeness: list[float], ranks: list[int]) -> list[dict[str, Any]]:
        # Sorted by rank, then community id, so ties come out the same whatever the input
        # order of the communities.
        order = sorted(range(len(ranks)), key=lambda i: (ranks[i], self.communities[i]))
        return [
            {
                "community": self.communities[i],
                "closeness": round(closeness[i], OUTPUT_DECIMALS),
                "rank": ranks[i],
            }
            for i in order
        ]

    def to_dict(self) -> dict[str, Any]:
        """``{"method", "weights", "ranking"}`` (the fixed contract) and then the extras:
        the cost codes, per-dimension rankings, each community's weakest indicators, the
        community names when known, and notes."""
        out: dict[str, Any] = {
            "method": self.method,
            "weights": {c: round(self.weights[c], OUTPUT_DECIMALS) for c in self.codes},
            "ranking": self._entries(self.closeness, self.ranks),
            "cost": list(self.cost),
            "dimensions": {
                d.code: {
                    "name": d.name,
                    "indicators": list(d.codes),
                    "ranking": None
                    if d.closeness is None or d.ranks is None
                    else self._entries(d.closeness, d.ranks),
                }
                for d in self.dimensions
            },
            "weakest": {c: self.weakest.get(c, []) for c in sorted(self.weakest)},
        }
        if self.labels:
            out["communities"] = {c: self.labels.get(c, c) for c in self.communities}
        out["notes"] = list(self.notes)
        return out


def find_weights(
    matrix: Matrix,
    method: str,
    cost: Collection[str] = (),
    *,
    profile_weights: Mapping[str, float] | None = None,
    pairwise: Pairwise | None = None,
) -> Weights:
    """The weights ``method`` gives the columns of ``matrix``."""
    from compliance.scoring.matrix import RankingError

    if method == "critic-topsis":
        from compliance.scoring.critic import critic_weights

        return critic_weights(matrix, cost)
    if method == "entropy-topsis":
        from compliance.scoring.entropy import entropy_weights

        return entropy_weights(matrix, cost)
    if method == "profile-topsis":
        if profile_weights is None:
            raise RankingError("profile-topsis needs the profile's indicator weights")
        missing = [c for c in matrix.codes if c not in profile_weights]
        if missing:
            raise RankingError(f"the profile has no weight for: {', '.join(missing)}")
        raw = {c: float(profile_weights[c]) for c in matrix.codes}
        total = sum(raw.values())
        if not total > 0 or any(w < 0 for w in raw.values()):
            raise RankingError("the profile gives the matrix's indicators no positive weight")
        return Weights({c: w / total for c, w in raw.items()})
    if method == "ahp-topsis":
        from compliance.scoring.ahp import ahp_weights

        if pairwise is None:
            raise RankingError("ahp-topsis needs a pairwise comparison matrix (--ahp FILE)")
        return ahp_weights(matrix.codes, pairwise)
    raise RankingError(f"unknown method {method} (known: {', '.join(METHODS)})")


def rank_matrix(
    matrix: Matrix,
    method: str = "critic-topsis",
    cost: Collection[str] = (),
    *,
    profile_weights: Mapping[str, float] | None = None,
    pairwise: Pairwise | None = None,
    dimensions: Mapping[str, str] | None = None,
    dimension_names: Mapping[str, str] | None = None,
    weakest: int = WEAKEST,
) -> Ranking:
    """Weight the columns of ``matrix`` by ``method`` and rank its communities by TOPSIS.

    :param cost: codes where lower is better (default: every code is higher-is-better).
    :param profile_weights: code -> weight, for ``profile-topsis``.
    :param pairwise: the comparison matrix, for ``ahp-topsis``.
    :param dimensions: code -> dimension code; each dimension is also ranked on its own
        codes. Codes without a dimension are named in a note.
    :param weakest: how many weakest indicators to name per community (0: none).
    """
    from compliance.scoring.critic import spread_codes
    from compliance.scoring.matrix import RankingError
    from compliance.scoring.topsis import competition_ranks, topsis

    cost_codes = matrix.check_codes(cost, "--cost")
    if len(matrix.communities) < 2:
        raise RankingError("ranking needs at least 2 communities, the matrix has 1")
    found = find_weights(
        matrix, method, cost_codes, profile_weights=profile_weights, pairwise=pairwise
    )
    notes = list(found.notes)
    varying = set(spread_codes(matrix))
    if method in ("profile-topsis", "ahp-topsis"):
        notes += [
            f"{c} has the same value in every community: it cannot separate them"
            for c in matrix.codes
            if c not in varying
        ]
    closeness = topsis(matrix, found.values, cost_codes)
    ranking = Ranking(
        method=method,
        communities=list(matrix.communities),
        codes=list(matrix.codes),
        weights=dict(found.values),
        closeness=closeness,
        ranks=competition_ranks(closeness),
        cost=cost_codes,
        notes=notes,
    )
    if dimensions:
        ranking.dimensions = _by_dimension(
            matrix, found.values, cost_codes, dimensions, dimension_names or {}, notes
        )
    if weakest > 0:
        ranking.weakest = _weakest(matrix, found.values, cost_codes, varying, weakest)
    return ranking


def _by_dimension(
    matrix: Matrix,
    weights: Mapping[str, float],
    cost: list[str],
    dimensions: Mapping[str, str],
    names: Mapping[str, str],
    notes: list[str],
) -> list[DimensionRanking]:
    from compliance.scoring.topsis import competition_ranks, topsis

    members: dict[str, list[str]] = {}
    for code in matrix.codes:
        if code in dimensions:
            members.setdefault(dimensions[code], []).append(code)
    loose = [c for c in matrix.codes if c not in dimensions]
    if loose:
        notes.append(f"no dimension for: {', '.join(loose)}")
    order = [d for d in names if d in members] + sorted(d for d in members if d not in names)
    out = []
    for dim in order:
        codes = members[dim]
        total = sum(weights.get(c, 0.0) for c in codes)
        if not total > 0:
            notes.append(f"dimension {dim}: every indicator weighs 0, so it is not ranked")
            out.append(DimensionRanking(dim, names.get(dim, dim), codes, None, None))
            continue
        local = {c: weights.get(c, 0.0) / total for c in codes}
        closeness = topsis(matrix, local, cost, codes)
        out.append(
            DimensionRanking(
                dim, names.get(dim, dim), codes, closeness, competition_ranks(closeness)
            )
        )
    return out


def _weakest(
    matrix: Matrix,
    weights: Mapping[str, float],
    cost: list[str],
    varying: set[str],
    count: int,
) -> dict[str, list[dict[str, Any]]]:
    """Each community's indicators where it trails the cohort most: lowest min-max
    position (1 = the cohort's best value, 0 = its worst, direction-aware), ties broken by
    the larger weight, then the code. Only indicators where the community is not the best
    and which vary at all are named."""
    columns = []
    for code, column in zip(matrix.codes, matrix.columns, strict=True):
        if code not in varying:
            continue
        lo, hi = min(column), max(column)
        columns.append((code, column, lo, hi, code in cost, weights.get(code, 0.0)))
    out: dict[str, list[dict[str, Any]]] = {}
    for i, community in enumerate(matrix.communities):
        scored = []
        for code, column, lo, hi, is_cost, w in columns:
            value = column[i]
            position = (hi - value) / (hi - lo) if is_cost else (value - lo) / (hi - lo)
            if position < 1.0:
                best = lo if is_cost else hi
                scored.append((position, -w, code, value, best))
        scored.sort()
        out[community] = [
            {"code": code, "value": value, "best": best, "position": round(position, 6)}
            for position, _, code, value, best in scored[:count]
        ]
    return out


def profile_weights(profile: Any) -> dict[str, float]:
    """Each enabled indicator's share of the audit's overall score under ``profile``:
    ``dimension weight * indicator weight / sum of the dimension's indicator weights``.

    This is how :func:`compliance.runner.aggregate` combines indicators (a weighted mean
    within each dimension, then across dimensions), so ``profile-topsis`` weighs each
    indicator exactly as much as the audit score does. With the default profile (equal
    weights) every indicator weighs the same.
    """
    by_dim: dict[str, list[str]] = {}
    for code, spec in profile.indicators.items():
        if spec.get("enabled", True):
            by_dim.setdefault(str(spec.get("dimension", "")), []).append(code)
    out: dict[str, float] = {}
    for dim, codes in by_dim.items():
        within = sum(profile.indicator_weight(c) for c in codes)
        for code in codes:
            share = profile.indicator_weight(code) / within if within > 0 else 0.0
            out[code] = profile.dimension_weight(dim) * share
    return out


def profile_dimensions(profile: Any) -> tuple[dict[str, str], dict[str, str]]:
    """(indicator code -> dimension code, dimension code -> name) from ``profile``, in the
    profile's dimension order."""
    mapping = {
        code: str(spec["dimension"])
        for code, spec in profile.indicators.items()
        if spec.get("dimension")
    }
    names = {code: profile.dimension_name(code) for code in profile.dimensions}
    return mapping, names
