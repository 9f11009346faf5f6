"""Small helpers the built-in indicators share (all built on the public API)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from typing import Any

SCHEMA_BASE = "https://schemas.community-safety.dev/evidence/"


def schema_id(type_id: str) -> str:
    """The ``$id`` of an evidence type's schema."""
    return f"{SCHEMA_BASE}{type_id}.schema.json"


@cache
def load_schema(type_id: str) -> dict[str, Any]:
    """An evidence schema from package data (``schemas/evidence/<type>.schema.json``)."""
    text = (
        files("compliance.schemas")
        .joinpath("evidence", f"{type_id}.schema.json")
        .read_text("utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """Deterministic CSV (``\\n`` line ends, minimal quoting) for sample evidence."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _text(v) for v in row])
    return buf.getvalue().encode("utf-8")


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if value.tzinfo is None else "")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def yaml_bytes(data: Any) -> bytes:
    """Deterministic YAML for sample records (keys in the given order, UTF-8)."""
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).encode("utf-8")
