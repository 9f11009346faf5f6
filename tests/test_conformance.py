"""The column validator agrees with the official JSON Schema Test Suite (draft 2020-12) on
every test of the keywords it claims that can be written as a table row.

A test "can be written as a row" when its schema uses only claimed keywords and its data is
a JSON scalar (for a property keyword) or an object of scalars (for ``required``). Each such
test becomes a one-row JSON Lines table read through the real table reader, so JSON types,
explicit nulls and absent keys keep their meaning.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.evidence.tables import read_table

from .conftest import SHARED

SUITE = SHARED / "standards" / "json-schema-test-suite" / "tests" / "draft2020-12"
PROPERTY_FILES = [
    "type.json",
    "enum.json",
    "const.json",
    "minimum.json",
    "maximum.json",
    "exclusiveMinimum.json",
    "exclusiveMaximum.json",
    "minLength.json",
    "maxLength.json",
    "pattern.json",
    "optional/format/date.json",
    "optional/format/date-time.json",
    "optional/format/time.json",
    "optional/format/email.json",
    "optional/format/uuid.json",
    "optional/format/ipv4.json",
]
CLAIMED = {
    "type",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "format",
}
ANNOTATIONS = {"$schema", "$comment", "description", "title"}
FORMATS = {"date", "date-time", "time", "email", "uuid", "ipv4"}

pytestmark = pytest.mark.skipif(
    not SUITE.is_dir(),
    reason="the JSON Schema Test Suite (shared/standards) is not beside the checkout",
)


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def _expressible_property(schema: object) -> bool:
    if not isinstance(schema, dict) or not schema:
        return False
    keys = set(schema) - ANNOTATIONS
    if not keys or not keys <= CLAIMED:
        return False
    return "format" not in schema or schema["format"] in FORMATS


def _cases() -> list[object]:
    out: list[object] = []
    if not SUITE.is_dir():
        return out
    for name in PROPERTY_FILES:
        for group in json.loads((SUITE / name).read_text("utf-8")):
            schema = group["schema"]
            if not _expressible_property(schema):
                continue
            row_schema = {
                "type": "object",
                "properties": {"v": {k: v for k, v in schema.items() if k not in ANNOTATIONS}},
            }
            for test in group["tests"]:
                if _scalar(test["data"]):
                    ident = f"{name}:{group['description']}:{test['description']}"
                    out.append(
                        pytest.param(row_schema, {"v": test["data"]}, test["valid"], id=ident)
                    )
    for group in json.loads((SUITE / "required.json").read_text("utf-8")) if SUITE.is_dir() else []:
        schema = group["schema"]
        keys = set(schema) - ANNOTATIONS
        if not keys <= {"properties", "required"}:
            continue
        if any(sub not in ({}, True) for sub in schema.get("properties", {}).values()):
            continue
        for test in group["tests"]:
            data = test["data"]
            if isinstance(data, dict) and all(_scalar(v) for v in data.values()):
                row_schema = {"type": "object", **{k: schema[k] for k in keys}}
                ident = f"required.json:{group['description']}:{test['description']}"
                out.append(pytest.param(row_schema, data, test["valid"], id=ident))
    return out


CASES = _cases()


def test_enough_cases_are_expressible() -> None:
    assert len(CASES) >= 150, len(CASES)


@pytest.mark.parametrize(("row_schema", "row", "valid"), CASES)
def test_column_validator_agrees_with_suite(tmp_path: Path, row_schema, row, valid) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    table = read_table([("t.jsonl", path)], type_id="t", row_schema=row_schema)
    violations = [i for i in table.issues if i.keyword not in ("additionalProperties",)]
    assert (not violations) is valid, [(i.keyword, i.message) for i in violations]
