"""Document text extraction: PDF (hand-written files), DOCX (python-docx), Markdown, text."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from pypdf import PdfReader, PdfWriter

from compliance.evidence import documents
from compliance.evidence.documents import find_headings, normalize_text, read_document
from compliance.evidence.model import Document, Heading

SECRET = "张三13800138000"

# -- a minimal PDF writer -----------------------------------------------------------------


def _pdf_string(text: str) -> bytes:
    """A PDF string: literal for ASCII, UTF-16BE hex with a BOM otherwise."""
    if text.isascii():
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + escaped.encode("ascii") + b")"
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def make_pdf(
    pages: list[list[str]],
    *,
    outline: list[tuple[str, int, list[Any]]] = (),
    info: dict[str, str] | None = None,
) -> bytes:
    """A valid PDF with Helvetica text lines per page, an outline and an info dictionary.

    ``outline`` items are ``(title, 0-based page, children)``.
    """
    objects: dict[int, bytes] = {}
    counter = [3]  # 1 catalog, 2 pages, 3 font

    def new() -> int:
        counter[0] += 1
        return counter[0]

    page_ids = []
    for lines in pages:
        page_id, content_id = new(), new()
        ops = [b"BT /F1 12 Tf 14 TL 72 720 Td"]
        for line in lines:
            ops.append(_pdf_string(line) + b" Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects[content_id] = (
            (b"<< /Length %d >>\nstream\n" % len(stream)) + stream + b"\nendstream"
        )
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_id
        )
        page_ids.append(page_id)

    def add_items(items: list[tuple[str, int, list[Any]]], parent: int) -> tuple[int, int]:
        ids = [new() for _ in items]
        for index, (title, page, children) in enumerate(items):
            body = b"<< /Title " + _pdf_string(title) + b" /Parent %d 0 R" % parent
            body += b" /Dest [%d 0 R /XYZ 0 792 0]" % page_ids[page]
            if index:
                body += b" /Prev %d 0 R" % ids[index - 1]
            if index + 1 < len(ids):
                body += b" /Next %d 0 R" % ids[index + 1]
            if children:
                first, last = add_items(children, ids[index])
                body += b" /First %d 0 R /Last %d 0 R /Count %d" % (first, last, len(children))
            objects[ids[index]] = body + b" >>"
        return ids[0], ids[-1]

    catalog = b"<< /Type /Catalog /Pages 2 0 R"
    if outline:
        root = new()
        first, last = add_items(list(outline), root)
        objects[root] = b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (
            first,
            last,
            len(outline),
        )
        catalog += b" /Outlines %d 0 R" % root
    objects[1] = catalog + b" >>"
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    objects[2] = b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(page_ids)
    objects[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    info_id = None
    if info:
        info_id = new()
        objects[info_id] = (
            b"<< "
            + b" ".join(b"/" + k.encode() + b" " + _pdf_string(v) for k, v in info.items())
            + b" >>"
        )

    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in range(1, counter[0] + 1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (counter[0] + 1)
    for number in range(1, counter[0] + 1):
        out += b"%010d 00000 n \n" % offsets[number]
    trailer = b"<< /Size %d /Root 1 0 R" % (counter[0] + 1)
    if info_id:
        trailer += b" /Info %d 0 R" % info_id
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def save(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def read(path: Path) -> Document:
    return read_document(path.name, path, type_id="emergency_plan")


def fatal_issue(document: Document) -> str:
    assert not document.usable
    (issue,) = [i for i in document.issues if i.fatal]
    assert SECRET not in issue.message and "\n" not in issue.message
    return issue.keyword


# -- PDF ----------------------------------------------------------------------------------


def test_pdf_text_outline_and_metadata(tmp_path: Path) -> None:
    data = make_pdf(
        [["Emergency Plan", "1. Scope"], ["2. Duties", "Patrol every   night."]],
        outline=[("一、组织机构", 0, [("(一) 应急小组", 1, [])]), ("2. Duties", 1, [])],
        info={
            "Title": "Fire plan",
            "CreationDate": "D:20240105120000+08'00'",
            "ModDate": "D:20250301",
        },
    )
    path = save(tmp_path, "plan.pdf", data)
    document = read(path)
    assert document.usable, document.issues
    assert document.format == "pdf"
    assert document.type == "emergency_plan"
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    assert len(document.pages) == 2
    assert "1. Scope" in document.pages[0]
    assert "Patrol every night." in document.pages[1]  # spaces collapsed
    assert document.headings == [
        Heading(level=1, text="一、组织机构", page=1),
        Heading(level=2, text="(一) 应急小组", page=2),
        Heading(level=1, text="2. Duties", page=2),
    ]
    assert document.metadata == {
        "title": "Fire plan",
        "created": "2024-01-05",
        "modified": "2025-03-01",
    }


def test_pdf_without_outline_uses_heading_heuristics(tmp_path: Path) -> None:
    path = save(
        tmp_path,
        "plan.pdf",
        make_pdf(
            [
                ["EMERGENCY RESPONSE PLAN", "1. Scope", "This plan covers all buildings, floors."],
                ["2.1 Night patrols", "Chapter 3 Drills", "Guards patrol at night."],
            ]
        ),
    )
    document = read(path)
    assert [(h.level, h.text, h.page) for h in document.headings] == [
        (1, "EMERGENCY RESPONSE PLAN", 1),
        (1, "1. Scope", 1),
        (2, "2.1 Night patrols", 2),
        (1, "Chapter 3 Drills", 2),
    ]
    assert document.headings[1].line == 2


def test_encrypted_pdf_needs_a_password(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf([["Secret plan"]])))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    document = read(save(tmp_path, "locked.pdf", buffer.getvalue()))
    assert fatal_issue(document) == "encrypted"


def test_pdf_encrypted_with_an_empty_user_password_opens(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf([["Open plan"]])))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert PdfReader(io.BytesIO(buffer.getvalue())).is_encrypted
    document = read(save(tmp_path, "open.pdf", buffer.getvalue()))
    assert document.usable, document.issues
    assert "Open plan" in document.text


@pytest.mark.parametrize("data", [b"not a pdf " + SECRET.encode(), b"%PDF-1.4\n" + b"\x00" * 50])
def test_broken_pdf_is_a_parse_issue(tmp_path: Path, data: bytes) -> None:
    assert fatal_issue(read(save(tmp_path, "broken.pdf", data))) == "parse"


def test_pdf_page_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_PAGES", 2)
    document = read(save(tmp_path, "long.pdf", make_pdf([["a"], ["b"], ["c"]])))
    assert len(document.pages) == 2
    (issue,) = document.issues
    assert issue.keyword == "limit" and not issue.fatal and document.usable


# -- DOCX ---------------------------------------------------------------------------------


def make_docx(path: Path, build: Any) -> Path:
    document = docx.Document()
    build(document)
    document.save(str(path))
    return path


def test_docx_headings_tables_and_core_properties(tmp_path: Path) -> None:
    def build(d: Any) -> None:
        d.add_paragraph("社区消防应急预案", style="Title")
        d.add_heading("一、组织机构", level=1)
        d.add_paragraph("主任  负责 全面工作。")
        d.add_heading("（一）应急小组", level=2)
        table = d.add_table(rows=2, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text = "姓名", "职责"
        table.cell(1, 0).text, table.cell(1, 1).text = "李四", "组长"
        d.add_heading("Revision history", level=1)
        d.core_properties.title = "Fire plan"
        d.core_properties.created = dt.datetime(2024, 1, 5, 8, 0)
        d.core_properties.modified = dt.datetime(2025, 3, 1, 8, 0)

    document = read(make_docx(tmp_path / "plan.docx", build))
    assert document.usable, document.issues
    assert document.format == "docx"
    assert [(h.level, h.text, h.line) for h in document.headings] == [
        (1, "社区消防应急预案", 1),
        (1, "一、组织机构", 2),
        (2, "(一)应急小组", 4),
        (1, "Revision history", 7),
    ]
    assert "主任 负责 全面工作。" in document.text
    assert "姓名 | 职责\n李四 | 组长" in document.text
    assert document.metadata == {
        "title": "Fire plan",
        "created": "2024-01-05",
        "modified": "2025-03-01",
    }


def test_docx_chinese_style_names_are_headings(tmp_path: Path) -> None:
    def build(d: Any) -> None:
        style = d.styles.add_style("标题 1", WD_STYLE_TYPE.PARAGRAPH)
        d.add_paragraph("职责分工", style=style)
        d.add_paragraph("正文。")

    document = read(make_docx(tmp_path / "zh.docx", build))
    assert [(h.level, h.text) for h in document.headings] == [(1, "职责分工")]


def test_docx_without_heading_styles_falls_back_to_numbering(tmp_path: Path) -> None:
    def build(d: Any) -> None:
        for text in [
            "第一章 总则",
            "一、组织机构",
            "（一）应急小组",
            "负责日常巡查，每日两次。",
            "1.2 值班制度",
        ]:
            d.add_paragraph(text)

    document = read(make_docx(tmp_path / "plain.docx", build))
    assert [(h.level, h.text) for h in document.headings] == [
        (1, "第一章 总则"),
        (1, "一、组织机构"),
        (2, "(一)应急小组"),
        (2, "1.2 值班制度"),
    ]


def test_docx_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\x00" * (4 * 1024 * 1024))
    document = read(path)
    assert fatal_issue(document) == "parse"
    assert "compression ratio" in document.issues[0].message


def test_docx_total_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_docx(tmp_path / "big.docx", lambda d: d.add_paragraph("x" * 5000))
    monkeypatch.setattr(documents, "MAX_DOCX_UNCOMPRESSED", 1000)
    document = read(path)
    assert fatal_issue(document) == "parse"
    assert "expands beyond" in document.issues[0].message


def test_docx_with_a_dtd_is_refused(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "ok.docx", lambda d: d.add_paragraph("x"))
    path = tmp_path / "dtd.docx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE d [<!ENTITY a "aaaa">]>', 1)
            dst.writestr(item, data)
    assert fatal_issue(read(path)) == "parse"


def test_not_a_zip_docx(tmp_path: Path) -> None:
    assert fatal_issue(read(save(tmp_path, "x.docx", SECRET.encode()))) == "parse"


# -- Markdown and text --------------------------------------------------------------------

MARKDOWN = """---
title: 消防应急预案
date: 2024-01-05
revised: 2025年3月1日
---
# 一、组织机构

