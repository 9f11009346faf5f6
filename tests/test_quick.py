"""The quick check of records (compliance.validation.quick) never contradicts jsonschema.

Its answers are True (no error), False (an error) or None (undecided); the records reader
trusts True and asks jsonschema otherwise. Every decided answer must be jsonschema's
verdict: on every test of the official JSON Schema Test Suite (draft 2020-12, optional
tests included) whose schema it compiles, on every record of the bundled examples and
the sample, and on generated variations of those records.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from compliance._yaml import safe_load
from compliance.plugins import PluginHost
from compliance.runner import make_registry
from compliance.validation.quick import compile_schema

from .conftest import SHARED

SUITE = SHARED / "standards" / "json-schema-test-suite"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "bundles"
BASE = "https://example.invalid/suite-schema.json"


def _remotes() -> Registry[Any]:
    """The suite's remote schemas under the URIs its tests use."""
    resources = []
    root = SUITE / "remotes"
    for path in sorted(root.rglob("*.json")):
        uri = "http://localhost:1234/" + path.relative_to(root).as_posix()
        contents = json.loads(path.read_text("utf-8"))
        resources.append((uri, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def _suite_cases() -> list[tuple[str, Any, Any]]:
    out: list[tuple[str, Any, Any]] = []
    tests = SUITE / "tests" / "draft2020-12"
    for path in sorted(tests.rglob("*.json")):
        for group in json.loads(path.read_text("utf-8")):
            for test in group["tests"]:
                name = f"{path.relative_to(tests)}: {group['description']}: {test['description']}"
                out.append((name, group["schema"], test["data"]))
    return out


@pytest.mark.skipif(not SUITE.is_dir(), reason="the JSON Schema Test Suite is not here")
def test_quick_answers_are_jsonschemas_on_the_test_suite() -> None:
    remotes = _remotes()
    checker = FormatChecker()
    decided = compiled = 0
    wrong: list[str] = []
    for name, schema, data in _suite_cases():
        if isinstance(schema, dict) and "$id" not in schema:
            schema = {**schema, "$id": BASE}
        uri = schema.get("$id", BASE) if isinstance(schema, dict) else BASE
        registry = remotes.with_resource(
            uri, Resource.from_contents(schema, default_specification=DRAFT202012)
        )
        try:
            expected = Draft202012Validator(
                schema, registry=registry, format_checker=checker
            ).is_valid(data)
        except Exception:  # jsonschema itself cannot evaluate it (unresolvable remote)
            continue
        quick = compile_schema(schema, registry=registry, base_uri=uri, format_checker=checker)
        if quick is None:
            continue
        compiled += 1
        try:
            answer = quick(data)
        except RecursionError:
            continue
        if answer is None:
            continue
        decided += 1
        if answer != expected:
            wrong.append(f"{name}: quick {answer}, jsonschema {expected}")
    assert not wrong, "\n".join(wrong[:20])
    # Not vacuous: most of the suite's tests are compiled and decided.
    assert compiled > 800 and decided > 700, (compiled, decided)


def _records() -> list[tuple[str, Any]]:
    """(schema id, document) of every record in the example bundles."""
    host = PluginHost()
    types = host.evidence_types()
    out = []
    for manifest in sorted(EXAMPLES.glob("*/bundle.json")):
        for entry in json.loads(manifest.read_text("utf-8"))["evidence"]:
            et = types.get(entry["type"])
            path = manifest.parent / entry["path"]
            if et is None or et.kind != "record" or not et.schema or not path.is_file():
                continue
            text = path.read_text("utf-8")
            out.append((et.schema, json.loads(text) if path.suffix == ".json" else safe_load(text)))
    return out


RECORDS = _records()
REGISTRY = make_registry(PluginHost())


def test_every_built_in_record_schema_is_compiled_and_decides_the_examples() -> None:
    assert len(RECORDS) > 30
    for schema_id, data in RECORDS:
        quick = REGISTRY.quick(schema_id)
        assert quick is not None, schema_id
        valid = not list(REGISTRY.validator(schema_id).iter_errors(data))
        assert quick(data) is valid, schema_id


def _containers(node: Any) -> list[Any]:
    """Every non-empty object and array in the document, itself included."""
    if not isinstance(node, dict | list) or not node:
        return []
    children = node.values() if isinstance(node, dict) else node
    return [node, *(c for child in children for c in _containers(child))]


def _mutations(value: Any) -> st.SearchStrategy[Any]:
    """A record with one value somewhere replaced, one key removed or one added."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 3),
        st.floats(-2.5, 2.5, allow_nan=False),
        st.sampled_from(["", "x", "2025-02-30", "2025-01-01T08:00:00+08:00", "ab@c.d", "1.2.3.4"]),
        st.just([]),
        st.just({}),
    )

    @st.composite
    def mutate(draw: st.DrawFn) -> Any:
        doc = copy.deepcopy(value)
        for _ in range(draw(st.integers(1, 3))):
            parents = _containers(doc)
            if not parents:
                return draw(leaves)
            parent = draw(st.sampled_from(parents))
            if isinstance(parent, dict):
                key = draw(st.sampled_from(sorted(parent)))
                action = draw(st.sampled_from(["replace", "delete", "add"]))
                if action == "replace":
                    parent[key] = draw(leaves)
                elif action == "delete":
                    del parent[key]
                else:
                    parent[draw(st.sampled_from(["extra", "notes", key + "_x"]))] = draw(leaves)
            else:
                index = draw(st.integers(0, len(parent) - 1))
                if draw(st.booleans()):
                    parent[index] = draw(leaves)
                else:
                    parent.append(copy.deepcopy(parent[index]))
        return doc

    return mutate()


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_quick_answers_are_jsonschemas_on_changed_records(data: st.DataObject) -> None:
    schema_id, record = data.draw(st.sampled_from(RECORDS))
    doc = data.draw(_mutations(record))
    answer = REGISTRY.quick(schema_id)(doc)
    if answer is not None:
        assert answer == (not list(REGISTRY.validator(schema_id).iter_errors(doc)))


def test_only_a_true_answer_passes() -> None:
    from compliance.validation.quick import passes

    def deep(document: Any) -> bool:
        raise RecursionError

    assert passes(lambda d: True, {})
    assert not passes(None, {})
    assert not passes(lambda d: None, {})
    assert not passes(lambda d: False, {})
    assert not passes(deep, {})  # jsonschema then says what it says about deep nesting
