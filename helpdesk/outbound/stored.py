"""The customer's files in a queued mail: the outbox row keeps the mail without their bytes and a
reference to each stored blob; `wire` joins them in, base64 streamed from each file, as it is sent.

Everything else (Message-ID, headers, boundaries, every part's header fields) is fixed when the
mail is queued, so each try sends the same bytes (a boundary chosen before the files are read
is safe: its run of fifteen "=" never occurs in base64). A blob that cannot be read when the mail goes
out (deleted, unreadable, not the bytes it was stored as) is not left out silently: its part is
replaced by the note queued with it, which names the file and the command that saves it, and the
sender's log says so.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from helpdesk.outbound import mime
from helpdesk.tickets.models import OutboxMail

log = logging.getLogger(__name__)

_CHUNK = 57 * 1024  # bytes read at a time: whole base64 lines, so chunks encode independently


@dataclass(frozen=True)
class Blob:
    """A stored attachment a mail carries by reference: its file, digest and size, and the note
    (in the mail's language) that stands in its place if the file cannot be read at send time."""

    path: Path
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
                "path": str(blob.path),
                "sha256": blob.sha256,
                "size": blob.size,
                "start": start,
                "body": body,
                "missing": note,
            }
        )
    return data, references


def wire(row: OutboxMail) -> bytes:
    """The bytes to send for outbox `row`: its stored mail with each referenced blob joined in."""
    if not row.blobs:
        return row.data
    pieces, at = [], 0
    for ref in row.blobs:
        pieces.append(row.data[at : ref["start"]])
        encoded = _encoded(Path(ref["path"]), ref["sha256"], ref["size"])
        if encoded is None:
            log.warning(
                "mail %s: attachment %s cannot be read; sent with a note instead", row.message_id, ref["path"]
            )
            pieces.append(ref["missing"].encode("utf-8"))
        else:
            pieces.append(row.data[ref["start"] : ref["body"]])
            pieces += encoded
        at = ref["body"]
    pieces.append(row.data[at:])
    return b"".join(pieces)


def _encoded(path: Path, sha256: str, size: int) -> list[bytes] | None:
    """The file's base64 lines, read a chunk at a time; None unless it holds the bytes it was stored as."""
    digest, lines, read = hashlib.sha256(), [], 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                read += len(chunk)
                lines.append(mime.base64_lines(chunk))
    except OSError:
        return None
    return lines if read == size and digest.hexdigest() == sha256 else None
