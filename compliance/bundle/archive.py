"""Unpacking hostile archives into a private folder, one checked member at a time.

Bundles arrive from the communities being audited, so an archive is treated as an
attack until proven otherwise. The standard library's ``extractall`` (even with
``filter="data"``) decides for us what is safe and trusts sizes from headers; here we
decide ourselves:

* every member name is screened before anything is written (no absolute paths, drive
  letters, ``..``, backslashes or control characters);
* only regular files and folders are accepted: links, devices and pipes are refused,
  so nothing written can ever point outside the target;
* folders are made by us, files are created with ``O_EXCL | O_NOFOLLOW``;
* size, entry-count and compression-ratio limits are counted on the bytes actually
  decompressed, so a header that lies about a size cannot smuggle a bomb through.

Nested archives are ordinary files here: they are never unpacked.
"""

from __future__ import annotations

import gzip
import itertools
import os
import re
import stat
import tarfile
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, BinaryIO, Protocol

from compliance.bundle.model import Limits
from compliance.errors import BundleError

__all__ = [
    "ARCHIVE_SUFFIXES",
    "archive_format",
    "extract_archive",
    "safe_member_parts",
    "show_name",
]

#: File name endings we accept, longest first so ``.tar.gz`` wins over ``.gz``.
ARCHIVE_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".tar.gz", "tar.gz"),
    (".tgz", "tar.gz"),
    (".tar", "tar"),
    (".zip", "zip"),
)

_CHUNK = 64 * 1024
# A tar header blob (pax or GNU long-name) is read whole by tarfile; real ones are tiny.
_MAX_HEADER_READ = 8 * 1024**2
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)
_DRIVE = re.compile(r"^[A-Za-z]:")
_MAX_COMPONENT_BYTES = 255
_MAX_NAME_CHARS = 1024
_GZIP_MAGIC = b"\x1f\x8b"


def show_name(name: str, limit: int = 120) -> str:
    """Quote a member or file name for a one-line message.

    Control, format (bidi overrides) and unpaired-surrogate characters are written as
    escapes so a hostile name cannot move the cursor, recolour a terminal or reorder
    the text a reader sees; very long names are cut.
    """
    out: list[str] = []
    for char in name:
        if unicodedata.category(char)[0] == "C" or char == "\\":
            code = ord(char)
            if char == "\\":
                out.append("\\\\")
            elif code <= 0xFF:
                out.append(f"\\x{code:02x}")
            elif code <= 0xFFFF:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
        else:
            out.append(char)
    text = "".join(out)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f'"{text}"'


def archive_format(path: str | os.PathLike[str]) -> str | None:
    """``"zip"``, ``"tar"`` or ``"tar.gz"`` from the file name, or None if unsupported."""
    name = os.fspath(path).lower()
    for suffix, kind in ARCHIVE_SUFFIXES:
        if name.endswith(suffix):
            return kind
    return None


def safe_member_parts(name: str, *, where: str) -> tuple[str, ...]:
    """Split an archive member name into path components, refusing any that could
    land outside the extraction root or confuse a later reader.

    ``.`` components and repeated or trailing slashes are dropped (``tar czf x.tgz .``
    writes ``./bundle.json``); an empty result means the archive root itself.
    """
    if not isinstance(name, str) or name == "":
        raise BundleError("archive member with an empty name", where=where)
    shown = show_name(name)
    if len(name) > _MAX_NAME_CHARS:
        raise BundleError(f"member {shown}: name is too long", where=where)
    # Cc: control characters (NUL, ESC, CR...); Cf: invisible format characters such as
    # bidi overrides that make "evil\u202etxt.pdf" read as something else; Cs: bytes
    # that were not UTF-8. A folder bundle skips such files; an archive is refused.
    for char in name:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs"):
            raise BundleError(
                f"member {shown}: name contains a control character or invalid byte",
                where=where,
            )
    if "\\" in name:
        raise BundleError(f"member {shown}: backslash in member name", where=where)
    if name.startswith("/"):
        raise BundleError(f"member {shown}: absolute path", where=where)
    if _DRIVE.match(name):
        raise BundleError(f"member {shown}: Windows drive letter in member name", where=where)
    if os.name == "nt" and ":" in name:
        raise BundleError(f"member {shown}: colon in member name", where=where)
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if ".." in parts:
        raise BundleError(f"member {shown}: '..' leaves the archive root", where=where)
    for part in parts:
        if len(part.encode("utf-8", "surrogatepass")) > _MAX_COMPONENT_BYTES:
            raise BundleError(f"member {shown}: a path component is too long", where=where)
    return parts


