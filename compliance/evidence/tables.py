"""Reading tables (CSV, JSON Lines, Parquet) and validating them column-wise.

Logs and device exports are the big evidence files: millions of rows. They are read with
polars, validated with :class:`~compliance.validation.columns.ColumnValidator`, and the
files of one evidence type are stacked into one :class:`~compliance.evidence.model.Table`
whose ``__file`` and ``__row`` columns let a finding point at the exact row.

Bad input never raises: an unreadable file becomes a fatal :class:`Issue` with keyword
``encoding`` or ``parse`` and a one-line message. polars' own error text quotes the
offending bytes (evidence may hold residents' personal data), so it is never passed on;
the messages here say what is wrong and, when known, on which line.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import hashlib
import io
import json
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from referencing import Registry

from compliance.evidence.hashing import CHUNK_SIZE, digest_and_find, file_sha256
from compliance.evidence.model import Issue, Table
from compliance.validation import native
from compliance.validation.columns import FILE_COLUMN, ROW_COLUMN, ColumnValidator, collect

__all__ = ["TABLE_FORMATS", "file_sha256", "read_table"]

TABLE_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}

_LINES = "\x00line"
_LINE_NO = "\x00n"
_KIND = "\x00kind:"
_HEADER_BYTES = 1 << 20
_HEADER_PEEK = 1 << 14
_REPORT_ROWS = 5
_WIDE = 256  # columns beyond which the field-count check stops using one big regex
#: A CSV file up to this size is read into memory once, hashed where it is read (a thread
#: to hash ten kilobytes costs more to start than the hashing) and parsed from the same
#: bytes. Bigger files, and files of the other formats, are parsed from disk while a thread
#: hashes them through one reused 1 MiB buffer: reading a big file into a bytes object
#: had the kernel map and zero fresh memory for all of it, page by page, which cost more
#: than reading the file twice from the page cache (docs/performance.md).
_IN_MEMORY_MAX = 1 << 20


@dataclass
class _Read:
    """One file as read, before validation."""

    frame: pl.DataFrame | None = None
    text: bool = False
    kinds: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    truncated: bool = False
    #: False when no text cell can be the empty string (see _read_csv).
    empty_text: bool = True


class _Utf8Check:
    """Feeds a file's chunks through a UTF-8 decoder; remembers the first bad line."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._lines = 1
        self.bad_line: int | None = None

    def __call__(self, chunk: bytes) -> None:
        if self.bad_line is not None:
            return
        try:
            self._decoder.decode(chunk, final=False)
        except UnicodeDecodeError as exc:
            self.bad_line = self._lines + chunk[: max(exc.start, 0)].count(b"\n")
            return
        self._lines += chunk.count(b"\n")

    def finish(self) -> None:
        if self.bad_line is None:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.bad_line = self._lines


def _encoding_issue(bundle_path: str, path: Path) -> Issue | None:
    """An ``encoding`` issue naming the first line that is not UTF-8, or None."""
    check = _Utf8Check()
    try:
        with open(path, "rb") as handle:
            while (chunk := handle.read(CHUNK_SIZE)) and check.bad_line is None:
                check(chunk)
    except OSError:
        return None
    check.finish()
    if check.bad_line is None:
        return None
    return Issue(
        path=bundle_path,
        keyword="encoding",
        fatal=True,
        rows=(check.bad_line,),
        message=f"line {check.bad_line}: the file is not valid UTF-8",
    )


def _fatal(path: str, keyword: str, message: str) -> Issue:
    return Issue(path=path, keyword=keyword, message=message, fatal=True)


def _reason(exc: BaseException, fmt: str) -> str:
    """A generic, content-free reason for a reader exception."""
    text = str(exc).lower()
    if isinstance(exc, pl.exceptions.NoDataError) or "empty" in text:
        return "the file is empty"
    if "more fields" in text:
        return "a row has more fields than the header"
    if "utf-8" in text or "utf8" in text:
        return "the file is not valid UTF-8"
    if fmt == "csv" and ("could not parse" in text or "quot" in text):
        return "malformed field: check the quoting"
    if fmt == "parquet":
        return "not a readable Parquet file"
    if fmt == "jsonl":
        return "not valid JSON Lines (one JSON object per line)"
    return f"unreadable {fmt} file ({type(exc).__name__})"


