"""The customer's files in a queued mail: the outbox row keeps the mail without their bytes and a
reference to each stored blob; `wire` joins them in, base64 streamed from each file, as it is sent.

Everything else (Message-ID, headers, boundaries, every part's header fields) is fixed when the
mail is queued, so each try sends the same bytes (a boundary chosen before the files are read
is safe: its run of fifteen "=" never occurs in base64). A blob that cannot be read when the mail goes
out (deleted, unreadable, not the bytes it was stored as) is not left out silently: its part is
replaced by the note queued with it, which names the file and the command that saves it, and the
sender's log says so. A reference names its blob by digest, found at send time in the sender's
attachment store: a data folder restored elsewhere still sends the files.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from helpdesk.outbound import mime
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.models import OutboxMail

log = logging.getLogger(__name__)

_CHUNK = 57 * 1024  # bytes read at a time: whole base64 lines, so chunks encode independently


@dataclass(frozen=True)
class Blob:
    """A stored attachment a mail carries by reference: its digest (which names its file in the
    attachment store) and size, and the note (in the mail's language) that stands in its place if
    the file cannot be read at send time."""

    sha256: str
    size: int
    missing: str


def placeholder() -> bytes:
    """A body that marks where a blob goes: random, so no text part holds it."""
    return b"\x00" + secrets.token_hex(16).encode() + b"\x00"


def cut_out(data: bytes, parts: list[tuple[mime.Part, Blob]]) -> tuple[bytes, list[dict]]:
    """`data` without the placeholder bodies of `parts` (in the order they appear), and the
    references (JSON for the outbox row) that say where each blob's base64 goes."""
    references = []
    for (headers, marker), blob in parts:
        body = data.index(marker)
        data = data[:body] + data[body + len(marker) :]
        start = body - len(mime.part_bytes((headers, b"")))
        headers, text = mime.text_part(blob.missing, "plain")
        note = mime.part_bytes(([*headers, ("Content-Disposition", "inline")], text)).decode("utf-8")
        references.append(
            {
                "sha256": blob.sha256,
                "size": blob.size,
                "start": start,
                "body": body,
                "missing": note,
            }
        )
    return data, references


class BlobChanged(OSError):
    """A blob's file stopped holding the bytes it was checked to hold while its mail went out."""


@dataclass(frozen=True)
class _Checked:
    """A blob whose file held its bytes when its mail's `Wire` was made."""

    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class Wire:
    """The bytes to send for one outbox row, a piece at a time: the stored mail's text around each
    blob (in memory: it is small) and each blob's base64, read from its file as it goes out."""

    segments: tuple[bytes | _Checked, ...]

    def __iter__(self) -> Iterator[bytes]:
        """The mail's bytes in order, no piece larger than a read's base64 (about 78 KB) or the
        stored text; each iteration reads the files afresh, and raises BlobChanged if one no
        longer holds what it did."""
        for segment in self.segments:
            if isinstance(segment, bytes):
                yield segment
            else:
                yield from map(mime.base64_lines, _read(segment))


def wire(row: OutboxMail, blobs: BlobStore) -> Wire:
    """What to send for outbox `row`: its stored mail with each referenced blob (in `blobs`) that
    still holds its bytes joined in, and the note queued with it in place of each one that does not.
    A reference's "path", which rows queued before 2026-12-02 carry, is not read: it may be stale."""
    segments: list[bytes | _Checked] = []
    at = 0
    for ref in row.blobs or ():
        blob = _Checked(blobs.path(ref["sha256"]), ref["sha256"], ref["size"])
        if _intact(blob):
            segments += [row.data[at : ref["body"]], blob]
        else:
            log.warning(
                "mail %s: attachment %s cannot be read; sent with a note instead", row.message_id, blob.path
            )
            segments += [row.data[at : ref["start"]], ref["missing"].encode("utf-8")]
        at = ref["body"]
    segments.append(row.data[at:])
    return Wire(tuple(segments))


def _intact(blob: _Checked) -> bool:
    """Whether the blob's file holds the bytes it was stored as."""
    try:
        for _chunk in _read(blob):
            pass
    except OSError:
        return False
    return True


def _read(blob: _Checked) -> Iterator[bytes]:
    """The blob's file a chunk at a time; at its end, BlobChanged unless it held the stored bytes."""
    digest, read = hashlib.sha256(), 0
    with blob.path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            read += len(chunk)
            yield chunk
    if read != blob.size or digest.hexdigest() != blob.sha256:
        raise BlobChanged(f"{blob.path} no longer holds the bytes stored as {blob.sha256}")
