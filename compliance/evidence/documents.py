"""Text, headings and dates from PDF, DOCX, Markdown and plain-text documents.

Emergency plans, duty rules and inspection reports arrive as documents. Indicators check
that required sections exist (by heading keywords, in Chinese and English), that a plan
was revised recently, and so on; this module turns each file into a
:class:`~compliance.evidence.model.Document`: text per page, headings with their page or
line, and the dates the file records.

Text is normalised with NFKC (full-width ``（一）`` becomes ``(一)``, full-width digits
become ASCII) and runs of spaces are collapsed, so keyword matching does not depend on
how a word processor encoded the text.

Hostile or broken files never raise: a parser error becomes a fatal ``parse`` Issue
(``encrypted`` for a PDF that needs a password, ``encoding`` for undecodable text), with
a one-line message that never quotes the content. DOCX files are zip archives of XML: the
archive is checked for zip bombs and the XML for DTDs (the door to entity expansion
attacks) before python-docx opens it. Page count and extracted characters are capped.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from compliance._yaml import YAMLError, safe_load
from compliance.evidence.hashing import file_digest
from compliance.evidence.model import Document, Heading, Issue

__all__ = [
    "DOCUMENT_FORMATS",
    "MAX_CHARS",
    "MAX_DOCX_RATIO",
    "MAX_DOCX_UNCOMPRESSED",
    "MAX_PAGES",
    "find_headings",
    "normalize_text",
    "read_document",
]

DOCUMENT_FORMATS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
}
MAX_PAGES = 2_000
MAX_CHARS = 20_000_000
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_DOCX_RATIO = 100  # uncompressed / compressed, per member larger than 1 MiB
_RATIO_FLOOR = 1024 * 1024
MAX_HEADING_CHARS = 60

_SPACES = re.compile(r"[^\S\n]+")
_CN_NUM = "一二三四五六七八九十百千零〇两"
_HEURISTICS: list[tuple[re.Pattern[str], int | None]] = [
    # 第一章 / 第3节 / 第十条: the unit decides the level.
    (re.compile(rf"^第[{_CN_NUM}0-9]+\s*(章|篇|部分|节|条)"), None),
    # 一、组织机构
    (re.compile(rf"^[{_CN_NUM}]+\s*[、.]\s*\S"), 1),
    # (一) 应急小组 (full-width parentheses are ASCII after NFKC)
    (re.compile(rf"^\(\s*[{_CN_NUM}]+\s*\)\s*\S"), 2),
    # Chapter 3 / Part II / Section 2.1 / Article 5
    (re.compile(r"^(chapter|part|section|article)\s+[0-9ivxlcdm]+\b", re.IGNORECASE), None),
    # 1. Scope / 1.2 Duties / 3.1.4 测试 (the depth is the level)
    (re.compile(r"^([0-9]{1,2}(?:\.[0-9]{1,2}){0,3})(?:\.|、)?\s*[^\s0-9.%)]"), None),
]
_CN_UNIT_LEVEL = {"章": 1, "篇": 1, "部分": 1, "节": 2, "条": 3}
_EN_UNIT_LEVEL = {"chapter": 1, "part": 1, "section": 2, "article": 3}
_SENTENCE_END = tuple("。；;，,：:？?！!")
_CAPS = re.compile(r"^[A-Z][A-Z0-9 &/,:'()\-]*$")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")
_LOOSE_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_DOCX_HEADING = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_DOCX_TITLE = {"title", "标题"}
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class _Fatal(Exception):
    """The document cannot be used; carries the Issue keyword and message."""

    def __init__(self, keyword: str, message: str) -> None:
        super().__init__(message)
        self.keyword = keyword
        self.message = message


@dataclass
class _Extract:
    pages: list[str] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


def normalize_text(text: str) -> str:
    """NFKC, runs of spaces collapsed, lines right-stripped, ``\\r\\n`` -> ``\\n``."""
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def _heading_level(line: str) -> int | None:
    """The level of ``line`` if it looks like a heading (numbered or all-caps), else None."""
    if not line or len(line) > MAX_HEADING_CHARS or line.endswith(_SENTENCE_END):
        return None
    for pattern, level in _HEURISTICS:
        match = pattern.match(line)
        if match is None:
            continue
        if level is not None:
            return level
        unit = match.group(1)
        if unit in _CN_UNIT_LEVEL:
            return _CN_UNIT_LEVEL[unit]
        if unit.lower() in _EN_UNIT_LEVEL:
            return _EN_UNIT_LEVEL[unit.lower()]
        return unit.count(".") + 1
    if _CAPS.match(line) and sum(ch.isalpha() for ch in line) >= 4:
        return 1
    return None


def find_headings(
    lines: Iterable[str], *, page: int | None = None, first_line: int = 1
) -> list[Heading]:
    """Headings among normalised text lines, by the numbering heuristics.

    Used when a document has no structural headings (no PDF outline, no DOCX heading
    styles): short lines numbered like ``1.2``, ``第一章``, ``一、``, ``(一)``,
    ``Chapter 3``, or written in capitals.
    """
    found = []
    for offset, line in enumerate(lines):
        level = _heading_level(line)
        if level is not None:
            found.append(Heading(level=level, text=line, page=page, line=first_line + offset))
    return found


def _iso(value: Any) -> str | None:
    """An ISO date (YYYY-MM-DD) from a datetime, a PDF date or a loosely written date."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _PDF_DATE.match(text)
    if match and text.startswith("D:"):
        year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    else:
        loose = _LOOSE_DATE.search(text)
        if loose is None:
            return None
        year, month, day = loose.groups()
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


