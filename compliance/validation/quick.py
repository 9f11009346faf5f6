"""A quick answer for documents that pass their schema: common keywords as closures.

``jsonschema`` walks a document keyword by keyword and builds a validator object for
every subschema it enters (some 12 us a node): validating the 18 records of the 5M-row
sample bundle cost 47 ms of every check, all of it holding the interpreter lock, and
nearly every record passes. :func:`compile_schema` turns a schema made of the keywords
below into nested closures that answer, for a document:

* ``True``: no keyword fails (``jsonschema`` would report no error);
* ``False``: a keyword fails (``jsonschema`` would report one);
* ``None``: not decided cheaply (an ``enum`` of objects, ``uniqueItems`` on numbers).

The records reader calls ``jsonschema`` for the errors unless the answer is ``True``, so
only ``True`` must never be wrong; ``False`` must be exact as well, because ``not`` and
``oneOf`` turn it into ``True``. Each keyword is the same test as ``jsonschema``'s own
(its type checks, ``re.search`` for patterns, the same :class:`FormatChecker`, its
equality for ``enum`` and ``const``); a schema with any other assertion keyword, a nested
``$id`` or a ``$ref`` the registry cannot resolve is not compiled (None), and its
documents go to ``jsonschema`` alone. tests/test_quick.py holds the answers to the JSON
Schema Test Suite and to ``jsonschema`` on generated documents.
"""

from __future__ import annotations

import numbers
import operator
import re
from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

__all__ = ["Check", "compile_schema", "passes"]

#: A compiled schema: True (valid), False (invalid) or None (undecided) for a document.
Check = Callable[[Any], bool | None]

#: Keywords jsonschema evaluates for draft 2020-12; any not handled here is refused.
_ASSERTING = frozenset(Draft202012Validator.VALIDATORS)
_HANDLED = frozenset(
    {
        "$ref",
        "additionalProperties",
        "allOf",
        "anyOf",
        "const",
        "enum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "format",
        "items",
        "maxItems",
        "maxLength",
        "maxProperties",
        "maximum",
        "minItems",
        "minLength",
        "minProperties",
        "minimum",
        "not",
        "oneOf",
        "pattern",
        "patternProperties",
        "prefixItems",
        "properties",
        "propertyNames",
        "required",
        "type",
        "uniqueItems",
    }
)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Number)


#: jsonschema's draft 2020-12 type checker, type by type.
_TYPES: dict[str, Callable[[Any], bool]] = {
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "integer": _is_integer,
    "null": lambda v: v is None,
    "number": _is_number,
    "object": lambda v: isinstance(v, dict),
    "string": lambda v: isinstance(v, str),
}


_EXACT: dict[str, tuple[type, ...]] = {
    "array": (list,),
    "boolean": (bool,),
    "integer": (int,),
    "null": (type(None),),
    "number": (int, float),
    "object": (dict,),
    "string": (str,),
}


class _Refused(Exception):
    """The schema uses something this module does not compile."""


def compile_schema(
    schema: Any, *, registry: Any, base_uri: str, format_checker: FormatChecker
) -> Check | None:
    """The closure for ``schema`` (a draft 2020-12 schema already known to be valid),
    resolving ``$ref`` through the ``referencing`` ``registry`` from ``base_uri``; None
    when the schema uses anything not compiled here."""
    try:
        return _Compiler(format_checker).compile(schema, registry.resolver(base_uri))
    except _Refused:
        return None
    except Exception:  # an unresolvable $ref, an odd value: jsonschema will say
        return None


def passes(check: Check | None, document: Any) -> bool:
    """Whether ``check`` (from :func:`compile_schema`, or None) says ``document`` is valid.
    False when it cannot say or raises (RecursionError on deep nesting, a format
    checker's own error): the caller then asks ``jsonschema``, which reports those."""
    if check is None:
        return False
    try:
        return check(document) is True
    except Exception:
        return False


def _all(checks: list[Check]) -> Check:
    """True when every check says True, False when any says False, else None."""
    if not checks:
        return lambda value: True
    if len(checks) == 1:
        return checks[0]

    def check(value: Any) -> bool | None:
        undecided = False
        for each in checks:
            answer = each(value)
            if answer is False:
                return False
            if answer is None:
                undecided = True
        return None if undecided else True

    return check


