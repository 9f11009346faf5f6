"""The opened bundle and its manifest, as the rest of the engine sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["Bundle", "Community", "EvidenceEntry", "Limits", "Manifest", "Period"]


@dataclass(frozen=True)
class Limits:
    """Caps applied while reading archives and evidence (checked while reading, not
    only from headers)."""

    max_total_bytes: int = 2 * 1024**3  # 2 GiB unpacked
    max_entries: int = 20_000
    max_ratio: float = 200.0  # unpacked / packed, per member and overall
    max_file_bytes: int = 1024**3  # one member
    max_manifest_bytes: int = 4 * 1024**2
    # The ratio is only judged past this many unpacked bytes: a small file of zeros
    # compresses a thousandfold and is harmless.
    ratio_floor_bytes: int = 1024**2


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True)
class Community:
    id: str
    name: str
    city: str
    district: str
    population: int
    households: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class EvidenceEntry:
    """One line of the manifest's evidence index: a bundle path (or glob) and its type."""

    path: str
    type: str
    description: str | None = None


@dataclass(frozen=True)
class Manifest:
    community: Community
    period: Period
    submitter: dict[str, Any]
    evidence: tuple[EvidenceEntry, ...]
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    path: str = "bundle.json"

    @property
    def public_submitter(self) -> dict[str, str]:
        """The submitter fields that may be shown: ``name`` and ``email`` are personal
        data and never leave the manifest."""
        return {k: str(self.submitter[k]) for k in ("organization", "role") if k in self.submitter}


@dataclass
class Bundle:
    """An opened bundle. ``root`` is a readable folder: the bundle folder itself, or a
    private temporary folder an archive was safely unpacked into (removed by
    :meth:`close`). ``files`` lists bundle-relative POSIX paths of regular files.

    ``skipped`` holds (path, reason) for what a folder bundle contained but ``files``
    leaves out (symbolic links, pipes, devices, unsafe names), so a report can say so.
    ``container`` is how the bundle arrived (``folder``, ``zip`` or ``tar``); ``kind``
    is ``bagit`` for a bag in any container."""

    source: str
    kind: str  # "folder" | "zip" | "tar" | "bagit"
    root: Path
    manifest: Manifest
    files: list[str]
    fixity: dict[str, Any] | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)
    container: str = "folder"
    _cleanup: Any = field(default=None, repr=False)

    def path(self, relative: str) -> Path:
        """Absolute path of a bundle file; refuses anything outside ``root``."""
        from compliance.errors import BundleError

        candidate = (self.root / relative).resolve()
        root = self.root.resolve()
        if candidate != root and root not in candidate.parents:
            raise BundleError("path leaves the bundle", where=relative)
        return candidate

    def close(self) -> None:
        if self._cleanup is not None:
            self._cleanup()
            self._cleanup = None

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
