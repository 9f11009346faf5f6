"""Validation of evidence against JSON Schemas: the schema registry, record messages, and
column-wise validation of tables.

Submodules are imported on first use: the registry is needed by every command, while
``columns`` pulls in polars, which only table evidence needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "ColumnValidator",
    "SchemaRegistry",
    "ValidationResult",
    "describe",
    "issue_from_error",
]

_WHERE = {
    "ColumnValidator": "columns",
    "ValidationResult": "columns",
    "SchemaRegistry": "registry",
    "describe": "messages",
    "issue_from_error": "messages",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