def _lines(numbers: list[int], count: int) -> str:
    """``line 7`` / ``lines 3, 9 (and 12 more)``."""
    where = ", ".join(str(n) for n in numbers)
    more = f" (and {count - len(numbers)} more)" if count > len(numbers) else ""
    return f"line{'s' if count > 1 else ''} {where}{more}"


def _regex_literal(text: str) -> str:
    """``text`` as a regex matching itself, in syntax every regex engine accepts."""
    return "".join(ch if ch.isalnum() or ch == "_" else f"\\x{{{ord(ch):X}}}" for ch in text)


def _scan_lines(path: Path) -> pl.LazyFrame:
    """The file's physical lines as one String column, numbered from 1.

    The unit separator never occurs in well-formed CSV text or JSON, so each line is one
    field; quoting is off so nothing is interpreted.
    """
    return pl.scan_csv(
        path,
        has_header=False,
        separator="\x1f",
        quote_char=None,
        infer_schema=False,
        new_columns=[_LINES],
        empty_string_is_null=False,
        raise_if_empty=False,
    ).with_row_index(_LINE_NO, offset=1)


# -- CSV ----------------------------------------------------------------------------------


def _csv_header(path: Path, data: bytes | None = None) -> list[str] | None:
    """The first non-blank record of a CSV file (its header), from at most its first
    ``_HEADER_BYTES``; None when there is none. The first ``_HEADER_PEEK`` bytes are looked
    at first: a header that ends inside them is the one the longer read would give, and
    decoding a megabyte per file to read one line cost 20 ms a check on the 5M sample."""

    def head_of(size: int) -> bytes:
        if data is not None:
            return data[:size]
        with open(path, "rb") as handle:
            return handle.read(size)

    for size in (_HEADER_PEEK, _HEADER_BYTES):
        head = head_of(size)
        last = len(head) < size or size == _HEADER_BYTES  # nothing more to read
        text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
        lines = io.StringIO(text, newline="")
        for record in csv.reader(lines):
            if record:
                if last or lines.tell() < len(text):
                    return [name.strip() for name in record]
                break  # the record may go on past the peek: read the longer head
        else:
            if last:
                return None
    return None


def _csv_field_check(path: Path, width: int, limit: int | None) -> pl.LazyFrame:
    """Lines (after the header) whose number of fields differs from the header's.

    Short rows, which polars would silently pad with nulls, are caught here. A line
    without a quote character has one field more than it has commas, which is a cheap
    literal count; only lines with quotes go through a regular expression matching
    exactly ``width`` fields (quoted or not). Blank lines are skipped, like polars does.
    """
    line = pl.col(_LINES)
    quoted = line.str.contains('"', literal=True)
    commas = line.str.count_matches(",", literal=True)
    if width <= _WIDE:
        fld = r'(?:[^,"]|"[^"]*")*'
        line_rx = "^" + fld + (f"(?:,{fld}){{{width - 1}}}" if width > 1 else "") + "$"
        quoted_wrong = ~line.str.contains(line_rx)
    else:  # the regex grows with the width; count separators outside quotes instead
        fields = line.str.replace_all(r'"[^"]*"', "").str.count_matches(",", literal=True) + 1
        quoted_wrong = fields != width
    lines = _scan_lines(path).filter(pl.col(_LINE_NO) > 1)
    if limit is not None:
        lines = lines.head(limit + 1)
    # The cheap tests first: the expensive ones only see lines with quotes or a wrong count.
    suspects = lines.filter(quoted | (commas != width - 1)).select(
        pl.col(_LINE_NO),
        line.str.strip_chars_end("\r").ne("").alias("content"),
        pl.when(quoted).then(quoted_wrong).otherwise(True).alias("wrong"),
        (line.str.count_matches('"', literal=True) % 2 == 1).alias("odd"),
    )
    bad = pl.col("wrong") & pl.col("content")
    return suspects.select(
        pl.col(_LINE_NO).filter(bad).head(_REPORT_ROWS).implode().alias("lines"),
        bad.sum().alias("count"),
        pl.col("odd").any().alias("multiline"),
    )


def _csv_field_check_python(path: Path, width: int, limit: int | None) -> tuple[list[int], int]:
    """Exact field counts with the csv module, for files with quoted line breaks."""
    lines: list[int] = []
    count = 0
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for index, record in enumerate(reader):
            if limit is not None and index > limit:
                break
            if record and len(record) != width:
                count += 1
                if len(lines) < _REPORT_ROWS:
                    lines.append(reader.line_num)
    return lines, count


