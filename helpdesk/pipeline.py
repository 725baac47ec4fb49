"""Apply one inbound mail in one transaction: parse, thread, store, decide the mails it causes.

The transaction holds the raw bytes, the ticket change, the outbox rows and the mailbox
checkpoint together, so a crash anywhere either keeps all of them or none. A mail that
fails at any stage is quarantined (kept whole, with the stage and error) in that same
transaction, and the caller goes on with the next mail.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from helpdesk.clock import Clock
from helpdesk.config import Config
from helpdesk.errors import ProcessingError
from helpdesk.intake.service import Intake
from helpdesk.mail.message import InboundMessage
from helpdesk.mail.parse import parse_message
from helpdesk.rules.ruleset import RuleSet
from helpdesk.tickets import status
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.models import (
    AttachmentRow,
    Message,
    QuarantinedMail,
    RawMail,
    Ticket,
)
from helpdesk.tickets.numbering import next_number
from helpdesk.tickets.repository import Repository
from helpdesk.workflow.service import Workflow

log = logging.getLogger(__name__)

_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|wg|回复|回覆|答复|转发|轉寄)\s*[:：]\s*)+", re.I)


@dataclass(frozen=True)
class MailSource:
    """Where a mail came from: the IMAP folder, its UIDVALIDITY and the mail's UID."""

    folder: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class Outcome:
    """What processing a mail did: created, appended, duplicate, ignored, quarantined, already."""

    kind: str
    message_id: str = ""
    ticket_number: str | None = None
    detail: str = ""


