"""The customer's attachments in the owner's notice: how many, and the files themselves, or, over
`attachments.forward_limit` in all, their names and sizes with the command that fetches them."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from helpdesk.config import Config
from helpdesk.outbound.stored import Blob
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.models import AttachmentRow, Ticket

# The mails that carry the customer's files: the owner's notices and the collaborators'. No other
# mail carries them (a customer never gets their own files back).
FORWARDED = ("assignment", "urgent_assignment", "collaboration")

File = tuple[str, str, Blob]  # name, content type, stored file: what compose attaches


_UNITS = {"zh": ("字节", "千字节", "兆字节"), "en": ("B", "KB", "MB")}
# What stands in a file's place if its blob cannot be read when the mail is sent.
_UNREADABLE = {
    "zh": "附件“{name}”（{size}）发送时无法读取，未随本邮件附上。保存附件：{fetch}",
    "en": "The attachment “{name}” ({size}) could not be read when this mail was sent and is not "
    "attached. To save the attachments: {fetch}",
}


def size_words(size: int, language: str) -> str:
    """ "312 B", "48 KB", "2.4 MB"; "48 千字节" in Chinese."""
    units = _UNITS["zh" if language == "zh" else "en"]
    if size < 1024:
        return f"{size} {units[0]}"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} {units[1]}"
    return f"{size / (1024 * 1024):.1f} {units[2]}"


class CustomerFiles(Sequence):
    """The attachments of the customer's mails on the ticket, each {name, size} (the name masked at
    intake like every derived text), read from the ticket only when a template shows them.

    `attached` says whether the mail carries them: only once `within` has weighed them against a
    limit and found every blob on disk; until then (a sample, a mail that is not an owner's notice)
    they are listed with `fetch`, the command that saves them."""

    def __init__(
        self, ticket: Ticket, language: str, limit: int | None = None, blobs: BlobStore | None = None
    ) -> None:
        self._ticket, self._language, self._limit, self._blobs = ticket, language, limit, blobs

    @cached_property
    def _rows(self) -> list[AttachmentRow]:
        sender = self._ticket.requester_email.lower()
        return [
            row
            for message in self._ticket.messages
            if message.direction == "in" and message.sender.lower() == sender
            for row in message.attachments
        ]

    def __getitem__(self, index):
        rows = self._rows[index]
        if isinstance(index, slice):
            return [{"name": r.filename, "size": size_words(r.size, self._language)} for r in rows]
        return {"name": rows.filename, "size": size_words(rows.size, self._language)}

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def total(self) -> str:
        return size_words(sum(r.size for r in self._rows), self._language)

    @property
    def fetch(self) -> str:
        return f"helpdesk tickets attachments {self._ticket.number}"

    @cached_property
    def attached(self) -> bool:
        if self._limit is None or self._blobs is None or not self._rows:
            return False
        if sum(r.size for r in self._rows) > self._limit:
            return False
        return all(self._blobs.path(r.sha256).is_file() for r in self._rows)

    def within(self, limit: int, blobs: BlobStore) -> CustomerFiles:
        return CustomerFiles(self._ticket, self._language, limit, blobs)

    def files(self) -> tuple[File, ...]:
        """The stored files to attach (joined in when the mail is sent): none unless `attached`."""
        if not self.attached or self._blobs is None:
            return ()
        return tuple((r.filename, r.content_type, self._blob(r, self._blobs)) for r in self._rows)

    def _blob(self, row: AttachmentRow, blobs: BlobStore) -> Blob:
        note = _UNREADABLE["zh" if self._language == "zh" else "en"].format(
            name=row.filename, size=size_words(row.size, self._language), fetch=self.fetch
        )
        return Blob(row.sha256, row.size, note)


class SampleFiles(list):
    """Attachments as a template sees them, for samples and examples that have no stored files."""

    def __init__(self, items=(), attached: bool = False, total: str = "", number: str = "") -> None:
        super().__init__(items)
        self.attached, self.total = attached, total
        self.fetch = f"helpdesk tickets attachments {number}"


def forwarding(template: str, context: dict, config: Config) -> tuple[dict, tuple[File, ...]]:
    """The context for mail `template`, and the files it carries: an owner's notice weighs the
    customer's attachments against the configured limit, every other mail carries none."""
    found = context.get("customer_files")
    if template not in FORWARDED or not isinstance(found, CustomerFiles):
        return context, ()
    weighed = found.within(config.attachments.forward_limit, BlobStore.under(config.paths.data))
    return {**context, "customer_files": weighed}, weighed.files()
