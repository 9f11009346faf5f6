"""Keeping residents' personal data out of every report, log line and error message.

Indicators are told never to quote personal data, but a message can still carry it: a
file name (``张三-13812345678.csv``), a JSON pointer into a record, a column a vendor named
after a person, a plugin that forgot the rule. So the runner passes the finished report
model through :func:`redact_report` before any format renders it, and the command line
passes its error lines through :func:`mask`.

What is recognized:

* mainland resident identity numbers: 18 characters whose check character is right
  (ISO 7064 MOD 11-2) and whose birth date is a real date;
* mainland mobile numbers: 11 digits starting 13-19, optionally after +86/86, with or
  without a space or hyphen after the third and seventh digit;
* mainland vehicle plates: a province character, a letter, then five or six letters and
  digits (``粤B12345``, new-energy ``粤BD12345``), optionally with a dot or space;
* residents' names: the values of the evidence fields and columns that evidence types
  declare as ``personal_columns``.

Each is replaced by a pseudonym such as ``[phone:3f9a1c20]``: an HMAC-SHA256 of the value
keyed with the bundle manifest's SHA-256. The same bundle therefore gives the same
pseudonyms in every run (reports stay byte-identical), the same person is recognizable
across findings, and a pseudonym cannot be reversed by hashing a list of phone numbers
without the manifest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable
from datetime import date
from enum import Enum
from typing import Any

__all__ = [
    "Redactor",
    "collect_personal_values",
    "is_identity_number",
    "mask",
    "redact_report",
]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

# Boundaries are "not a Latin letter or digit" rather than \b: Chinese text touching a
# number (电话13812345678) must still match, a longer run of digits or a hex digest not.
_IDENTITY = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z+])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9A-Za-z])")
_PLATE = re.compile(
    rf"[{_PROVINCES}][A-HJ-NP-Z][·•. ]?[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警]{{1,2}}"
    r"(?![0-9A-Za-z])"
)
# Names shorter than this are too likely to be ordinary words inside other text.
_MIN_NAME = 2


def is_identity_number(text: str) -> bool:
    """True for an 18-character mainland identity number with a valid check character
    and birth date."""
    if len(text) != 18 or not text[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != text[17].upper():
        return False
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return True


_UNCHANGED = frozenset({int, float, bool, type(None)})
#: Distinct texts a Redactor remembers the redaction of (a report has about a thousand).
_REMEMBERED = 50_000


class Redactor:
    """Replaces personal data in text with keyed pseudonyms.

    :param key: the HMAC key; the runner uses the manifest's SHA-256 so pseudonyms are
        stable for a bundle. ``None`` masks without pseudonyms (``[phone]``): for error
        lines written before the bundle could be read.
    :param names: residents' names to replace wherever they appear.
    """

    def __init__(self, key: bytes | None = None, names: Iterable[str] = ()) -> None:
        self.key = key
        unique = sorted({n.strip() for n in names if len(n.strip()) >= _MIN_NAME}, key=_longest)
        # One alternation, longest first, so 欧阳娜娜 is replaced before 欧阳.
        self._names = re.compile("|".join(map(re.escape, unique))) if unique else None
        # A report repeats many strings (keys, plugin names, columns): each is redacted once.
        self._done: dict[str, str] = {}

    def pseudonym(self, kind: str, value: str) -> str:
        if self.key is None:
            return f"[{kind}]"
        canonical = re.sub(r"[\s·•.+-]", "", value).upper()
        digest = hmac.new(self.key, f"{kind}:{canonical}".encode(), hashlib.sha256).hexdigest()
        return f"[{kind}:{digest[:8]}]"

    def text(self, value: str) -> str:
        """The text with every recognized piece of personal data replaced."""
        if not value:
            return value
        done = self._done.get(value)
        if done is not None:
            return done
        out = _IDENTITY.sub(self._identity, value)
        out = _MOBILE.sub(lambda m: self.pseudonym("phone", m.group(0)), out)
        out = _PLATE.sub(lambda m: self.pseudonym("plate", m.group(0)), out)
        if self._names is not None:
            out = self._names.sub(lambda m: self.pseudonym("person", m.group(0)), out)
        if len(self._done) < _REMEMBERED:
            self._done[value] = out
        return out

    def _identity(self, match: re.Match[str]) -> str:
        found = match.group(0)
        return self.pseudonym("id", found) if is_identity_number(found) else found

    def value(self, obj: Any) -> Any:
        """A copy of ``obj`` with every string inside redacted: dataclasses (frozen or
        not), dicts (keys too), lists and tuples; enums and numbers are kept as they are."""
        # The exact built-in types first (a report holds thousands of them); subclasses,
        # str-valued enums among them, take the general tests below.
        kind = type(obj)
        if kind is str:
            return self.text(obj)
        if kind in _UNCHANGED:
            return obj
        if kind is dict:
            return {self.value(k): self.value(v) for k, v in obj.items()}
        if kind is list:
            return [self.value(v) for v in obj]
        if isinstance(obj, Enum):
            return obj
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, dict):
            return {self.value(k): self.value(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.value(v) for v in obj]
        if isinstance(obj, tuple):
            return tuple(self.value(v) for v in obj)
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            changes = {
                f.name: self.value(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.init
            }
            return dataclasses.replace(obj, **changes)
        return obj


def _longest(name: str) -> tuple[int, str]:
    return (-len(name), name)


def mask(text: str) -> str:
    """Personal data in ``text`` replaced by its kind (``[phone]``), no key needed."""
    return Redactor().text(text)


# Report fields that hold no free text from evidence or plugins: the digests and the
# tool's own identity are left exactly as they are.
_KEPT = frozenset({"tool", "generated_at", "profile", "score", "grade", "status"})


def redact_report(report: Any, redactor: Redactor) -> Any:
    """The report model with every message, reason, location and metric string (and
    every other free-text field) redacted; evidence digests are kept."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(report):
        if f.name in _KEPT:
            continue
        value = getattr(report, f.name)
        if f.name == "evidence":
            changes[f.name] = [_redact_evidence(e, redactor) for e in value]
        else:
            changes[f.name] = redactor.value(value)
    return dataclasses.replace(report, **changes)


