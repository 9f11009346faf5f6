"""BagIt bags (RFC 8493): fixity verified with the reference ``bagit`` library.

A bag lets an archive office hand over evidence with checksums fixed at packing
time; if any payload byte changed since, the audit must not go ahead on it. Every
payload file is re-hashed (full validation, never the "fast" Payload-Oxum shortcut).
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bagit

from compliance.bundle.archive import show_name
from compliance.bundle.model import Limits
from compliance.bundle.tree import walk_tree
from compliance.errors import BundleError

__all__ = ["BAG_INFO_KEYS", "is_bag", "verify_bag"]

#: bag-info.txt keys copied into ``Bundle.fixity``: technical ones only. Contact-Name,
#: Contact-Email, Contact-Phone and free-text descriptions may be personal data.
BAG_INFO_KEYS = (
    "Bagging-Date",
    "Payload-Oxum",
    "Bag-Size",
    "Bag-Software-Agent",
    "BagIt-Profile-Identifier",
    "Bag-Group-Identifier",
    "Bag-Count",
)


def is_bag(root: Path) -> bool:
    """True when ``root`` has a regular ``bagit.txt`` (the RFC's bag declaration)."""
    try:
        return stat.S_ISREG(os.lstat(root / "bagit.txt").st_mode)
    except OSError:
        return False


@contextmanager
def _quiet_bagit() -> Iterator[None]:
    """bagit logs every checksum it verifies and every mismatch it finds; we report
    the outcome ourselves in one line, so its logger is hushed while we use it."""
    logger = logging.getLogger("bagit")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _clean(text: str, bag_dir: Path) -> str:
    """bagit's message, made safe to show: absolute temporary paths become bag-relative,
    and whatever follows the first ": " is dropped, because there bagit quotes the
    offending line of a tag file, which may hold contact details."""
    for prefix in (str(bag_dir) + os.sep, str(bag_dir)):
        text = text.replace(prefix, "")
    text = text.split(": ", 1)[0]
    return show_name(" ".join(text.split()), limit=200)[1:-1]


def _rel(path: str) -> str:
    return show_name(path.replace(os.sep, "/"))


def _describe_failures(details: list[Any]) -> str | None:
    """One line for the first bad file (sorted by path) and how many failed."""
    problems: dict[str, str] = {}
    mismatched: dict[str, set[str]] = {}
    for detail in details:
        path = str(getattr(detail, "path", ""))
        if isinstance(detail, bagit.ChecksumMismatch) and path:
            mismatched.setdefault(path, set()).add(str(detail.algorithm))
    for path, algorithms in mismatched.items():
        names = ", ".join(sorted(algorithms))
        problems[path] = f"does not match its {names} checksum{'s' if len(algorithms) > 1 else ''}"
    for detail in details:
        path = str(getattr(detail, "path", ""))
        if not path or path in problems:
            continue
        if isinstance(detail, bagit.FileMissing):
            problems[path] = "is listed in the bag manifest but missing"
        elif isinstance(detail, bagit.UnexpectedFile):
            problems[path] = "is not listed in the bag manifest"
        else:
            problems[path] = "failed verification"
    if not problems:
        return None
    first = sorted(problems)[0]
    count = len(problems)
    plural = "file" if count == 1 else "files"
    return f"bag fixity check failed: {_rel(first)} {problems[first]} ({count} {plural} failed)"


def verify_bag(bag_dir: Path, limits: Limits, where: str) -> dict[str, Any]:
    """Verify the bag at ``bag_dir`` and return the ``Bundle.fixity`` summary.

    :raises BundleError: the bag holds links or other special files (hashing them would
        mean following them), is malformed, or any file fails its checksum; the
        message names the first bad file and how many failed.
    """
    listing = walk_tree(bag_dir, limits, where)
    if listing.special:
        raise BundleError(
            f"bag contains a link or special file at {show_name(listing.special[0])}; "
            "its fixity cannot be verified without following it",
            where=where,
        )
    with _quiet_bagit():
        try:
            bag = bagit.Bag(str(bag_dir))
        except bagit.BagError as exc:
            raise BundleError(
                f"not a valid BagIt bag: {_clean(str(exc), bag_dir)}", where=where
            ) from None
        _validate(bag, bag_dir, where)
    info = {key: _tag_value(bag.info[key]) for key in BAG_INFO_KEYS if key in bag.info}
    return {
        "algorithms": sorted(bag.algorithms),
        "files": len(bag.payload_entries()),
        "verified": True,
        "bag_info": info,
    }


def _tag_value(value: Any) -> str | list[str]:
    if isinstance(value, list):
        return [show_name(str(v), limit=200)[1:-1] for v in value]
    return show_name(str(value), limit=200)[1:-1]


def _validate(bag: bagit.Bag, bag_dir: Path, where: str) -> None:
    try:
        bag.validate(processes=1, fast=False)
        return
    except bagit.BagValidationError as exc:
        line = _describe_failures(list(exc.details))
        if line:
            raise BundleError(line, where=where) from None
        first_message = _clean(str(exc.message), bag_dir)
    except bagit.BagError as exc:
        raise BundleError(
            f"not a valid BagIt bag: {_clean(str(exc), bag_dir)}", where=where
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BundleError(f"bag cannot be read ({type(exc).__name__})", where=where) from None
    # The Payload-Oxum (file count and size) is checked first and, when it fails,
    # bagit names no file. Check again without it, so the message can name the file.
    if "Payload-Oxum" not in bag.info:
        raise BundleError(f"bag validation failed: {first_message}", where=where)
    bag.info.pop("Payload-Oxum")
    try:
        bag.validate(processes=1, fast=False)
    except bagit.BagValidationError as exc:
        line = _describe_failures(list(exc.details))
        if line:
            raise BundleError(line, where=where) from None
        raise BundleError(f"bag validation failed: {first_message}", where=where) from None
    except (bagit.BagError, OSError, UnicodeDecodeError, ValueError):
        raise BundleError(f"bag validation failed: {first_message}", where=where) from None
    raise BundleError(
        "bag fixity check failed: Payload-Oxum in bag-info.txt does not match the payload "
        "(file count or total size differs)",
        where=where,
    )
