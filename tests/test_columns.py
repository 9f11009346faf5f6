"""Column-wise validation: keyword semantics, typed output, issues, agreement with jsonschema."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from compliance.evidence.model import Issue
from compliance.validation.columns import ColumnValidator, ValidationResult
from compliance.validation.messages import describe, issue_from_error, json_pointer

SECRET = "13800138000"  # a phone number: must never appear in a message


def text_frame(**columns: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame({k: pl.Series(v, dtype=pl.String) for k, v in columns.items()})


def run(
    schema: dict[str, Any], frame: pl.DataFrame, *, text: bool = True, **kwargs: Any
) -> ValidationResult:
    return ColumnValidator(schema, **kwargs).validate(frame, path="t.csv", source_is_text=text)


def by_key(result: ValidationResult) -> dict[tuple[str | None, str], Issue]:
    return {(i.column, i.keyword): i for i in result.issues}


def obj(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, **extra}


# -- types from text ----------------------------------------------------------------------


def test_text_cells_are_parsed_by_declared_type() -> None:
    schema = obj(
        {
            "i": {"type": "integer"},
            "n": {"type": "number"},
            "b": {"type": "boolean"},
            "s": {"type": "string"},
        }
    )
    frame = text_frame(
        i=["12", "1.0", "-7", "1.5", "x", ""],
        n=["1.5", "3", "1e3", "-0.25", "nan", None],
        b=["true", "False", "TRUE", "yes", "1", "false"],
        s=["12", "a", "", "true", "中文", "x"],
    )
    result = run(schema, frame)
    issues = by_key(result)
    assert issues[("i", "type")].rows == (4, 5)
    assert issues[("n", "type")].rows == (5,)
    assert issues[("b", "type")].rows == (4, 5)
    assert ("s", "type") not in issues
    out = result.frame.collect()
    assert out.schema["i"] == pl.Int64
    assert out.schema["n"] == pl.Float64
    assert out.schema["b"] == pl.Boolean
    assert out["i"].to_list() == [12, 1, -7, None, None, None]
    assert out["n"].to_list() == [1.5, 3.0, 1000.0, -0.25, None, None]
    assert out["b"].to_list() == [True, False, True, None, None, False]
    assert out["s"].to_list() == ["12", "a", None, "true", "中文", "x"]
    assert result.rows == 6


def test_union_types_and_natural_reading_of_misfits() -> None:
    # "abc" in a number column is a string: it fails `type`, not `minimum`.
    schema = obj({"v": {"type": ["integer", "string"]}, "m": {"type": "number", "minimum": 0}})
    frame = text_frame(v=["3", "abc", "2.5"], m=["abc", "-1", "5"])
    issues = by_key(run(schema, frame))
    assert ("v", "type") not in issues  # 2.5 is read as the string "2.5"
    assert issues[("m", "type")].rows == (1,)
    assert issues[("m", "minimum")].rows == (2,)


def test_typed_source_uses_dtypes() -> None:
    schema = obj({"i": {"type": "integer"}, "s": {"type": "string"}, "f": {"type": "integer"}})
    frame = pl.DataFrame({"i": [1, 2, None], "s": [1, 2, 3], "f": [1.0, 2.5, None]})
    result = run(schema, frame, text=False)
    issues = by_key(result)
    assert ("i", "type") not in issues
    assert issues[("s", "type")].count == 3
    assert issues[("f", "type")].rows == (2,)
    assert result.frame.collect()["f"].to_list() == [1, None, None]


# -- keywords -----------------------------------------------------------------------------


def test_numeric_bounds_and_enum_const() -> None:
    schema = obj(
        {
            "a": {"type": "number", "minimum": 0, "maximum": 10},
            "b": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
            "c": {"enum": ["open", "closed"]},
            "d": {"type": "integer", "enum": [1, 2]},
            "e": {"type": "string", "const": "yes"},
        }
    )
    frame = text_frame(
        a=["0", "10", "-0.1", "10.5", "5"],
        b=["0", "10", "1", "9", "5"],
        c=["open", "OPEN", "closed", None, "x"],
        d=["1", "2.0", "3", "2", "1"],
        e=["yes", "no", "yes", "", "yes"],
    )
    issues = by_key(run(schema, frame))
    assert issues[("a", "minimum")].rows == (3,)
    assert issues[("a", "maximum")].rows == (4,)
    assert issues[("b", "exclusiveMinimum")].rows == (1,)
    assert issues[("b", "exclusiveMaximum")].rows == (2,)
    assert issues[("c", "enum")].rows == (2, 5)
    assert issues[("d", "enum")].rows == (3,)  # 2.0 == 2 in JSON Schema
    assert issues[("e", "const")].rows == (2,)


def test_lengths_count_code_points() -> None:
    schema = obj({"s": {"type": "string", "minLength": 2, "maxLength": 3}})
    frame = text_frame(s=["中文", "😀", "😀😀😀", "abcd", "é"])
    issues = by_key(run(schema, frame))
    assert issues[("s", "minLength")].rows == (2, 5)
    assert issues[("s", "maxLength")].rows == (4,)


def test_pattern_is_an_unanchored_search() -> None:
    schema = obj({"s": {"type": "string", "pattern": "b+"}})
    issues = by_key(run(schema, text_frame(s=["abc", "xyz", "bbb"])))
    assert issues[("s", "pattern")].rows == (2,)


def test_pattern_polars_cannot_compile_falls_back_to_python_re() -> None:
    schema = obj({"s": {"type": "string", "pattern": r"^(?!admin)\w+$"}})
    frame = text_frame(s=["alice", "admin1", "bob", "admin1", None])
    issues = by_key(run(schema, frame))
    assert issues[("s", "pattern")].rows == (2, 4)
    assert issues[("s", "pattern")].count == 2


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("date", ["2024-02-29", "2023-12-31"], ["2023-02-29", "2024-1-01", " 2024-01-01", "x"]),
        (
            "date-time",
            ["2024-01-01T08:00:00+08:00", "2024-01-01t00:00:00.5z", "2024-01-01T00:00:00Z"],
            [
                "2024-01-01 08:00:00+08:00",
                "2024-01-01T08:00:00",
                "2024-01-01T25:00:00Z",
                "2024-01-01T08:00:00+0800",
            ],
        ),
        (
            "time",
            ["08:30:00Z", "23:59:60Z", "07:59:60+08:00", "00:00:00.123-05:00"],
            # A leap second is only valid at 23:59 UTC (RFC 3339, as the test suite says).
            ["8:30:00Z", "08:30:00", "24:00:00Z", "23:59:60+08:00"],
        ),
        ("email", ["a@b.cn", "x.y@localhost"], ["a", "a@@b", "a b@c"]),
        (
            "uuid",
            ["123e4567-e89b-12d3-a456-426614174000"],
            ["123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g"],
        ),
        ("ipv4", ["192.168.1.1", "0.0.0.0"], ["256.1.1.1", "01.2.3.4", "1.2.3"]),
    ],
)
def test_formats(fmt: str, good: list[str], bad: list[str]) -> None:
    schema = obj({"v": {"type": "string", "format": fmt}})
    result = run(schema, text_frame(v=good + bad))
    issue = by_key(result)[("v", "format")]
    assert issue.rows == tuple(range(len(good) + 1, len(good) + len(bad) + 1))
    assert issue.message == "column 'v' " + describe("format", fmt)


# (clock, offset, valid): second 60 is only valid at 23:59 UTC, whatever the offset it is
# written in (RFC 3339 5.7 and the JSON Schema Test Suite; jsonschema's own format checker
# rejects every leap second, so it is no reference here).
LEAP_CASES = [
    ("23:59:60", "Z", True),
    ("23:59:60.25", "z", True),
    ("15:59:60", "-08:00", True),
    ("07:59:60", "+08:00", True),
    ("23:58:60", "Z", False),
    ("23:59:60", "+00:30", False),
    ("00:29:60", "+00:30", True),
    ("00:00:60", "Z", False),
    ("23:59:59", "+23:59", True),
    ("12:00:00", "-00:00", True),
]


@pytest.mark.parametrize("fmt", ["time", "date-time"])
@pytest.mark.parametrize("source", ["csv", "jsonl"])
def test_leap_seconds_only_at_2359_utc(fmt: str, source: str) -> None:
    prefix = "1998-12-31T" if fmt == "date-time" else ""
    values = [prefix + clock + zone for clock, zone, _ in LEAP_CASES]
    expected = tuple(n for n, (_, _, valid) in enumerate(LEAP_CASES, 1) if not valid)
    schema = obj({"v": {"type": "string", "format": fmt}})
    result = ColumnValidator(schema).validate(
        pl.DataFrame({"v": values}), path="t.csv", source_is_text=source == "csv"
    )
    issue = by_key(result)[("v", "format")]
    assert (issue.rows, issue.count) == (expected, len(expected))


def _chrono(txt: pl.Expr) -> pl.Expr:
    """The reference: chrono's generic RFC 3339 parsing, as polars exposes it."""
    return (
        txt.str.replace("t", "T", literal=True)
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", time_unit="us", strict=False)
        .dt.replace_time_zone(None)
    )


