"""The optional C helper (compliance._native) against the polars path it replaces.

The column validator parses date-time text in C where the helper is built and with polars
expressions where it is not (or where COMPLIANCE_PURE_PYTHON is set). Every test here runs
the same input both ways and wants the same verdicts, row numbers and typed values.
"""

from __future__ import annotations

import os
from typing import Any

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from compliance.validation import ColumnValidator, native
from compliance.validation.native import PURE_PYTHON_ENV
from tests.test_columns import _TWO, SHAPED_SCHEMA, rfc3339_like, shaped_frames

needs_helper = pytest.mark.skipif(not native.built(), reason="compliance._native is not built")

SCHEMA = {
    "type": "object",
    "properties": {
        "t": {"type": "string", "format": "date-time"},
        "o": {"type": ["string", "null"], "format": "date-time"},
        "m": {"type": ["string", "integer"], "format": "date-time"},
    },
}


def both(schema: dict[str, Any], frame: pl.DataFrame, **kwargs: Any) -> tuple[Any, Any]:
    """The validation result with the C helper and without it."""
    mp = pytest.MonkeyPatch()
    try:
        mp.delenv(PURE_PYTHON_ENV, raising=False)
        assert native.enabled()
        fast = ColumnValidator(schema).validate(frame, path="t.csv", **kwargs)
        mp.setenv(PURE_PYTHON_ENV, "1")
        assert not native.enabled()
        slow = ColumnValidator(schema).validate(frame, path="t.csv", **kwargs)
    finally:
        mp.undo()
    return fast, slow


def assert_same(fast: Any, slow: Any) -> None:
    assert fast.issues == slow.issues
    assert fast.rows == slow.rows
    a, b = fast.frame.collect(), slow.frame.collect()
    assert a.schema == b.schema
    assert a.equals(b, null_equal=True)


def same_for(properties: dict[str, Any], cells: list[str | None]) -> None:
    """Every property gets the same cells, read as CSV text; both paths must agree."""
    frame = pl.DataFrame({name: pl.Series(cells, dtype=pl.String) for name in properties})
    schema = {"type": "object", "properties": properties}
    assert_same(*both(schema, frame, source_is_text=True))


def test_the_helper_is_built() -> None:
    """CI and every machine with a C compiler build it; a machine without one can run the
    suite with COMPLIANCE_PURE_PYTHON=1, which also says so on purpose."""
    if os.environ.get(PURE_PYTHON_ENV):
        pytest.skip(f"{PURE_PYTHON_ENV} is set: the polars path is under test")
    assert native.built(), "compliance._native was not built (is a C compiler installed?)"


# Text near the date-time layout: every position of a valid value replaced, cut or
# extended, so that each check of the C parser meets a value that fails only it.
VALID = [
    "2025-03-01T08:30:00+08:00",
    "2016-12-31T23:59:60Z",
    "1990-12-31T15:59:60.25-08:00",
    "2024-02-29t00:00:00.123456789z",
    "0000-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59.9-23:59",
]
NOISE = "0123456789-:.+TtZz \x00é٣"


@st.composite
def near_datetimes(draw: st.DrawFn) -> str:
    text = draw(st.one_of(st.sampled_from(VALID), rfc3339_like()))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["replace", "insert", "delete", "cut"]))
        char = draw(st.sampled_from(NOISE))
        if how == "replace":
            text = text[:at] + char + text[at + 1 :]
        elif how == "insert":
            text = text[:at] + char + text[at:]
        elif how == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at]
    return text


@needs_helper
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(near_datetimes(), st.sampled_from(["", None]), st.text(max_size=30)),
        min_size=1,
        max_size=40,
    )
)
def test_datetime_columns_get_the_same_verdicts_and_values(cells: list[str | None]) -> None:
    frame = pl.DataFrame({name: pl.Series(cells, dtype=pl.String) for name in ("t", "o", "m")})
    assert_same(*both(SCHEMA, frame, source_is_text=True))


