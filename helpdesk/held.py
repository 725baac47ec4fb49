"""Mails kept whole, aside, in the quarantine table: a failure with its stage and masked error, or a
machine's mail that joined no ticket, with the reason; the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from helpdesk.errors import ProcessingError
from helpdesk.mail.peek import peek
from helpdesk.mail.redact import redact_text
from helpdesk.tickets.models import QuarantinedMail, RawMail
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.store_mailbox import AUTOMATIC

if TYPE_CHECKING:
    from helpdesk.pipeline import MailSource


def quarantine(
    repo: Repository,
    raw_row: RawMail,
    source: MailSource | None,
    stage: str,
    exc: Exception,
    now: datetime,
    mailbox: str | None = None,
) -> QuarantinedMail:
    """Hold a mail that failed at `stage`; its error may quote the mail, so it is masked like the rest.
    The entry keeps the mailbox it came to: the source's, else `mailbox`."""
    error = redact_text(f"{type(exc).__name__}: {exc}").text
    if isinstance(exc, ProcessingError):
        stage = exc.stage
    subject, sender = peek(raw_row.data)
    return _keep(repo, raw_row, source, stage, error, subject, sender, "held", now, mailbox)


def hold_again(entry: QuarantinedMail, stage: str, exc: Exception) -> None:
    """A kept mail processed again that failed again: it stays (or now is) held, with the new stage
    and the new error, masked like the first."""
    entry.status, entry.stage = "held", exc.stage if isinstance(exc, ProcessingError) else stage
    entry.error = redact_text(f"{type(exc).__name__}: {exc}").text[:4000]


def keep_automatic(
    repo: Repository, raw_row: RawMail, source: MailSource | None, why: str, now: datetime
) -> QuarantinedMail:
    """Keep a machine's mail that joined no ticket, with the reason, for a person to look at."""
    subject, sender = peek(raw_row.data)
    return _keep(repo, raw_row, source, AUTOMATIC, why, subject, sender, AUTOMATIC, now)


def _keep(repo, raw_row, source, stage, error, subject, sender, status, now, mailbox=None) -> QuarantinedMail:
    entry = QuarantinedMail(
        raw=raw_row,
        folder=source.folder if source else "",
        mailbox=source.mailbox if source else mailbox,
        uid=source.uid if source else None,
        stage=stage,
        error=error[:4000],
        subject=subject,
        sender=sender,
        status=status,
        created_at=now,
    )
    repo.session.add(entry)
    repo.session.flush()
    return entry
