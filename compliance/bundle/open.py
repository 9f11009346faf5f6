"""``open_bundle``: one entry point for every way a bundle arrives.

The path is classified by ``stat`` before anything is opened, so a device such as
``/dev/zero`` or a named pipe is refused instead of read forever. Archives are
unpacked (see :mod:`compliance.bundle.archive`) into a private temporary folder that
:meth:`Bundle.close` removes; folders are read in place, without following links.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import weakref
from pathlib import Path
from typing import Any

from compliance.bundle.archive import archive_format, extract_archive, show_name
from compliance.bundle.bagit_bundle import is_bag, verify_bag
from compliance.bundle.manifest import MANIFEST_NAMES, find_manifest, load_manifest
from compliance.bundle.model import Bundle, Limits
from compliance.bundle.tree import walk_tree
from compliance.errors import BundleError

__all__ = ["open_bundle"]

# Folders that archivers add beside the real content; ignored when deciding whether
# an archive's single top-level folder is the bundle.
_ARCHIVER_LITTER = frozenset({"__MACOSX", ".DS_Store"})


def open_bundle(path: str | os.PathLike[str], *, limits: Limits = Limits()) -> Bundle:  # noqa: B008 - Limits is frozen
    """Open a bundle for reading: a folder, ``.zip``, ``.tar.gz``/``.tgz``, ``.tar``, or
    a BagIt bag given as a folder or inside one of those archives.

    Use it as a context manager (or call :meth:`Bundle.close`) so an unpacked archive's
    temporary folder is removed.

    :param limits: caps on unpacked size, entry count, compression ratio and manifest
        size, enforced while the bytes are read.
    :raises BundleError: the path is missing or of an unsupported kind, the archive is
        unreadable or unsafe, a bag fails fixity, or the manifest is missing or invalid.
    """
    source = os.fspath(path)
    where = show_name(source, limit=4096)[1:-1]  # the path as typed, control chars escaped
    try:
        info = os.stat(source)
    except FileNotFoundError:
        raise BundleError("no such file or folder", where=where) from None
    except OSError as exc:
        raise BundleError(
            f"cannot open ({exc.strerror or type(exc).__name__})", where=where
        ) from None
    if stat.S_ISDIR(info.st_mode):
        try:
            return _assemble(Path(source), source, where, "folder", limits, cleanup=None)
        except OSError as exc:
            raise BundleError(
                f"cannot read ({exc.strerror or type(exc).__name__})", where=where
            ) from None
    if not stat.S_ISREG(info.st_mode):
        raise BundleError(
            f"not a folder or an archive file (it is a {_file_kind(info.st_mode)})", where=where
        )
    kind = archive_format(source)
    if kind is None:
        if Path(source).name.lower() in MANIFEST_NAMES:
            raise BundleError(
                "this is a manifest: give the folder that holds it instead", where=where
            )
        raise BundleError(
            "unsupported bundle type: expected a folder, .zip, .tar.gz, .tgz or .tar",
            where=where,
        )
    return _open_archive(Path(source), source, where, kind, limits)


def _file_kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _open_archive(path: Path, source: str, where: str, kind: str, limits: Limits) -> Bundle:
    temp = Path(tempfile.mkdtemp(prefix="compliance-"))
    try:
        os.chmod(temp, 0o700)
        extract_archive(path, kind, temp, limits, where)
        root = _archive_root(temp)
        container = "zip" if kind == "zip" else "tar"
        return _assemble(root, source, where, container, limits, cleanup=temp)
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise BundleError(
            f"cannot unpack ({exc.strerror or type(exc).__name__})", where=where
        ) from None
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def _archive_root(temp: Path) -> Path:
    """The unpacked folder that is the bundle: the archive root, or its only top-level
    folder when the root has no manifest and no ``bagit.txt`` (``zip -r x.zip mybundle``)."""
    if is_bag(temp) or any(os.path.lexists(temp / name) for name in MANIFEST_NAMES):
        return temp
    entries = [name for name in os.listdir(temp) if name not in _ARCHIVER_LITTER]
    if len(entries) == 1 and stat.S_ISDIR(os.lstat(temp / entries[0]).st_mode):
        return temp / entries[0]
    return temp


def _assemble(
    root: Path,
    source: str,
    where: str,
    container: str,
    limits: Limits,
    *,
    cleanup: Path | None,
) -> Bundle:
    kind = container
    fixity: dict[str, Any] | None = None
    if is_bag(root):
        fixity = verify_bag(root, limits, where)
        kind = "bagit"
        root = root / "data"
        try:
            find_manifest(root)
        except BundleError as exc:
            raise BundleError(
                exc.message.replace("at the bundle root", "in the bag's data/ folder"),
                where=where,
            ) from None
    manifest = load_manifest(root, limits=limits, where=where)
    listing = walk_tree(root, limits, where)
    bundle = Bundle(
        source=source,
        kind=kind,
        root=root,
        manifest=manifest,
        files=listing.files,
        fixity=fixity,
        skipped=listing.skipped,
        container=container,
    )
    if cleanup is not None:
        # Runs on close(), or at garbage collection / interpreter exit if close is forgotten.
        bundle._cleanup = weakref.finalize(bundle, shutil.rmtree, str(cleanup), ignore_errors=True)
    return bundle
