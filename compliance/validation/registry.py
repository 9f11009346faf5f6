"""One ``referencing`` registry of every schema the engine and the plugins ship.

``$ref`` between schemas resolves by ``$id`` through this registry only: nothing is ever
fetched from the network, so a hostile schema or evidence file cannot make us call out.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["InvalidSchemaError", "SchemaRegistry", "check_schema", "engine_schemas"]

ENGINE_SCHEMAS = ("bundle.schema.json", "profile.schema.json", "report.schema.json")


def check_schema(schema: Any, schema_id: str) -> None:
    """Raise :class:`InvalidSchemaError` (one line) unless ``schema`` is a valid schema."""
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/" + "/".join(str(p) for p in exc.absolute_path)
        raise InvalidSchemaError(schema_id, f"at {where}: {exc.validator} fails") from None


def engine_schemas() -> list[dict[str, Any]]:
    """The engine's own schemas (manifest, profile, report) from package data."""
    root = files("compliance.schemas")
    out = []
    for name in ENGINE_SCHEMAS:
        resource = root.joinpath(name)
        if resource.is_file():
            out.append(json.loads(resource.read_text(encoding="utf-8")))
    return out


class InvalidSchemaError(ValueError):
    """A schema that is not a valid draft 2020-12 schema; ``schema_id`` says which."""

    def __init__(self, schema_id: str, reason: str) -> None:
        super().__init__(f"schema {schema_id} is not a valid JSON Schema: {reason}")
        self.schema_id = schema_id


class SchemaRegistry:
    """Schemas by ``$id``, with cached validators (safe to share between threads).

    Every schema is checked against the draft 2020-12 metaschema here, except those whose
    ``$id`` is in ``verified``: the engine's and built-in plugins' own, which the test
    suite checks (doing it on every run cost more than reading a million-row table).

    :raises InvalidSchemaError: a schema fails the metaschema.
    """

    def __init__(self, schemas: Iterable[dict[str, Any]], *, verified: Iterable[str] = ()) -> None:
        trusted = frozenset(verified)
        self.schemas: dict[str, dict[str, Any]] = {}
        resources = []
        for schema in schemas:
            schema_id = schema.get("$id")
            if not isinstance(schema_id, str) or not schema_id:
                raise ValueError("every registered schema needs an absolute $id")
            if schema_id not in trusted:
                check_schema(schema, schema_id)
            self.schemas[schema_id] = schema
            resources.append((schema_id, Resource.from_contents(schema, DRAFT202012)))
        # The default ``retrieve`` refuses every URI it does not hold: no network fetches.
        self.registry: Registry[Any] = Registry().with_resources(resources)
        self._validators: dict[str, Draft202012Validator] = {}
        self._quick: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __contains__(self, schema_id: str) -> bool:
        return schema_id in self.schemas

    def get(self, schema_id: str) -> dict[str, Any]:
        return self.schemas[schema_id]

    def validator(self, schema_id: str) -> Draft202012Validator:
        with self._lock:
            found = self._validators.get(schema_id)
            if found is None:
                found = Draft202012Validator(
                    self.schemas[schema_id],
                    registry=self.registry,
                    format_checker=FormatChecker(),
                )
                self._validators[schema_id] = found
            return found

    def quick(self, schema_id: str) -> Any:
        """The compiled quick check of the schema (:mod:`compliance.validation.quick`):
        a callable answering True only for documents :meth:`validator` finds no error
        in; None when the schema uses keywords it does not compile."""
        from compliance.validation.quick import compile_schema

        with self._lock:
            if schema_id not in self._quick:
                self._quick[schema_id] = compile_schema(
                    self.schemas[schema_id],
                    registry=self.registry,
                    base_uri=schema_id,
                    format_checker=FormatChecker(),
                )
            return self._quick[schema_id]