def _read_csv(
    bundle_path: str,
    path: Path,
    limit: int | None,
    data: bytes | None = None,
    quoted: Callable[[], bool] | None = None,
) -> _Read:
    """``data``, when given, is the file's content, already read (see read_table);
    ``quoted()``, when given, says whether the file holds a quote character."""
    header = _csv_header(path, data)
    if header is None:
        return _Read(
            issues=[_fatal(bundle_path, "parse", "the file is empty: a CSV needs a header row")]
        )
    if len(set(header)) != len(header):
        return _Read(issues=[_fatal(bundle_path, "parse", "the header row repeats a column name")])
    if set(header) & {ROW_COLUMN, FILE_COLUMN}:
        return _Read(
            issues=[
                _fatal(
                    bundle_path,
                    "parse",
                    f"column names {ROW_COLUMN} and {FILE_COLUMN} are reserved",
                )
            ]
        )
    lazy = pl.scan_csv(
        path if data is None else data,
        infer_schema=False,
        n_rows=None if limit is None else limit + 1,
        with_column_names=lambda names: [n.strip() for n in names],
        row_index_name=ROW_COLUMN,
        row_index_offset=1,
    )
    failure: BaseException | None = None
    frame: pl.DataFrame | None = None
    stats: pl.DataFrame | None = None
    multiline = False
    try:
        frame = lazy.collect(engine="in-memory" if data is not None else "auto")
    except Exception as exc:  # any polars error: reported, never raised
        failure = exc
    # polars refuses a row with too many fields and pads a short one with nulls, so a
    # file it read whose last column has no null (blank lines and rows of empty fields
    # included) has every row at the header's width: only other files need the
    # line-by-line field count.
    bad_lines: list[int] = []
    bad_count = 0
    padded = frame is None or frame.get_column(frame.columns[-1]).null_count() > 0
    if frame is not None and padded:  # a blank row is null in its last column too
        frame = frame.filter(~pl.all_horizontal(pl.exclude(ROW_COLUMN).is_null()))
    if padded:
        counted = None
        if frame is not None:  # the C helper, where it is built (native.py)
            with contextlib.suppress(OSError):
                counted = native.csv_fields(
                    path,
                    len(header),
                    limit,
                    wide=len(header) > _WIDE,
                    report=_REPORT_ROWS,
                    data=data,
                )
        if counted is None:
            with contextlib.suppress(Exception):
                stats = _csv_field_check(path, len(header), limit).collect()
            if stats is not None:
                row = stats.row(0, named=True)
                counted = (list(row["lines"] or []), int(row["count"] or 0), row["multiline"])
        if counted is not None:
            bad_lines, bad_count, multiline = counted
        if counted is None or (bad_count and multiline):
            with contextlib.suppress(csv.Error, UnicodeDecodeError, OSError):
                bad_lines, bad_count = _csv_field_check_python(path, len(header), limit)
    if bad_count:
        return _Read(
            issues=[
                Issue(
                    path=bundle_path,
                    keyword="parse",
                    fatal=True,
                    rows=tuple(bad_lines),
                    count=bad_count,
                    message=f"{_lines(bad_lines, bad_count)}: the number of fields differs "
                    f"from the header's ({len(header)})",
                )
            ]
        )
    if frame is None:
        reason = _reason(failure, "csv") if failure else "unreadable csv file"
        return _Read(issues=[_fatal(bundle_path, "parse", reason)])
    # polars reads an empty field as null: only a quoted one ("") is the empty string, so
    # a file without a quote character has none (one memchr over the bytes, cheaper than
    # comparing every cell of every text column with ""). read_table has looked, on the
    # hashing thread for a file parsed from disk; not knowing means maybe.
    quote = quoted() if quoted is not None else data is None or b'"' in data
    return _Read(frame=frame, text=True, empty_text=quote)


# -- JSON Lines ---------------------------------------------------------------------------


