"""Records: JSON or YAML evidence documents, parsed safely and validated per document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compliance._yaml import YAMLError, load_with_lines
from compliance.evidence.model import Issue, Record

__all__ = ["MAX_RECORD_BYTES", "read_record"]

MAX_RECORD_BYTES = 32 * 1024 * 1024


def read_record(
    bundle_path: str,
    path: Path,
    *,
    type_id: str,
    validator: Any | None,
    sha256: str,
    size: int,
    quick: Any | None = None,
) -> Record:
    """Parse and validate one record. Never raises for bad content: problems become
    :class:`Issue` objects (fatal when the file cannot be used at all)."""
    record = Record(path=bundle_path, type=type_id, data=None, sha256=sha256, size=size)
    if size > MAX_RECORD_BYTES:
        record.issues.append(
            Issue(bundle_path, "size", f"record larger than {MAX_RECORD_BYTES} bytes", fatal=True)
        )
        return record
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        record.issues.append(
            Issue(bundle_path, "encoding", f"not UTF-8 text (byte {exc.start})", fatal=True)
        )
        return record
    except OSError as exc:
        record.issues.append(
            Issue(bundle_path, "read", f"cannot read ({type(exc).__name__})", fatal=True)
        )
        return record
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(text)
        elif suffix in (".yaml", ".yml"):
            data, record.lines = load_with_lines(text)
        else:
            record.issues.append(
                Issue(
                    bundle_path,
                    "format",
                    f"records must be .json, .yaml or .yml, not {suffix or 'no extension'}",
                    fatal=True,
                )
            )
            return record
    except json.JSONDecodeError as exc:
        record.issues.append(
            Issue(
                bundle_path,
                "parse",
                f"invalid JSON at line {exc.lineno} column {exc.colno}",
                fatal=True,
            )
        )
        return record
    except YAMLError as exc:
        at = f" at line {exc.line}" if exc.line else ""
        record.issues.append(Issue(bundle_path, "parse", f"invalid YAML{at}", fatal=True))
        return record
    except RecursionError:
        record.issues.append(Issue(bundle_path, "parse", "nesting too deep", fatal=True))
        return record
    except ValueError as exc:  # e.g. integers longer than Python's digit limit
        record.issues.append(
            Issue(bundle_path, "parse", f"unreadable value ({type(exc).__name__})", fatal=True)
        )
        return record
    record.data = data
    if validator is not None:
        record.issues.extend(_validate(bundle_path, data, validator, quick))
        if any(i.pointer in ("", None) and i.keyword == "type" for i in record.issues):
            record.issues = [Issue(**{**i.__dict__, "fatal": True}) for i in record.issues]
    return record


def _validate(bundle_path: str, data: Any, validator: Any, quick: Any | None = None) -> list[Issue]:
    """The document's issues; ``quick`` (SchemaRegistry.quick) answers first, and only a
    document it does not find valid goes through ``jsonschema`` for the errors."""
    from compliance.validation.messages import issue_from_error
    from compliance.validation.quick import passes

    if passes(quick, data):
        return []
    try:
        errors = sorted(
            validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]
        )
    except RecursionError:
        return [Issue(bundle_path, "parse", "nesting too deep to validate", fatal=True)]
    return [issue_from_error(e, bundle_path) for e in errors[:200]]
