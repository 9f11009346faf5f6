"""The evidence store: every evidence file read once, validated once, shared by all
indicators (thread-safe, so indicators can run in parallel)."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compliance.evidence.model import Document, Issue, Record, Table

if TYPE_CHECKING:
    from compliance.bundle.model import Bundle
    from compliance.indicator import EvidenceType
    from compliance.validation.registry import SchemaRegistry

__all__ = ["BUILTIN_EXTENSIONS", "EvidenceReader", "EvidenceStore"]

#: Extensions the engine reads itself, per kind; contributed readers never override them,
#: so a plugin cannot change how the evidence every other indicator relies on is parsed.
BUILTIN_EXTENSIONS = {
    "record": (".json", ".yaml", ".yml"),
    "table": (".csv", ".jsonl", ".ndjson", ".parquet"),
    "document": (".pdf", ".docx", ".md", ".markdown", ".txt"),
}


@dataclass(frozen=True)
class EvidenceReader:
    """A reader a plugin contributes for a file format the engine does not read itself.

    :param kind: ``record``, ``table`` or ``document``.
    :param extensions: lower-case file extensions with the dot (``(".xml",)``).
    :param read: ``read(path) -> value``: a record's parsed data; a table's rows (a
        polars DataFrame or a list of dicts); a document's text (a string or a list of
        page strings). Raise on unreadable input; the engine turns it into a finding.
    :param name: shown in findings about files the reader could not read.
    """

    kind: str
    extensions: tuple[str, ...]
    read: Callable[[Path], Any]
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in BUILTIN_EXTENSIONS:
            raise ValueError(f"evidence reader {self.name}: unknown kind {self.kind}")
        if not self.extensions or not all(e.startswith(".") for e in self.extensions):
            raise ValueError("evidence reader extensions look like '.xml'")


class EvidenceStore:
    """Reads evidence on first use and caches it per type.

    :param resolved: evidence type -> bundle files the manifest maps to it.
    :param declared: evidence type -> the manifest's patterns for it (to explain misses).
    """

    def __init__(
        self,
        bundle: Bundle,
        types: Mapping[str, EvidenceType],
        registry: SchemaRegistry,
        resolved: Mapping[str, list[str]],
        declared: Mapping[str, list[str]],
        readers: Sequence[EvidenceReader] = (),
    ) -> None:
        self.bundle = bundle
        # kind -> extension -> reader; the first plugin to claim an extension keeps it.
        self.readers: dict[str, dict[str, EvidenceReader]] = {k: {} for k in BUILTIN_EXTENSIONS}
        for reader in readers:
            for ext in reader.extensions:
                if ext.lower() not in BUILTIN_EXTENSIONS[reader.kind]:
                    self.readers[reader.kind].setdefault(ext.lower(), reader)
        self.types = types
        self.registry = registry
        self._resolved = resolved
        self._declared = declared
        self._cache: dict[str, Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._prefetch: tuple[int, threading.Thread] | None = None  # (process id, thread)
        self._prefetch_stop = threading.Event()

    def kind(self, type_id: str) -> str | None:
        et = self.types.get(type_id)
        return et.kind if et else None

    def paths(self, type_id: str) -> list[str]:
        return list(self._resolved.get(type_id, ()))

    def declared(self, type_id: str) -> list[str]:
        return list(self._declared.get(type_id, ()))

    def _cached(self, key: str, load: Any) -> Any:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._cache:
                self._cache[key] = load()
            return self._cache[key]

    def prefetch(self, type_ids: Iterable[str]) -> None:
        """Start reading these tables, in this order, on one background thread.

        Reading a table leaves part of the machine idle (a narrow table's validation, the
        Python between polars calls) and so does an indicator's work on it: reading the
        next table while an indicator works on the last one fills both gaps. Whoever asks
        for a table the thread is reading waits for it (the per-type lock) and gets the
        cached result; a table it has not reached yet is read by the asker as before. A
        failure on the thread is dropped: the asker reads the table again and meets the
        same failure where it is reported today. At most one thread per process (a
        forked worker starts its own); types that are not tables in the bundle are
        skipped. :meth:`end_prefetch` stops it after the table it is reading.
        """
        wanted = [t for t in dict.fromkeys(type_ids) if self.kind(t) == "table" and self.paths(t)]
        if not wanted:
            return
        with self._guard:
            if self._prefetch is not None and self._prefetch[0] == os.getpid():
                return
            thread = threading.Thread(
                target=self._prefetch_run, args=(wanted,), name="compliance-prefetch", daemon=True
            )
            self._prefetch = (os.getpid(), thread)
            self._prefetch_stop.clear()
        thread.start()

    def _prefetch_run(self, type_ids: list[str]) -> None:
        for type_id in type_ids:
            if self._prefetch_stop.is_set():
                return
            try:
                self.table(type_id)
            except BaseException:  # the asker reads it again and meets the failure
                continue

    def end_prefetch(self, *, wait: bool = True) -> None:
        """Stop this process's prefetch thread before its next table (the indicators are
        done: what it has not read, nobody needs) and, with ``wait``, wait for it."""
        with self._guard:
            started = self._prefetch
        if started is None or started[0] != os.getpid():
            return
        self._prefetch_stop.set()
        if wait:
            started[1].join()

    def records(self, type_id: str) -> list[Record]:
        et = self.types.get(type_id)
        if et is None or et.kind != "record":
            return []
        return self._cached(type_id, lambda: self._load_records(et))

    def table(self, type_id: str) -> Table | None:
        et = self.types.get(type_id)
        if et is None or et.kind != "table" or not self.paths(type_id):
            return None
        return self._cached(type_id, lambda: self._load_table(et))

    def documents(self, type_id: str) -> list[Document]:
        et = self.types.get(type_id)
        if et is None or et.kind != "document":
            return []
        return self._cached(type_id, lambda: self._load_documents(et))

    # -- loaders --------------------------------------------------------------------

    def _load_records(self, et: EvidenceType) -> list[Record]:
        from compliance.evidence.hashing import file_sha256
        from compliance.evidence.records import read_record

        validator = self.registry.validator(et.schema) if et.schema else None
        quick = self.registry.quick(et.schema) if et.schema else None
        out = []
        for rel in self.paths(et.id):
            path = self.bundle.path(rel)
            reader = self._reader("record", path)
            if reader is not None:
                out.append(_contributed_record(reader, rel, path, et.id, validator, quick))
                continue
            out.append(
                read_record(
                    rel,
                    path,
                    type_id=et.id,
                    validator=validator,
                    sha256=file_sha256(path),
                    size=path.stat().st_size,
                    quick=quick,
                )
            )
        return out

    def _load_table(self, et: EvidenceType) -> Table:
        from compliance.evidence.tables import read_table

        row_schema = self.registry.get(et.schema) if et.schema else {"type": "object"}
        files = [(rel, self.bundle.path(rel)) for rel in self.paths(et.id)]
        if not any(self._reader("table", path) for _, path in files):
            return read_table(
                files,
                type_id=et.id,
                row_schema=row_schema,
                registry=self.registry.registry,
                schema_checked=True,
            )
        # Rows from a contributed reader go through the same column-wise validation as
        # built-in formats (staged as files the built-in table reader reads), and the
        # report keeps the original file's digest.
        from compliance.evidence.hashing import file_digest

        originals: dict[str, tuple[str, int]] = {}
        failed: list[Issue] = []
        with tempfile.TemporaryDirectory(prefix="compliance-reader-") as tmp:
            staged: list[tuple[str, Path]] = []
            for i, (rel, path) in enumerate(files):
                reader = self._reader("table", path)
                if reader is None:
                    staged.append((rel, path))
                    continue
                try:
                    # The report lists every file's digest, read or not.
                    originals[rel] = file_digest(path)
                    target = _stage(_as_frame(reader.read(path)), Path(tmp) / str(i))
                except Exception as exc:  # a reader's bug must not stop the audit
                    failed.append(_unreadable(rel, reader, exc))
                    continue
                staged.append((rel, target))
            table = read_table(
                staged,
                type_id=et.id,
                row_schema=row_schema,
                registry=self.registry.registry,
                schema_checked=True,
            )
        for rel, (sha, size) in originals.items():
            table.sha256[rel], table.sizes[rel] = sha, size
        table.issues.extend(failed)
        # Only files with a digest: the report lists each with its sha256.
        table.paths = [rel for rel, _ in files if rel in table.sha256]
        return table

    def _load_documents(self, et: EvidenceType) -> list[Document]:
        from compliance.evidence.documents import read_document

        out = []
        for rel in self.paths(et.id):
            path = self.bundle.path(rel)
            reader = self._reader("document", path)
            if reader is None:
                out.append(read_document(rel, path, type_id=et.id))
            else:
                out.append(_contributed_document(reader, rel, path, et.id))
        return out

    def _reader(self, kind: str, path: Path) -> EvidenceReader | None:
        return self.readers[kind].get(path.suffix.lower())


def _unreadable(rel: str, reader: EvidenceReader, exc: Exception) -> Issue:
    name = reader.name or "a plugin's"
    message = f"{name} reader could not read it ({type(exc).__name__})"
    return Issue(rel, "parse", message, fatal=True)


def _as_frame(value: Any) -> Any:
    import polars as pl

    if isinstance(value, pl.DataFrame):
        return value
    if isinstance(value, pl.LazyFrame):
        return value.collect()
    return pl.DataFrame(list(value))


def _stage(frame: Any, stem: Path) -> Path:
    """Write a reader's rows where the built-in table reader takes them over. Rows that
    are all text (a reader that splits lines) are typed from the schema as CSV cells are;
    rows with typed columns keep their types (Parquet)."""
    import polars as pl

    if all(dtype == pl.String for dtype in frame.dtypes):
        target = stem.with_suffix(".csv")
        frame.write_csv(target)
    else:
        target = stem.with_suffix(".parquet")
        frame.write_parquet(target)
    return target


def _contributed_record(
    reader: EvidenceReader, rel: str, path: Path, type_id: str, validator: Any, quick: Any = None
) -> Record:
    from compliance.evidence.hashing import file_digest
    from compliance.evidence.records import _validate

    record = Record(path=rel, type=type_id, data=None, sha256="", size=0)
    try:
        record.sha256, record.size = file_digest(path)
        record.data = reader.read(path)
    except Exception as exc:  # a reader's bug must not stop the audit
        record.issues.append(_unreadable(rel, reader, exc))
        return record
    if validator is not None:
        record.issues.extend(_validate(rel, record.data, validator, quick))
        # As for built-in formats: a document of the wrong type at the root is unusable.
        if any(i.pointer in ("", None) and i.keyword == "type" for i in record.issues):
            record.issues = [Issue(**{**i.__dict__, "fatal": True}) for i in record.issues]
    return record


def _contributed_document(reader: EvidenceReader, rel: str, path: Path, type_id: str) -> Document:
    from compliance.evidence.documents import find_headings, normalize_text
    from compliance.evidence.hashing import file_digest

    fmt = path.suffix.lower().lstrip(".")
    document = Document(path=rel, type=type_id, format=fmt, sha256="", size=0)
    try:
        document.sha256, document.size = file_digest(path)
        value = reader.read(path)
        pages = [value] if isinstance(value, str) else [str(p) for p in value]
    except Exception as exc:  # a reader's bug must not stop the audit
        document.issues.append(_unreadable(rel, reader, exc))
        return document
    document.pages = [normalize_text(p) for p in pages]
    for number, page in enumerate(document.pages, start=1):
        lines = [line.strip() for line in page.splitlines()]
        document.headings.extend(find_headings(lines, page=number if len(pages) > 1 else None))
    return document