@needs_helper
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.builds(
            "{}T{}:{}:{}{}".format,
            st.sampled_from(["2016-12-31", "2025-02-28", "2024-02-30"]),
            _TWO,
            _TWO,
            st.one_of(_TWO, st.just("60")),
            st.sampled_from(["+08:00", "Z", "-00:30", "+24:00", ".5Z"]),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_times_of_one_day_take_the_short_path_to_the_same_values(cells: list[str]) -> None:
    """Cells that share their date and offset with the one before differ only in the
    time of day, which the helper then reads alone; leap seconds and bad times included."""
    frame = pl.DataFrame({name: pl.Series(cells, dtype=pl.String) for name in ("t", "o", "m")})
    assert_same(*both(SCHEMA, frame, source_is_text=True))


@needs_helper
@settings(max_examples=100, deadline=None)
@given(shaped_frames(), st.booleans())
def test_shaped_tables_get_the_same_verdicts_and_values(frame: pl.DataFrame, closed: bool) -> None:
    schema = {**SHAPED_SCHEMA, "additionalProperties": not closed}
    assert_same(*both(schema, frame, source_is_text=True))


@needs_helper
def test_days_of_one_month_in_any_order_get_the_same_values() -> None:
    """The helper keeps the last month's first day and length: every day of a month,
    shuffled, the days just past its end, and February of leap and common years one
    after the other (as dates and as date-times)."""
    import random

    days = [
        f"{year}-{month:02d}-{day:02d}"
        for year, month in ((2024, 2), (2023, 2), (2000, 2), (1900, 2), (2025, 4), (2025, 12))
        for day in range(0, 33)
    ]
    random.Random(7).shuffle(days)
    ordered = sorted(days)
    for cells in (days, ordered, [d for pair in zip(days, ordered, strict=True) for d in pair]):
        same_for({"d": {"type": "string", "format": "date"}}, cells)
        stamps = [f"{d}T23:59:59+08:00" for d in cells] + [f"{d}T00:00:00Z" for d in cells]
        frame = pl.DataFrame({name: pl.Series(stamps, dtype=pl.String) for name in ("t", "o")})
        assert_same(*both(SCHEMA, frame, source_is_text=True))


@needs_helper
def test_known_values() -> None:
    cells = [
        *VALID,
        "2025-02-29T00:00:00Z",
        "2025-01-01T24:00:00Z",
        "2025-01-01T08:30:00+24:00",
        "2016-12-31T23:59:60+00:01",
        "2025-01-01 08:30:00Z",
        "",
        None,
        "x" * 40,
    ]
    frame = pl.DataFrame({"t": pl.Series(cells, dtype=pl.String)})
    fast, slow = both(
        {"type": "object", "properties": {"t": SCHEMA["properties"]["t"]}},
        frame,
        source_is_text=True,
    )
    assert_same(fast, slow)
    (issue,) = fast.issues
    assert (issue.keyword, issue.rows, issue.count) == (
        "format",
        (7, 8, 9, 10, 11),
        6,
    )  # the first five rows, and the count
    assert fast.frame.collect()["t"].null_count() == 8


@needs_helper
def test_many_chunks_and_a_slice() -> None:
    """polars hands over a column in chunks, each with its own offset."""
    part = pl.Series([*VALID, "", None, "bad"] * 50, dtype=pl.String)
    chunked = pl.concat([part, part.slice(3, 100), part], rechunk=False)
    assert chunked.n_chunks() == 3
    frame = pl.DataFrame({"t": chunked})
    assert_same(
        *both(SCHEMA | {"properties": {"t": SCHEMA["properties"]["t"]}}, frame, source_is_text=True)
    )


@needs_helper
def test_the_helper_refuses_what_it_cannot_read() -> None:
    from compliance import _native  # type: ignore[attr-defined]

    with pytest.raises(NotImplementedError):
        _native.datetimes(pl.Series([1, 2, 3]).__arrow_c_stream__())
    capsule = pl.Series(["2025-01-01T00:00:00Z"]).__arrow_c_stream__()
    _native.datetimes(capsule)
    with pytest.raises(ValueError, match="already consumed"):
        _native.datetimes(capsule)
    with pytest.raises(ValueError):
        _native.datetimes(object())
    assert native.datetimes(pl.Series([1, 2])) is None  # not text: the polars path


# -- format: date ---------------------------------------------------------------------------

DATES = [
    "2024-02-29",
    "2025-02-29",
    "0000-01-01",
    "9999-12-31",
    "2025-13-01",
    "2025-00-10",
    "2025-1-01",
    "2025-01-01 ",
    "2025-01-01T00:00:00Z",
    "２０２５-01-01",
    "",
]


@needs_helper
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(DATES),
            st.builds(
                "{:04d}-{:02d}-{:02d}".format,
                st.integers(0, 9999),
                st.integers(0, 13),
                st.integers(0, 32),
            ),
            st.none(),
            st.text(max_size=12),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_date_columns_get_the_same_verdicts_and_values(cells: list[str | None]) -> None:
    same_for(
        {
            "d": {"type": "string", "format": "date"},
            "n": {"type": ["string", "null"], "format": "date"},
        },
        cells,
    )


# -- pattern ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$",
        "^[a-z][a-z0-9_]{1,39}$",
        "^[A-Z]{3}$",
        "^[A-Z]{2,5}[0-9]{1,4}$",
        "^P\\.[0-9]+-x?$",
        "^[-a]*b{2,}$",
    ],
)
def test_class_patterns_compile(pattern: str) -> None:
    assert native.compile_pattern(pattern) is not None