_TWO = st.integers(0, 99).map("{:02d}".format)


@st.composite
def rfc3339_like(draw: st.DrawFn) -> str:
    """Text the date-time regex accepts, impossible values (Feb 30, hour 24, offset
    +24:00, second 61) and leap seconds included."""
    year = draw(st.sampled_from(["0001", "1970", "1998", "2000", "2024", "2100", "9999"]))
    month = draw(st.one_of(st.sampled_from(["01", "02", "12"]), _TWO))
    day = draw(st.one_of(st.sampled_from(["01", "28", "29", "30", "31"]), _TWO))
    hour = draw(st.one_of(st.sampled_from(["00", "23", "24"]), _TWO))
    minute = draw(st.one_of(st.sampled_from(["00", "59", "60"]), _TWO))
    second = draw(st.one_of(st.sampled_from(["00", "59", "60", "61"]), _TWO))
    sep = draw(st.sampled_from(["T", "t"]))
    fraction = draw(st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=9)))
    fraction = "." + fraction if fraction else ""
    zone = draw(
        st.one_of(
            st.sampled_from(["Z", "z", "+00:00", "-00:00", "+08:00", "+23:59", "+24:00"]),
            st.builds("{}{}:{}".format, st.sampled_from("+-"), _TWO, _TWO),
        )
    )
    return f"{year}-{month}-{day}{sep}{hour}:{minute}:{second}{fraction}{zone}"


