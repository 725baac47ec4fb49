"""Queries over what came in: raw mails, mailbox checkpoints, the first start, quarantine."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from helpdesk.errors import NotFound
from helpdesk.tickets.models import (
    MailboxState,
    Message,
    OutboxMail,
    QuarantinedMail,
    RawMail,
    SeenMail,
)

BACKLOG_SKIPPED = "backlog"  # a mail left in place at first start ("start from now")
IMPORTING, IMPORTED = "importing", "imported"  # the first start's import: under way, done
IMPORT_MARK_UID = 0
AUTOMATIC = "automatic"  # the stage and status of a machine's mail kept aside in the quarantine table


class MailboxQueries:
    """Mixed into Repository, which owns the session and the transaction."""

    session: Session

    def raw_mail(self, raw_id: int) -> bytes:
        return self.session.get(RawMail, raw_id).data

    def purge_raw_before(self, cutoff: datetime) -> int:
        """Delete the raw bytes of mails received before `cutoff`, except those a held quarantine
        entry still needs; their messages keep the masked text. Returns how many went."""
        held = select(QuarantinedMail.raw_mail_id).where(QuarantinedMail.status == "held")
        old = select(RawMail.id).where(RawMail.received_at < cutoff, RawMail.id.not_in(held))
        ids = list(self.session.scalars(old))
        if not ids:
            return 0
        self.session.execute(update(Message).where(Message.raw_mail_id.in_(ids)).values(raw_mail_id=None))
        self.session.execute(delete(QuarantinedMail).where(QuarantinedMail.raw_mail_id.in_(ids)))
        self.session.execute(delete(RawMail).where(RawMail.id.in_(ids)))
        return len(ids)

    # Every query below is about one folder of one mailbox (config `mailboxes`; "" for the single
    # mailbox of a config without the list): two accounts' INBOX UIDs are never confused.

    def seen(self, folder: str, uidvalidity: int, uid: int, mailbox: str = "") -> SeenMail | None:
        return self.session.scalar(
            select(SeenMail).where(
                SeenMail.mailbox == mailbox,
                SeenMail.folder == folder,
                SeenMail.uidvalidity == uidvalidity,
                SeenMail.uid == uid,
            )
        )

    def checkpoint(self, folder: str, mailbox: str = "") -> tuple[int, int] | None:
        """The folder's stored (UIDVALIDITY, highest UID committed), or None before its first mail."""
        state = self.session.get(MailboxState, (mailbox, folder))
        return None if state is None else (state.uidvalidity, state.last_uid)

    def seen_among(
        self, folder: str, uidvalidity: int, uids: list[int], mailbox: str = ""
    ) -> dict[int, SeenMail]:
        """Which of `uids` are recorded already, in one query."""
        rows = self.session.scalars(
            select(SeenMail).where(
                SeenMail.mailbox == mailbox,
                SeenMail.folder == folder,
                SeenMail.uidvalidity == uidvalidity,
                SeenMail.uid.in_(uids),
            )
        )
        return {row.uid: row for row in rows}

    def mark_seen_many(
        self,
        folder: str,
        uidvalidity: int,
        marks: list[tuple[int, str, str]],
        at: datetime,
        mailbox: str = "",
    ) -> None:
        """Record each (UID, outcome, Message-ID) and move the folder's checkpoint past them, in one
        INSERT; a UID recorded already (by another daemon) raises IntegrityError here."""
        where = {"mailbox": mailbox, "folder": folder, "uidvalidity": uidvalidity, "at": at}
        rows = [{**where, "uid": uid, "outcome": kind, "message_id": mid} for uid, kind, mid in marks]
        self.session.execute(insert(SeenMail), rows)
        state = self.session.get(MailboxState, (mailbox, folder))
        if state is None or state.uidvalidity != uidvalidity:
            if state is not None:
                self.session.delete(state)
                self.session.flush()
            state = MailboxState(mailbox=mailbox, folder=folder, uidvalidity=uidvalidity, last_uid=0)
            self.session.add(state)
        state.last_uid = max([state.last_uid, *(uid for uid, _, _ in marks)])

    def quarantined(self, status: str | None = "held") -> list[QuarantinedMail]:
        """Mails that failed; automatic mails kept aside share the table but are not failures."""
        query = select(QuarantinedMail).where(QuarantinedMail.stage != AUTOMATIC).order_by(QuarantinedMail.id)
        if status:
            query = query.where(QuarantinedMail.status == status)
        return list(self.session.scalars(query))

    def quarantine_entry(self, entry_id: int) -> QuarantinedMail:
        entry = self.session.get(QuarantinedMail, entry_id)
        if entry is None:
            raise NotFound(f"no quarantine entry {entry_id}")
        return entry

    def kept_automatic(self, status: str | None = AUTOMATIC) -> list[QuarantinedMail]:
        """Machine-written mails that joined no ticket, kept whole with the reason (stage "automatic")."""
        query = select(QuarantinedMail).where(QuarantinedMail.stage == AUTOMATIC).order_by(QuarantinedMail.id)
        if status:
            query = query.where(QuarantinedMail.status == status)
        return list(self.session.scalars(query))

    def automatic_entry(self, entry_id: int) -> QuarantinedMail:
        entry = self.session.get(QuarantinedMail, entry_id)
        if entry is None or entry.stage != AUTOMATIC:
            raise NotFound(f"no kept automatic mail {entry_id}")
        return entry

    def automatic_outbound(self, message_ids: tuple[str, ...]) -> OutboxMail | None:
        """The first of our automatic mails (acknowledgement, information request, receipt) among
        `message_ids`, nearest first: what a robot's answer names in In-Reply-To/References."""
        if not message_ids:
            return None
        rows = self.session.scalars(
            select(OutboxMail).where(OutboxMail.message_id.in_(message_ids), OutboxMail.automatic.is_(True))
        ).all()
        by_id = {row.message_id: row for row in rows}
        return next((by_id[mid] for mid in message_ids if mid in by_id), None)

    def has_checkpoint(self, folder: str, mailbox: str = "") -> bool:
        """True once this database has recorded any mail of `folder` (or a decision about its backlog)."""
        return self.session.get(MailboxState, (mailbox, folder)) is not None

    def mark_backlog(
        self, folder: str, uidvalidity: int, uids: list[int], at: datetime, mailbox: str = ""
    ) -> None:
        """Record `uids` as handled without processing them ("start from now"); they stay in the folder."""
        marks = [(uid, BACKLOG_SKIPPED, "") for uid in uids]
        self.mark_seen_many(folder, uidvalidity, marks, at, mailbox)

    def skipped_backlog(self, folder: str, mailbox: str = "") -> dict[int, set[int]]:
        """The UIDs left in `folder` by "start from now", per UIDVALIDITY."""
        rows = self.session.execute(
            select(SeenMail.uidvalidity, SeenMail.uid).where(
                SeenMail.mailbox == mailbox, SeenMail.folder == folder, SeenMail.outcome == BACKLOG_SKIPPED
            )
        )
        found: dict[int, set[int]] = {}
        for uidvalidity, uid in rows:
            found.setdefault(uidvalidity, set()).add(uid)
        return found

    def start_import(
        self, folder: str, uidvalidity: int, through: int, at: datetime, mailbox: str = ""
    ) -> None:
        """Note that the backlog up to UID `through` is being imported, so a restart finishes it silently.

        The note is a seen-mail row for UID 0, which no mail has; `through` is kept in its message_id."""
        marks = [(IMPORT_MARK_UID, IMPORTING, str(through))]
        self.mark_seen_many(folder, uidvalidity, marks, at, mailbox)

    def unfinished_import(self, folder: str, mailbox: str = "") -> SeenMail | None:
        return self.session.scalar(select(SeenMail).where(*_import_mark(folder, mailbox)))

    def finish_import(self, folder: str, mailbox: str = "") -> None:
        self.session.execute(update(SeenMail).where(*_import_mark(folder, mailbox)).values(outcome=IMPORTED))


def _import_mark(folder: str, mailbox: str) -> tuple:
    """The conditions that find a folder's note of an import under way."""
    return (
        SeenMail.mailbox == mailbox,
        SeenMail.folder == folder,
        SeenMail.uid == IMPORT_MARK_UID,
        SeenMail.outcome == IMPORTING,
    )