def _json_kinds(
    path: Path, columns: list[str], height: int, limit: int | None
) -> tuple[pl.DataFrame, dict[str, str]] | None:
    """Line numbers and, per column, the first character of each raw JSON value.

    polars reads ``null`` and a missing key alike and turns a column mixing numbers and
    strings into strings; the raw first character (``n``, ``"``, a digit...) restores
    what JSON Schema needs to tell them apart. The key is found by text, so a line whose
    nested object repeats a top-level key before it may be misread; flat records, the norm
    for logs and device exports, are read exactly.
    """
    line = pl.col(_LINES)
    kinds = {c: f"{_KIND}{c}" for c in columns}
    exprs = [
        line.str.extract(
            rf"{_regex_literal(json.dumps(c, ensure_ascii=False))}\s*:\s*(.)", 1
        ).alias(name)
        for c, name in kinds.items()
    ]
    lines = _scan_lines(path).filter(line.str.strip_chars() != "")
    if limit is not None:
        lines = lines.head(limit + 1)
    try:
        found = lines.select(pl.col(_LINE_NO).alias(ROW_COLUMN), *exprs).collect()
    except Exception:
        return None
    if found.height != height:
        return None
    return found, kinds


def _kind(value: Any) -> str:
    if value is None:
        return "n"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float):
        return "0"
    if isinstance(value, str):
        return '"'
    return "{" if isinstance(value, dict) else "["


def _column(values: list[Any]) -> pl.Series:
    """A polars column for one JSON key's values; mixed types become JSON text."""
    types = {type(v) for v in values if v is not None}
    try:
        if types == {bool}:
            return pl.Series(values, dtype=pl.Boolean)
        if types == {int}:
            return pl.Series(values, dtype=pl.Int64)
        if types and types <= {int, float}:
            return pl.Series(values, dtype=pl.Float64)
        if types == {str}:
            return pl.Series(values, dtype=pl.String)
        if types and types <= {dict, list} and len(types) == 1:
            return pl.Series(values, strict=True)
    except (OverflowError, TypeError, ValueError, pl.exceptions.PolarsError):
        pass
    return pl.Series(
        [
            v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False)
            for v in values
        ],
        dtype=pl.String,
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _read_jsonl_python(bundle_path: str, path: Path, limit: int | None) -> _Read:
    """Exact reading with the json module, for files polars cannot read as a table.

    Slower, but it pinpoints bad lines and keeps every value's JSON type.
    """
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    bad: list[int] = []
    bad_count = 0
    not_object = False
    with open(path, encoding="utf-8-sig") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            if limit is not None and len(rows) > limit:
                break
            try:
                value = json.loads(raw, parse_constant=_reject_constant)
            except ValueError:
                value = ...
            if not isinstance(value, dict):
                not_object = not_object or value is not ...
                bad_count += 1
                if len(bad) < _REPORT_ROWS:
                    bad.append(number)
                continue
            rows.append(value)
            numbers.append(number)
    if bad_count:
        what = "not a JSON object" if not_object else "not valid JSON"
        return _Read(
            issues=[
                Issue(
                    path=bundle_path,
                    keyword="parse",
                    fatal=True,
                    rows=tuple(bad),
                    count=bad_count,
                    message=f"{_lines(bad, bad_count)}: {what}",
                )
            ]
        )
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    if keys.keys() & {ROW_COLUMN, FILE_COLUMN}:
        return _Read(
            issues=[
                _fatal(bundle_path, "parse", f"keys {ROW_COLUMN} and {FILE_COLUMN} are reserved")
            ]
        )
    missing = object()
    columns: dict[str, pl.Series] = {ROW_COLUMN: pl.Series(numbers, dtype=pl.Int64)}
    kinds: dict[str, str] = {}
    for key in keys:
        raw_values = [row.get(key, missing) for row in rows]
        columns[key] = _column([None if v is missing else v for v in raw_values])
        kinds[key] = f"{_KIND}{key}"
        columns[kinds[key]] = pl.Series(
            [None if v is missing else _kind(v) for v in raw_values], dtype=pl.String
        )
    return _Read(frame=pl.DataFrame(columns), kinds=kinds)


def _read_jsonl(bundle_path: str, path: Path, limit: int | None) -> _Read:
    try:
        frame = pl.scan_ndjson(
            path, infer_schema_length=None, n_rows=None if limit is None else limit + 1
        ).collect()
    except Exception:
        return _read_jsonl_python(bundle_path, path, limit)
    if set(frame.columns) & {ROW_COLUMN, FILE_COLUMN}:
        return _Read(
            issues=[
                _fatal(bundle_path, "parse", f"keys {ROW_COLUMN} and {FILE_COLUMN} are reserved")
            ]
        )
    found = _json_kinds(path, frame.columns, frame.height, limit)
    if found is None:
        frame = frame.with_row_index(ROW_COLUMN, offset=1)
        return _Read(frame=frame)
    extra, kinds = found
    return _Read(frame=pl.concat([frame, extra], how="horizontal"), kinds=kinds)


