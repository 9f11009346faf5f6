"""``compliance verify REPORT.json BUNDLE``: does the bundle still hold the evidence the
report was made from?

The JSON report lists every evidence file an indicator read, with its SHA-256 and size.
Verifying opens the bundle the same safe way ``check`` does (archives are screened and
unpacked privately), hashes each listed file and compares. Nothing is evaluated, so a
verify is as fast as hashing the evidence.

Report paths went through the report's redaction pass (see :mod:`compliance.privacy`): a
file named after a phone number is listed under its pseudonym. The bundle's paths are
redacted with the same key (the manifest's SHA-256) before they are compared, so such a
file is still found; a file named after a resident is reported missing.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.errors import UsageError

__all__ = ["MAX_REPORT_BYTES", "FileCheck", "Verification", "verify"]

#: A JSON report larger than this is refused rather than parsed.
MAX_REPORT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class FileCheck:
    """One evidence file of the report: ``ok``, ``changed`` (other bytes) or ``missing``."""

    path: str
    status: str
    expected: str
    actual: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "expected": self.expected,
            "actual": self.actual,
        }


@dataclass
class Verification:
    """The outcome: ``matches`` is True when every listed file is present and unchanged."""

    files: list[FileCheck] = field(default_factory=list)
    tool: str = ""
    generated_at: str = ""

    @property
    def matches(self) -> bool:
        return all(f.status == "ok" for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        counts = {s: sum(1 for f in self.files if f.status == s) for s in _STATUSES}
        return {
            "matches": self.matches,
            "report": {"tool": self.tool, "generated_at": self.generated_at},
            "counts": counts,
            "files": [f.to_dict() for f in self.files],
        }


_STATUSES = ("ok", "changed", "missing")


def load_report(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a JSON report, refusing anything that is not one (one-line errors)."""
    where = Path(path).name
    try:
        # Checked before opening: opening a named pipe would wait for a writer forever.
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise UsageError("not a regular file", where=where)
        with open(path, "rb") as handle:
            raw = handle.read(MAX_REPORT_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read the report ({exc.strerror})", where=where) from None
    if len(raw) > MAX_REPORT_BYTES:
        raise UsageError("the report is too large", where=where)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise UsageError("not a JSON report (unreadable JSON)", where=where) from None
    if not isinstance(data, dict) or not isinstance(data.get("evidence"), list):
        raise UsageError("not a compliance JSON report (no evidence list)", where=where)
    for index, item in enumerate(data["evidence"]):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("path"), str)
            and isinstance(item.get("sha256"), str)
        ):
            raise UsageError(f"evidence entry {index} has no path and sha256", where=where)
    return data


def verify(
    report: str | os.PathLike[str] | dict[str, Any],
    bundle: str | os.PathLike[str],
    *,
    limits: Any = None,
) -> Verification:
    """Compare the evidence a report cites with the files of ``bundle``.

    :raises UsageError: the report is unreadable or not a JSON report.
    :raises BundleError: the bundle is rejected, exactly as ``check`` would reject it.
    """
    from compliance.bundle import Limits, open_bundle
    from compliance.evidence.hashing import file_sha256
    from compliance.privacy import Redactor

    data = report if isinstance(report, dict) else load_report(report)
    found = data.get("tool")
    tool: dict[str, Any] = found if isinstance(found, dict) else {}
    result = Verification(
        tool=f"{tool.get('name', '?')} {tool.get('version', '?')}",
        generated_at=str(data.get("generated_at", "")),
    )
    with open_bundle(bundle, limits=limits or Limits()) as opened:
        key = file_sha256(opened.root / opened.manifest.path).encode("ascii")
        redactor = Redactor(key)
        # Shown path (as the report would show it) -> real path in the bundle.
        present = {redactor.text(rel): rel for rel in sorted(opened.files)}
        for item in sorted(data["evidence"], key=lambda e: e["path"]):
            shown, expected = item["path"], item["sha256"].lower()
            rel = present.get(shown)
            if rel is None:
                result.files.append(FileCheck(shown, "missing", expected))
                continue
            actual = file_sha256(opened.path(rel))
            status = "ok" if actual == expected else "changed"
            result.files.append(FileCheck(shown, status, expected, actual))
    return result
