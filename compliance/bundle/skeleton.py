"""``compliance bundle init``: an empty bundle a community can fill in.

A first-time submitter should not have to read the schema to start: the skeleton's
``bundle.yaml`` lists every manifest field with a comment, indexes one path per
evidence type the loaded plugins read, and each type's template file is placed where
that index points. The manifest it writes is valid as is, so ``compliance check`` on
a fresh skeleton already runs and reports what evidence is still missing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Protocol, runtime_checkable

from compliance.errors import BundleError

__all__ = ["KIND_FOLDERS", "EvidenceTypeLike", "init_bundle", "manifest_template"]

#: Where each kind of evidence goes in a bundle.
KIND_FOLDERS = {"record": "records", "table": "tables", "document": "documents"}

_TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@runtime_checkable
class EvidenceTypeLike(Protocol):
    """What the skeleton needs to know about an evidence type (plugins' EvidenceType
    objects satisfy it)."""

    id: str
    kind: str
    title: str
    template_name: str | None
    template_text: str | None


def _quote(text: str) -> str:
    """A YAML double-quoted scalar: JSON string syntax is valid YAML for any text."""
    return json.dumps(text, ensure_ascii=False)


def _evidence_path(evidence_type: EvidenceTypeLike) -> str:
    folder = KIND_FOLDERS.get(evidence_type.kind)
    if folder is None:
        raise BundleError(
            f"unknown evidence kind {_quote(str(evidence_type.kind))} "
            "(expected record, table or document)",
            where=f"evidence type {evidence_type.id}",
        )
    name = evidence_type.template_name
    if name is None:
        return f"{folder}/{evidence_type.id}*"
    if not _TEMPLATE_NAME.fullmatch(name) or ".." in name:
        raise BundleError(
            "template_name must be a plain file name (letters, digits, '.', '_', '-')",
            where=f"evidence type {evidence_type.id}",
        )
    return f"{folder}/{name}"


def manifest_template(
    evidence_types: Sequence[EvidenceTypeLike], *, year: int | None = None
) -> str:
    """The commented ``bundle.yaml`` text of a new skeleton.

    :param year: the assessment year written as the period (default: last calendar year,
        the period most audits cover).
    """
    year = year if year is not None else date.today().year - 1
    lines = [
        "# Evidence bundle manifest (schema: bundle.schema.json, version 1).",
        "# Replace every value marked CHANGE ME, then run: compliance check <this folder>",
        "schema_version: 1",
        "",
        "community:",
        "  # Stable identifier: letters, digits, '.', '_', '-' (used to name reports).",
        '  id: "change-me-0001"',
        '  name: "Community name (CHANGE ME)"',
        '  city: "City (CHANGE ME)"',
        '  district: "District (CHANGE ME)"',
        "  # Residents and households at the end of the period (whole numbers).",
        "  population: 0",
        "  households: 0",
        "",
        "# The dates the evidence covers, both inclusive (YYYY-MM-DD).",
        "period:",
        f'  start: "{year:04d}-01-01"',
        f'  end: "{year:04d}-12-31"',
        "",
        "submitter:",
        '  organization: "Submitting organization (CHANGE ME)"',
        '  role: "Role of the person submitting (CHANGE ME)"',
        "  # Optional contact for the inspector. Personal data: never printed in reports.",
        '  # name: ""',
        '  # email: ""',
        "",
        "# One line per file or glob pattern ('*' stays within one folder) and its type.",
        "evidence:",
    ]
    if not evidence_types:
        lines[-1] = "evidence: []"
    for evidence_type in evidence_types:
        path = _evidence_path(evidence_type)
        lines.append(f"  # {' '.join(str(evidence_type.title).split())}")
        lines.append(f"  - path: {_quote(path)}")
        lines.append(f"    type: {_quote(evidence_type.id)}")
    return "\n".join(lines) + "\n"


def _write_new(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def init_bundle(directory: Path, evidence_types: Sequence[EvidenceTypeLike]) -> list[str]:
    """Write an empty bundle skeleton into ``directory`` (created if needed).

    Writes ``bundle.yaml`` and, for each evidence type with a template, the template
    under ``records/``, ``tables/`` or ``documents/`` by kind.

    :returns: the written paths, relative to ``directory``, in writing order.
    :raises BundleError: ``directory`` exists and is not an empty folder, or an
        evidence type has an unknown kind or an unsafe template name.
    """
    directory = Path(directory)
    if os.path.lexists(directory):
        if directory.is_symlink() or not directory.is_dir():
            raise BundleError("exists and is not a folder", where=str(directory))
        if any(directory.iterdir()):
            raise BundleError(
                "folder is not empty; choose a new or empty folder", where=str(directory)
            )
    # Check everything before writing anything, so a bad plugin leaves no half skeleton.
    manifest = manifest_template(evidence_types)
    templates: dict[str, str] = {}
    for evidence_type in evidence_types:
        if evidence_type.template_name is None:
            continue
        rel = _evidence_path(evidence_type)
        if rel in templates:
            raise BundleError(
                f"two evidence types use the template {_quote(rel)}",
                where=f"evidence type {evidence_type.id}",
            )
        templates[rel] = evidence_type.template_text or ""
    directory.mkdir(parents=True, exist_ok=True)
    written = ["bundle.yaml"]
    _write_new(directory / "bundle.yaml", manifest)
    for rel, text in templates.items():
        _write_new(directory / rel, text)
        written.append(rel)
    return written