# -- Parquet ------------------------------------------------------------------------------


def _read_parquet(bundle_path: str, path: Path, limit: int | None) -> _Read:
    try:
        frame = pl.scan_parquet(path, n_rows=None if limit is None else limit + 1).collect()
    except Exception as exc:
        return _Read(issues=[_fatal(bundle_path, "parse", _reason(exc, "parquet"))])
    if set(frame.columns) & {ROW_COLUMN, FILE_COLUMN}:
        return _Read(
            issues=[
                _fatal(bundle_path, "parse", f"columns {ROW_COLUMN} and {FILE_COLUMN} are reserved")
            ]
        )
    return _Read(frame=frame.with_row_index(ROW_COLUMN, offset=1))


# -- the table ----------------------------------------------------------------------------


def _read_one(
    bundle_path: str,
    path: Path,
    fmt: str,
    limit: int | None,
    data: bytes | None = None,
    quoted: Callable[[], bool] | None = None,
) -> _Read:
    readers: dict[str, Callable[[], _Read]] = {
        "csv": lambda: _read_csv(bundle_path, path, limit, data, quoted),
        "jsonl": lambda: _read_jsonl(bundle_path, path, limit),
        "parquet": lambda: _read_parquet(bundle_path, path, limit),
    }
    try:
        read = readers[fmt]()
    except Exception as exc:  # a reader bug or an OS error must not stop the audit
        return _Read(issues=[_fatal(bundle_path, "parse", _reason(exc, fmt))])
    if read.frame is not None and limit is not None and read.frame.height > limit:
        read.frame = read.frame.head(limit)
        read.truncated = True
    return read


def _read_and_validate(
    validator: ColumnValidator,
    bundle_path: str,
    path: Path,
    remaining: int | None,
    *,
    max_rows: int | None,
    data: bytes | None = None,
    quoted: Callable[[], bool] | None = None,
) -> tuple[list[Issue], pl.DataFrame | None]:
    """One file of a table: its issues, and its validated rows unless a fatal issue."""
    fmt = TABLE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        return [_fatal(bundle_path, "parse", f"unsupported table format '{path.suffix}'")], None
    read = _read_one(bundle_path, path, fmt, remaining, data, quoted)
    if read.frame is None and fmt in ("csv", "jsonl"):
        # polars refuses text that is not UTF-8 without saying where; find the line.
        encoding = _encoding_issue(bundle_path, path)
        if encoding is not None:
            read.issues = [encoding]
    issues = list(read.issues)
    if read.frame is None:
        return issues, None
    if read.truncated:
        issues.append(
            Issue(
                path=bundle_path,
                keyword="limit",
                message=f"only the first {max_rows} rows of this table were read",
            )
        )
    try:
        result = validator.validate(
            read.frame,
            path=bundle_path,
            source_is_text=read.text,
            json_kinds=read.kinds,
            empty_text=read.empty_text,
        )
    except Exception as exc:  # a validator bug must not stop the audit either
        message = f"the table could not be validated ({type(exc).__name__})"
        return [*issues, _fatal(bundle_path, "parse", message)], None
    issues.extend(result.issues)
    if any(i.fatal for i in result.issues):
        return issues, None
    # A query, not Series calls: polars keeps the path as one value with a length (a
    # scalar column) where a Series would hold a string view per row (74 MB for the 4.6
    # million rows of the 5M sample).
    frame = collect(
        result.frame.select(
            pl.exclude(ROW_COLUMN),
            pl.lit(bundle_path, dtype=pl.String).alias(FILE_COLUMN),
            pl.col(ROW_COLUMN).cast(pl.Int64),
        ),
        result.rows,
    )
    return issues, frame


def _content(path: Path) -> bytes | None:
    """A CSV file's bytes when it is small enough to be read once, hashed here and parsed
    from those bytes (``_IN_MEMORY_MAX``), else None: then it is hashed on the thread and
    parsed from disk, and so is a file that cannot be read here (the reader says why)."""
    if path.suffix.lower() != ".csv":
        return None
    try:
        with open(path, "rb", buffering=0) as handle:
            if os.fstat(handle.fileno()).st_size > _IN_MEMORY_MAX:
                return None
            return handle.read()
    except OSError:
        return None