class _Writer:
    """Creates folders and files under ``root`` and keeps the running totals.

    ``root`` is a fresh 0700 temporary folder, so no one else can plant a link in it;
    the lstat checks and ``O_NOFOLLOW`` are a second lock on the same door.
    """

    def __init__(self, root: Path, limits: Limits, where: str) -> None:
        self.root = root
        self.limits = limits
        self.where = where
        self.total = 0
        self.entries = 0

    def count_entry(self, shown: str) -> None:
        self.entries += 1
        if self.entries > self.limits.max_entries:
            raise BundleError(
                f"more than {self.limits.max_entries} entries (limit) at member {shown}",
                where=self.where,
            )

    def make_dirs(self, parts: tuple[str, ...], shown: str) -> Path:
        current = self.root
        for part in parts:
            current = current / part
            try:
                info = os.lstat(current)
            except FileNotFoundError:
                os.mkdir(current, 0o700)
                continue
            if not stat.S_ISDIR(info.st_mode):
                raise BundleError(
                    f"member {shown}: a file and a folder share this path", where=self.where
                )
        return current

    def write(
        self,
        parts: tuple[str, ...],
        source: IO[bytes],
        shown: str,
        *,
        ratio_of: int | None,
        on_chunk: Callable[[int], None] | None = None,
    ) -> int:
        """Copy ``source`` into ``parts``; limits are checked before each chunk is written.

        :param ratio_of: compressed size for a per-member ratio check (zip); None to skip.
        :param on_chunk: called with the running total after each chunk (tar's
            whole-archive ratio check).
        """
        if not parts:
            raise BundleError(f"member {shown}: a file at the archive root path", where=self.where)
        parent = self.make_dirs(parts[:-1], shown)
        target = parent / parts[-1]
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_BINARY
        try:
            fd = os.open(target, flags, 0o600)
        except FileExistsError:
            raise BundleError(
                f"member {shown}: duplicate member (or a name that differs only in case)",
                where=self.where,
            ) from None
        limits = self.limits
        written = 0
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = source.read(_CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                self.total += len(chunk)
                if written > limits.max_file_bytes:
                    raise BundleError(
                        f"member {shown}: unpacks to more than {limits.max_file_bytes} bytes "
                        "(per-file limit)",
                        where=self.where,
                    )
                if self.total > limits.max_total_bytes:
                    raise BundleError(
                        f"unpacks to more than {limits.max_total_bytes} bytes (total limit) "
                        f"at member {shown}",
                        where=self.where,
                    )
                if (
                    ratio_of is not None
                    and written > limits.ratio_floor_bytes
                    and written / max(ratio_of, 1) > limits.max_ratio
                ):
                    raise BundleError(
                        f"member {shown}: compression ratio above {limits.max_ratio:g} (zip bomb?)",
                        where=self.where,
                    )
                if on_chunk is not None:
                    on_chunk(self.total)
                out.write(chunk)
        return written


def extract_archive(path: Path, kind: str, target: Path, limits: Limits, where: str) -> None:
    """Unpack the archive at ``path`` into the empty private folder ``target``.

    :param kind: ``"zip"``, ``"tar"`` or ``"tar.gz"`` (see :func:`archive_format`).
    :param where: how the archive is named in messages.
    :raises BundleError: unreadable, unsafe or over a limit; ``target`` may then hold
        a partial tree, which the caller removes.
    """
    with _open_regular(path, where) as raw:
        size = os.fstat(raw.fileno()).st_size
        if size == 0:
            raise BundleError(f"empty file, not a {_describe(kind)}", where=where)
        writer = _Writer(target, limits, where)
        if kind == "zip":
            _extract_zip(raw, writer)
        else:
            _extract_tar(raw, kind, size, writer)


def _describe(kind: str) -> str:
    return {
        "zip": "zip archive",
        "tar": "tar archive",
        "tar.gz": "gzip-compressed tar archive",
    }[kind]


def _open_regular(path: Path, where: str) -> BinaryIO:
    """Open for reading without blocking on a FIFO swapped in since the caller's stat,
    and insist on a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _O_BINARY
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise BundleError(
            f"cannot open ({exc.strerror or type(exc).__name__})", where=where
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BundleError("not a regular file", where=where)
    return os.fdopen(fd, "rb")


# -- zip ---------------------------------------------------------------------------

_FORBIDDEN_TYPES = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
}


def _extract_zip(raw: BinaryIO, writer: _Writer) -> None:
    where = writer.where
    limits = writer.limits
    try:
        archive = zipfile.ZipFile(raw)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise BundleError(
            "not a readable zip archive (truncated or corrupt)", where=where
        ) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise BundleError(
                f"{len(infos)} entries, more than the limit of {limits.max_entries}", where=where
            )
        _check_zip_layout(infos, where)
        declared = 0
        for info in infos:
            shown = show_name(info.filename)
            writer.count_entry(shown)
            parts = safe_member_parts(info.filename, where=where)
            mode = (info.external_attr >> 16) & 0xFFFF
            kind = stat.S_IFMT(mode)
            if kind in _FORBIDDEN_TYPES:
                raise BundleError(f"member {shown} is {_FORBIDDEN_TYPES[kind]}", where=where)
            if info.is_dir() or kind == stat.S_IFDIR:
                writer.make_dirs(parts, shown)
                continue
            if info.flag_bits & 0x1:
                raise BundleError(f"member {shown} is encrypted", where=where)
            # Headers are only a first filter; the copy loop counts real bytes.
            if info.file_size > limits.max_file_bytes:
                raise BundleError(
                    f"member {shown}: declares {info.file_size} bytes, more than the per-file "
                    f"limit of {limits.max_file_bytes}",
                    where=where,
                )
            declared += info.file_size
            if declared > limits.max_total_bytes:
                raise BundleError(
                    f"declares more than {limits.max_total_bytes} bytes in all (total limit)",
                    where=where,
                )
            try:
                with archive.open(info) as source:
                    writer.write(parts, source, shown, ratio_of=info.compress_size)
            except BundleError:
                raise
            except NotImplementedError:
                raise BundleError(
                    f"member {shown}: unsupported compression method", where=where
                ) from None
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError):
                raise BundleError(
                    f"member {shown}: corrupt data (truncated archive or bad checksum)",
                    where=where,
                ) from None


def _check_zip_layout(infos: list[zipfile.ZipInfo], where: str) -> None:
    """Refuse members whose compressed data overlap: the trick behind zip bombs that
    reuse one compressed kernel for many members, each with a modest ratio."""
    spans = sorted((info.header_offset, info.compress_size) for info in infos)
    for (start, length), (next_start, _) in itertools.pairwise(spans):
        # A local header is at least 30 bytes before the data starts.
        if start + 30 + length > next_start:
            raise BundleError("zip members overlap (zip bomb construction)", where=where)


# -- tar ---------------------------------------------------------------------------


class _Stream(Protocol):
    """What the metered stream needs from the file or gzip stream below it."""

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = os.SEEK_SET, /) -> int: ...

    def tell(self) -> int: ...


class _MeteredStream:
    """A read-only view of the decompressed tar stream that enforces a byte budget.

    tarfile reads headers itself (a pax header is read in one piece), so the budget
    has to sit under tarfile, not only in our copy loop: otherwise a compressed run of
    zeros announced as a header would be inflated into memory before we see it.
    """

    def __init__(self, inner: _Stream, budget: int, where: str) -> None:
        self.inner = inner
        self.budget = budget
        self.where = where

    def _refuse(self) -> BundleError:
        return BundleError(
            f"decompressed stream exceeds {self.budget} bytes (total limit)", where=self.where
        )

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > _MAX_HEADER_READ:
            raise BundleError("archive header larger than 8 MiB", where=self.where)
        if self.inner.tell() + size > self.budget + _MAX_HEADER_READ:
            raise self._refuse()
        data = self.inner.read(size)
        if self.inner.tell() > self.budget:
            raise self._refuse()
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET and offset > self.budget:
            raise self._refuse()
        position = self.inner.seek(offset, whence)
        if position > self.budget:
            raise self._refuse()
        return position

    def tell(self) -> int:
        return self.inner.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True


def _extract_tar(raw: BinaryIO, kind: str, size: int, writer: _Writer) -> None:
    where = writer.where
    limits = writer.limits
    if kind == "tar.gz":
        if raw.read(2) != _GZIP_MAGIC:
            raise BundleError(
                "not a readable gzip-compressed tar archive (no gzip header)", where=where
            )
        raw.seek(0)
        inner: _Stream = gzip.GzipFile(fileobj=raw, mode="rb")
    else:
        inner = raw
    # Headers, padding and end blocks come on top of the data itself.
    budget = limits.max_total_bytes + 1536 * (limits.max_entries + 1) + 20 * 512
    stream = _MeteredStream(inner, budget, where)

    def overall_ratio(total: int) -> None:
        if total > limits.ratio_floor_bytes and total / size > limits.max_ratio:
            raise BundleError(
                f"compression ratio above {limits.max_ratio:g} (tar bomb?)", where=where
            )

    corrupt = f"not a readable {_describe(kind)} (truncated or corrupt)"
    try:
        # Plain "r:" because decompression is ours (metered); see _MeteredStream.
        with tarfile.open(fileobj=stream, mode="r:") as archive:  # type: ignore[call-overload]
            for member in _members(archive):
                _extract_tar_member(archive, member, writer, overall_ratio)
    except BundleError:
        raise
    except (tarfile.TarError, OSError, EOFError, zlib.error, ValueError):
        raise BundleError(corrupt, where=where) from None


def _members(archive: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """Members one by one, reading each header only after the previous data is copied."""
    while True:
        member = archive.next()
        if member is None:
            return
        yield member


def _extract_tar_member(
    archive: tarfile.TarFile,
    member: tarfile.TarInfo,
    writer: _Writer,
    overall_ratio: Callable[[int], None],
) -> None:
    where = writer.where
    shown = show_name(member.name)
    writer.count_entry(shown)
    parts = safe_member_parts(member.name, where=where)
    if member.issym():
        raise BundleError(f"member {shown} is a symbolic link", where=where)
    if member.islnk():
        raise BundleError(f"member {shown} is a hard link", where=where)
    if member.ischr() or member.isblk():
        raise BundleError(f"member {shown} is a device", where=where)
    if member.isfifo():
        raise BundleError(f"member {shown} is a named pipe", where=where)
    if member.isdir():
        writer.make_dirs(parts, shown)
        return
    if not member.isreg():
        raise BundleError(f"member {shown} has an unsupported type", where=where)
    if member.size > writer.limits.max_file_bytes:
        raise BundleError(
            f"member {shown}: declares {member.size} bytes, more than the per-file limit of "
            f"{writer.limits.max_file_bytes}",
            where=where,
        )
    source = archive.extractfile(member)
    if source is None:  # isreg() members always have data; stay defensive
        raise BundleError(f"member {shown} has no data", where=where)
    with source:
        writer.write(parts, source, shown, ratio_of=None, on_chunk=overall_ratio)