@pytest.mark.parametrize(
    "pattern",
    [
        "[A-Z]+",  # not anchored: a search, not a whole-cell match
        "^[A-Z]+",
        "[A-Z]+$",
        "^[A-Z]{2,5}[0-9]{1,4}( *; *[A-Z]{2,5}[0-9]{1,4})*$",  # a group
        "^a|b$",  # alternation
        "^.+$",  # any character
        "^\\d+$",  # \d is Unicode in polars' engine, ASCII in ECMA-262
        "^[^a]+$",  # negated: would have to count characters, not bytes
        "^[a-z--b]+$",  # class difference in polars' engine
        "^[[a]]+$",  # a nested class in polars' engine
        "^[z-a]$",  # an empty range
        "^a{3,1}$",
        "^a{,3}$",
        "^a+?$",  # lazy
        "^a\\$",  # the final $ is escaped
        "^é$",
        "^$",
    ],
)
def test_other_patterns_are_left_to_polars(pattern: str) -> None:
    assert native.compile_pattern(pattern) is None


ATOMS = ["[A-Za-z0-9]", "[a-z0-9_]", "[A-Z]", "[0-9]", "[_.-]", "[-a]", "a", "P", "-", "\\.", " "]
QUANTIFIERS = ["", "?", "*", "+", "{2}", "{0,3}", "{1,}", "{0,39}", "{2,5}"]


@needs_helper
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(ATOMS), st.sampled_from(QUANTIFIERS)), min_size=1, max_size=5
    ),
    st.lists(
        st.one_of(
            st.text("aP0_.-Z9 é\n", max_size=12),
            st.text("aP0_.-", min_size=60, max_size=90),  # past the 63-byte fast path
            st.none(),
        ),
        min_size=1,
        max_size=30,
    ),
)
def test_class_patterns_match_as_polars_does(
    items: list[tuple[str, str]], cells: list[str | None]
) -> None:
    pattern = "^" + "".join(atom + quantifier for atom, quantifier in items) + "$"
    series = pl.Series(cells, dtype=pl.String)
    fast = native.matches(series, pattern)
    assert fast is not None, pattern
    expected = series.str.contains(pattern)
    assert fast.to_list() == expected.to_list(), pattern


