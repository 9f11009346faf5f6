"""What evidence readers hand to indicators: Record, Table, Document, and schema Issues.

Messages in an :class:`Issue` describe the rule that was broken and where, never the
offending value: evidence may hold residents' personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

__all__ = ["Document", "Heading", "Issue", "Record", "Table"]


@dataclass(frozen=True)
class Issue:
    """A schema violation (or unreadable content) in one evidence file.

    :param path: bundle-relative path of the file.
    :param keyword: the JSON Schema keyword or reader check that failed (``type``,
        ``required``, ``format``, ``parse``...).
    :param message: one line without evidence values.
    :param pointer: JSON pointer inside a record, when relevant.
    :param column: table column, when relevant.
    :param rows: the first offending 1-based data rows of a table (a few, not all).
    :param count: how many values or rows violate it.
    :param fatal: the file cannot be used at all (unparseable, wrong shape).
    """

    path: str
    keyword: str
    message: str
    pointer: str | None = None
    column: str | None = None
    rows: tuple[int, ...] = ()
    count: int = 1
    fatal: bool = False


@dataclass
class Record:
    """A JSON or YAML document. ``data`` is the parsed value (None when unparseable)."""

    path: str
    type: str
    data: Any
    sha256: str
    size: int
    issues: list[Issue] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # JSON pointer -> 1-based line, when known

    @property
    def usable(self) -> bool:
        return self.data is not None and not any(i.fatal for i in self.issues)

    @property
    def valid(self) -> bool:
        return self.usable and not self.issues


@dataclass
class Table:
    """Rows of one evidence type, possibly from several files, read column-wise.

    ``frame`` is a polars LazyFrame with the schema's columns cast to their declared
    types (cells that failed validation are null) plus ``__file`` (bundle path) and
    ``__row`` (1-based data row within that file) so findings can point at a row.
    """

    type: str
    paths: list[str]
    frame: pl.LazyFrame | None
    rows: int
    sha256: dict[str, str]
    sizes: dict[str, int]
    issues: list[Issue] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.frame is not None and not any(i.fatal for i in self.issues)


@dataclass(frozen=True)
class Heading:
    """A heading found in a document: level (1 = top), text, and where it is."""

    level: int
    text: str
    page: int | None = None
    line: int | None = None


@dataclass
class Document:
    """Text extracted from a PDF, DOCX or Markdown file.

    ``pages`` holds each page's text for PDFs (one entry for other formats); ``text`` is
    all of it; ``headings`` are found from document structure (DOCX heading styles,
    Markdown ``#``, PDF outline) or, failing that, from numbered short lines.
    ``metadata`` may hold ``title``, ``created`` and ``modified`` (ISO dates) when the
    file records them.
    """

    path: str
    type: str
    format: str
    sha256: str
    size: int
    pages: list[str] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    @property
    def usable(self) -> bool:
        return not any(i.fatal for i in self.issues)