class Pipeline:
    """Turns raw mails into ticket changes and outbox rows; one call, one transaction."""

    def __init__(
        self,
        config: Config,
        sessions: sessionmaker,
        blobs: BlobStore,
        rules: RuleSet,
        intake: Intake,
        workflow: Workflow,
        clock: Clock,
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.blobs = blobs
        self.rules = rules
        self.intake = intake
        self.workflow = workflow
        self.clock = clock
        self._tag = re.compile(
            re.escape(config.numbering.subject_tag).replace(re.escape("{number}"), r"\s*([\w-]+)\s*")
        )

    def process(self, raw: bytes, source: MailSource | None = None) -> Outcome:
        """Record `raw` exactly once; the returned Outcome says what became of it.

        A UID already recorded (a restart between commit and move) is reported as
        'already' and changes nothing. Database outages raise; everything else that goes
        wrong with this one mail quarantines it.
        """
        with self.sessions.begin() as session:
            repo = Repository(session)
            seen = source and repo.seen(source.folder, source.uidvalidity, source.uid)
            if seen:
                return Outcome("already", seen.message_id, None, seen.outcome)
            raw_row = RawMail(sha256=hashlib.sha256(raw).hexdigest(), data=raw, received_at=self.clock.now())
            session.add(raw_row)
            session.flush()
            outcome, stage, error = self._try_apply(repo, raw_row)
            if error is not None:
                outcome = self._quarantine(repo, raw_row, source, stage, error)
            if outcome.kind in ("duplicate", "ignored"):
                session.delete(raw_row)  # a duplicate's bytes are already kept; an ignored one stays in IMAP
            if source:
                repo.mark_seen(
                    source.folder,
                    source.uidvalidity,
                    source.uid,
                    outcome.kind,
                    outcome.message_id,
                    self.clock.now(),
                )
        log.info(
            "mail %s: %s%s%s",
            outcome.message_id or "(no Message-ID)",
            outcome.kind,
            f" ticket {outcome.ticket_number}" if outcome.ticket_number else "",
            f" ({outcome.detail})" if outcome.detail else "",
        )
        return outcome

    def retry(self, entry_id: int) -> Outcome:
        """Process a quarantined mail again (after a fix); on success the entry is released.

        A mail that fails again stays held, with the new stage and error.
        """
        with self.sessions.begin() as session:
            repo = Repository(session)
            entry = repo.quarantine_entry(entry_id)
            if entry.status != "held":
                return Outcome("already", "", None, f"entry #{entry_id} is {entry.status}")
            outcome, stage, error = self._try_apply(repo, entry.raw)
            entry.retried_at = self.clock.now()
            if error is not None:
                entry.stage, entry.error = stage, f"{type(error).__name__}: {error}"[:4000]
                return Outcome("quarantined", "", None, f"#{entry_id} {stage}: {entry.error}")
            entry.status = "released"
        log.info("quarantine #%d released: %s ticket %s", entry_id, outcome.kind, outcome.ticket_number)
        return outcome

    def _try_apply(self, repo: Repository, raw_row: RawMail) -> tuple[Outcome, str, Exception | None]:
        """Apply the mail inside a savepoint; on failure return the stage and error instead."""
        stage = ["parse"]
        try:
            with repo.session.begin_nested():
                return self._apply(repo, raw_row, stage), stage[0], None
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise
            return Outcome("quarantined"), stage[0], exc
        except Exception as exc:  # one bad mail must harm only itself
            return Outcome("quarantined"), stage[0], exc

    def _apply(self, repo: Repository, raw_row: RawMail, stage: list[str]) -> Outcome:
        mail = parse_message(
            raw_row.data, frozenset({self.config.support_address.lower()}), self.config.default_language
        )
        key = mail.message_id or f"sha256:{raw_row.sha256}"
        stage[0] = "thread"
        known = repo.message(key)
        if known is not None:
            return Outcome("duplicate", key, known.ticket.number, "Message-ID already recorded")
        ticket, named, link_reason = self._find_ticket(repo, mail)
        if ticket is None and mail.is_automatic:
            return Outcome("ignored", key, None, mail.auto_reason or "")
        stage[0] = "store"
        now = self.clock.now()
        created = ticket is None
        if created:
            ticket = self._new_ticket(repo, mail, now, named)
        message = self._store_message(repo, ticket, mail, key, raw_row)
        self._add_copied(repo, ticket, mail)
        sender = mail.sender.email if mail.sender else ""
        if created:
            repo.add_event(
                ticket,
                now,
                sender,
                "created",
                {"message_id": key, "via": "mail", "language": mail.language},
                reason=link_reason or "new mail to the support address",
            )
        else:
            ticket.updated_at = now
            repo.add_event(
                ticket,
                now,
                sender,
                "message_added",
                {"message_id": key, "automatic": mail.auto_reason},
                reason="reply in the ticket's thread",
            )
        stage[0] = "workflow"
        if created and self._acknowledge(mail):
            self.intake.on_new_ticket(repo, ticket, mail, key)
        elif not created and not mail.is_automatic and mail.sender is not None:
            person = self.rules.directory.by_email(mail.sender.email)
            if person is not None:
                self.workflow.on_staff_mail(repo, ticket, mail, person)
            elif ticket.status == status.INFO_PENDING:
                self.intake.on_customer_reply(repo, ticket, mail, key)
            else:
                self.workflow.on_customer_mail(repo, ticket, mail)
        return Outcome("created" if created else "appended", key, ticket.number, message.subject)

    def _find_ticket(
        self, repo: Repository, mail: InboundMessage
    ) -> tuple[Ticket | None, Ticket | None, str]:
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
        sender = mail.sender.email if mail.sender else ""
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

    def _new_ticket(self, repo: Repository, mail: InboundMessage, now, related: Ticket | None) -> Ticket:
        local = now.astimezone(self.config.zone)
        subject = self._tag.sub("", _REPLY_PREFIX.sub("", mail.subject)).strip()
        subject = _REPLY_PREFIX.sub("", subject).strip() or "(no subject)"
        sender = mail.sender
        ticket = Ticket(
            number=next_number(repo.session, self.config.numbering, local),
            subject=subject,
            status="new",
            requester_email=sender.email if sender else "",
            requester_name=sender.name if sender else "",
            language=mail.language,
            description=mail.new_text or mail.text,
            related=related,
            created_at=now,
            updated_at=now,
        )
        repo.session.add(ticket)
        repo.session.flush()
        if sender:
            repo.add_participant(ticket, sender.email, "requester")
        return ticket

    def _add_copied(self, repo: Repository, ticket: Ticket, mail: InboundMessage) -> None:
        """People a participant copies in may write in the thread too (robots copy nobody in)."""
        if mail.is_automatic:
            return
        own = self.config.support_address.lower()
        for address in (*mail.to, *mail.cc):
            if address.email != own:
                repo.add_participant(ticket, address.email, "cc")

    def _store_message(
        self, repo: Repository, ticket: Ticket, mail: InboundMessage, key: str, raw_row: RawMail
    ) -> Message:
        message = Message(
            ticket=ticket,
            direction="in",
            message_id=key,
            in_reply_to=" ".join(mail.in_reply_to),
            references=" ".join(mail.references),
            sender=mail.sender.email if mail.sender else "",
            recipients=", ".join(a.email for a in (*mail.to, *mail.cc)),
            subject=mail.subject,
            text=mail.text,
            new_text=mail.new_text,
            language=mail.language,
            auto_reason=mail.auto_reason,
            defects=list(mail.defects),
            raw_mail_id=raw_row.id,
            created_at=self.clock.now(),
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
        repo.session.flush()
        return message

    def _acknowledge(self, mail: InboundMessage) -> bool:
        """People get an acknowledgement; robots, lists and our own address never do."""
        if mail.is_automatic or mail.sender is None:
            return False
        return mail.sender.email != self.config.support_address.lower()

    def sweep(self) -> int:
        """Run the clock-driven work that is due (confirmation reminders, closing unanswered)."""
        with self.sessions.begin() as session:
            return self.workflow.sweep(Repository(session))

    def _quarantine(self, repo, raw_row, source, stage: str, exc: Exception) -> Outcome:
        error = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, ProcessingError):
            stage = exc.stage
        subject, sender = _peek(raw_row.data)
        entry = QuarantinedMail(
            raw=raw_row,
            folder=source.folder if source else "",
            uid=source.uid if source else None,
            stage=stage,
            error=error[:4000],
            subject=subject,
            sender=sender,
            status="held",
            created_at=self.clock.now(),
        )
        repo.session.add(entry)
        repo.session.flush()
        log.warning("mail quarantined as #%d at stage %s: %s", entry.id, stage, error)
        return Outcome("quarantined", "", None, f"#{entry.id} {stage}: {error}")


def _peek(raw: bytes) -> tuple[str, str]:
    """Best-effort Subject and From of a mail that could not be processed, for the quarantine list."""
    head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    found = {}
    for line in head.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if name.lower() in ("subject", "from") and name.lower() not in found:
            found[name.lower()] = value.strip()[:300]
    return found.get("subject", ""), found.get("from", "")