def _redact_evidence(entry: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    return {k: v if k == "sha256" else redactor.value(v) for k, v in entry.items()}


def collect_personal_values(
    types: dict[str, Any], records: Callable[[str], list[Any]], table: Callable[[str], Any]
) -> set[str]:
    """The values of every declared personal field or column, read from the evidence.

    :param types: evidence type id -> evidence type (its ``personal_columns``).
    :param records: type id -> parsed records (``EvidenceStore.records``).
    :param table: type id -> table or None (``EvidenceStore.table``).
    """
    found: set[str] = set()
    for type_id, et in sorted(types.items()):
        columns = tuple(getattr(et, "personal_columns", ()) or ())
        if not columns:
            continue
        if et.kind == "record":
            for record in records(type_id):
                for column in columns:
                    _walk(record.data, column.split("."), found)
        elif et.kind == "table":
            found |= _table_values(table(type_id), columns)
    return found


def _walk(data: Any, parts: list[str], found: set[str]) -> None:
    """Values at a dotted path; a list on the way means every element."""
    if isinstance(data, list):
        for item in data:
            _walk(item, parts, found)
        return
    if not parts:
        if isinstance(data, str) and data.strip():
            found.add(data.strip())
        return
    if isinstance(data, dict) and parts[0] in data:
        _walk(data[parts[0]], parts[1:], found)


def _table_values(table: Any, columns: tuple[str, ...]) -> set[str]:
    frame = getattr(table, "frame", None)
    if frame is None:
        return set()
    import polars as pl

    present = [c for c in columns if c in frame.collect_schema().names()]
    if not present:
        return set()
    values: set[str] = set()
    for column in present:
        try:
            picked = frame.select(pl.col(column).cast(pl.String, strict=False)).collect()
        except Exception:  # a nested column that has no text form holds no names to hide
            continue
        values |= {v.strip() for v in picked[column].drop_nulls().unique() if v.strip()}
    return values
