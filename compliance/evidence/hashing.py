"""Streamed SHA-256 of evidence files.

Verdicts cite the evidence they used by path and SHA-256, so every reader hashes what it
reads. Files can be hundreds of megabytes, so they are hashed in fixed chunks instead of
being read whole; a reader that needs to look at the raw bytes anyway (a plugin's evidence
reader, say) passes an ``observe`` callback and gets both in one pass.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

__all__ = ["CHUNK_SIZE", "digest_and_find", "file_digest", "file_sha256"]

CHUNK_SIZE = 1 << 20  # 1 MiB: large enough for throughput, small enough for memory


def file_digest(path: Path, *, observe: Callable[[bytes], None] | None = None) -> tuple[str, int]:
    """Hex SHA-256 and size in bytes of ``path``, reading it once in 1 MiB chunks.

    :param observe: called with each chunk in order, for checks that want the bytes too.
    """
    if observe is None:
        return digest_and_find(path)[:2]
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
            observe(chunk)
    return digest.hexdigest(), size


def digest_and_find(path: Path, byte: bytes | None = None) -> tuple[str, int, bool]:
    """Hex SHA-256 and size of ``path``, and whether ``byte`` (one byte) occurs in it.

    One 1 MiB buffer serves the whole file: a fresh bytes object per chunk, or the whole
    file read into one, is fresh memory the kernel must map and zero page by page. The
    byte is looked for in each chunk just after it was hashed, while it is in the cache.
    """
    digest = hashlib.sha256()
    size = 0
    found = False
    buffer = bytearray(CHUNK_SIZE)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as raw:
        while got := raw.readinto(buffer):
            digest.update(view[:got])
            size += got
            if byte is not None and not found:
                found = buffer.find(byte, 0, got) >= 0
    return digest.hexdigest(), size, found


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of ``path`` (streamed, never loads the whole file)."""
    return file_digest(path)[0]
