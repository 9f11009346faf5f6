"""Human messages for failed JSON Schema keywords, without the offending value.

``jsonschema``'s own messages quote the instance (``'13800138000' is not of type
'integer'``). Evidence holds residents' names, phone numbers and plate numbers, and reports
are shared, so every message here is built from the *schema* alone: the keyword and its
value (schema text is ours and safe to show), never the evidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from jsonschema import ValidationError

from compliance.evidence.model import Issue

__all__ = ["describe", "issue_from_error", "json_pointer", "keyword_of"]

_FORMAT_NAMES = {
    "date": "date (YYYY-MM-DD)",
    "date-time": "date-time (RFC 3339, with a time zone offset)",
    "time": "time (HH:MM:SS with a time zone offset)",
    "email": "e-mail address",
    "idn-email": "e-mail address",
    "uuid": "UUID",
    "ipv4": "IPv4 address",
    "ipv6": "IPv6 address",
    "uri": "URI",
    "uri-reference": "URI reference",
    "iri": "IRI",
    "hostname": "host name",
    "idn-hostname": "host name",
    "duration": "ISO 8601 duration",
    "regex": "regular expression",
    "json-pointer": "JSON pointer",
}

# Keywords whose message does not depend on the schema value.
_FIXED = {
    "enum": "must be one of the allowed values",
    "pattern": "does not match the required pattern",
    "uniqueItems": "must not contain duplicate items",
    "additionalProperties": "has properties the schema does not allow",
    "unevaluatedProperties": "has properties the schema does not allow",
    "additionalItems": "has more items than the schema allows",
    "unevaluatedItems": "has items the schema does not allow",
    "items": "has an item that does not match the schema",
    "prefixItems": "has an item that does not match the schema",
    "contains": "does not contain a matching item",
    "propertyNames": "has a property name the schema does not allow",
    "patternProperties": "has a property that does not match its schema",
    "properties": "has a property that does not match its schema",
    "dependentSchemas": "does not match the schema required by one of its properties",
    "oneOf": "must match exactly one of the allowed schemas",
    "anyOf": "must match at least one of the allowed schemas",
    "allOf": "must match all of the required schemas",
    "not": "must not match the excluded schema",
    "if": "does not satisfy the conditional schema",
    "then": "does not satisfy the conditional schema",
    "else": "does not satisfy the conditional schema",
    "false": "is not allowed by the schema",
    "$ref": "does not match the referenced schema",
    "$dynamicRef": "does not match the referenced schema",
}


def _num(value: Any) -> str:
    """A schema number as JSON writes it (``5``, ``0.5``), not Python's ``5.0`` for 5."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value)


def _quoted(names: Iterable[Any]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        names = [str(v) for v in value]
        if len(names) == 1:
            return names[0]
        return ", ".join(names[:-1]) + " or " + names[-1]
    return str(value)


def _plural(n: Any, word: str, words: str | None = None) -> str:
    return f"{_num(n)} " + (word if n == 1 else (words or word + "s"))


def describe(keyword: str | None, schema_value: object) -> str:
    """A short message for a failed ``keyword`` whose schema value is ``schema_value``.

    For ``required`` pass the missing property name (a ``str``) when known, else the
    schema's list. The result reads after a subject: "column 'x' must be >= 0".
    """
    if keyword is None:  # jsonschema reports a `false` subschema with no keyword
        keyword = "false"
    if keyword in _FIXED:
        return _FIXED[keyword]
    value: Any = schema_value
    if keyword == "type":
        return f"must be of type {_type_name(value)}"
    if keyword == "const":
        return "must be equal to the required constant"
    if keyword == "format":
        return f"is not a valid {_FORMAT_NAMES.get(str(value), str(value))}"
    if keyword == "minimum":
        return f"must be >= {_num(value)}"
    if keyword == "maximum":
        return f"must be <= {_num(value)}"
    if keyword == "exclusiveMinimum":
        return f"must be > {_num(value)}"
    if keyword == "exclusiveMaximum":
        return f"must be < {_num(value)}"
    if keyword == "multipleOf":
        return f"must be a multiple of {_num(value)}"
    if keyword == "minLength":
        return f"must be at least {_plural(value, 'character')} long"
    if keyword == "maxLength":
        return f"must be at most {_plural(value, 'character')} long"
    if keyword == "minItems":
        return f"must have at least {_plural(value, 'item')}"
    if keyword == "maxItems":
        return f"must have at most {_plural(value, 'item')}"
    if keyword == "minProperties":
        return f"must have at least {_plural(value, 'property', 'properties')}"
    if keyword == "maxProperties":
        return f"must have at most {_plural(value, 'property', 'properties')}"
    if keyword == "minContains":
        return f"must contain at least {_plural(value, 'matching item')}"
    if keyword == "maxContains":
        return f"must contain at most {_plural(value, 'matching item')}"
    if keyword == "required":
        if isinstance(value, str):
            return f"is missing required property '{value}'"
        if isinstance(value, list) and len(value) == 1:
            return f"is missing required property '{value[0]}'"
        return "is missing a required property"
    if keyword == "dependentRequired":
        return "is missing a property required by another property"
    return f"fails the '{keyword}' constraint"


def json_pointer(parts: Iterable[Any]) -> str:
    """RFC 6901 pointer for a path of keys and indexes (``""`` is the whole document)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def keyword_of(error: ValidationError) -> str:
    """The keyword that failed: ``false`` for a false schema, else jsonschema's name."""
    return str(error.validator) if error.validator is not None else "false"


def issue_from_error(error: ValidationError, path: str) -> Issue:
    """An :class:`Issue` for one ``jsonschema`` error in the record at bundle ``path``.

    The pointer is where the error is in the instance; the message comes from
    :func:`describe`, never from ``error.message`` (which quotes the instance).
    """
    keyword = keyword_of(error)
    value: Any = error.validator_value
    if keyword == "required" and isinstance(error.instance, dict) and isinstance(value, list):
        missing = [name for name in value if name not in error.instance]
        if len(missing) == 1:
            value = missing[0]
        elif missing:
            return Issue(
                path=path,
                keyword=keyword,
                message=f"is missing required properties {_quoted(missing)}",
                pointer=json_pointer(error.absolute_path),
            )
    return Issue(
        path=path,
        keyword=keyword,
        message=describe(keyword, value),
        pointer=json_pointer(error.absolute_path),
    )
