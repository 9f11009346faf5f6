"""The evidence store: every evidence file read once, validated once, shared by all
indicators (thread-safe, so indicators can run in parallel)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from compliance.evidence.model import Document, Record, Table

if TYPE_CHECKING:
    from compliance.bundle.model import Bundle
    from compliance.indicator import EvidenceType
    from compliance.validation.registry import SchemaRegistry

__all__ = ["EvidenceStore"]


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
    ) -> None:
        self.bundle = bundle
        self.types = types
        self.registry = registry
        self._resolved = resolved
        self._declared = declared
        self._cache: dict[str, Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

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
        out = []
        for rel in self.paths(et.id):
            path = self.bundle.path(rel)
            out.append(
                read_record(
                    rel,
                    path,
                    type_id=et.id,
                    validator=validator,
                    sha256=file_sha256(path),
                    size=path.stat().st_size,
                )
            )
        return out

    def _load_table(self, et: EvidenceType) -> Table:
        from compliance.evidence.tables import read_table

        files = [(rel, self.bundle.path(rel)) for rel in self.paths(et.id)]
        row_schema = self.registry.get(et.schema) if et.schema else {"type": "object"}
        return read_table(
            files, type_id=et.id, row_schema=row_schema, registry=self.registry.registry
        )

    def _load_documents(self, et: EvidenceType) -> list[Document]:
        from compliance.evidence.documents import read_document

        return [
            read_document(rel, self.bundle.path(rel), type_id=et.id) for rel in self.paths(et.id)
        ]
