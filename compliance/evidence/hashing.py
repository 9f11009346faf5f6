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

__all__ = ["CHUNK_SIZE", "file_digest", "file_sha256"]

CHUNK_SIZE = 1 << 20  # 1 MiB: large enough for throughput, small enough for memory


def file_digest(path: Path, *, observe: Callable[[bytes], None] | None = None) -> tuple[str, int]:
    """Hex SHA-256 and size in bytes of ``path``, reading it once in 1 MiB chunks.

    :param observe: called with each chunk in order, for checks that want the bytes too.
    """
    digest = hashlib.sha256()
    size = 0
    if observe is None:
        # One buffer for the whole file: a fresh 1 MiB bytes object per chunk is a fresh
        # mapping of zeroed pages each time (7% of the hashing time on the 5M sample).
        buffer = bytearray(CHUNK_SIZE)
        view = memoryview(buffer)
        with open(path, "rb", buffering=0) as raw:
            while got := raw.readinto(buffer):
                digest.update(view[:got])
                size += got
        return digest.hexdigest(), size
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
            observe(chunk)
    return digest.hexdigest(), size


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of ``path`` (streamed, never loads the whole file)."""
    return file_digest(path)[0]
