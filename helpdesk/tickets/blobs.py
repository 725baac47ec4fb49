"""Keep attachment bytes on disk by content hash, written durably before the database commits."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

# The only names a blob has: a mail's attachment names are metadata and never reach a path.
_DIGEST = re.compile(r"[0-9a-f]{64}")


class BlobStore:
    """Content-addressed files under `root`: the same bytes are stored once, never changed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        """Where the blob of `digest` lives; anything but a lower-case SHA-256 is a ValueError."""
        if not _DIGEST.fullmatch(digest):
            raise ValueError(f"not a SHA-256 digest: {digest[:80]!r}")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        """Store `data` (fsynced, atomically renamed into place) and return its SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()