主任　负责　全面工作。ＡＢＣ１２３

```
# not a heading
```

职责分工
========

Duties
------

### （一）应急小组 ###
"""


def test_markdown_headings_front_matter_and_normalisation(tmp_path: Path) -> None:
    document = read(save(tmp_path, "plan.md", MARKDOWN))
    assert document.usable and document.format == "markdown"
    assert document.headings == [
        Heading(level=1, text="一、组织机构", line=6),
        Heading(level=1, text="职责分工", line=14),
        Heading(level=2, text="Duties", line=17),
        Heading(level=3, text="(一)应急小组", line=20),
    ]
    assert document.metadata == {
        "title": "消防应急预案",
        "created": "2024-01-05",
        "modified": "2025-03-01",
    }
    assert "主任 负责 全面工作。ABC123" in document.text  # NFKC + collapsed spaces
    assert "title:" not in document.text
    assert len(document.pages) == 1


def test_plain_text_in_gb18030_with_numbered_headings(tmp_path: Path) -> None:
    text = "第一章 总则\r\n本预案适用于本社区。\r\n一、组织机构\r\n（二）值班\r\n"
    document = read(save(tmp_path, "rules.txt", text.encode("gb18030")))
    assert document.usable and document.format == "text"
    assert [(h.level, h.text, h.line) for h in document.headings] == [
        (1, "第一章 总则", 1),
        (1, "一、组织机构", 3),
        (2, "(二)值班", 4),
    ]


def test_undecodable_text_is_an_encoding_issue(tmp_path: Path) -> None:
    assert fatal_issue(read(save(tmp_path, "x.txt", b"\xff\xff\x80\x80"))) == "encoding"


def test_character_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_CHARS", 10)
    document = read(save(tmp_path, "x.md", "abcdefghijklmnop\n"))
    assert document.text == "abcdefghij"
    assert [i.keyword for i in document.issues] == ["limit"]
    assert document.usable


def test_unsupported_format(tmp_path: Path) -> None:
    assert fatal_issue(read(save(tmp_path, "x.odt", b"x"))) == "parse"


# -- heuristics ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("第一章 总则", 1),
        ("第3节 巡查", 2),
        ("第十条 值班", 3),
        ("一、组织机构", 1),
        ("(一)应急小组", 2),
        ("1. Scope", 1),
        ("1.2 Duties", 2),
        ("3.1.4 测试", 3),
        ("Chapter 3 Drills", 1),
        ("Section 2 Duties", 2),
        ("FIRE SAFETY", 1),
        ("2024年工作总结", None),
        ("负责日常巡查。", None),
        ("1) item", None),
        ("OK", None),
        ("This is an ordinary sentence that goes on and on well beyond sixty characters.", None),
    ],
)
def test_heading_heuristics(line: str, level: int | None) -> None:
    found = find_headings([line])
    assert (found[0].level if found else None) == level


def test_normalize_text() -> None:
    assert normalize_text("（一）\u3000ＡＢ  c\t d \r\nx") == "(一) AB c d\nx"