class _Budget:
    """Counts extracted characters against :data:`MAX_CHARS`."""

    def __init__(self) -> None:
        self.used = 0
        self.exhausted = False

    def take(self, text: str) -> str:
        room = MAX_CHARS - self.used
        if len(text) > room:
            text = text[: max(room, 0)]
            self.exhausted = True
        self.used += len(text)
        return text


def _limit_issue(path: str, what: str) -> Issue:
    return Issue(path=path, keyword="limit", message=f"only the first {what} were read")


# -- PDF ----------------------------------------------------------------------------------


def _outline(reader: Any) -> list[Heading]:
    """Headings from the PDF outline (bookmarks), with their 1-based page numbers."""
    headings: list[Heading] = []

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            title = normalize_text(str(getattr(item, "title", "") or "")).replace("\n", " ")
            if not title:
                continue
            try:
                number = reader.get_destination_page_number(item)
            except Exception:
                number = None
            page = number + 1 if isinstance(number, int) and number >= 0 else None
            headings.append(Heading(level=level, text=title, page=page))
            if len(headings) >= 10_000:
                return

    try:
        walk(list(reader.outline), 1)
    except Exception:
        return []
    return headings


def _read_pdf(bundle_path: str, path: Path) -> _Extract:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    out = _Extract()
    reader = PdfReader(path, strict=False)
    if reader.is_encrypted:
        try:
            opened = bool(reader.decrypt(""))
        except (DependencyError, FileNotDecryptedError, NotImplementedError, ValueError):
            opened = False
        if not opened:
            raise _Fatal("encrypted", "the PDF is encrypted and needs a password")
    info: Any = reader.metadata or {}
    title = info.get("/Title")
    if title:
        out.metadata["title"] = normalize_text(str(title)).replace("\n", " ")
    for key, name in (("/CreationDate", "created"), ("/ModDate", "modified")):
        iso = _iso(str(info.get(key) or ""))
        if iso:
            out.metadata[name] = iso
    budget = _Budget()
    total = len(reader.pages)
    for index in range(min(total, MAX_PAGES)):
        try:
            raw = reader.pages[index].extract_text() or ""
        except Exception:
            raw = ""
            out.issues.append(
                Issue(
                    path=bundle_path,
                    keyword="parse",
                    message=f"page {index + 1}: text could not be extracted",
                )
            )
        out.pages.append(budget.take(normalize_text(raw)))
        if budget.exhausted:
            out.issues.append(_limit_issue(bundle_path, f"{MAX_CHARS:,} characters"))
            break
    if total > MAX_PAGES and not budget.exhausted:
        out.issues.append(_limit_issue(bundle_path, f"{MAX_PAGES:,} pages"))
    out.headings = _outline(reader)
    if not out.headings:
        for number, text in enumerate(out.pages, start=1):
            out.headings.extend(find_headings(text.split("\n"), page=number))
    return out


# -- DOCX ---------------------------------------------------------------------------------