@needs_helper
@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.text("Ab0_.-é ", max_size=45), st.none()), min_size=1, max_size=30))
def test_pattern_columns_get_the_same_verdicts(cells: list[str | None]) -> None:
    same_for(
        {
            "id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"},
            "o": {"type": ["string", "null"], "pattern": "^[A-Z]{2,5}[0-9]{1,4}$"},
        },
        cells,
    )


@needs_helper
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text("Ab0_.-é\x00", max_size=18), min_size=1, max_size=6),
    st.lists(st.integers(0, 5), min_size=1, max_size=80),
)
@example(pool=["AbAbAbAb_0", "AbAbAbAb 0", "0AbAbAbAb", "0 bAbAbAb"], picks=[0, 1, 0, 1, 2, 3, 2])
@example(pool=["A0A", "A0 ", "0_A0_A0_A0_A0_A", "0_A0_A0 A0_A0_A"], picks=[0, 1, 1, 0, 2, 3, 2])
def test_repeated_cells_are_answered_as_the_first_time(pool: list[str], picks: list[int]) -> None:
    """The helper remembers its answers for short cells (up to 16 bytes, by their length
    and first and last eight bytes): a few values many times over, alike at both ends."""
    cells = [pool[i % len(pool)] for i in picks]
    series = pl.Series(cells, dtype=pl.String)
    for pattern in ("^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$", "^[A0]{2,9}[_.]?$", "^[0-9]{3}[A-Z]*$"):
        fast = native.matches(series, pattern)
        assert fast is not None, pattern
        assert fast.to_list() == series.str.contains(pattern).to_list(), pattern


@needs_helper
def test_a_hostile_cell_costs_one_pass() -> None:
    """No backtracking: a long cell that almost matches a pattern of stars is linear."""
    import time

    series = pl.Series(["a" * 200_000 + "c"], dtype=pl.String)
    start = time.perf_counter()
    found = native.matches(series, "^a*a*a*a*a*a*a*a*b$")
    assert found is not None and found.to_list() == [False]
    assert time.perf_counter() - start < 5


# -- the number pre-scan ----------------------------------------------------------------------


@needs_helper
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text("-0123456789.", max_size=8),
            st.sampled_from(["", "1e3", "+2", " 3", "٣", "1.", ".5", "-", "12345678901234567890"]),
            st.none(),
        ),
        max_size=30,
    )
)
def test_number_facts_are_those_of_the_polars_probes(cells: list[str | None]) -> None:
    from compliance.validation.columns import _DECIMAL_RE

    series = pl.Series(cells, dtype=pl.String)
    txt = pl.col("n")
    expected = (
        pl.DataFrame({"n": series})
        .select(
            (txt.str.contains(_DECIMAL_RE) | (txt == "")).all().alias("plain"),
            txt.str.contains(".", literal=True).any().alias("dot"),
            txt.str.len_bytes().max().fill_null(0).alias("widest"),
        )
        .row(0)
    )
    assert native.decimals(series) == expected


# -- CSV field counts -------------------------------------------------------------------------


@needs_helper
@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text('ab,"\r é', max_size=10), max_size=12),
    st.booleans(),
    st.integers(1, 4),
    st.one_of(st.none(), st.integers(0, 5)),
    st.booleans(),
)
def test_field_counts_are_those_of_the_polars_check(
    tmp_path_factory: Any,
    lines: list[str],
    final_break: bool,
    width: int,
    limit: int | None,
    wide: bool,
) -> None:
    from compliance.evidence import tables

    path = tmp_path_factory.mktemp("csv") / "t.csv"
    text = "\n".join(["h", *lines]) + ("\n" if final_break else "")
    path.write_bytes(text.encode("utf-8"))
    mp = pytest.MonkeyPatch()
    try:
        if wide:
            mp.setattr(tables, "_WIDE", 0)
        row = tables._csv_field_check(path, width, limit).collect().row(0, named=True)
    finally:
        mp.undo()
    expected = (list(row["lines"] or []), int(row["count"] or 0), bool(row["multiline"]))
    assert native.csv_fields(path, width, limit, wide=wide, report=5) == expected
    # The same from the content already in memory (as the table reader passes it).
    data = path.read_bytes()
    assert native.csv_fields(path, width, limit, wide=wide, report=5, data=data) == expected


