"""compliance.frames: each helper gives exactly the plain polars expression's answer."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.frames import duplicated

IDS = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "P001", "P002", "", "é"]))
NUMBERS = st.one_of(st.none(), st.integers(-3, 3))
FLOATS = st.one_of(st.none(), st.sampled_from([0.0, -0.0, 1.5, float("nan"), float("inf")]))


@st.composite
def id_columns(draw: st.DrawFn) -> pl.DataFrame:
    """Columns that are sometimes sorted and unique, sometimes not, nulls included."""
    height = draw(st.integers(0, 12))
    ids = draw(st.lists(IDS, min_size=height, max_size=height))
    if draw(st.booleans()):  # unique and in order, as exports often are
        ids = sorted({i for i in ids if i is not None})
        ids += [None] * draw(st.integers(0, 2))
        height = len(ids)
    return pl.DataFrame(
        {
            "s": pl.Series(ids, dtype=pl.String),
            "n": pl.Series(
                draw(st.lists(NUMBERS, min_size=height, max_size=height)), dtype=pl.Int64
            ),
            "f": pl.Series(
                draw(st.lists(FLOATS, min_size=height, max_size=height)), dtype=pl.Float64
            ),
            "t": pl.Series(
                [
                    None if x is None else dt.datetime(2025, 1, 1) + dt.timedelta(hours=x)
                    for x in draw(st.lists(NUMBERS, min_size=height, max_size=height))
                ],
                dtype=pl.Datetime("us"),
            ),
        }
    )


@settings(max_examples=300, deadline=None)
@given(id_columns(), st.sampled_from([("s",), ("n",), ("f",), ("t",), ("s", "t"), ("n", "f")]))
def test_duplicated_is_is_duplicated(frame: pl.DataFrame, columns: tuple[str, ...]) -> None:
    key = pl.col(columns[0]) if len(columns) == 1 else pl.struct(*columns)
    out = frame.with_columns(
        duplicated(frame.lazy(), *columns).alias("fast"), key.is_duplicated().alias("plain")
    )
    assert out["fast"].to_list() == out["plain"].to_list()


@pytest.mark.parametrize(
    ("ids", "constant"),
    [
        (["P1", "P2", "P3", None], True),  # in order: no hash table
        (["P3", "P1", "P2"], True),  # unordered but unique: hashes differ
        (["P1", "P2", "P1"], False),  # a repeat: the exact test
        (["P1", None, None], False),  # two nulls are equal
    ],
)
def test_duplicated_builds_the_exact_test_only_when_needed(
    ids: list[str | None], constant: bool
) -> None:
    frame = pl.DataFrame({"id": pl.Series(ids, dtype=pl.String)})
    expr = duplicated(frame, "id")
    assert (expr.meta.root_names() == []) is constant
    got = frame.with_columns(expr.alias("got"))["got"].to_list()
    assert got == frame.select(pl.col("id").is_duplicated())["id"].to_list()


def test_duplicated_needs_a_column() -> None:
    with pytest.raises(ValueError, match="at least one column"):
        duplicated(pl.DataFrame({"a": [1]}))


ZONES = st.sampled_from(
    [
        "Asia/Shanghai",
        "UTC",
        "Europe/Berlin",
        "America/New_York",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
    ]
)
INSTANTS = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1))
# Mostly values close together, where the fixed-offset path applies, near transitions too.
NEARBY = st.builds(
    lambda base, minutes: [None if m is None else base + dt.timedelta(minutes=m) for m in minutes],
    st.one_of(INSTANTS, st.sampled_from([dt.datetime(2025, 3, 29, 23), dt.datetime(2025, 10, 25)])),
    st.lists(st.one_of(st.none(), st.integers(0, 60 * 24 * 40)), max_size=20),
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(NEARBY, st.lists(st.one_of(st.none(), INSTANTS), max_size=20)),
    ZONES,
    st.sampled_from(["us", "ms", "ns"]),
    st.booleans(),
)
def test_local_date_is_the_converted_date(
    values: list[dt.datetime | None], zone: str, unit: str, aware: bool
) -> None:
    from compliance.frames import local_date

    frame = pl.DataFrame({"t": pl.Series(values, dtype=pl.Datetime(unit))})
    if aware:
        frame = frame.with_columns(
            pl.col("t").dt.replace_time_zone("UTC").dt.convert_time_zone("Asia/Tokyo")
        )
        plain = pl.col("t").dt.convert_time_zone(zone).dt.date()
    else:
        plain = pl.col("t").dt.replace_time_zone("UTC").dt.convert_time_zone(zone).dt.date()
    out = frame.with_columns(
        local_date(frame.lazy(), "t", zone).alias("fast"), plain.alias("plain")
    )
    assert out["fast"].to_list() == out["plain"].to_list()


@pytest.mark.parametrize(
    ("zone", "first", "last", "fixed"),
    [
        ("Asia/Shanghai", dt.datetime(2025, 1, 1), dt.datetime(2025, 12, 31), True),
        ("Europe/Berlin", dt.datetime(2025, 1, 1), dt.datetime(2025, 2, 1), True),
        ("Europe/Berlin", dt.datetime(2025, 1, 1), dt.datetime(2025, 12, 31), False),  # DST
        ("Asia/Shanghai", dt.datetime(1990, 1, 1), dt.datetime(1992, 1, 1), False),  # DST then
        ("UTC", dt.datetime(1, 1, 1), dt.datetime(9999, 1, 1), False),  # too long to sample
    ],
)
def test_local_date_adds_the_offset_only_when_it_never_changes(
    zone: str, first: dt.datetime, last: dt.datetime, fixed: bool
) -> None:
    from compliance.frames import local_date

    frame = pl.DataFrame({"t": [first, last]})
    expr = local_date(frame, "t", zone)
    assert ("convert_time_zone" not in str(expr)) is fixed


# -- digit_runs -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text("0123456789a -٣", max_size=30)), max_size=20),
    st.integers(1, 12),
    st.booleans(),
)
def test_digit_runs_is_the_regular_expression(
    cells: list[str | None], length: int, pure: bool
) -> None:
    from compliance.frames import digit_runs
    from compliance.validation.native import PURE_PYTHON_ENV

    series = pl.Series(cells, dtype=pl.String)
    with pytest.MonkeyPatch.context() as patch:
        if pure:
            patch.setenv(PURE_PYTHON_ENV, "1")
        else:
            patch.delenv(PURE_PYTHON_ENV, raising=False)
        found = digit_runs(series, length)
    assert found.to_list() == series.str.contains(f"[0-9]{{{length}}}").to_list()


def test_digit_runs_needs_a_positive_length() -> None:
    from compliance.frames import digit_runs

    with pytest.raises(ValueError):
        digit_runs(pl.Series(["1"]), 0)


# -- stripped ---------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(" \t\u3000ab中", max_size=8)), max_size=15),
    st.booleans(),
)
def test_stripped_is_strip_chars(cells: list[str | None], pure: bool) -> None:
    from compliance.frames import stripped
    from compliance.validation.native import PURE_PYTHON_ENV

    frame = pl.DataFrame({"id": cells}, schema={"id": pl.String}).lazy()
    with pytest.MonkeyPatch.context() as patch:
        if pure:
            patch.setenv(PURE_PYTHON_ENV, "1")
        else:
            patch.delenv(PURE_PYTHON_ENV, raising=False)
        expr = stripped(frame, "id")
    got = frame.select(expr.alias("s")).collect().to_series().to_list()
    assert got == frame.select(pl.col("id").str.strip_chars()).collect().to_series().to_list()


def test_stripped_leaves_out_the_strip_only_when_nothing_needs_one() -> None:
    from compliance.frames import stripped
    from compliance.validation import native

    clean = pl.DataFrame({"id": ["R001", None, "R002"], "n": [1, 2, 3]})
    padded = pl.DataFrame({"id": ["R001", "R002 "]})
    assert "strip" in str(stripped(padded, "id"))
    assert "strip" in str(stripped(clean, "n"))  # not text: cast and strip
    assert clean.select(stripped(clean, "n")).to_series().to_list() == ["1", "2", "3"]
    assert ("strip" not in str(stripped(clean, "id"))) is native.enabled()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text("ab", max_size=3)), max_size=20),
    st.lists(st.text("ab", max_size=3), max_size=12),
)
def test_one_of_is_is_in(cells: list[str | None], values: list[str]) -> None:
    """Comparisons for a few strings, is_in for more (or none): the same trues, falses
    and nulls, in a select and as a filter."""
    from compliance.frames import one_of

    frame = pl.DataFrame({"c": cells}, schema={"c": pl.String})
    expected = frame.select(pl.col("c").is_in(values)).to_series().to_list()
    assert frame.select(one_of(pl.col("c"), values)).to_series().to_list() == expected
    kept = frame.filter(one_of(pl.col("c"), tuple(values))).height
    assert kept == sum(v is True for v in expected)


def test_one_of_compares_only_a_few_strings() -> None:
    from compliance.frames import one_of

    assert "is_in" not in str(one_of(pl.col("c"), ["a", "b"]))
    assert "is_in" in str(one_of(pl.col("c"), [f"v{i}" for i in range(9)]))
    assert "is_in" in str(one_of(pl.col("c"), [1, 2]))  # type: ignore[list-item]
