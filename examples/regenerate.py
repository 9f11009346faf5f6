"""Regenerate the example bundles in examples/bundles/ (run from the repository root):

    python examples/regenerate.py

Both communities are fictional. Their evidence comes from the evidence types' own sample
generators (the same ones ``compliance sample`` uses), then the rules document is turned
into a Word file for the strong community and a PDF for the weak one, so the examples hold
every kind of evidence: records (YAML), tables (CSV and, for the largest device exports,
Parquet) and documents (DOCX, PDF).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compliance.bundle.model import Community  # noqa: E402
from compliance.plugins import PluginHost  # noqa: E402
from compliance.sample import write_sample  # noqa: E402
from tests.test_documents import make_pdf  # noqa: E402  (the test suite's minimal PDF writer)

OUT = ROOT / "examples" / "bundles"

STRONG = Community(
    id="sz-ns-qingshui",
    name="Qingshui Bay Community",
    city="Shenzhen",
    district="Nanshan",
    population=18200,
    households=6400,
)
WEAK = Community(
    id="sz-lg-dongfeng",
    name="Dongfeng Lane Community",
    city="Shenzhen",
    district="Longgang",
    population=9400,
    households=3300,
)


def _markdown_blocks(text: str) -> list[tuple[int, str]]:
    """(heading level or 0 for a paragraph, text) for each block of a Markdown file."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        block = " ".join(block.split())
        match = re.match(r"^(#+)\s+(.*)$", block)
        blocks.append((len(match.group(1)), match.group(2)) if match else (0, block))
    return blocks


def to_docx(markdown: Path, title: str) -> Path:
    import docx

    document = docx.Document()
    for level, text in _markdown_blocks(markdown.read_text("utf-8")):
        if level:
            document.add_heading(text, level=min(level - 1, 3))
        else:
            document.add_paragraph(text)
    props = document.core_properties
    props.title = title
    props.author = "Community safety office"
    props.created = props.modified = datetime(2025, 3, 1, 9, 0, 0)
    target = markdown.with_suffix(".docx")
    document.save(str(target))
    markdown.unlink()
    return target


def to_pdf(markdown: Path, title: str) -> Path:
    lines: list[str] = []
    for level, text in _markdown_blocks(markdown.read_text("utf-8")):
        # The PDF uses a standard Latin font: keep the English text of bilingual blocks.
        text = " ".join(text.encode("ascii", "ignore").decode().replace(" /", "").split())
        words, line = text.split(), ""
        for word in words:
            if len(line) + len(word) > 85:
                lines.append(line)
                line = ""
            line = f"{line} {word}".strip()
        lines.append(line)
        if not level:
            lines.append("")
    pages = [lines[i : i + 45] for i in range(0, len(lines), 45)]
    target = markdown.with_suffix(".pdf")
    target.write_bytes(
        make_pdf(pages, info={"Title": title, "CreationDate": "D:20240415090000+08'00'"})
    )
    markdown.unlink()
    return target


#: Tables larger than this are stored as Parquet: a year of hourly device data is megabytes
#: of CSV but a fraction of that in a typed, compressed column store.
PARQUET_OVER_BYTES = 250_000


def to_parquet(folder: Path, host: PluginHost) -> list[tuple[str, str]]:
    """Rewrite the large CSV tables as Parquet with their schema's types (read through the
    engine's own table reader, so the Parquet holds exactly what the CSV meant)."""
    from compliance.evidence.tables import read_table
    from compliance.runner import make_registry

    registry = make_registry(host)
    manifest = json.loads((folder / "bundle.json").read_text("utf-8"))
    types = host.evidence_types()
    moved = []
    for entry in manifest["evidence"]:
        path = folder / entry["path"]
        if path.suffix != ".csv" or path.stat().st_size <= PARQUET_OVER_BYTES:
            continue
        et = types[entry["type"]]
        table = read_table(
            [(entry["path"], path)],
            type_id=et.id,
            row_schema=registry.get(et.schema),
            registry=registry.registry,
        )
        assert table.frame is not None and not table.issues, entry["path"]
        frame = table.frame.drop("__file", "__row").collect()
        target = path.with_suffix(".parquet")
        frame.write_parquet(target, compression="zstd", statistics=False)
        path.unlink()
        moved.append((entry["path"], str(Path(entry["path"]).with_suffix(".parquet"))))
    return moved


def _repoint(folder: Path, old: str, new: str) -> None:
    manifest_path = folder / "bundle.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    for entry in manifest["evidence"]:
        if entry["path"] == old:
            entry["path"] = new
    manifest["submitter"] = {
        "organization": f"{manifest['community']['name']} neighbourhood committee",
        "role": "community safety office",
    }
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")


def main() -> None:
    host = PluginHost()
    for name, community, seed, quality, qualities, convert in (
        ("qingshui-strong", STRONG, 21, "good", {}, to_docx),
        (
            "dongfeng-weak",
            WEAK,
            22,
            "fair",
            {"safety_organization": "poor", "volunteer_roster": "poor", "patrol_log": "poor"},
            to_pdf,
        ),
    ):
        folder = OUT / name
        shutil.rmtree(folder, ignore_errors=True)
        write_sample(
            folder,
            host=host,
            seed=seed,
            rows=6000,
            quality=quality,
            community=community,
            qualities=qualities,
        )
        converted = convert(folder / "documents" / "safety_rules.md", "Community safety rules")
        _repoint(folder, "documents/safety_rules.md", f"documents/{converted.name}")
        for old, new in to_parquet(folder, host):
            _repoint(folder, old, new)
        print(f"wrote {folder.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
