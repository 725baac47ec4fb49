"""The immutable inbound message that every later stage reads instead of the raw bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Address:
    """One mailbox: the display name as decoded, and the address lower-cased for matching."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True)
class Attachment:
    """One attached file, with its bytes (stored outside the database by the ticket store)."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class InboundMessage:
    """A parsed mail: addresses, threading headers, text (full and new), attachments, defects.

    `text` is the whole readable body (HTML converted when there is no plain part);
    `new_text` is the sender's own words, without quoted history or signature. `sender` is
    the one address `From:` names, read from the raw header; its name is display text only.
    """

    message_id: str
    subject: str
    sender: Address
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: datetime | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str
    new_text: str
    html: str
    attachments: tuple[Attachment, ...]
    headers: tuple[tuple[str, str], ...]
    defects: tuple[str, ...]
    language: str
    auto_reason: str | None = None

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), decoded, or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this mail answers, nearest first (In-Reply-To, then References newest first)."""
        seen: list[str] = []
        for mid in (*self.in_reply_to, *reversed(self.references)):
            if mid not in seen:
                seen.append(mid)
        return tuple(seen)

    @property
    def is_automatic(self) -> bool:
        return self.auto_reason is not None