@needs_helper
def test_short_rows_are_found_by_either_path(tmp_path: Any) -> None:
    """A padded row is a fatal parse issue naming its line, with and without the helper."""
    from compliance.evidence.tables import _read_csv

    path = tmp_path / "t.csv"
    path.write_text('a,b,c\n1,2,3\n4,5\n"x,y",7,8\n\n9,"1\n0",\n', encoding="utf-8")
    found = []
    for pure in ("", "1"):
        mp = pytest.MonkeyPatch()
        mp.setenv(PURE_PYTHON_ENV, pure) if pure else mp.delenv(PURE_PYTHON_ENV, raising=False)
        try:
            found.append(_read_csv("t.csv", path, None).issues)
        finally:
            mp.undo()
    assert found[0] == found[1]
    (issue,) = found[0]
    assert (issue.rows, issue.count) == ((3,), 1)


@needs_helper
def test_the_helpers_run_on_several_threads_at_once() -> None:
    """Indicators share threads and the helpers release the GIL: concurrent calls on one
    column give the results a lone call gives."""
    import threading

    cells = [*VALID, "2024-02-29", "P0000001", "", None, "13800138000 x", "1.5"] * 3000
    series = pl.Series(cells, dtype=pl.String)
    pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"

    def results() -> list[Any]:
        return [
            native.datetimes(series),
            native.dates(series),
            native.matches(series, pattern),
            native.digit_runs(series, 11),
            native.decimals(series),
            native.padded(series),
        ]

    alone = results()
    differ: list[int] = []

    def work() -> None:
        for _ in range(10):
            for got, want in zip(results(), alone, strict=True):
                same = (
                    got.equals(want, null_equal=True) if isinstance(got, pl.Series) else got == want
                )
                if not same:
                    differ.append(1)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not differ


# -- enum ---------------------------------------------------------------------------------------


@needs_helper
@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["completed", "interrupted", "é", "", "1", "true", "completed "]),
            st.text("abcé1 ", max_size=6),
            st.none(),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_enum_columns_get_the_same_verdicts(cells: list[str | None]) -> None:
    same_for(
        {
            "s": {"type": "string", "enum": ["completed", "interrupted", "é", ""]},
            # A null member matches no text cell (an empty one is absent): the helper
            # takes the strings.
            "n": {"type": ["string", "null"], "enum": ["completed", None]},
            "z": {"type": ["string", "null"], "enum": [None]},
            "k": {"const": None},
            "w": {"enum": ["true", "1", "completed", None]},  # "true" reads as a boolean
            "c": {"type": "string", "const": "1"},
            "u": {"enum": ["true", "1", "abc"]},  # untyped: "1" reads as a number
            "m": {"type": ["string", "integer"], "enum": ["a", 1]},  # mixed: polars path
        },
        cells,
    )


@needs_helper
def test_members_is_is_in() -> None:
    series = pl.Series(["a", "ab", None, "", "é", "a" * 20, "a" * 19], dtype=pl.String)
    strings = ["a", "", "é", "a" * 20]
    assert native.members(series, strings).to_list() == series.is_in(strings).to_list()
    assert native.members(series, ["x"] * 257) is None  # more than the helper takes


@needs_helper
@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.text("ab\x00é", max_size=14), st.none()), max_size=30),
    st.lists(st.text("ab\x00é", max_size=14), max_size=12),
)
@example(
    cells=["abababab_a", "abababab a", "abababab_a", "ab", "a\x00", "ab", "abababab a"] * 3,
    strings=["abababab_a", "ab"],
)
def test_members_is_is_in_for_strings_alike_in_their_first_bytes(
    cells: list[str | None], strings: list[str]
) -> None:
    """The helper compares a cell's length and first eight bytes before the rest, and
    remembers its answers for short cells (by their length and first and last eight
    bytes): cells that share a prefix, lengths around eight bytes, NUL and multi-byte
    characters, repeated."""
    series = pl.Series(cells, dtype=pl.String)
    found = native.members(series, strings)
    assert found is not None
    assert found.to_list() == series.is_in(strings).to_list()