def _check_docx_archive(path: Path) -> None:
    """Refuse zip bombs and XML with a DTD before python-docx decompresses anything."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _Fatal("parse", "not a readable DOCX file (bad zip archive)") from exc
    with archive:
        members = archive.infolist()
        if sum(m.file_size for m in members) > MAX_DOCX_UNCOMPRESSED:
            raise _Fatal(
                "parse",
                f"the DOCX archive expands beyond {MAX_DOCX_UNCOMPRESSED // (1024 * 1024)} MiB",
            )
        for member in members:
            if member.file_size > _RATIO_FLOOR and member.file_size > MAX_DOCX_RATIO * max(
                member.compress_size, 1
            ):
                raise _Fatal("parse", "the DOCX archive has a suspicious compression ratio")
            if member.filename.endswith((".xml", ".rels")) and _declares_dtd(archive, member):
                raise _Fatal("parse", "the DOCX contains an XML document type declaration")


# A DTD may follow any amount of comment, so the whole part is scanned, not just its head,
# in UTF-8 and both UTF-16 byte orders (XML allows all three).
_DTD_MARKERS = tuple(
    marker.encode(codec)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for codec in ("utf-8", "utf-16-le", "utf-16-be")
)
_DTD_OVERLAP = max(len(m) for m in _DTD_MARKERS)


def _declares_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """True when the part holds a document type or entity declaration anywhere. Reading
    is bounded: zipfile stops at the member's declared size, which the caller capped."""
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(1024 * 1024):
            window = tail + chunk
            if any(m in window for m in _DTD_MARKERS):
                return True
            tail = window[-_DTD_OVERLAP:]
    return False


def _docx_level(paragraph: Any) -> int | None:
    """Heading level from the paragraph's style name or outline level, else None."""
    style = paragraph.style
    seen = 0
    while style is not None and seen < 10:
        name = (style.name or "").strip()
        match = _DOCX_HEADING.match(name)
        if match:
            return int(match.group(1))
        if name.lower() in _DOCX_TITLE:
            return 1
        outline = style.element.find(f"{_W}pPr/{_W}outlineLvl")
        if outline is not None:
            return _outline_level(outline)
        style = style.base_style
        seen += 1
    own = paragraph._p.find(f"{_W}pPr/{_W}outlineLvl")
    return _outline_level(own) if own is not None else None


def _outline_level(element: Any) -> int | None:
    try:
        value = int(element.get(f"{_W}val"))
    except (TypeError, ValueError):
        return None
    return value + 1 if 0 <= value <= 8 else None  # 9 means "body text"


def _docx_blocks(document: Any) -> Iterator[tuple[str, int | None]]:
    """(text, heading level or None) for each paragraph and table row, in order."""
    from docx.table import Table

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = cell.text
                    if not cells or cells[-1] != text:  # merged cells repeat their text
                        cells.append(text)
                yield " | ".join(cells), None
        else:
            yield block.text, _docx_level(block)


def _read_docx(bundle_path: str, path: Path) -> _Extract:
    _check_docx_archive(path)
    import docx

    out = _Extract()
    document = docx.Document(str(path))
    core = document.core_properties
    if core.title:
        out.metadata["title"] = normalize_text(core.title).replace("\n", " ")
    for value, name in ((core.created, "created"), (core.modified, "modified")):
        iso = _iso(value)
        if iso:
            out.metadata[name] = iso
    budget = _Budget()
    lines: list[str] = []
    structural: list[Heading] = []
    for raw, level in _docx_blocks(document):
        text = budget.take(normalize_text(raw))
        if level is not None and text.strip():
            structural.append(
                Heading(level=level, text=text.replace("\n", " ").strip(), line=len(lines) + 1)
            )
        lines.extend(text.split("\n"))
        if budget.exhausted:
            out.issues.append(_limit_issue(bundle_path, f"{MAX_CHARS:,} characters"))
            break
    out.pages = ["\n".join(lines)]
    out.headings = structural or find_headings(lines)
    return out


# -- Markdown and plain text --------------------------------------------------------------


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030, the superset of GBK Chinese Windows uses."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _Fatal("encoding", "the text is neither UTF-8 nor GB18030")


