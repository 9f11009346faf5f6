"""Reading tables: CSV, JSON Lines and Parquet; stacking files; unreadable input as Issues."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from compliance.evidence.hashing import CHUNK_SIZE, digest_and_find, file_digest, file_sha256
from compliance.evidence.model import Issue, Table
from compliance.evidence.tables import read_table

SECRET = "张三13800138000"  # personal data: must never appear in a message

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "device": {"type": "string", "pattern": "^D-[0-9]{3}$"},
        "at": {"type": "string", "format": "date-time"},
        "temp": {"type": "number", "minimum": -40, "maximum": 100},
        "ok": {"type": "boolean"},
        "note": {"type": "string"},
    },
    "required": ["device", "at"],
}


def write(folder: Path, name: str, content: str | bytes) -> tuple[str, Path]:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return name, path


def read(*files: tuple[str, Path], schema: dict[str, Any] | None = None, **kw: Any) -> Table:
    return read_table(list(files), type_id="device_log", row_schema=schema or SCHEMA, **kw)


def only(table: Table, keyword: str) -> Issue:
    found = [i for i in table.issues if i.keyword == keyword]
    assert len(found) == 1, table.issues
    return found[0]


def assert_no_secret(table: Table) -> None:
    for issue in table.issues:
        assert SECRET not in issue.message
        assert "13800138000" not in issue.message


# -- CSV ----------------------------------------------------------------------------------


def test_csv_is_typed_numbered_and_hashed(tmp_path: Path) -> None:
    content = (
        "device,at,temp,ok,extra\n"
        "D-001,2024-01-01T08:00:00+08:00,21.5,true,x\n"
        'D-002,2024-01-01T09:00:00+08:00,150,false,"a, b"\n'
        "bad,2024-01-01T10:00:00Z,,,\n"
    )
    entry = write(tmp_path, "log.csv", content)
    table = read(entry)
    assert table.usable
    assert table.type == "device_log"
    assert table.paths == ["log.csv"]
    assert table.rows == 3
    assert table.sha256["log.csv"] == hashlib.sha256(content.encode()).hexdigest()
    assert table.sizes["log.csv"] == len(content.encode())
    assert {(i.column, i.keyword, i.rows) for i in table.issues} == {
        ("temp", "maximum", (2,)),
        ("device", "pattern", (3,)),
    }
    assert table.frame is not None
    frame = table.frame.collect()
    assert frame.columns == ["device", "at", "temp", "ok", "extra", "note", "__file", "__row"]
    assert frame["at"].to_list() == [
        dt.datetime(2024, 1, 1, 0),
        dt.datetime(2024, 1, 1, 1),
        dt.datetime(2024, 1, 1, 10),
    ]
    assert frame["temp"].to_list() == [21.5, None, None]
    assert frame["ok"].to_list() == [True, False, None]
    assert frame["extra"].to_list() == ["x", "a, b", None]
    assert frame["__row"].to_list() == [1, 2, 3]
    assert frame["__file"].to_list() == ["log.csv"] * 3


def test_several_files_are_stacked_diagonally(tmp_path: Path) -> None:
    first = write(tmp_path, "a.csv", "device,at,temp\nD-001,2024-01-01T00:00:00Z,1\n")
    second = write(
        tmp_path,
        "b.csv",
        "at,device,note\n2024-01-02T00:00:00Z,D-002,n\n2024-01-03T00:00:00Z,D-003,\n",
    )
    table = read(first, second)
    assert table.usable and table.rows == 3
    assert table.frame is not None
    frame = table.frame.collect()
    assert frame["device"].to_list() == ["D-001", "D-002", "D-003"]
    assert frame["temp"].to_list() == [1.0, None, None]
    assert frame["__file"].to_list() == ["a.csv", "b.csv", "b.csv"]
    assert frame["__row"].to_list() == [1, 1, 2]
    assert set(table.sha256) == {"a.csv", "b.csv"}


def test_blank_lines_are_skipped_but_rows_keep_their_numbers(tmp_path: Path) -> None:
    entry = write(
        tmp_path,
        "a.csv",
        "device,at\r\nD-001,2024-01-01T00:00:00Z\r\n\r\nx,2024-01-01T00:00:00Z\r\n\r\n",
    )
    table = read(entry)
    assert table.rows == 2
    assert only(table, "pattern").rows == (3,)


def test_header_names_are_trimmed(tmp_path: Path) -> None:
    entry = write(tmp_path, "a.csv", "\ufeff device , at\nD-001,2024-01-01T00:00:00Z\n")
    table = read(entry)
    assert table.usable, table.issues


@pytest.mark.parametrize(
    ("content", "expected_rows"),
    [
        (f"device,at,note\nD-001,2024-01-01T00:00:00Z,a\n{SECRET},x\n", (3,)),  # short row
        (f"device,at\nD-001,2024-01-01T00:00:00Z\nD-2,{SECRET},x\nD-3,1,2\n", (3, 4)),  # long
        (f'device,at,note\nD-1,"2024\n01",x\nD-2,{SECRET}\n', (4,)),  # quoted line break
    ],
)
def test_wrong_field_count_is_fatal_with_line_numbers(
    tmp_path: Path, content: str, expected_rows: tuple[int, ...]
) -> None:
    table = read(write(tmp_path, "a.csv", content))
    issue = only(table, "parse")
    assert issue.fatal
    assert issue.rows == expected_rows
    assert "number of fields" in issue.message
    assert not table.usable and table.frame is None
    assert_no_secret(table)


@pytest.mark.parametrize("width", [3, 300])
def test_field_count_check_for_narrow_and_wide_files(tmp_path: Path, width: int) -> None:
    header = ",".join(["device", "at"] + [f"c{i}" for i in range(width - 2)])
    good = ",".join(["D-001", "2024-01-01T00:00:00Z"] + ['"a,b"'] * (width - 2))
    short = ",".join(["D-002", "2024-01-01T00:00:00Z"] + ['"a,b"'] * (width - 3))
    table = read(write(tmp_path, "a.csv", f"{header}\n{good}\n{good}\n{short}\n"))
    assert only(table, "parse").rows == (4,)
    table = read(write(tmp_path, "b.csv", f"{header}\n{good}\n"))
    assert table.usable and table.rows == 1


_FIELD = st.one_of(
    st.text(alphabet='ab ,"\u00e9', max_size=4).map(lambda t: '"' + t.replace('"', '""') + '"'),
    st.text(alphabet="ab \u00e9", max_size=4),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# A short row whose fields are all empty looks like a blank line once polars pads it.
@example(width=3, rows=[["a", "b", "c"], ["", ""]], end="\n")
@given(
    width=st.integers(1, 4),
    rows=st.lists(st.lists(_FIELD, min_size=0, max_size=6), min_size=1, max_size=12),
    end=st.sampled_from(["\n", "\r\n"]),
)
def test_field_count_check_agrees_with_the_csv_module(
    tmp_path_factory: pytest.TempPathFactory, width: int, rows: list[list[str]], end: str
) -> None:
    """Rows of quoted and unquoted fields (with commas and quotes inside), blank lines,
    short and long rows, LF or CRLF: the lines flagged are exactly those Python's csv
    module counts a wrong number of fields on."""
    header = ",".join(f"c{i}" for i in range(width))
    text = header + end + "".join(",".join(r) + end for r in rows)
    path = tmp_path_factory.mktemp("fields") / "a.csv"
    path.write_text(text, encoding="utf-8", newline="")
    records = list(csv.reader(io.StringIO(text, newline="")))[1:]
    expected = [n for n, rec in enumerate(records, 2) if rec and len(rec) != width]
    schema = {"type": "object", "properties": {}}
    table = read_table([("a.csv", path)], type_id="t", row_schema=schema)
    parse = [i for i in table.issues if i.keyword == "parse"]
    if expected:
        assert len(parse) == 1 and parse[0].count == len(expected), (text, table.issues)
        assert parse[0].rows == tuple(expected[:5])
    else:
        assert not parse, (text, table.issues)


def test_control_characters_in_fields_do_not_break_the_field_check(tmp_path: Path) -> None:
    entry = write(tmp_path, "a.csv", "device,at,note\nD-001,2024-01-01T00:00:00Z,a\x1fb\n")
    table = read(entry)
    assert table.usable and table.rows == 1, table.issues
    bad = write(tmp_path, "b.csv", "device,at,note\nD-001,2024-01-01T00:00:00Z,a\x1fb\nD-2\n")
    assert only(read(bad), "parse").rows == (3,)


def test_bad_quoting_is_fatal_without_content(tmp_path: Path) -> None:
    table = read(write(tmp_path, "a.csv", f'device,at\nD-1,"{SECRET}\nD-2,x\n'))
    issue = only(table, "parse")
    assert issue.fatal
    assert "\n" not in issue.message
    assert_no_secret(table)


def test_non_utf8_csv_is_an_encoding_issue(tmp_path: Path) -> None:
    data = "device,at\nD-001,2024-01-01T00:00:00Z\n张三,x\n".encode("gbk")
    table = read(write(tmp_path, "a.csv", data))
    issue = only(table, "encoding")
    assert issue.fatal and issue.rows == (3,)
    assert table.sha256["a.csv"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("name", ["a.csv", "a.jsonl"])
def test_a_bad_byte_deep_in_a_file_is_found_by_line(tmp_path: Path, name: str) -> None:
    """Past the first megabyte, in a file whose other rows are all fine."""
    if name.endswith(".csv"):
        head, row = "device,at\n", "D-001,2024-01-01T00:00:00Z\n"
    else:
        head, row = "", '{"device": "D-001", "at": "2024-01-01T00:00:00Z"}\n'
    rows = 40_000
    data = (head + row * rows).encode() + b'{"device": "D-\xff"}\n' + row.encode()
    table = read(write(tmp_path, name, data))
    issue = only(table, "encoding")
    assert issue.fatal and issue.rows == (rows + 1 + (1 if head else 0),)
    assert table.frame is None


@pytest.mark.parametrize("content", ["", "\n\n"])
def test_empty_csv_is_fatal(tmp_path: Path, content: str) -> None:
    table = read(write(tmp_path, "a.csv", content))
    assert only(table, "parse").fatal


def test_header_only_csv_is_an_empty_usable_table(tmp_path: Path) -> None:
    table = read(write(tmp_path, "a.csv", "device,at\n"))
    assert table.usable and table.rows == 0
    assert table.frame is not None
    assert table.frame.collect().height == 0


def test_duplicate_header_is_fatal(tmp_path: Path) -> None:
    table = read(write(tmp_path, "a.csv", "device,at,device\n1,2,3\n"))
    assert "repeats" in only(table, "parse").message


def test_missing_required_column_makes_the_file_unusable(tmp_path: Path) -> None:
    good = write(tmp_path, "a.csv", "device,at\nD-001,2024-01-01T00:00:00Z\n")
    bad = write(tmp_path, "b.csv", "device\nD-002\n")
    table = read(good, bad)
    issue = only(table, "required")
    assert issue.fatal and issue.column == "at" and issue.path == "b.csv"
    assert not table.usable
    assert table.frame is not None and table.rows == 1  # the good file is still there


def test_max_rows_truncates_with_a_limit_issue(tmp_path: Path) -> None:
    rows = "".join(f"D-{i:03d},2024-01-01T00:00:00Z\n" for i in range(10))
    first = write(tmp_path, "a.csv", "device,at\n" + rows)
    second = write(tmp_path, "b.csv", "device,at\n" + rows)
    table = read(first, second, max_rows=15)
    assert table.rows == 15
    limit = only(table, "limit")
    assert not limit.fatal and limit.path == "b.csv"


def test_unsupported_extension_and_missing_file(tmp_path: Path) -> None:
    table = read(write(tmp_path, "a.xlsx", b"PK"), ("gone.csv", tmp_path / "gone.csv"))
    messages = [i.message for i in table.issues]
    assert any("unsupported" in m for m in messages)
    assert any("cannot be opened" in m for m in messages)
    assert table.frame is None


# -- JSON Lines ---------------------------------------------------------------------------


def test_jsonl_tells_explicit_null_from_absent(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer"}, "m": {"type": ["integer", "null"]}},
        "required": ["m"],
    }
    content = '{"n": 1, "m": 1}\n\n{"n": null, "m": null}\n{"n": 2}\n'
    table = read(write(tmp_path, "a.jsonl", content), schema=schema)
    issues = {(i.column, i.keyword): i.rows for i in table.issues}
    assert issues == {("n", "type"): (3,), ("m", "required"): (4,)}  # rows are line numbers
    assert table.frame is not None
    assert table.frame.collect()["__row"].to_list() == [1, 3, 4]


def test_jsonl_mixed_types_keep_their_json_type(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"v": {"type": "number"}}}
    content = '{"v": 1.5}\n{"v": "2"}\n{"v": 3}\n{"v": {"k": "x"}}\n'
    table = read(write(tmp_path, "a.ndjson", content), schema=schema)
    issue = only(table, "type")
    assert issue.rows == (2, 4)
    assert table.frame is not None
    assert table.frame.collect()["v"].to_list() == [1.5, None, 3.0, None]


def test_jsonl_with_conflicting_types_polars_refuses(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"v": {"type": "boolean"}, "w": {"type": "array"}}}
    content = '{"v": true, "w": [1]}\n{"v": 1, "w": {"a": 1}}\n{"v": false, "w": []}\n'
    table = read(write(tmp_path, "a.jsonl", content), schema=schema)
    issues = {(i.column, i.keyword): i.rows for i in table.issues}
    assert issues == {("v", "type"): (2,), ("w", "type"): (2,)}
    assert table.frame is not None
    assert table.frame.collect()["v"].to_list() == [True, None, False]


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (f'{{"device": "D-001"}}\n{{"device": "{SECRET}"\n', "not valid JSON"),
        (f'{{"device": "D-001"}}\n["{SECRET}"]\n', "not a JSON object"),
        ('{"v": NaN}\n', "not valid JSON"),
    ],
)
def test_bad_jsonl_lines_are_fatal_with_line_numbers(
    tmp_path: Path, content: str, text: str
) -> None:
    table = read(write(tmp_path, "a.jsonl", content))
    issue = only(table, "parse")
    assert issue.fatal and text in issue.message
    assert issue.rows == ((2,) if content.count("\n") == 2 else (1,))
    assert_no_secret(table)


# -- Parquet ------------------------------------------------------------------------------


def test_parquet_is_validated_on_its_dtypes(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pl.DataFrame(
        {
            "device": ["D-001", "nope"],
            "at": [dt.datetime(2024, 1, 1, 8), dt.datetime(2024, 1, 1, 9)],
            "temp": [20, 200],
        }
    ).with_columns(pl.col("at").dt.replace_time_zone("Asia/Shanghai")).write_parquet(path)
    table = read(("a.parquet", path))
    assert {(i.column, i.keyword, i.rows) for i in table.issues} == {
        ("device", "pattern", (2,)),
        ("temp", "maximum", (2,)),
    }
    assert table.frame is not None
    frame = table.frame.collect()
    assert frame["at"].to_list() == [dt.datetime(2024, 1, 1, 0), dt.datetime(2024, 1, 1, 1)]
    assert frame["temp"].to_list() == [20.0, None]
    assert frame["__row"].to_list() == [1, 2]


def test_corrupt_parquet_is_fatal(tmp_path: Path) -> None:
    table = read(write(tmp_path, "a.parquet", b"PAR1" + SECRET.encode() + b"PAR1"))
    assert only(table, "parse").fatal
    assert_no_secret(table)


# -- hashing ------------------------------------------------------------------------------


def test_hashing_streams_and_observes_every_chunk(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # > 2 chunks of 1 MiB
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    seen: list[int] = []
    digest, size = file_digest(path, observe=lambda chunk: seen.append(len(chunk)))
    assert digest == hashlib.sha256(data).hexdigest() == file_sha256(path)
    assert size == len(data) == sum(seen)
    assert len(seen) == 3


@pytest.mark.parametrize("at", [None, 0, CHUNK_SIZE - 1, CHUNK_SIZE, 2 * CHUNK_SIZE + 5])
def test_hashing_says_whether_a_byte_occurs(tmp_path: Path, at: int | None) -> None:
    """The hashing thread tells the CSV reader whether a file holds a quote character;
    it looks chunk by chunk, so the byte is found wherever it is, first and last byte of
    a chunk included."""
    data = bytearray(b"a" * (2 * CHUNK_SIZE + 10))
    if at is not None:
        data[at] = ord('"')
    path = tmp_path / "blob.csv"
    path.write_bytes(bytes(data))
    digest, size, found = digest_and_find(path, b'"')
    assert (digest, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert found is (at is not None)
    assert digest_and_find(path)[2] is False  # nothing to look for
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert digest_and_find(empty, b'"') == (hashlib.sha256(b"").hexdigest(), 0, False)


# -- one read per file --------------------------------------------------------------------

_AWKWARD_CSV: dict[str, bytes] = {
    "plain": b"device,at,temp\nD-001,2025-03-01T08:00:00Z,21.5\nD-002,2025-03-01T09:00:00Z,x\n",
    "bom and CRLF": b"\xef\xbb\xbfdevice,at\r\nD-001,2025-03-01T08:00:00Z\r\n",
    "blank lines": b"device,at\n\nD-001,2025-03-01T08:00:00Z\n\n\nD-002,bad\n",
    "short row": b"device,at,temp\nD-001,2025-03-01T08:00:00Z\nD-002,2025-03-01T09:00:00Z,3\n",
    "long row": b"device,at\nD-001,2025-03-01T08:00:00Z,extra\n",
    "quoted newline": b'device,at,note\nD-001,2025-03-01T08:00:00Z,"two\nlines"\n',
    "not UTF-8": b"device,at,note\nD-001,2025-03-01T08:00:00Z,caf\xe9\n",
    "header only": b"device,at\n",
    "empty": b"",
    "no final newline": b"device,at\nD-001,2025-03-01T08:00:00Z",
    "rows of empty fields": b"device,at,note\nD-001,2025-03-01T08:00:00Z,\n,,\n,x,y\n",
    "big": b"device,at\n" + b"D-001,2025-03-01T08:00:00Z\n" * 50_000,
}


def test_a_blank_row_is_dropped_wherever_its_last_field_is(tmp_path: Path) -> None:
    """Only a file whose last column has a null can hold a row of empty fields; it is
    dropped, and a row with its last field set is kept however empty the rest."""
    table = read(write(tmp_path, "a.csv", "device,at,note\n,,\n,,x\n,,\n"))
    assert table.rows == 1
    assert table.frame is not None
    assert table.frame.collect().get_column("__row").to_list() == [2]


@pytest.mark.parametrize("name", sorted(_AWKWARD_CSV))
def test_a_file_read_into_memory_reads_like_one_streamed_from_disk(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small CSV files are read once, hashed and parsed from the same bytes; bigger ones
    are parsed from disk while a thread hashes them. Both give the same table."""
    import compliance.evidence.tables as tables

    content = _AWKWARD_CSV[name]
    file = write(tmp_path, "log.csv", content)
    monkeypatch.setattr(tables, "_IN_MEMORY_MAX", 1 << 30)
    in_memory = read(file)
    monkeypatch.setattr(tables, "_IN_MEMORY_MAX", -1)
    from_disk = read(file)
    digest = {"log.csv": hashlib.sha256(content).hexdigest()}
    assert in_memory.sha256 == from_disk.sha256 == digest
    assert in_memory.sizes == from_disk.sizes == {"log.csv": len(content)}
    assert in_memory.issues == from_disk.issues
    assert in_memory.rows == from_disk.rows
    if in_memory.frame is None or from_disk.frame is None:
        assert in_memory.frame is from_disk.frame is None
    else:
        assert in_memory.frame.collect().equals(from_disk.frame.collect())


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_file_that_changes_while_it_is_read_is_refused(
    tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file parsed from disk is read twice, by the hashing thread and by the parser:
    if it changes in between, its digest may be of other bytes than the rows checked,
    so the file is refused (fatal, its rows unused) rather than cited with that digest."""
    import compliance.evidence.tables as tables

    monkeypatch.setattr(tables, "_IN_MEMORY_MAX", -1)
    line = (
        "D-001,2025-03-01T08:00:00Z\n"
        if suffix == ".csv"
        else '{"device": "D-001", "at": "2025-03-01T08:00:00Z"}\n'
    )
    body = ("device,at\n" if suffix == ".csv" else "") + line * 3
    file = write(tmp_path, "log" + suffix, body)
    assert read(file).rows == 3  # unchanged: read as usual
    real = tables._read_and_validate

    def append_while_reading(*args: Any, **kwargs: Any) -> Any:
        with open(file[1], "a", encoding="utf-8") as handle:
            handle.write(line)
        return real(*args, **kwargs)

    monkeypatch.setattr(tables, "_read_and_validate", append_while_reading)
    table = read(file)
    issue = only(table, "parse")
    assert issue.fatal and "changed while it was read" in issue.message
    assert table.frame is None and table.rows == 0


_QUOTELESS = st.text(
    alphabet=st.characters(blacklist_characters='"', blacklist_categories=("Cs",)), max_size=5
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(_QUOTELESS, min_size=3, max_size=3), min_size=1, max_size=8),
    st.sampled_from(["\n", "\r\n"]),
)
def test_a_csv_without_quotes_has_no_empty_text_cell(rows: list[list[str]], newline: str) -> None:
    """The validator is told not to look for empty text cells in a CSV file without a
    quote character: polars reads an unquoted empty field as null. Whatever the file
    parses to, no cell is "", and validating with and without the hint agrees."""
    from compliance.evidence import tables
    from compliance.validation import ColumnValidator

    data = ("a,b,c" + newline + newline.join(",".join(r) for r in rows) + newline).encode()
    read = tables._read_csv("t.csv", Path("t.csv"), None, data)
    if read.frame is None:
        return
    assert read.empty_text is False
    for name, dtype in read.frame.schema.items():
        if dtype == pl.String:
            assert "" not in read.frame.get_column(name).to_list()
    schema = {
        "type": "object",
        "properties": {c: {"type": "string", "minLength": 1} for c in "abc"},
        "required": ["a"],
    }
    hinted, probed = (
        ColumnValidator(schema).validate(
            read.frame, path="t.csv", source_is_text=True, empty_text=flag
        )
        for flag in (False, True)
    )
    assert hinted.issues == probed.issues
    assert hinted.frame.collect().equals(probed.frame.collect(), null_equal=True)


def test_a_quoted_empty_field_is_probed_for() -> None:
    from compliance.evidence import tables

    read = tables._read_csv("t.csv", Path("t.csv"), None, b'a,b\nx,""\n')
    assert read.empty_text is True
    assert read.frame is not None
    assert read.frame.get_column("b").to_list() == [""]


# -- engines ------------------------------------------------------------------------------

_EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "bundles"


@pytest.mark.parametrize("bundle", ["dongfeng-weak", "qingshui-strong"])
def test_small_and_big_tables_read_alike_on_either_engine(
    bundle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small tables are parsed and validated on polars' in-memory engine, big ones on the
    streaming engine (compliance.validation.columns.collect). Every table of the example
    bundles, some of them flawed on purpose, gives the same rows, issues and digests on
    both."""
    import compliance.evidence.tables as tables
    import compliance.validation.columns as columns
    from compliance.plugins import PluginHost
    from compliance.runner import make_registry

    host = PluginHost()
    registry = make_registry(host)
    types = host.evidence_types()
    files = sorted((_EXAMPLES / bundle / "tables").iterdir())
    compared = 0
    for file in files:
        et = types.get(file.stem)
        if et is None or not et.schema:
            continue
        kw: dict[str, Any] = {
            "type_id": et.id,
            "row_schema": registry.get(et.schema),
            "registry": registry.registry,
            "schema_checked": True,
        }
        small = read_table([(file.name, file)], **kw)
        monkeypatch.setattr(columns, "SMALL_ROWS", 0)
        monkeypatch.setattr(tables, "_IN_MEMORY_MAX", -1)
        big = read_table([(file.name, file)], **kw)
        monkeypatch.undo()
        assert small.issues == big.issues, file.name
        assert small.sha256 == big.sha256 and small.rows == big.rows
        if small.frame is None or big.frame is None:
            assert small.frame is big.frame is None
        else:
            assert small.frame.collect().equals(big.frame.collect(), null_equal=True), file.name
        compared += 1
    assert compared >= 20


@pytest.mark.parametrize("name", sorted(_AWKWARD_CSV))
def test_flawed_files_give_the_same_issues_on_either_engine(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The awkward files (bad cells, short and long rows, blank lines, bad UTF-8...) give
    the same issues and rows whichever engine validates them."""
    import compliance.validation.columns as columns

    file = write(tmp_path, "log.csv", _AWKWARD_CSV[name])
    small = read(file)
    monkeypatch.setattr(columns, "SMALL_ROWS", 0)
    big = read(file)
    assert small.issues == big.issues
    assert small.rows == big.rows
    if small.frame is None or big.frame is None:
        assert small.frame is big.frame is None
    else:
        assert small.frame.collect().equals(big.frame.collect(), null_equal=True)


# -- the header ---------------------------------------------------------------------------


def _header_from_the_whole_head(data: bytes) -> list[str] | None:
    """The header as read before the peek: the first non-blank record of the first MiB."""
    text = data[: 1 << 20].decode("utf-8", errors="replace").removeprefix("\ufeff")
    for record in csv.reader(io.StringIO(text, newline="")):
        if record:
            return [name.strip() for name in record]
    return None


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet='ab,"\n\r é', max_size=60).map(lambda t: t.encode()),
    st.integers(min_value=1, max_value=40),
    st.booleans(),
)
def test_the_header_peek_reads_the_header_the_whole_head_gives(
    data: bytes, peek: int, from_disk: bool
) -> None:
    """The header is first looked for in a short peek at the file; a record that may go
    on past the peek (or no record in it) sends the reader to the longer head. Either
    way the header is the one the longer head alone gives, quoted line breaks, blank
    lines, a byte-order mark and a character cut by the peek included."""
    import tempfile

    from compliance.evidence import tables

    original = tables._HEADER_PEEK
    tables._HEADER_PEEK = peek
    try:
        if from_disk:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "t.csv"
                path.write_bytes(data)
                found = tables._csv_header(path)
        else:
            found = tables._csv_header(Path("t.csv"), data)
    finally:
        tables._HEADER_PEEK = original
    assert found == _header_from_the_whole_head(data)


def test_the_header_peek_survives_a_bom_and_a_wide_header() -> None:
    from compliance.evidence import tables

    wide = ",".join(f"column_{i}" for i in range(5000)).encode()  # > the 16 KiB peek
    data = b"\xef\xbb\xbf" + wide + b"\n1,2\n"
    assert len(wide) > tables._HEADER_PEEK
    assert tables._csv_header(Path("t.csv"), data) == _header_from_the_whole_head(data)
    assert tables._csv_header(Path("t.csv"), b"\n\n") is None
