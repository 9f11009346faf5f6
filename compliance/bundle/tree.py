"""Listing a bundle folder without following anything that points elsewhere.

A bundle folder may come straight from a community (a checked-out repository, a
shared drive), so it can hold symbolic links to ``/etc``, named pipes that block a
reader forever or device files. Only regular files reached through real folders are
listed; everything else is recorded with a reason so the report can say it was left out.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from compliance.bundle.archive import show_name
from compliance.bundle.model import Limits
from compliance.errors import BundleError

__all__ = ["TreeListing", "walk_tree"]


@dataclass
class TreeListing:
    """What a folder holds: ``files`` (sorted bundle-relative POSIX paths of regular
    files), ``skipped`` ((path, reason) pairs) and ``special``: the skipped entries
    that are not regular files or folders (links, pipes, devices, sockets)."""

    files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    special: list[str] = field(default_factory=list)


def _type_reason(mode: int) -> str | None:
    if stat.S_ISLNK(mode):
        return "symbolic link (not followed)"
    if stat.S_ISFIFO(mode):
        return "named pipe, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "socket, not a regular file"
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return "not a regular file"
    return None


def _unsafe_name(name: str) -> bool:
    """Names a report cannot show or a reader on another system cannot open: control or
    bidi-format characters, bytes that are not UTF-8 (surrogate escapes), backslashes."""
    return "\\" in name or any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in name)


def _display(rel: str) -> str:
    return show_name(rel, limit=200)[1:-1]


def walk_tree(root: Path, limits: Limits, where: str) -> TreeListing:
    """List ``root`` without following links (``os.walk(followlinks=False)`` + ``lstat``).

    :raises BundleError: more than ``limits.max_entries`` regular files.
    """
    listing = TreeListing()
    errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=errors.append):
        base = Path(dirpath)
        rel_dir = base.relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        keep: list[str] = []
        for name in sorted(dirnames):
            rel = prefix + name
            try:
                reason = _type_reason(os.lstat(base / name).st_mode)
            except OSError:
                listing.skipped.append((_display(rel), "cannot be read"))
                continue
            if reason:
                listing.skipped.append((_display(rel), reason))
                listing.special.append(_display(rel))
                continue
            if _unsafe_name(name):
                listing.skipped.append((_display(rel), "unsafe folder name (not read)"))
                continue
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            rel = prefix + name
            try:
                info = os.lstat(base / name)
            except OSError:
                listing.skipped.append((_display(rel), "cannot be read"))
                continue
            mode = info.st_mode
            reason = _type_reason(mode)
            if reason is None and info.st_nlink > 1:
                # A hard link can name any file of the same file system (a key, another
                # community's data) and looks like a regular file: never read it.
                reason = "hard link (not read)"
            if reason:
                listing.skipped.append((_display(rel), reason))
                listing.special.append(_display(rel))
                continue
            if _unsafe_name(name):
                listing.skipped.append((_display(rel), "unsafe file name (not read)"))
                continue
            listing.files.append(rel)
            if len(listing.files) > limits.max_entries:
                raise BundleError(
                    f"more than {limits.max_entries} files (entry limit)", where=where
                )
    for exc in errors:
        name = exc.filename if isinstance(exc.filename, str) else str(root)
        try:
            rel = Path(name).relative_to(root).as_posix()
        except ValueError:
            rel = "."
        listing.skipped.append((_display(rel), "folder cannot be read"))
    listing.files.sort()
    listing.skipped.sort()
    return listing