def _bytes_digest(data: bytes) -> tuple[str, int]:
    return hashlib.sha256(data).hexdigest(), len(data)


def _quoted(digest: Future[tuple[str, int, bool]]) -> bool:
    """Whether the hashing thread met a quote character in the file (True when unsure)."""
    try:
        return digest.result()[2]
    except Exception:  # the file could not be hashed: reported where the digest is read
        return True


def _identity(path: Path) -> tuple[int, int, int] | None:
    """Size, modification time and inode of a file, to notice it change while it is read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def read_table(
    files: list[tuple[str, Path]],
    *,
    type_id: str,
    row_schema: dict[str, Any],
    registry: Registry[Any] | None = None,
    max_rows: int | None = None,
    schema_checked: bool = False,
) -> Table:
    """Read, validate and stack every file of one evidence type.

    :param files: ``(bundle path, absolute path)`` pairs; the format comes from the
        extension: ``.csv`` (UTF-8 with a header row), ``.jsonl``/``.ndjson``, ``.parquet``.
    :param row_schema: draft 2020-12 schema of one row (see :class:`ColumnValidator`).
    :param max_rows: read at most this many rows in total; the rest is reported as a
        non-fatal ``limit`` issue.
    :param schema_checked: ``row_schema`` is known to be a valid schema (it came from a
        :class:`~compliance.validation.registry.SchemaRegistry`); not checked again.

    A file with a fatal issue (unreadable, a required column missing) contributes no rows;
    the table's ``frame`` is None when no file could be used.
    """
    validator = ColumnValidator(row_schema, registry=registry, checked=schema_checked)
    paths: list[str] = []
    digests: dict[str, str] = {}
    sizes: dict[str, int] = {}
    issues: list[Issue] = []
    frames: list[pl.DataFrame] = []
    rows = 0
    # Hashing (about a quarter of a plain read's time) runs on a thread beside the parse
    # and the validation, whose polars work leaves a core idle part of the time; the
    # thread also tells whether a CSV file holds a quote character (see _read_csv). The
    # thread starts with the first file big enough to need it.
    with contextlib.ExitStack() as stack:
        pool: list[ThreadPoolExecutor] = []

        def hashing() -> ThreadPoolExecutor:
            if not pool:
                pool.append(
                    stack.enter_context(
                        ThreadPoolExecutor(1, thread_name_prefix="compliance-sha256")
                    )
                )
            return pool[0]

        for bundle_path, path in files:
            paths.append(bundle_path)
            data = _content(path)
            digest: Future[tuple[str, int, bool]]
            before = None
            if data is not None:
                digest = Future()
                digest.set_result((*_bytes_digest(data), b'"' in data))
            else:
                # Hashed and parsed in two reads: a file that changes in between would
                # be cited with a digest of other bytes than the rows checked.
                before = _identity(path)
                quote = b'"' if path.suffix.lower() == ".csv" else None
                digest = hashing().submit(digest_and_find, path, quote)
            remaining = None if max_rows is None else max(max_rows - rows, 0)
            found, frame = _read_and_validate(
                validator,
                bundle_path,
                path,
                remaining,
                max_rows=max_rows,
                data=data,
                quoted=functools.partial(_quoted, digest),
            )
            del data
            try:
                digests[bundle_path], sizes[bundle_path], _ = digest.result()
            except OSError:
                issues.append(_fatal(bundle_path, "parse", "the file cannot be opened"))
                continue
            if before is not None and (
                _identity(path) != before or sizes[bundle_path] != before[0]
            ):
                issues.append(
                    _fatal(
                        bundle_path,
                        "parse",
                        "the file changed while it was read: check a copy that does not change",
                    )
                )
                continue
            issues.extend(found)
            if frame is not None:
                frames.append(frame)
                rows += frame.height
    combined: pl.LazyFrame | None = None
    if frames:
        try:
            combined = pl.concat(frames, how="diagonal_relaxed").lazy()
        except Exception:
            issues.append(
                _fatal(paths[0], "parse", "the files of this type have incompatible column types")
            )
    return Table(
        type=type_id,
        paths=paths,
        frame=combined,
        rows=rows,
        sha256=digests,
        sizes=sizes,
        issues=issues,
    )