@settings(max_examples=300, deadline=None)
@given(st.lists(rfc3339_like(), min_size=1, max_size=40))
def test_datetime_parsing_matches_chrono(values: list[str]) -> None:
    from compliance.validation.columns import _DATETIME_RE, _datetime_from_text

    frame = pl.DataFrame({"t": values})
    assert frame.select(pl.col("t").str.contains(_DATETIME_RE).all()).item()
    out = frame.select(
        _datetime_from_text(pl.col("t")).alias("fast"), _chrono(pl.col("t")).alias("chrono")
    )
    # Compared in polars: 0001-01-01T00:00:00+08:00 is year 0 in UTC, which Python's
    # datetime cannot hold.
    assert out.select(pl.col("fast").eq_missing(pl.col("chrono")).all()).item(), values


@settings(max_examples=200, deadline=None)
@given(
    st.lists(rfc3339_like(), min_size=1, max_size=30),
    st.sampled_from(["Z", "z", "+08:00", "-05:30", "+00:00", "-00:00", "+23:59"]),
)
def test_one_offset_columns_take_the_short_paths_to_the_same_values(
    values: list[str], zone: str
) -> None:
    """A column whose values share one offset and have no fraction is parsed without
    reading either per value, and in the strict layout with one fixed format; the values
    are the same as the general parse's."""
    from compliance.validation.columns import (
        _DATETIME_RE,
        _STRICT_LOCAL_RE,
        _datetime_from_text,
        _text_shapes,
    )

    # The generated local parts, re-zoned to one offset and without fractions.
    same = [v[:19] + zone for v in values]
    frame = pl.DataFrame({"t": same})
    shape = _text_shapes(frame, ["t"], [])["t"]
    if zone.lower() == "z":
        assert shape.offset == 0
    else:
        assert shape.offset == (-1 if zone[0] == "-" else 1) * (int(zone[1:3]) * 60 + int(zone[4:]))
    tail = "Z" if same[0].endswith("Z") else same[0][-6:]
    strict = all(re.match(_STRICT_LOCAL_RE + re.escape(tail) + "$", v) for v in same)
    assert shape.tail == (zone if strict else None)
    assert not strict or not any(v[17:19] == "60" for v in same)
    out = frame.select(
        _datetime_from_text(pl.col("t"), shape.offset).alias("short"),
        _datetime_from_text(pl.col("t"), shape.offset, tail=shape.tail).alias("fixed"),
        _datetime_from_text(pl.col("t")).alias("general"),
        pl.col("t").str.contains(_DATETIME_RE).alias("valid"),
    ).filter("valid")
    assert out.select(pl.col("short").eq_missing(pl.col("general")).all()).item(), same
    assert out.select(pl.col("fixed").eq_missing(pl.col("general")).all()).item(), same


@pytest.mark.parametrize(
    ("values", "offset", "tail"),
    [
        (["2025-01-01T00:00:00+08:00", None, "2025-01-02T00:00:00+08:00"], 480, "+08:00"),
        (["", "2025-01-01T00:00:00+08:00", "", "2025-01-02T23:59:59+08:00"], 480, "+08:00"),
        (["2025-01-01T00:00:00+08:00", "2025-01-02T23:59:60+08:00"], 480, None),  # leap
        (["2025-01-01T00:00:00Z", "2025-01-01T00:00:00z"], 0, None),  # z is not strict
        (["2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z"], 0, "Z"),
        (["2025-01-01t00:00:00+08:00", "2025-01-01T00:00:00+08:00"], 480, None),
        (["2025-01-01T00:00:00+08:00", "2025-01-01T00:00:00+09:00"], None, None),
        (["2025-01-01T00:00:00.5+08:00", "2025-01-01T00:00:00+08:00"], None, None),
        (["2025-01-01T00:00:00+24:00"], None, None),  # not a possible offset
        ([None, None], None, None),
    ],
)
def test_datetime_shapes(values: list[str | None], offset: int | None, tail: str | None) -> None:
    from compliance.validation.columns import _Shape, _text_shapes

    frame = pl.DataFrame({"t": values}, schema={"t": pl.String})
    shape = _text_shapes(frame, ["t"], []).get("t", _Shape())
    assert (shape.offset, shape.tail) == (offset, tail)


