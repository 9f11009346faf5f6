"""Weighting and ranking: hand-worked examples, pymcdm as an oracle for benefit-only
matrices, an independent plain-loop reference for cost criteria, and properties."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from compliance.scoring import METHODS, Weights, find_weights, profile_weights, rank_matrix
from compliance.scoring.ahp import (
    Pairwise,
    ahp_weights,
    consistency_ratio,
    random_index,
    read_pairwise_csv,
)
from compliance.scoring.cohort import matrix_from_reports
from compliance.scoring.critic import critic_weights
from compliance.scoring.entropy import entropy_weights
from compliance.scoring.matrix import (
    Matrix,
    RankingError,
    parse_codes,
    read_dimensions_csv,
    read_matrix_csv,
)
from compliance.scoring.topsis import competition_ranks, topsis

SQRT5 = math.sqrt(5)


def _m(rows: list[list[float]], codes: str = "ABCDEFGHIJ") -> Matrix:
    return Matrix.from_rows(
        [f"c{i + 1}" for i in range(len(rows))], list(codes[: len(rows[0])]), rows
    )


# -- a reference CRITIC-TOPSIS written independently: plain loops, no polars, no numpy ----


def ref_critic(rows: list[list[float]], cost: set[int]) -> list[float]:
    m, n = len(rows), len(rows[0])
    cols = [[rows[i][j] for i in range(m)] for j in range(n)]
    norm = []
    for j, col in enumerate(cols):
        lo, hi = min(col), max(col)
        norm.append([((hi - x) if j in cost else (x - lo)) / (hi - lo) for x in col])
    means = [sum(c) / m for c in norm]
    sd = [math.sqrt(sum((x - means[j]) ** 2 for x in norm[j]) / (m - 1)) for j in range(n)]

    def r(a: int, b: int) -> float:
        cov = sum((norm[a][i] - means[a]) * (norm[b][i] - means[b]) for i in range(m))
        return cov / (m - 1) / (sd[a] * sd[b])

    info = [sd[j] * sum(1 - r(j, k) for k in range(n)) for j in range(n)]
    return [c / sum(info) for c in info]


def ref_topsis(rows: list[list[float]], w: list[float], cost: set[int]) -> list[float]:
    m, n = len(rows), len(rows[0])
    v = [[0.0] * n for _ in range(m)]
    for j in range(n):
        length = math.sqrt(sum(rows[i][j] ** 2 for i in range(m)))
        for i in range(m):
            v[i][j] = w[j] * rows[i][j] / length
    best, worst = [], []
    for j in range(n):
        col = [v[i][j] for i in range(m)]
        best.append(min(col) if j in cost else max(col))
        worst.append(max(col) if j in cost else min(col))
    out = []
    for i in range(m):
        dp = math.sqrt(sum((v[i][j] - best[j]) ** 2 for j in range(n)))
        dm = math.sqrt(sum((v[i][j] - worst[j]) ** 2 for j in range(n)))
        out.append(dm / (dp + dm))
    return out


def _random_rows(rng: random.Random, m: int, n: int) -> list[list[float]]:
    return [[rng.uniform(1, 100) for _ in range(n)] for _ in range(m)]


# -- hand-worked examples -------------------------------------------------------------------


def test_critic_topsis_by_hand_benefit() -> None:
    # c1 (1, 3), c2 (2, 1), c3 (3, 2).
    # Min-max: A -> 0, .5, 1; B -> 1, 0, .5. Both have mean .5 and squared deviations
    # summing to .5, so sigma = sqrt(.5 / 2) = .5.
    # r_AB = [(-.5)(.5) + 0(-.5) + (.5)(0)] / 2 / (.5 * .5) = -.125 / .25 = -.5.
    # C_A = C_B = .5 * (1 - (-.5)) = .75, so w = (.5, .5).
    # TOPSIS: both norms are sqrt(14); with k = .5 / sqrt(14), v = k * x, ideal (3k, 3k),
    # anti-ideal (k, k).
    # c1: d+ = k sqrt(4 + 0) = 2k, d- = k sqrt(0 + 4) = 2k -> .5
    # c2: d+ = k sqrt(1 + 4) = sqrt5 k, d- = k sqrt(1 + 0) = k -> 1 / (1 + sqrt5) = .309017
    # c3: d+ = k sqrt(0 + 1) = k, d- = k sqrt(4 + 1) = sqrt5 k -> sqrt5 / (1 + sqrt5) = .690983
    result = rank_matrix(_m([[1, 3], [2, 1], [3, 2]]))
    assert result.weights == pytest.approx({"A": 0.5, "B": 0.5}, abs=1e-12)
    assert result.closeness == pytest.approx([0.5, 1 / (1 + SQRT5), SQRT5 / (1 + SQRT5)], abs=1e-12)
    assert result.ranks == [2, 3, 1]
    data = result.to_dict()
    assert list(data)[:3] == ["method", "weights", "ranking"]
    assert [e["community"] for e in data["ranking"]] == ["c3", "c1", "c2"]
    assert set(data["ranking"][0]) == {"community", "closeness", "rank"}


def test_critic_topsis_by_hand_cost_and_a_tie() -> None:
    # Same matrix, B lower-is-better. Min-max: A -> 0, .5, 1; B -> (3 - x) / 2 = 0, 1, .5.
    # sigma = .5 each; r_AB = [(-.5)(-.5) + 0(.5) + (.5)(0)] / 2 / .25 = .5.
    # C = .5 * (1 - .5) = .25 each: w = (.5, .5).
    # TOPSIS: ideal (3k, k), anti-ideal (k, 3k).
    # c1 (1, 3): d+ = k sqrt(4 + 4), d- = 0 -> 0
    # c2 (2, 1): d+ = k sqrt(1 + 0) = k, d- = k sqrt(1 + 4) -> sqrt5 / (1 + sqrt5)
    # c3 (3, 2): d+ = k sqrt(0 + 1) = k, d- = k sqrt(4 + 1) -> sqrt5 / (1 + sqrt5): a tie.
    # Competition ranking: c2 and c3 share rank 1 and the next rank is 3.
    result = rank_matrix(_m([[1, 3], [2, 1], [3, 2]]), cost=["B"])
    assert result.weights == pytest.approx({"A": 0.5, "B": 0.5}, abs=1e-12)
    tie = SQRT5 / (1 + SQRT5)
    assert result.closeness == pytest.approx([0.0, tie, tie], abs=1e-12)
    assert result.ranks == [3, 1, 1]
    assert [(e["community"], e["rank"]) for e in result.to_dict()["ranking"]] == [
        ("c2", 1),
        ("c3", 1),
        ("c1", 3),
    ]


def test_competition_ranking() -> None:
    assert competition_ranks([0.9, 0.5, 0.5, 0.1]) == [1, 2, 2, 4]
    assert competition_ranks([0.2, 0.2, 0.2]) == [1, 1, 1]
    # Floating-point noise below 1e-12 is a tie, not an order.
    assert competition_ranks([0.3, 0.3 + 1e-15, 0.1]) == [1, 1, 3]


def test_zero_spread_indicator_gets_weight_zero_and_a_note() -> None:
    # C is 5 everywhere: no spread, weight 0, and A and B share the rest exactly as in the
    # hand-worked benefit example (the constant column does not enter their sums).
    result = rank_matrix(_m([[1, 3, 5], [2, 1, 5], [3, 2, 5]]))
    assert result.weights["C"] == 0.0
    assert result.weights["A"] == pytest.approx(0.5, abs=1e-12)
    assert any("C has the same value in every community: weight 0" in n for n in result.notes)
    assert result.ranks == [2, 3, 1]


def test_critic_errors() -> None:
    with pytest.raises(RankingError, match="at least 3 communities, the matrix has 2"):
        critic_weights(_m([[1, 2], [2, 1]]))
    with pytest.raises(RankingError, match="no indicator varies"):
        critic_weights(_m([[1, 2], [1, 2], [1, 2]]))
    with pytest.raises(RankingError, match="perfectly correlated"):
        critic_weights(_m([[1, 2], [2, 4], [3, 6]]))
    with pytest.raises(RankingError, match=r"--cost names code.* not in the matrix: Z"):
        rank_matrix(_m([[1, 3], [2, 1], [3, 2]]), cost=["Z"])
    with pytest.raises(RankingError, match="at least 2 communities"):
        rank_matrix(_m([[1, 3]]), method="entropy-topsis")


def test_entropy_by_hand() -> None:
    # A = (1, 1, 2): shares (1/4, 1/4, 1/2);
    #   E_A = -(2 * 1/4 ln 1/4 + 1/2 ln 1/2) / ln 3 = (ln 4 / 2 + ln 2 / 2) / ln 3 = .946395
    # B = (1, 2, 3): shares (1/6, 1/3, 1/2);
    #   E_B = (ln 6 / 6 + ln 3 / 3 + ln 2 / 2) / ln 3 = .920620
    # d = 1 - E: .053605 and .079380; w_A = .053605 / .132985 = .40309
    e_a = (math.log(4) / 2 + math.log(2) / 2) / math.log(3)
    e_b = (math.log(6) / 6 + math.log(3) / 3 + math.log(2) / 2) / math.log(3)
    w_a = (1 - e_a) / ((1 - e_a) + (1 - e_b))
    assert w_a == pytest.approx(0.40309, abs=1e-5)
    weights = entropy_weights(_m([[1, 1], [1, 2], [2, 3]]))
    assert weights.values["A"] == pytest.approx(w_a, abs=1e-12)
    assert weights.values["B"] == pytest.approx(1 - w_a, abs=1e-12)


def test_entropy_zero_cells_flat_columns_and_negatives() -> None:
    # A zero share adds 0 (0 ln 0 = 0). A = (0, 0, 1): all weight on one community, E = 0.
    weights = entropy_weights(_m([[0, 1, 4], [0, 2, 4], [1, 3, 4]]))
    assert weights.values["C"] == 0.0
    assert any("C has the same value" in n for n in weights.notes)
    e_b = (math.log(6) / 6 + math.log(3) / 3 + math.log(2) / 2) / math.log(3)
    assert weights.values["A"] == pytest.approx(1 / (1 + (1 - e_b)), abs=1e-12)
    with pytest.raises(RankingError, match="non-negative values; negative in: A"):
        entropy_weights(_m([[-1, 1], [0, 2], [1, 3]]))


def test_ahp_consistent_matrix_by_hand(tmp_path: Path) -> None:
    # A is twice as important as B and four times C; B twice C: perfectly consistent, so
    # the eigenvector is (4, 2, 1) / 7, lambda_max = n = 3 and CR = 0.
    path = tmp_path / "ahp.csv"
    path.write_text("A,B,C\n1,2,4\n1/2,1,2\n1/4,1/2,1\n", encoding="utf-8")
    pairwise = read_pairwise_csv(path)
    w, lam, cr = consistency_ratio(pairwise.values)
    assert w == pytest.approx([4 / 7, 2 / 7, 1 / 7], abs=1e-12)
    assert lam == pytest.approx(3.0, abs=1e-12)
    assert cr == pytest.approx(0.0, abs=1e-12)
    weights = ahp_weights(["C", "A", "B"], pairwise)
    assert list(weights.values) == ["C", "A", "B"]
    assert weights.values["A"] == pytest.approx(4 / 7, abs=1e-12)


def test_ahp_saaty_example_and_inconsistency(tmp_path: Path) -> None:
    # A mildly inconsistent 3x3 (A > B 3, A > C 5, B > C 2 instead of 5/3). Its lambda_max
    # is 3.0037 (the root of the characteristic polynomial lambda^3 - 3 lambda^2 - (0.9 +
    # 1/0.9 - 2) = 0: det(A - lambda I) for a 3x3 reciprocal matrix is
    # -(lambda^3 - 3 lambda^2 + 2 - (a13 / (a12 a23) + a12 a23 / a13))), so CR = 0.0032.
    values = [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]]
    _, lam, cr = consistency_ratio(values)
    t = 5 / 6  # a13 / (a12 a23)
    assert lam**3 - 3 * lam**2 - (t + 1 / t - 2) == pytest.approx(0, abs=1e-9)
    assert cr == pytest.approx((lam - 3) / 2 / 0.58, abs=1e-12)
    assert cr < 0.1
    # Cyclic judgements A > B > C > A cannot be consistent.
    cyclic = Pairwise(["A", "B", "C"], [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    with pytest.raises(RankingError, match="inconsistent: consistency ratio"):
        ahp_weights(["A", "B", "C"], cyclic)
    with pytest.raises(RankingError, match=r"lacks code.*: D"):
        ahp_weights(["A", "B", "C", "D"], Pairwise(["A", "B", "C"], values))
    assert random_index(3) == 0.58 and random_index(9) == 1.45
    assert random_index(32) == pytest.approx(1.7699 * (32 - 2.4585) / 31)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A,B\n1,2\n", "2 codes need 2 rows"),
        ("A,B\n1,2\n1/2,x\n", "row B column B is not a positive number"),
        ("A,B\n1,2\n1/3,1\n", "are not reciprocal"),
        ("A,B\n2,2\n1/2,1\n", "row A column A must be 1"),
        ("A,A\n1,1\n1,1\n", "names an indicator code twice"),
        ("code,A,B\nB,1,2\nA,1/2,1\n", "row 1 must be labelled A"),
    ],
)
def test_ahp_file_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "ahp.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RankingError, match=message):
        read_pairwise_csv(path)


def test_ahp_labelled_file(tmp_path: Path) -> None:
    path = tmp_path / "ahp.csv"
    path.write_text("code,A,B\nA,1,3\nB,0.333,1\n", encoding="utf-8")
    assert read_pairwise_csv(path).codes == ["A", "B"]


def test_profile_weights_follow_the_audit_aggregation(host) -> None:
    from compliance.runner import make_registry, resolve_profile

    profile = resolve_profile("default", host, make_registry(host))
    weights = profile_weights(profile)
    # The default profile weighs every indicator 1 and every dimension by its size.
    assert len(weights) == 32
    assert set(weights.values()) == {1.0}
    found = find_weights(
        _m([[1, 3], [2, 1], [3, 2]], codes=["SE11", "SE57"]),  # type: ignore[arg-type]
        "profile-topsis",
        profile_weights=weights,
    )
    assert found.values == {"SE11": 0.5, "SE57": 0.5}
    with pytest.raises(RankingError, match="no weight for: A"):
        find_weights(_m([[1, 3], [2, 1], [3, 2]]), "profile-topsis", profile_weights=weights)


def test_dimensions_rank_within_each_dimension() -> None:
    matrix = _m([[1, 3, 10, 7], [2, 1, 20, 7], [3, 2, 30, 7]])
    result = rank_matrix(
        matrix,
        "entropy-topsis",
        dimensions={"A": "X", "B": "X", "C": "Y", "D": "Z"},
        dimension_names={"Y": "Why", "X": "Ex", "Z": "Zed"},
    )
    dims = result.to_dict()["dimensions"]
    assert list(dims) == ["Y", "X", "Z"]
    # Y has one indicator: closeness is the position of C between worst and best.
    assert [e["community"] for e in dims["Y"]["ranking"]] == ["c3", "c2", "c1"]
    assert dims["Y"]["ranking"][0]["closeness"] == pytest.approx(1.0)
    # Z's only indicator is constant: weight 0, so Z is not ranked.
    assert dims["Z"]["ranking"] is None
    assert any("dimension Z" in n for n in result.notes)
    # X alone equals ranking the two-column matrix with the X weights renormalised.
    w = {k: result.weights[k] / (result.weights["A"] + result.weights["B"]) for k in "AB"}
    alone = topsis(_m([[1, 3], [2, 1], [3, 2]]), w)
    by_community = {e["community"]: e["closeness"] for e in dims["X"]["ranking"]}
    assert [by_community[c] for c in ("c1", "c2", "c3")] == pytest.approx(alone, abs=1e-12)


def test_weakest_indicators() -> None:
    result = rank_matrix(_m([[1, 3, 5], [2, 1, 6], [3, 2, 4]]), cost=["C"])
    weakest = result.to_dict()["weakest"]
    # c1: A is the cohort's worst (position 0); B is the best, so not named; C = 5 is
    # halfway between the worst 6 and the best 4 of a lower-is-better indicator.
    assert weakest["c1"] == [
        {"code": "A", "value": 1.0, "best": 3.0, "position": 0.0},
        {"code": "C", "value": 5.0, "best": 4.0, "position": 0.5},
    ]


# -- pymcdm as the oracle for benefit-only matrices ------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_benefit_only_agrees_with_pymcdm(seed: int) -> None:
    np = pytest.importorskip("numpy")
    pytest.importorskip("pymcdm")
    from pymcdm.methods import TOPSIS
    from pymcdm.normalizations import vector_normalization
    from pymcdm.weights import critic_weights as pm_critic
    from pymcdm.weights import entropy_weights as pm_entropy

    rng = random.Random(seed)
    m, n = rng.randint(3, 40), rng.randint(2, 9)
    rows = _random_rows(rng, m, n)
    matrix = _m(rows)
    x = np.array(rows)
    result = rank_matrix(matrix)
    # pymcdm's CRITIC is Diakoulaki's: min-max, sample sd (ddof=1), Pearson.
    expected_w = pm_critic(x)
    assert [result.weights[c] for c in matrix.codes] == pytest.approx(list(expected_w), abs=1e-9)
    # pymcdm's TOPSIS normalises by min-max unless told otherwise; ours is the vector
    # normalisation of Hwang and Yoon, so the oracle gets vector_normalization.
    expected_c = TOPSIS(vector_normalization)(x, expected_w, np.ones(n))
    assert result.closeness == pytest.approx(list(expected_c), abs=1e-9)
    # pymcdm's entropy sets E_j = 0 for a column holding a 0 (ours: 0 ln 0 = 0); the
    # matrices here have no zeros, where the two agree.
    ent = entropy_weights(matrix).values
    assert [ent[c] for c in matrix.codes] == pytest.approx(list(pm_entropy(x)), abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_cost_topsis_agrees_with_pymcdm(seed: int) -> None:
    # pymcdm normalises a cost column to 1 - x / |x| and then takes the max as ideal. That
    # is a reflection of our r = x / |x| with the min as ideal, so distances, and hence
    # closeness, are the same. (Its CRITIC ignores types, so weights come from ours.)
    np = pytest.importorskip("numpy")
    pytest.importorskip("pymcdm")
    from pymcdm.methods import TOPSIS
    from pymcdm.normalizations import vector_normalization

    rng = random.Random(100 + seed)
    m, n = rng.randint(3, 30), rng.randint(2, 8)
    rows = _random_rows(rng, m, n)
    cost = {j for j in range(n) if rng.random() < 0.5}
    matrix = _m(rows)
    codes = [matrix.codes[j] for j in sorted(cost)]
    result = rank_matrix(matrix, cost=codes)
    w = np.array([result.weights[c] for c in matrix.codes])
    types = np.array([-1 if j in cost else 1 for j in range(n)])
    expected = TOPSIS(vector_normalization)(np.array(rows), w, types)
    assert result.closeness == pytest.approx(list(expected), abs=1e-9)


@pytest.mark.parametrize("seed", range(12))
def test_agrees_with_reference_implementation_with_cost(seed: int) -> None:
    rng = random.Random(200 + seed)
    m, n = rng.randint(3, 50), rng.randint(2, 10)
    rows = _random_rows(rng, m, n)
    cost = {j for j in range(n) if rng.random() < 0.4}
    matrix = _m(rows)
    result = rank_matrix(matrix, cost=[matrix.codes[j] for j in sorted(cost)])
    w = ref_critic(rows, cost)
    assert [result.weights[c] for c in matrix.codes] == pytest.approx(w, abs=1e-9)
    assert result.closeness == pytest.approx(ref_topsis(rows, w, cost), abs=1e-9)


# -- properties --------------------------------------------------------------------------------

_values = st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False)


@st.composite
def matrices(draw: st.DrawFn) -> tuple[list[list[float]], list[int]]:
    m = draw(st.integers(3, 9))
    n = draw(st.integers(1, 6))
    rows = draw(st.lists(st.lists(_values, min_size=n, max_size=n), min_size=m, max_size=m))
    cost = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))
    return rows, sorted(cost)


def _ranked(rows: list[list[float]], cost: list[int], method: str) -> tuple[Matrix, object]:
    matrix = _m(rows)
    try:
        return matrix, rank_matrix(matrix, method, [matrix.codes[j] for j in cost])
    except RankingError:
        # Degenerate draws (nothing varies, all perfectly correlated) are refused on
        # purpose; the refusal itself is tested above.
        assume(False)
        raise


@settings(max_examples=150, deadline=None)
@given(matrices(), st.sampled_from(["critic-topsis", "entropy-topsis"]))
def test_weights_are_a_distribution_and_closeness_in_unit_interval(
    drawn: tuple[list[list[float]], list[int]], method: str
) -> None:
    rows, cost = drawn
    _, result = _ranked(rows, cost, method)
    weights = result.weights  # type: ignore[attr-defined]
    assert all(w >= 0 for w in weights.values())
    assert sum(weights.values()) == pytest.approx(1.0, abs=1e-12)
    assert all(0.0 <= c <= 1.0 for c in result.closeness)  # type: ignore[attr-defined]


@settings(max_examples=150, deadline=None)
@given(
    matrices(),
    st.integers(0, 5),
    st.floats(min_value=1e-3, max_value=1e3, allow_nan=False),
    st.sampled_from(["critic-topsis", "entropy-topsis"]),
)
# Found by hypothesis: a column whose only non-zero value is tiny. Its squares were
# subnormal, and the norm lost digits, until norms were taken over scaled columns.
@example(
    ([[0.0] * 6, [0.0] * 5 + [1.0], [1.5439219997173275e-159] + [0.0] * 5], []),
    0,
    0.5,
    "critic-topsis",
)
def test_scaling_a_column_changes_no_rank(
    drawn: tuple[list[list[float]], list[int]], column: int, factor: float, method: str
) -> None:
    rows, cost = drawn
    # Values so small that scaling them leaves the normal floats (or reaches zero) are
    # changed by the scaling itself; the ranking cannot be asked to ignore that.
    assume(all(x == 0 or x >= 1e-290 for r in rows for x in r))
    j = column % len(rows[0])
    _, before = _ranked(rows, cost, method)
    scaled = [[x * factor if k == j else x for k, x in enumerate(r)] for r in rows]
    _, after = _ranked(scaled, cost, method)
    assert after.closeness == pytest.approx(before.closeness, abs=1e-9)  # type: ignore[attr-defined]
    assert after.ranks == before.ranks  # type: ignore[attr-defined]


@settings(max_examples=150, deadline=None)
@given(matrices(), st.integers(0, 8), st.integers(0, 8))
def test_swapping_two_communities_swaps_their_results(
    drawn: tuple[list[list[float]], list[int]], a: int, b: int
) -> None:
    rows, cost = drawn
    a, b = a % len(rows), b % len(rows)
    _, before = _ranked(rows, cost, "critic-topsis")
    swapped = list(rows)
    swapped[a], swapped[b] = swapped[b], swapped[a]
    _, after = _ranked(swapped, cost, "critic-topsis")
    expected = list(before.closeness)  # type: ignore[attr-defined]
    expected[a], expected[b] = expected[b], expected[a]
    assert after.closeness == pytest.approx(expected, abs=1e-12)  # type: ignore[attr-defined]
    ranks = list(before.ranks)  # type: ignore[attr-defined]
    ranks[a], ranks[b] = ranks[b], ranks[a]
    assert after.ranks == ranks  # type: ignore[attr-defined]


# -- the matrix file ----------------------------------------------------------------------------


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_matrix_csv(tmp_path: Path) -> None:
    matrix = read_matrix_csv(_csv(tmp_path, "\ufeffcommunity,A,B\nx, 1 ,2.5\ny,3,-4e1\n\n"))
    assert matrix.communities == ["x", "y"]
    assert matrix.codes == ["A", "B"]
    assert matrix.columns == [[1.0, 3.0], [2.5, -40.0]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("community,A,B\nx,1,\ny,,2\n", "2 missing value(s): row x column B, row y column A"),
        ("community,A\nx,abc\ny,nan\nz,inf\n", "3 non-numeric value(s): row x column A, row y"),
        ("community,A\nx,1\nx,2\n", "duplicate community id(s): x"),
        ("community,A,A\nx,1,2\n", "duplicate indicator code(s): A"),
        ("name,A\nx,1\n", "the header must start with 'community'"),
        ("community\nx\n", "the header names no indicator codes"),
        ("community,A\nx,1,2\n", "line 2 has 3 cells, the header 2"),
        ("community,A\n", "no community rows"),
        ("", "the matrix file is empty"),
        ("community,A\n,1\n", "line 2 has no community id"),
    ],
)
def test_matrix_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RankingError) as caught:
        read_matrix_csv(_csv(tmp_path, text))
    assert message in caught.value.line()
    assert "\n" not in caught.value.line()


def test_many_missing_cells_are_counted(tmp_path: Path) -> None:
    rows = "".join(f"c{i},\n" for i in range(8))
    with pytest.raises(RankingError, match=r"8 missing value.*row c4 column A and 3 more"):
        read_matrix_csv(_csv(tmp_path, "community,A\n" + rows))


def test_parse_codes_and_dimensions_file(tmp_path: Path) -> None:
    assert parse_codes(["SE12, SE41", "SE57", "SE12"]) == ["SE12", "SE41", "SE57"]
    path = tmp_path / "d.csv"
    path.write_text("code,dimension,name\nA,X,Ex\nB,X,\nC,Y\n", encoding="utf-8")
    assert read_dimensions_csv(path) == ({"A": "X", "B": "X", "C": "Y"}, {"X": "Ex", "Y": "Y"})
    path.write_text("code,dim\n", encoding="utf-8")
    with pytest.raises(RankingError, match="header must be code,dimension"):
        read_dimensions_csv(path)


# -- the matrix from checked bundles --------------------------------------------------------------


def _report(cid: str, scores: dict[str, float | None], **extra: object) -> dict[str, object]:
    indicators = [
        {
            "code": code,
            "score": score,
            "status": "pass" if score is not None else "not_applicable",
            "reason": None,
        }
        for code, score in scores.items()
    ]
    report = {"community": {"id": cid, "name": cid.upper()}, "indicators": indicators}
    report.update(extra)
    return {"bundle": f"/b/{cid}", "report": report}


def test_matrix_from_reports_gaps() -> None:
    results = [
        _report("a", {"SE11": 80.0, "SE12": 70.0}),
        _report("b", {"SE11": 60.0, "SE12": None}),
        _report("c", {"SE11": 90.0}),
    ]
    with pytest.raises(RankingError, match=r"1 indicator\(s\) have no score.*SE12 in b, c"):
        matrix_from_reports(results)
    matrix, names, notes = matrix_from_reports(results, fill_missing="zero")
    assert matrix.codes == ["SE11", "SE12"]
    assert matrix.column("SE12") == [70.0, 0.0, 0.0]
    assert names == {"a": "A", "b": "B", "c": "C"}
    assert notes == ["SE12 scored 0 where it has no score: b, c"]
    matrix, _, notes = matrix_from_reports(results, fill_missing="drop")
    assert matrix.codes == ["SE11"]
    assert "SE12" in notes[0]


def test_matrix_from_reports_insufficient_evidence_and_failures() -> None:
    insufficient = _report("b", {"SE11": None})
    insufficient["report"]["indicators"][0]["status"] = "insufficient_evidence"  # type: ignore[index]
    results = [_report("a", {"SE11": 80.0}), insufficient]
    matrix, _, _ = matrix_from_reports(results)
    assert matrix.column("SE11") == [80.0, 0.0]
    with pytest.raises(RankingError, match="no score"):
        matrix_from_reports(results, insufficient_as_zero=False)
    with pytest.raises(RankingError, match="duplicate community id a: bundles /b/a and /b/a"):
        matrix_from_reports([_report("a", {"SE11": 1.0}), _report("a", {"SE11": 2.0})])
    broken = _report("c", {"SE11": 50.0}, plugin_errors=[{"plugin": "X", "message": "boom"}])
    with pytest.raises(Exception, match="/b/c: plugin X failed: boom") as caught:
        matrix_from_reports([_report("a", {"SE11": 1.0}), broken])
    assert caught.value.exit_code == 3  # type: ignore[attr-defined]
    seen: list[str] = []
    matrix_from_reports([_report("a", {"SE11": 1.0}), broken], allow_errors=True, warn=seen.append)
    assert seen == ["/b/c: plugin X failed: boom"]
    rejected = {"bundle": "/b/x", "error": "/b/x: not a bundle", "exit_code": 2}
    with pytest.raises(Exception, match="not a bundle"):
        matrix_from_reports([rejected])


def test_weights_dataclass_and_methods_listed() -> None:
    assert METHODS[0] == "critic-topsis"
    assert Weights({"A": 1.0}).notes == []