def _front_matter(lines: list[str]) -> tuple[dict[str, Any], int]:
    """YAML front matter (``---`` ... ``---``) as data, and how many lines it spans."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for end in range(1, min(len(lines), 500)):
        if lines[end].strip() in ("---", "..."):
            try:
                data = safe_load("\n".join(lines[1:end]))
            except YAMLError:
                return {}, end + 1
            return (data if isinstance(data, dict) else {}), end + 1
    return {}, 0


def _markdown_headings(lines: list[str], first_line: int) -> list[Heading]:
    """ATX (``# Title``) and setext (underlined) headings outside fenced code."""
    headings: list[Heading] = []
    fence: str | None = None
    previous = ""
    for offset, line in enumerate(lines):
        number = first_line + offset
        match_fence = _FENCE.match(line)
        if match_fence:
            marker = match_fence.group(1)
            fence = None if fence == marker else (fence or marker)
            previous = ""
            continue
        if fence:
            continue
        atx = _ATX.match(line)
        if atx:
            text = normalize_text(atx.group(2) or "").strip()
            if text:
                headings.append(Heading(level=len(atx.group(1)), text=text, line=number))
            previous = ""
            continue
        setext = _SETEXT.match(line)
        if setext and previous.strip() and not previous.lstrip().startswith(("-", "*", ">")):
            level = 1 if setext.group(1).startswith("=") else 2
            headings.append(
                Heading(level=level, text=normalize_text(previous).strip(), line=number - 1)
            )
            previous = ""
            continue
        previous = line
    return headings


def _read_text(bundle_path: str, path: Path, fmt: str) -> _Extract:
    out = _Extract()
    with open(path, "rb") as handle:
        data = handle.read(MAX_CHARS * 4 + 1)
    truncated = len(data) > MAX_CHARS * 4
    text = _decode(data[: MAX_CHARS * 4] if truncated else data)
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta, skip = _front_matter(raw_lines)
    for key, name in (
        ("title", "title"),
        ("date", "created"),
        ("created", "created"),
        ("revised", "modified"),
        ("modified", "modified"),
        ("updated", "modified"),
    ):
        value = meta.get(key)
        if value is None or name in out.metadata:
            continue
        if name == "title":
            out.metadata[name] = normalize_text(str(value)).replace("\n", " ")
        else:
            iso = _iso(value)
            if iso:
                out.metadata[name] = iso
    body = raw_lines[skip:]
    budget = _Budget()
    normalized = budget.take(normalize_text("\n".join(body)))
    if budget.exhausted or truncated:
        out.issues.append(_limit_issue(bundle_path, f"{MAX_CHARS:,} characters"))
    out.pages = [normalized]
    lines = normalized.split("\n")
    out.headings = _markdown_headings(body[: len(lines)], skip + 1)
    if not out.headings and fmt == "text":
        out.headings = find_headings(lines, first_line=skip + 1)
    return out


# -- entry point --------------------------------------------------------------------------


def read_document(bundle_path: str, path: Path, *, type_id: str) -> Document:
    """Extract a document's text, headings and dates; problems become Issues, never raise.

    :param bundle_path: the file's path inside the bundle (for Issues and findings).
    :param path: where the file is on disk.
    :param type_id: the evidence type the bundle declares for it.
    """
    fmt = DOCUMENT_FORMATS.get(path.suffix.lower(), path.suffix.lower().lstrip("."))
    try:
        sha256, size = file_digest(path)
    except OSError:
        return Document(
            path=bundle_path,
            type=type_id,
            format=fmt,
            sha256="",
            size=0,
            issues=[
                Issue(
                    path=bundle_path,
                    keyword="parse",
                    fatal=True,
                    message="the file cannot be opened",
                )
            ],
        )
    document = Document(path=bundle_path, type=type_id, format=fmt, sha256=sha256, size=size)
    try:
        if fmt == "pdf":
            extract = _read_pdf(bundle_path, path)
        elif fmt == "docx":
            extract = _read_docx(bundle_path, path)
        elif fmt in ("markdown", "text"):
            extract = _read_text(bundle_path, path, fmt)
        else:
            raise _Fatal("parse", f"unsupported document format '{path.suffix}'")
    except _Fatal as fatal:
        document.issues.append(
            Issue(path=bundle_path, keyword=fatal.keyword, message=fatal.message, fatal=True)
        )
        return document
    except RecursionError:
        document.issues.append(
            Issue(
                path=bundle_path,
                keyword="parse",
                fatal=True,
                message=f"the {fmt} file is nested too deeply to read",
            )
        )
        return document
    except Exception as exc:  # any parser failure on hostile or broken input
        document.issues.append(
            Issue(
                path=bundle_path,
                keyword="parse",
                fatal=True,
                message=f"not a readable {fmt} file ({type(exc).__name__})",
            )
        )
        return document
    document.pages = extract.pages
    document.headings = extract.headings
    document.metadata = extract.metadata
    document.issues.extend(extract.issues)
    return document
