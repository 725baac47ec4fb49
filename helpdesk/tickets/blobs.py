"""Keep attachment bytes on disk by content hash, written durably before the database commits.

A blob is written and renamed into place at once (so the mail being decided can already read
it), and synced to disk, with its folder, on a worker thread while the mail goes on; `settle`
waits for every sync before the transaction that names the blobs commits. So a committed row
always names a durable file. An existing blob is trusted only when its contents hash to its name
(a file a crash left half-synced is named by no committed row, and is written again).

A disk that cannot take a blob (full, read-only, unwritable, failing) is an outage, not a bad
mail: `AttachmentsUnavailable` is a StoreUnavailable, so the transaction rolls back, the mail
stays in the mailbox and the daemon tries again later. A file whose sync failed is removed, so
the next try writes it anew instead of trusting bytes that may live only in the page cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from helpdesk.errors import StoreUnavailable

# The only names a blob has: a mail's attachment names are metadata and never reach a path.
_DIGEST = re.compile(r"[0-9a-f]{64}")
_SYNCING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="blob-sync")  # fsync waits on the disk


class AttachmentsUnavailable(StoreUnavailable):
    """Raised when the attachment folder cannot take a blob now; the message names the path."""


class BlobStore:
    """Content-addressed files under `root`: the same bytes are stored once, never changed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._syncs = threading.local()  # each thread's own transaction waits for its own syncs

    @classmethod
    def under(cls, data: Path) -> BlobStore:
        """The attachment store of data folder `data` (paths.data)."""
        return cls(data / "attachments")

    def path(self, digest: str) -> Path:
        """Where the blob of `digest` lives; anything but a lower-case SHA-256 is a ValueError."""
        if not _DIGEST.fullmatch(digest):
            raise ValueError(f"not a SHA-256 digest: {digest[:80]!r}")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        """Store `data` (renamed into place at once, synced before `settle` returns) and return its
        SHA-256; a disk that cannot take it raises AttachmentsUnavailable."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        try:
            wrote = not (target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == digest)
            if wrote:
                _write(target, data)
        except OSError as exc:
            raise _unavailable("cannot write", exc) from exc
        # Synced even when it was there: another thread may have written it a moment ago.
        self._pending().append(_SYNCING.submit(_sync, target, wrote))
        return digest

    def forget(self) -> None:
        """Drop the syncs of a transaction that did not commit (the next one waits for its own)."""
        self._syncs.pending = []

    def settle(self) -> None:
        """Wait until every blob put since `forget` is synced in place (before the commit that
        names them); one that failed raises AttachmentsUnavailable, so that commit does not happen."""
        syncs, self._syncs.pending = self._pending(), []
        for sync in syncs:
            try:
                sync.result()
            except OSError as exc:
                raise _unavailable("cannot sync", exc) from exc

    def _pending(self) -> list[Future]:
        if not hasattr(self._syncs, "pending"):
            self._syncs.pending = []
        return self._syncs.pending

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sync(target: Path, wrote: bool) -> None:
    """Sync the blob and its folder; one this transaction wrote is removed if that fails."""
    try:
        _fsync(target, os.O_RDONLY)
        _fsync(target.parent, os.O_RDONLY | os.O_DIRECTORY)  # its name survives a crash too
    except OSError as exc:
        if wrote:
            with contextlib.suppress(OSError):
                target.unlink()
        raise OSError(exc.errno, exc.strerror, str(target)) from exc  # fsync names no file


def _fsync(path: Path, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unavailable(what: str, exc: OSError) -> AttachmentsUnavailable:
    where = f" {exc.filename}" if exc.filename else ""
    return AttachmentsUnavailable(f"attachment store unavailable: {what}{where}: {exc.strerror or exc}")