def _type_check(names: list[str]) -> Check:
    tests = [_TYPES[n] for n in names]
    # The Python types that are certainly of one of the named types (a bool is no
    # integer, an integral float is one: those take the full tests).
    exact = frozenset(t for n in names for t in _EXACT[n])

    def check(value: Any) -> bool:
        return type(value) in exact or any(test(value) for test in tests)

    return check


def _bound_check(fails: Callable[[Any, Any], bool], bound: Any) -> Check:
    """A numeric bound: only numbers can fail it (as in jsonschema)."""
    return lambda value: not (_is_number(value) and fails(value, bound))


def _member(members: list[Any]) -> Check:
    """``enum``/``const`` by jsonschema's equality, decided for scalar documents."""
    strings = frozenset(m for m in members if isinstance(m, str))
    flags = frozenset(m for m in members if isinstance(m, bool))
    numbers_ = [m for m in members if _is_number(m)]
    has_null = any(m is None for m in members)

    def check(value: Any) -> bool | None:
        if isinstance(value, str):
            return value in strings
        if value is None:
            return has_null
        if isinstance(value, bool):
            return value in flags
        if _is_number(value):
            return any(value == m for m in numbers_)
        return None  # objects and arrays: jsonschema's recursive equality decides

    return check


class _Compiler:
    def __init__(self, format_checker: FormatChecker) -> None:
        self.format_checker = format_checker
        self.done: dict[int, Check] = {}
        self.busy: set[int] = set()

    def compile(self, schema: Any, resolver: Any) -> Check:
        if schema is True:
            return lambda value: True
        if schema is False:
            return lambda value: False
        if not isinstance(schema, dict):
            raise _Refused
        key = id(schema)
        if key in self.done:
            return self.done[key]
        if key in self.busy:  # a $ref cycle: look the finished closure up when called
            return lambda value: self.done[key](value)
        self.busy.add(key)
        try:
            check = self._build(schema, resolver)
        finally:
            self.busy.discard(key)
        self.done[key] = check
        return check

    def _build(self, schema: dict[str, Any], resolver: Any) -> Check:
        if "$id" in schema and resolver is not None and schema is not self._root(resolver):
            raise _Refused  # a nested resource: its own base URI
        unknown = (set(schema) & _ASSERTING) - _HANDLED
        if unknown or "$dynamicRef" in schema or "$recursiveRef" in schema:
            raise _Refused
        checks: list[Check] = []
        if "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            checks.append(self.compile(resolved.contents, resolved.resolver))
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            checks.append(_type_check(names))
        if "enum" in schema:
            checks.append(_member(list(schema["enum"])))
        if "const" in schema:
            checks.append(_member([schema["const"]]))
        checks += self._numbers(schema)
        checks += self._strings(schema)
        checks += self._objects(schema, resolver)
        checks += self._arrays(schema, resolver)
        checks += self._combinators(schema, resolver)
        return _all(checks)

    @staticmethod
    def _root(resolver: Any) -> Any:
        try:
            return resolver.lookup("").contents
        except Exception:
            return None

    @staticmethod
    def _numbers(schema: dict[str, Any]) -> list[Check]:
        return [
            _bound_check(fails, schema[key])
            for key, fails in (
                ("minimum", operator.lt),
                ("maximum", operator.gt),
                ("exclusiveMinimum", operator.le),
                ("exclusiveMaximum", operator.ge),
            )
            if key in schema
        ]

    def _strings(self, schema: dict[str, Any]) -> list[Check]:
        out: list[Check] = []
        if "minLength" in schema:
            least = schema["minLength"]
            out.append(lambda v: not (isinstance(v, str) and len(v) < least))
        if "maxLength" in schema:
            most = schema["maxLength"]
            out.append(lambda v: not (isinstance(v, str) and len(v) > most))
        if "pattern" in schema:
            pattern = schema["pattern"]
            out.append(lambda v: not isinstance(v, str) or re.search(pattern, v) is not None)
        if "format" in schema:
            name, conforms = schema["format"], self.format_checker.conforms
            out.append(lambda v: conforms(v, name))
        return out

    def _objects(self, schema: dict[str, Any], resolver: Any) -> list[Check]:
        out: list[Check] = []
        props = {k: self.compile(s, resolver) for k, s in schema.get("properties", {}).items()}
        patterns = {
            p: self.compile(s, resolver) for p, s in schema.get("patternProperties", {}).items()
        }
        extra = schema.get("additionalProperties")
        extra_check = self.compile(extra, resolver) if extra is not None else None
        required = list(schema.get("required", ()))
        names = (
            self.compile(schema["propertyNames"], resolver) if "propertyNames" in schema else None
        )
        least, most = schema.get("minProperties"), schema.get("maxProperties")
        if (
            not (props or patterns or extra_check or required or names)
            and least is None
            and most is None
        ):
            return out
        joined = "|".join(schema.get("patternProperties", {}))

        def check(value: Any) -> bool | None:
            if not isinstance(value, dict):
                return True
            undecided = False
            for name in required:
                if name not in value:
                    return False
            if least is not None and len(value) < least:
                return False
            if most is not None and len(value) > most:
                return False
            for key, item in value.items():
                sub = props.get(key)
                if sub is not None:
                    answer = sub(item)
                    if answer is not True:
                        if answer is False:
                            return False
                        undecided = True
                elif extra_check is not None and not (joined and re.search(joined, key)):
                    answer = extra_check(item)
                    if answer is not True:
                        if answer is False:
                            return False
                        undecided = True
                for pattern, pattern_check in patterns.items():
                    if re.search(pattern, key):
                        answer = pattern_check(item)
                        if answer is not True:
                            if answer is False:
                                return False
                            undecided = True
                if names is not None:
                    answer = names(key)
                    if answer is not True:
                        if answer is False:
                            return False
                        undecided = True
            return None if undecided else True

        out.append(check)
        return out

    def _arrays(self, schema: dict[str, Any], resolver: Any) -> list[Check]:
        out: list[Check] = []
        prefix = [self.compile(s, resolver) for s in schema.get("prefixItems", ())]
        rest = self.compile(schema["items"], resolver) if "items" in schema else None
        least, most = schema.get("minItems"), schema.get("maxItems")
        unique = schema.get("uniqueItems") is True
        if not prefix and rest is None and least is None and most is None and not unique:
            return out

        def check(value: Any) -> bool | None:
            if not isinstance(value, list):
                return True
            if least is not None and len(value) < least:
                return False
            if most is not None and len(value) > most:
                return False
            undecided = False
            for index, item in enumerate(value):
                sub = prefix[index] if index < len(prefix) else rest
                if sub is None:
                    continue
                answer = sub(item)
                if answer is False:
                    return False
                if answer is None:
                    undecided = True
            if unique:
                # Strings are equal exactly when == says so; anything else is left to
                # jsonschema's own test (booleans against numbers, nested values).
                if not all(isinstance(item, str) for item in value):
                    return None if undecided or len(value) > 1 else True
                if len(set(value)) != len(value):
                    return False
            return None if undecided else True

        out.append(check)
        return out

    def _combinators(self, schema: dict[str, Any], resolver: Any) -> list[Check]:
        out: list[Check] = []
        if "allOf" in schema:
            out.append(_all([self.compile(s, resolver) for s in schema["allOf"]]))
        if "anyOf" in schema:
            options = [self.compile(s, resolver) for s in schema["anyOf"]]

            def any_of(value: Any) -> bool | None:
                answers = [o(value) for o in options]
                if True in answers:
                    return True
                return None if None in answers else False

            out.append(any_of)
        if "oneOf" in schema:
            choices = [self.compile(s, resolver) for s in schema["oneOf"]]

            def one_of(value: Any) -> bool | None:
                answers = [c(value) for c in choices]
                if None in answers:
                    return None
                return answers.count(True) == 1

            out.append(one_of)
        if "not" in schema:
            negated = self.compile(schema["not"], resolver)

            def not_(value: Any) -> bool | None:
                answer = negated(value)
                return None if answer is None else not answer

            out.append(not_)
        return out