@pytest.mark.parametrize(
    ("values", "decimals", "integers"),
    [
        (["1", "-20", None, "", "007"], True, True),
        (["1", "2.5", "-0.125"], True, False),
        (["1", "123456789012345678"], True, True),
        (["1", "1234567890123456789"], True, False),  # might not fit an Int64
        (["1", "1e3"], False, False),
        (["1", "+2"], False, False),
        (["1", " 2"], False, False),
        (["1", "2."], False, False),
        (["1", "true"], False, False),
        ([None, None], True, True),
    ],
)
def test_number_shapes(values: list[str | None], decimals: bool, integers: bool) -> None:
    from compliance.validation.columns import _Shape, _text_shapes

    frame = pl.DataFrame({"n": values}, schema={"n": pl.String})
    shape = _text_shapes(frame, [], ["n"]).get("n", _Shape())
    assert (shape.decimals, shape.integers) == (decimals, integers)


SHAPED_SCHEMA = obj(
    {
        "i": {"type": "integer", "minimum": 0, "maximum": 1000},
        "x": {"type": "number", "exclusiveMinimum": -5, "maximum": 100},
        "u": {"type": ["integer", "string"], "enum": [7, "7", "a"]},
        "m": {"type": ["number", "boolean", "null"]},
        "t": {"type": "string", "format": "date-time"},
        "o": {"type": ["string", "null"], "format": "date-time"},
        # text columns, every cell present or not (the "full" shortcut of _masks)
        "s": {"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^[a-c7]+$"},
        "e": {"enum": ["a", "bb", 7, None]},
        "c": {"type": ["string", "null"], "const": "a", "minimum": 3},
        "q": {"type": ["null"], "enum": ["a", 7]},
        "f": False,
    },
    required=["s", "f"],
)
PLAIN_NUMBERS = st.one_of(
    st.integers(-10, 2000).map(str),
    st.sampled_from(["007", "-0", "0", "123456789012345678", "1234567890123456789"]),
    st.decimals(-10, 200, places=3, allow_nan=False).map(str),
)
OTHER_NUMBERS = st.sampled_from(["1e3", "+2", " 3", "2.", ".5", "true", "abc", "1_0", "٣", "inf"])
STRICT_TIMES = st.builds(
    "2025-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}+08:00".format,
    st.integers(1, 13),
    st.integers(1, 31),
    st.integers(0, 24),
    st.sampled_from([0, 59, 60]),
    st.sampled_from([0, 30, 59, 60]),
)
OTHER_TIMES = st.sampled_from(
    ["2025-01-01t00:00:00+08:00", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00.5+08:00", "x"]
)


@st.composite
def shaped_frames(draw: st.DrawFn) -> pl.DataFrame:
    """Text columns that are mostly in the shapes _text_shapes recognises, sometimes not."""
    height = draw(st.integers(1, 12))

    def column(plain: st.SearchStrategy[str], other: st.SearchStrategy[str]) -> list[str | None]:
        mixed = draw(st.integers(0, 3)) == 0
        cell = st.one_of(plain, other) if mixed else plain
        return [
            draw(st.one_of(cell, st.sampled_from(["", None])) if draw(st.booleans()) else cell)
            for _ in range(height)
        ]

    return text_frame(
        i=column(PLAIN_NUMBERS, OTHER_NUMBERS),
        x=column(PLAIN_NUMBERS, OTHER_NUMBERS),
        u=column(PLAIN_NUMBERS, st.sampled_from(["a", "7", "b"])),
        m=column(PLAIN_NUMBERS, OTHER_NUMBERS),
        t=column(STRICT_TIMES, OTHER_TIMES),
        o=column(STRICT_TIMES, OTHER_TIMES),
        z=column(st.sampled_from(["a", "b"]), st.just("")),  # not in the schema
        **{
            name: column(st.sampled_from(["a", "bb", "ccc", "7"]), st.sampled_from(["abcd", "x"]))
            for name in "secqf"
        },
    )


@settings(max_examples=100, deadline=None)
@given(shaped_frames(), st.booleans())
def test_shape_shortcuts_change_nothing(frame: pl.DataFrame, closed: bool) -> None:
    """The pre-scan's shortcuts (plain numbers, strict one-offset date-times, columns
    without empty strings, skipped type checks) give the same issues and the same typed
    table as the general path."""
    from unittest import mock

    schema = {**SHAPED_SCHEMA, "additionalProperties": not closed}
    fast = run(schema, frame)
    with mock.patch("compliance.validation.columns._text_shapes", return_value={}):
        general = run(schema, frame)
    assert fast.issues == general.issues
    assert fast.frame.collect().equals(general.frame.collect(), null_equal=True)


def test_datetimes_become_naive_utc_and_dates_become_dates() -> None:
    schema = obj(
        {"t": {"type": "string", "format": "date-time"}, "d": {"type": "string", "format": "date"}}
    )
    result = run(
        schema,
        text_frame(
            t=["2024-01-01T08:00:00+08:00", "2024-01-01T00:00:00.25Z", "2024-01-01T08:00:00"],
            d=["2024-02-29", "", "2024-02-30"],
        ),
    )
    out = result.frame.collect()
    assert out.schema["t"] == pl.Datetime("us")
    assert out.schema["d"] == pl.Date
    assert out["t"].to_list() == [
        dt.datetime(2024, 1, 1),
        dt.datetime(2024, 1, 1, 0, 0, 0, 250000),
        None,
    ]
    assert out["d"].to_list() == [dt.date(2024, 2, 29), None, None]


def test_typed_datetime_with_zone_is_converted_to_naive_utc() -> None:
    schema = obj({"t": {"type": "string", "format": "date-time"}})
    frame = pl.DataFrame({"t": [dt.datetime(2024, 1, 1, 8)]}).with_columns(
        pl.col("t").dt.replace_time_zone("Asia/Shanghai")
    )
    result = run(schema, frame, text=False)
    assert result.issues == []
    assert result.frame.collect()["t"].to_list() == [dt.datetime(2024, 1, 1, 0)]


# -- required, additional, reported rows --------------------------------------------------


def test_required_column_missing_is_fatal_and_empty_cell_is_a_violation() -> None:
    schema = obj(
        {"a": {"type": "string"}, "b": {"type": ["string", "null"]}, "c": {"type": "integer"}},
        required=["a", "b", "c"],
    )
    result = run(schema, text_frame(a=["x", "", None], b=["y", "", None]))
    issues = by_key(result)
    assert issues[("c", "required")].fatal
    assert not issues[("a", "required")].fatal
    assert issues[("a", "required")].rows == (2, 3)
    assert ("b", "required") not in issues  # null is allowed, an empty cell is null
    out = result.frame.collect()
    assert out.columns == ["a", "b", "c"]
    assert out.schema["c"] == pl.Int64


def test_additional_properties_false_reports_each_unexpected_column() -> None:
    schema = obj({"a": {"type": "string"}}, additionalProperties=False)
    result = run(schema, text_frame(a=["1", "2"], x=["", "v"], y=["", None], z=["q", "r"]))
    issues = by_key(result)
    assert issues[("x", "additionalProperties")].rows == (2,)
    assert issues[("z", "additionalProperties")].count == 2
    assert ("y", "additionalProperties") not in issues  # never present in any row
    assert not any(i.fatal for i in result.issues)
    assert result.frame.collect()["z"].to_list() == ["q", "r"]  # kept as-is


def test_additional_and_pattern_properties_schemas_apply_to_other_columns() -> None:
    schema = obj(
        {"a": {"type": "string"}},
        patternProperties={"^n_": {"type": "integer"}},
        additionalProperties={"type": "string", "maxLength": 2},
    )
    result = run(schema, text_frame(a=["x"], n_1=["x"], other=["abc"]))
    issues = by_key(result)
    assert ("n_1", "type") in issues
    assert ("other", "maxLength") in issues


def test_rows_are_capped_but_counted_and_follow_the_row_column() -> None:
    schema = obj({"v": {"type": "integer"}})
    frame = text_frame(v=["x"] * 8).with_columns(
        pl.Series("__row", [10, 11, 12, 13, 14, 15, 16, 17])
    )
    result = run(schema, frame)
    issue = by_key(result)[("v", "type")]
    assert issue.count == 8
    assert issue.rows == (10, 11, 12, 13, 14)
    assert result.frame.collect()["__row"].to_list() == list(range(10, 18))


def test_messages_never_contain_cell_values() -> None:
    schema = obj(
        {
            "phone": {
                "type": "integer",
                "maxLength": 3,
                "pattern": "^1$",
                "enum": [1],
                "format": "date",
                "multipleOf": 7,
                "not": {"type": "string"},
            },
        },
        required=["phone"],
        dependentRequired={"phone": ["name"]},
        additionalProperties=False,
    )
    result = run(schema, text_frame(phone=[SECRET, f"x{SECRET}"], **{SECRET: [SECRET, None]}))
    assert result.issues
    for issue in result.issues:
        assert SECRET not in issue.message or issue.keyword == "additionalProperties"
    # an unexpected column's *name* is shown (it is structure); its values never are
    extra = by_key(result)[(SECRET, "additionalProperties")]
    assert extra.message.count(SECRET) == 1


# -- slow path: $ref, keywords polars does not evaluate, row keywords ---------------------


def test_ref_to_local_defs_and_to_registry_schema() -> None:
    common = {
        "$id": "https://example.invalid/common.json",
        "$defs": {
            "code": {"type": "string", "pattern": "^D-[0-9]{3}$"},
            "even": {"type": "integer", "multipleOf": 2},
        },
    }
    registry: Registry[Any] = Registry().with_resource(
        common["$id"], Resource.from_contents(common, default_specification=DRAFT202012)
    )
    schema = {
        "$id": "https://example.invalid/row.json",
        "type": "object",
        "$defs": {"level": {"type": "integer", "minimum": 1, "maximum": 3}},
        "properties": {
            "device": {"$ref": "common.json#/$defs/code"},
            "level": {"$ref": "#/$defs/level"},
            "floor": {"$ref": "common.json#/$defs/even", "maximum": 10},
        },
    }
    frame = text_frame(
        device=["D-001", "X-1", "D-002"], level=["1", "4", "x"], floor=["2", "3", "12"]
    )
    result = run(schema, frame, registry=registry)
    issues = by_key(result)
    assert issues[("device", "pattern")].rows == (2,)
    assert issues[("level", "maximum")].rows == (2,)
    assert issues[("level", "type")].rows == (3,)
    assert issues[("floor", "multipleOf")].rows == (2,)
    assert issues[("floor", "maximum")].rows == (3,)
    assert result.frame.collect()["level"].to_list() == [1, None, None]


def test_ref_and_sibling_defining_the_same_keyword_both_apply() -> None:
    schema = {
        "type": "object",
        "$defs": {"short": {"type": "string", "maxLength": 5}},
        "properties": {"s": {"$ref": "#/$defs/short", "maxLength": 3}},
    }
    issues = by_key(run(schema, text_frame(s=["abc", "abcd", "abcdef"])))
    assert issues[("s", "maxLength")].rows == (2, 3)


def test_combinators_run_once_per_distinct_value() -> None:
    schema = obj(
        {
            "k": {"type": "integer", "oneOf": [{"multipleOf": 2}, {"multipleOf": 3}]},
            "s": {"not": {"enum": ["forbidden"]}},
        }
    )
    frame = text_frame(k=["2", "3", "6", "7", "6"], s=["ok", "forbidden", None, "ok", "x"])
    issues = by_key(run(schema, frame))
    assert issues[("k", "oneOf")].rows == (3, 4, 5)
    assert issues[("k", "oneOf")].message == "column 'k' " + describe("oneOf", None)
    assert issues[("s", "not")].rows == (2,)


def test_false_property_schema_forbids_the_column() -> None:
    issues = by_key(run(obj({"x": False}), text_frame(x=["", "a"])))
    assert issues[("x", "false")].rows == (2,)


def test_row_level_keywords_use_jsonschema_per_row() -> None:
    schema = obj({"a": {"type": "string"}, "b": {"type": "string"}}, dependentRequired={"a": ["b"]})
    result = run(schema, text_frame(a=["x", "y", ""], b=["1", "", ""]))
    issue = by_key(result)[(None, "dependentRequired")]
    assert issue.rows == (2,)
    assert issue.message.startswith("row ")


def test_row_level_conditionals_see_typed_values() -> None:
    schema = obj(
        {"kind": {"type": "string"}, "level": {"type": "integer"}, "ok": {"type": "boolean"}},
        **{
            "if": {"properties": {"kind": {"const": "fire"}}, "required": ["kind"]},
            "then": {"properties": {"level": {"minimum": 2}, "ok": {"const": True}}},
        },
    )
    frame = text_frame(
        kind=["fire", "fire", "flood", "fire", "fire"],
        level=["3", "1", "1", "2", ""],
        ok=["true", "true", "false", "false", ""],
    )
    issue = by_key(run(schema, frame))[(None, "then")]
    assert issue.rows == (2, 4)


def test_unevaluated_properties_see_the_whole_row_schema() -> None:
    schema = obj({"a": {"type": "string"}}, unevaluatedProperties=False)
    result = run(schema, text_frame(a=["x", "y", "z"], b=["", "1", None]))
    assert [(i.keyword, i.rows) for i in result.issues] == [("unevaluatedProperties", (2,))]


def test_untyped_properties_read_text_by_what_their_keywords_imply() -> None:
    schema = obj({"level": {"enum": [1, 2]}, "code": {"enum": ["1", "2"]}, "size": {"minimum": 3}})
    frame = text_frame(level=["1", "3", "x"], code=["1", "3", "2"], size=["5", "1", "big"])
    issues = by_key(run(schema, frame))
    assert issues[("level", "enum")].rows == (2, 3)
    assert issues[("code", "enum")].rows == (2,)
    assert issues[("size", "minimum")].rows == (2,)


def test_required_column_without_a_property_schema() -> None:
    schema = {"type": "object", "required": ["x"]}
    issues = by_key(run(schema, text_frame(x=["1", ""], y=["", ""])))
    assert issues[("x", "required")].rows == (2,)


def test_conflicting_ref_keywords_get_a_generic_message() -> None:
    schema = {
        "type": "object",
        "$defs": {"s": {"maxLength": 5}},
        "properties": {"s": {"$ref": "#/$defs/s", "maxLength": 3}},
    }
    issue = by_key(run(schema, text_frame(s=["abcd"])))[("s", "maxLength")]
    assert issue.message == "column 's' fails one of its 'maxLength' constraints"


def test_invalid_schema_is_rejected_up_front() -> None:
    with pytest.raises(Exception, match="type"):
        ColumnValidator({"type": "object", "properties": {"a": {"type": "bogus"}}})


# -- JSON kinds (JSON Lines) --------------------------------------------------------------


def test_json_kinds_tell_null_from_absent_and_restore_coerced_types() -> None:
    schema = obj({"v": {"type": "integer"}, "w": {"type": ["integer", "null"]}}, required=["w"])
    frame = pl.DataFrame(
        {
            "v": pl.Series(["1", "x", None, None, "2.5"], dtype=pl.String),  # mixed -> text
            "w": pl.Series([1, None, None, 3, 4]),
            "kv": ["0", '"', "n", None, "0"],
            "kw": ["0", "n", None, "0", "0"],
        }
    )
    result = ColumnValidator(schema).validate(
        frame, path="t.jsonl", source_is_text=False, json_kinds={"v": "kv", "w": "kw"}
    )
    issues = by_key(result)
    assert issues[("v", "type")].rows == (2, 3, 5)  # the string, the explicit null, 2.5
    assert issues[("w", "required")].rows == (3,)  # absent; an explicit null is allowed
    out = result.frame.collect()
    assert out.columns == ["v", "w"]
    assert out["v"].to_list() == [1, None, None, None, None]


# -- agreement with jsonschema ------------------------------------------------------------

JSON_SCHEMA = {
    "type": "object",
    "properties": {
        "n": {"type": "integer", "minimum": 0, "exclusiveMaximum": 100, "multipleOf": 5},
        "x": {"type": ["number", "null"], "maximum": 1.5},
        "s": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-c]"},
        "e": {"enum": ["red", "green", 1, None, True]},
        "b": {"type": "boolean", "const": True},
        "d": {"type": "string", "format": "date"},
    },
    "required": ["n", "s"],
    "additionalProperties": False,
}
DATES = ["2024-02-29", "2023-02-29", "2024-13-01", "2024-01-01", "20240101", "2024-1-1"]
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-20, 120),
    st.floats(-3, 3, allow_nan=False),
    st.text(alphabet="abcxyz中😀", max_size=6),
    st.sampled_from([*DATES, "red", "green"]),
)
GOOD_S = st.tuples(
    st.sampled_from("abc"), st.text(alphabet="abxyz中😀 ", min_size=1, max_size=3)
).map("".join)
# Mostly valid values, so that examples mix valid and invalid rows.
JSON_VALUES = {
    "n": st.sampled_from([0, 5, 50, 95, 95.0]),
    "x": st.one_of(st.floats(-3, 1.5, allow_nan=False), st.none()),
    "s": GOOD_S,
    "e": st.sampled_from(["red", "green", 1, 1.0, None, True, "blue", False, 0]),
    "b": st.just(True),
    "d": st.sampled_from(DATES),
    "extra": st.none(),
}
REQUIRED = {"n", "s"}


