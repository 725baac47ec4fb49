"""Keep attachment bytes on disk by content hash, written durably before the database commits.

A blob is written and renamed into place at once, and synced to disk on a worker thread while the
mail goes on; `settle` waits for every sync before the transaction that names the blobs commits.
So a committed row always names a durable file; a file a crash left half-synced is named by no
committed row, and is written again when a mail brings the same bytes (an existing blob is trusted
only when its contents hash to its name).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

# The only names a blob has: a mail's attachment names are metadata and never reach a path.
_DIGEST = re.compile(r"[0-9a-f]{64}")
_SYNCING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="blob-sync")  # fsync waits on the disk


class BlobStore:
    """Content-addressed files under `root`: the same bytes are stored once, never changed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._syncs = threading.local()  # each thread's own transaction waits for its own syncs

    def path(self, digest: str) -> Path:
        """Where the blob of `digest` lives; anything but a lower-case SHA-256 is a ValueError."""
        if not _DIGEST.fullmatch(digest):
            raise ValueError(f"not a SHA-256 digest: {digest[:80]!r}")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        """Store `data` (atomically renamed into place, synced before `settle` returns) and return
        its SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if not (target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == digest):
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        # Synced even when it was there: another thread may have written it a moment ago.
        self._pending().append(_SYNCING.submit(_sync, target))
        return digest

    def settle(self) -> None:
        """Wait until every blob put so far is on disk (before the commit that names them); a sync
        that failed raises here, so that commit does not happen."""
        syncs, self._syncs.pending = self._pending(), []
        for sync in syncs:
            sync.result()

    def _pending(self) -> list[Future]:
        if not hasattr(self._syncs, "pending"):
            self._syncs.pending = []
        return self._syncs.pending

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