# -- surrounding white space ------------------------------------------------------------------

#: Every character of Unicode's White_Space property, and some that are not in it but look
#: alike (zero-width space, the information separators Python's str.isspace accepts).
_SPACES = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"
_NEAR_SPACES = "\u200b\x1c\x1f\u180e\ufeff"


@needs_helper
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(_SPACES + _NEAR_SPACES + "aé中", max_size=6),
            st.text("abc-_ 中", max_size=20),  # past the 12 bytes a view holds inline
        ),
        max_size=12,
    )
)
def test_padded_says_whether_strip_chars_changes_a_cell(cells: list[str | None]) -> None:
    series = pl.Series(cells, dtype=pl.String)
    assert native.padded(series) is bool((series.str.strip_chars() != series).any())


@needs_helper
@pytest.mark.parametrize("space", list(_SPACES))
def test_padded_knows_every_white_space_character(space: str) -> None:
    for cell in (space + "x", "x" + space, "中" + space, space + "中"):
        assert native.padded(pl.Series([cell])) is True, repr(cell)
    for near in _NEAR_SPACES:
        assert native.padded(pl.Series([near + "x" + near])) is False, repr(near)


# -- minLength / maxLength ----------------------------------------------------------------------


@needs_helper
@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text("aé中😀", max_size=9), st.none()), max_size=20))
def test_byte_lengths_are_the_shortest_and_longest_cell(cells: list[str | None]) -> None:
    """Also over several chunks and from an offset into one (a slice), since the helper
    reads the lengths straight from the views or offsets."""
    series = pl.Series(cells, dtype=pl.String)
    for column in (
        series,
        series.slice(1),
        pl.concat([series, pl.Series(["x" * 13, None], dtype=pl.String)], rechunk=False),
        pl.Series(cells, dtype=pl.String).cast(pl.Categorical).cast(pl.String),
    ):
        sizes = column.str.len_bytes().drop_nulls()
        expected = (int(sizes.min()), int(sizes.max())) if sizes.len() else (-1, -1)  # type: ignore[arg-type]
        assert native.byte_lengths(column) == expected


@needs_helper
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(["", "a", "ab", "é", "中中", "😀", "😀😀", "abcd"]), st.none()),
        min_size=1,
        max_size=12,
    )
)
def test_length_keywords_get_the_same_verdicts(cells: list[str | None]) -> None:
    """Where the byte lengths of a column's cells settle a length keyword, no character
    is counted: the verdicts are the character counts' (four-byte characters included)."""
    same_for(
        {
            "a": {"type": "string", "minLength": 1, "maxLength": 2},
            "b": {"type": "string", "minLength": 2},
            "c": {"type": "string", "maxLength": 4},
            "d": {"type": ["string", "integer"], "minLength": 1, "maxLength": 1},
            "e": {"type": "string", "minLength": 0, "maxLength": 0},
        },
        cells,
    )


@needs_helper
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text("a,é€\r", min_size=0, max_size=90), min_size=1, max_size=8),
    st.integers(1, 40),
)
def test_long_lines_without_quotes_are_counted_like_the_polars_check(
    tmp_path_factory: Any, lines: list[str], width: int
) -> None:
    """Lines without a quote take the helper's comma count (count_byte): lines of every
    length up to 90 characters, carriage returns and multi-byte characters included
    (the euro sign's last byte is a comma with its high bit set), get the polars
    check's answer."""
    from compliance.evidence import tables

    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_bytes(("\n".join(["h", *lines]) + "\n").encode("utf-8"))
    row = tables._csv_field_check(path, width, None).collect().row(0, named=True)
    expected = (list(row["lines"] or []), int(row["count"] or 0), bool(row["multiline"]))
    assert native.csv_fields(path, width, None, wide=False, report=5) == expected