@st.composite
def json_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for _ in range(draw(st.integers(1, 5))):
        row: dict[str, Any] = {}
        for key, good in JSON_VALUES.items():
            wanted = 9 if key in REQUIRED else (1 if key == "extra" else 5)
            if draw(st.integers(0, 9)) < wanted:
                row[key] = draw(ANY_VALUE) if draw(st.integers(0, 5)) == 0 else draw(good)
        rows.append(row)
    return rows


def invalid_rows(result: ValidationResult) -> set[int]:
    return {r for issue in result.issues if not issue.fatal for r in issue.rows} | (
        {0} if any(issue.fatal for issue in result.issues) else set()
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_rows())
def test_jsonl_rows_agree_with_jsonschema(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, Any]]
) -> None:
    from pathlib import Path

    from compliance.evidence.tables import read_table

    folder: Path = tmp_path_factory.mktemp("rows")
    target = folder / "rows.jsonl"
    target.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    table = read_table([("rows.jsonl", target)], type_id="t", row_schema=JSON_SCHEMA)
    reference = Draft202012Validator(JSON_SCHEMA, format_checker=FormatChecker())
    expected = {i + 1 for i, row in enumerate(rows) if not reference.is_valid(row)}
    fatal = [i for i in table.issues if i.fatal]
    if fatal:  # only a required column absent from every row is fatal
        assert all(i.keyword == "required" for i in fatal)
        assert expected == set(range(1, len(rows) + 1))
        return
    got = {r for issue in table.issues for r in issue.rows}
    assert got == expected


