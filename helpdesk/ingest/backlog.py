"""A first start on a folder that already holds mail: start from now, import it silently, or answer it.

The database has no checkpoint for the folder yet, so every mail in it would be taken for new
and answered. Until the operator says what to do (`helpdesk run --backlog …`) the helpdesk
refuses to start. "from-now" records the UIDs as handled and leaves the mails where they are;
"import" opens the tickets and writes their outbound mail as "suppressed" (never sent, shown in
`tickets show`); "answer" handles them as new mail. An import that is cut short is finished,
silently, at the next start.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy.orm import sessionmaker

from helpdesk.clock import Clock
from helpdesk.config import ImapConfig
from helpdesk.errors import HelpdeskError
from helpdesk.ingest.mailbox import Mailbox
from helpdesk.outbound.outbox import Notifier
from helpdesk.pipeline import MailSource, Pipeline
from helpdesk.tickets.models import OutboxMail, SeenMail, Ticket
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.store_outbox import SUPPRESSED

log = logging.getLogger(__name__)

Policy = Literal["ask", "from-now", "import", "answer"]
POLICIES = ("from-now", "import", "answer")
LOG_EVERY_SECONDS = 10.0


class BacklogUndecided(HelpdeskError):
    """Raised at a first start when the folder holds mail and no backlog policy was chosen."""

    def __init__(self, folder: str, count: int) -> None:
        super().__init__(
            f"the folder {folder} already holds {count} mail(s) and this database has never read it;"
            " choose what to do with them: --backlog from-now (leave them, handle only new mail),"
            " --backlog import (tickets, no mail sent) or --backlog answer (handle them as new mail)"
        )
        self.folder = folder
        self.count = count


class Progress(Protocol):
    """Told how an import goes; a terminal shows a bar, a log gets periodic counts."""

    def start(self, total: int) -> None: ...

    def advance(self) -> None: ...

    def finish(self) -> None: ...


class LogProgress:
    """Periodic counts in the log: done/total and the rate, at most every LOG_EVERY_SECONDS."""

    def __init__(self) -> None:
        self.total = self.done = 0
        self.started = self.logged = 0.0

    def start(self, total: int) -> None:
        self.total, self.done = total, 0
        self.started = self.logged = time.monotonic()
        log.info("backlog import: %d mail(s) to import, no mail will be sent for them", total)

    def advance(self) -> None:
        self.done += 1
        now = time.monotonic()
        if now - self.logged >= LOG_EVERY_SECONDS:
            self.logged = now
            log.info("backlog import: %d of %d, %.1f mails/s", self.done, self.total, self._rate(now))

    def finish(self) -> None:
        log.info(
            "backlog import: %d of %d done, %.1f mails/s", self.done, self.total, self._rate(time.monotonic())
        )

    def _rate(self, now: float) -> float:
        return self.done / max(now - self.started, 1e-6)


@dataclass(frozen=True)
class SilentNotifier(Notifier):
    """A notifier whose mail is recorded as suppressed (never sent), with an event saying why."""

    def _queue(self, repo: Repository, ticket: Ticket | None, *args, **kwargs) -> OutboxMail:
        row = super()._queue(repo, ticket, *args, **kwargs)
        row.status = SUPPRESSED
        if ticket is not None:
            repo.add_event(
                ticket,
                self.clock.now(),
                "system",
                "mail_suppressed",
                {"template": row.kind, "recipient": row.recipient, "backlog": True},
                reason="imported from the mailbox's backlog at the first start: not sent",
            )
        return row


class BacklogMailbox(Mailbox):
    """The support folder without the mails left in place by "start from now"."""

    def __init__(self, config: ImapConfig, name: str = "") -> None:
        super().__init__(config, name)
        self.skipped: dict[int, set[int]] = {}

    def pending(self) -> list[int]:
        left = self.skipped.get(self.uidvalidity, set())
        return [uid for uid in super().pending() if uid not in left]


def settle(
    box: BacklogMailbox,
    sessions: sessionmaker,
    importer: Pipeline,
    clock: Clock,
    policy: Policy,
    progress: Progress | None = None,
) -> None:
    """Apply `policy` if this is the folder's first start, and tell `box` which mails to leave.

    Without a checkpoint, the folder is looked at (one IMAP login); with one, only the database
    is read. Raises BacklogUndecided when the folder holds mail and `policy` is "ask"."""
    folder, name = box.config.folder, box.name
    with sessions() as session:
        repo = Repository(session)
        first = not repo.has_checkpoint(folder, name)
        unfinished = repo.unfinished_import(folder, name)
        box.skipped = repo.skipped_backlog(folder, name)
    if not (first or unfinished is not None):
        return
    connected = box.connected
    if not connected:
        box.connect()
    try:
        _first_start(box, sessions, importer, clock, policy, unfinished, progress or LogProgress())
    finally:
        if not connected:
            box.close()  # the loop logs in itself, and tells the metrics so


def _first_start(
    box: BacklogMailbox,
    sessions: sessionmaker,
    importer: Pipeline,
    clock: Clock,
    policy: Policy,
    unfinished: SeenMail | None,
    progress: Progress,
) -> None:
    folder, name = box.config.folder, box.name
    where = f"{folder} of mailbox {name}" if name else folder
    if unfinished is not None:
        through = int(unfinished.message_id) if unfinished.uidvalidity == box.uidvalidity else None
        log.info("finishing the first start's import of %s, silently", where)
        _import(box, sessions, importer, through, progress)
        return
    uids = box.pending()
    if not uids:
        return
    if policy == "ask":
        raise BacklogUndecided(where, len(uids))
    if policy == "answer":
        log.info("first start: %d mail(s) already in %s will be handled and answered", len(uids), where)
    elif policy == "from-now":
        with sessions.begin() as session:
            Repository(session).mark_backlog(folder, box.uidvalidity, uids, clock.now(), name)
        box.skipped.setdefault(box.uidvalidity, set()).update(uids)
        log.info("first start: %d mail(s) already in %s left untouched; new mail only", len(uids), where)
    else:
        with sessions.begin() as session:
            Repository(session).start_import(folder, box.uidvalidity, max(uids), clock.now(), name)
        _import(box, sessions, importer, max(uids), progress)


def _import(
    box: BacklogMailbox, sessions: sessionmaker, importer: Pipeline, through: int | None, progress: Progress
) -> None:
    """Import the folder's mail up to UID `through` (all of it when the UIDs were renumbered: mail
    already imported is then known by its Message-ID), then mark the import done."""
    folder = box.config.folder
    todo = [uid for uid in box.pending() if through is None or uid <= through]
    progress.start(len(todo))
    try:
        for uid in todo:  # one at a time, each committed and moved before it counts as done
            for raw in box.fetch([uid]).values():  # none: expunged by someone else meanwhile
                outcome = importer.process(raw, MailSource(folder, box.uidvalidity, uid, box.name))
                box.finish({uid: "quarantined" in (outcome.kind, outcome.detail)})
            progress.advance()
    finally:
        progress.finish()
    with sessions.begin() as session:
        Repository(session).finish_import(folder, box.name)
