"""Record an inbound mail in the store: find the ticket it belongs to, or open one, and keep the
message, its attachments and the people it copies in."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from helpdesk.clock import Clock
from helpdesk.config import Config
from helpdesk.mail.message import InboundMessage
from helpdesk.rules.ruleset import RuleSet
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.models import AttachmentRow, Message, RawMail, Ticket
from helpdesk.tickets.numbering import number_for_mail
from helpdesk.tickets.repository import Repository

_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|wg|回复|回覆|答复|转发|轉寄)\s*[:：]\s*)+", re.I)


class Recorder:
    """Threads and stores mails; the caller owns the transaction. New tickets record `mailbox`, the
    name of the mailbox (config `mailboxes`) the mails came to."""

    def __init__(
        self, config: Config, rules: RuleSet, blobs: BlobStore, clock: Clock, mailbox: str = ""
    ) -> None:
        self.config = config
        self.mailbox = mailbox
        self.rules = rules
        self.blobs = blobs
        self.clock = clock
        self._tag = re.compile(
            re.escape(config.numbering.subject_tag).replace(re.escape("{number}"), r"\s*([\w-]+)\s*")
        )

    def find_ticket(self, repo: Repository, mail: InboundMessage) -> tuple[Ticket | None, Ticket | None, str]:
        """(ticket to join, ticket the mail named, why it is new instead): by headers, then subject tag.

        A mail that names a ticket it may not join (a stranger's, or one closed too long ago)
        gets (None, that ticket, the reason), so its new ticket can be linked to it.
        """
        ticket = repo.ticket_for_message_ids(mail.thread_ids)
        how = "In-Reply-To/References"
        if ticket is None:
            found = self._tag.search(mail.subject)
            ticket = repo.ticket_by_number(found.group(1)) if found else None
            how = "the number in the subject"
        if ticket is None:
            return None, None, ""
        sender = mail.sender.email
        allowed = (
            sender == ticket.requester_email
            or repo.is_participant(ticket, sender)
            or self.rules.directory.by_email(sender)
        )
        if not allowed:
            return (
                None,
                ticket,
                f"linked: {sender} is not a participant of {ticket.number} (matched by {how})",
            )
        window = timedelta(days=self.rules.workflows.confirmation.reopen_days)
        if ticket.closed_at is not None and ticket.closed_at < self.clock.now() - window:
            return None, ticket, f"linked: {ticket.number} was closed more than {window.days} days ago"
        return ticket, None, ""

    def new_ticket(
        self, repo: Repository, mail: InboundMessage, now: datetime, related: Ticket | None
    ) -> Ticket:
        local = now.astimezone(self.config.zone)
        subject = self._tag.sub("", _REPLY_PREFIX.sub("", mail.subject)).strip()
        subject = _REPLY_PREFIX.sub("", subject).strip() or "(no subject)"
        sender = mail.sender
        ticket = Ticket(
            number=number_for_mail(repo, self.config.numbering, self.rules, mail, local),
            subject=subject,
            status="new",
            requester_email=sender.email,
            requester_name=sender.name,
            language=mail.language,
            # A report taken by staff begins with its command line, blanked.
            description=(mail.new_text or mail.text).lstrip("\n"),
            related=related,  # read only (models.py): the column says it
            related_ticket_id=related.id if related is not None else None,
            mailbox=self.mailbox,
            created_at=now,
            updated_at=now,
            # New: known empty, never read back from the database (each read would flush first).
            participants=[],
            fields=[],
            messages=[],
            clocks=[],  # (its events are written in one INSERT at the savepoint: store_events.py)
        )
        repo.session.add(ticket)
        repo.add_participant(ticket, sender.email, "requester")
        return ticket

    def add_copied(self, repo: Repository, ticket: Ticket, mail: InboundMessage) -> None:
        """People a participant copies in may write in the thread too (robots copy nobody in)."""
        if mail.is_automatic:
            return
        own = self.config.own_addresses()  # every mailbox of ours, not only the one it came to
        for address in (*mail.to, *mail.cc):
            if address.email not in own:
                repo.add_participant(ticket, address.email, "cc")

    def store_message(
        self, repo: Repository, ticket: Ticket, mail: InboundMessage, key: str, raw_row: RawMail
    ) -> Message:
        message = Message(
            ticket=ticket,
            direction="in",
            message_id=key,
            in_reply_to=" ".join(mail.in_reply_to),
            references=" ".join(mail.references),
            sender=mail.sender.email,
            recipients=", ".join(a.email for a in (*mail.to, *mail.cc)),
            subject=mail.subject,
            text=mail.text,
            new_text=mail.new_text,
            language=mail.language,
            auto_reason=mail.auto_reason,
            defects=list(mail.defects),
            raw_mail_id=raw_row.id,
            created_at=self.clock.now(),
            attachments=[],  # new: the owner's notice lists them without a query (and its flush)
        )
        repo.session.add(message)
        for attachment in mail.attachments:
            digest = self.blobs.put(attachment.data)
            repo.session.add(
                AttachmentRow(
                    message=message,
                    filename=attachment.filename,
                    content_type=attachment.content_type,
                    size=attachment.size,
                    sha256=digest,
                )
            )
        return message