CSV_SCHEMA = {
    "type": "object",
    "properties": {
        "n": {"type": "integer", "minimum": 0, "exclusiveMaximum": 100, "multipleOf": 5},
        "x": {"type": "number", "maximum": 1.5},
        "s": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-c]"},
        "e": {"type": "string", "enum": ["red", "green"]},
        "b": {"type": "boolean", "const": True},
        "d": {"type": "string", "format": "date"},
    },
    "required": ["n", "s"],
}


@st.composite
def csv_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    good = {
        "n": st.sampled_from([0, 5, 50, 95]),
        "x": st.floats(-3, 1.5, allow_nan=False),
        "s": GOOD_S,
        "e": st.sampled_from(["red", "green"]),
        "b": st.just(True),
        "d": st.sampled_from(DATES),
    }
    bad = {
        "n": st.one_of(st.integers(-20, 120), st.sampled_from(["abc", "五", "1.5"])),
        "x": st.floats(-3, 3, allow_nan=False),
        "s": st.text(alphabet="abcxyz中😀 ", min_size=1, max_size=6),
        "e": st.sampled_from(["blue", "RED"]),
        "b": st.booleans(),
        "d": st.sampled_from(DATES),
    }
    rows = []
    for _ in range(draw(st.integers(1, 5))):
        row = {}
        for key in good:
            if draw(st.integers(0, 9)) < (9 if key in REQUIRED else 5):
                row[key] = draw(bad[key] if draw(st.integers(0, 5)) == 0 else good[key])
        rows.append(row)
    return rows


def as_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else repr(value)


@settings(max_examples=150, deadline=None)
@given(csv_rows())
def test_csv_rows_agree_with_jsonschema(rows: list[dict[str, Any]]) -> None:
    columns = list(CSV_SCHEMA["properties"])  # type: ignore[call-overload]
    frame = text_frame(**{c: [as_cell(r[c]) if c in r else None for r in rows] for c in columns})
    result = run(CSV_SCHEMA, frame)
    reference = Draft202012Validator(CSV_SCHEMA, format_checker=FormatChecker())
    expected = {i + 1 for i, row in enumerate(rows) if not reference.is_valid(row)}
    assert invalid_rows(result) == expected


# -- messages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "value", "text"),
    [
        ("type", "integer", "must be of type integer"),
        ("type", ["string", "null"], "must be of type string or null"),
        ("enum", ["a"], "must be one of the allowed values"),
        ("pattern", "^x", "does not match the required pattern"),
        ("format", "date-time", "is not a valid date-time"),
        ("minimum", 0, "must be >= 0"),
        ("maximum", 1.5, "must be <= 1.5"),
        ("exclusiveMinimum", 2.0, "must be > 2"),
        ("minLength", 1, "must be at least 1 character long"),
        ("maxItems", 3, "must have at most 3 items"),
        ("minProperties", 2, "must have at least 2 properties"),
        ("required", "x", "is missing required property 'x'"),
        ("somethingNew", 1, "fails the 'somethingNew' constraint"),
    ],
)
def test_describe(keyword: str, value: object, text: str) -> None:
    assert describe(keyword, value).startswith(text)


def test_issue_from_error_escapes_pointer_and_hides_the_value() -> None:
    schema = {
        "type": "object",
        "properties": {"a/b": {"type": "object", "properties": {"~k": {"type": "integer"}}}},
        "required": ["a/b", "name"],
    }
    errors = sorted(
        Draft202012Validator(schema).iter_errors({"a/b": {"~k": SECRET}}), key=lambda e: e.validator
    )
    required, wrong = (issue_from_error(e, "r.json") for e in errors)
    assert wrong.pointer == "/a~1b/~0k"
    assert wrong.keyword == "type"
    assert SECRET not in wrong.message
    assert required.message == "is missing required property 'name'"
    assert required.pointer == ""
    assert json_pointer([]) == ""


def test_issue_from_error_for_a_false_schema() -> None:
    error = next(Draft202012Validator({"properties": {"x": False}}).iter_errors({"x": 1}))
    assert isinstance(error, ValidationError)
    issue = issue_from_error(error, "r.json")
    assert issue.keyword == "false"
    assert issue.message == "is not allowed by the schema"
