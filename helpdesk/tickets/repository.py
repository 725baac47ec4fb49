"""The ticket store's queries: the only code that reads or writes rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from helpdesk.errors import NotFound
from helpdesk.tickets.models import (
    Event,
    MailboxState,
    Message,
    OutboxMail,
    Participant,
    QuarantinedMail,
    SeenMail,
    Ticket,
    TicketField,
)
from helpdesk.tickets.status import CLOSED_STATES


class Repository:
    """Queries over one session; the caller owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- tickets and their thread -------------------------------------------------------

    def ticket_by_number(self, number: str) -> Ticket | None:
        return self.session.scalar(select(Ticket).where(Ticket.number == number))

    def ticket_detail(self, number: str) -> Ticket:
        """A ticket with its messages, attachments, events and outbox loaded; NotFound if absent."""
        ticket = self.session.scalar(
            select(Ticket)
            .where(Ticket.number == number)
            .options(
                selectinload(Ticket.messages).selectinload(Message.attachments),
                selectinload(Ticket.events),
                selectinload(Ticket.outbox),
                selectinload(Ticket.fields),
                selectinload(Ticket.clocks),
                selectinload(Ticket.related),
            )
        )
        if ticket is None:
            raise NotFound(f"no ticket {number}")
        return ticket

    def list_tickets(self, status: str | None = None, limit: int = 100) -> list[Ticket]:
        query = select(Ticket).order_by(Ticket.id.desc()).limit(limit)
        if status:
            query = query.where(Ticket.status == status)
        return list(self.session.scalars(query))

    def open_ticket_counts(self, owners: list[str]) -> dict[str, int]:
        """How many unfinished tickets each of `owners` holds."""
        rows = self.session.execute(
            select(Ticket.owner, func.count(Ticket.id))
            .where(Ticket.owner.in_(owners), Ticket.status.not_in(CLOSED_STATES))
            .group_by(Ticket.owner)
        ).all()
        return dict(rows)

    def last_owner_among(self, team: str, owners: list[str]) -> str | None:
        """Who of `owners` was given the team's most recent ticket (for round robin)."""
        return self.session.scalar(
            select(Ticket.owner)
            .where(Ticket.team == team, Ticket.owner.in_(owners))
            .order_by(Ticket.id.desc())
            .limit(1)
        )

    def has_tickets_before(self, moment: datetime) -> bool:
        return self.session.scalar(select(Ticket.id).where(Ticket.created_at < moment).limit(1)) is not None

    def resolved_before(self, cutoff: datetime) -> list[Ticket]:
        """Resolved tickets still waiting for the customer's confirmation since before `cutoff` (indexed)."""
        return list(
            self.session.scalars(
                select(Ticket)
                .where(Ticket.status == "resolved", Ticket.resolved_at <= cutoff)
                .order_by(Ticket.id)
            )
        )

    def set_field(
        self, ticket: Ticket, name: str, value: str, message_id: str, line: int, source: str, at: datetime
    ) -> None:
        """Record or replace one report field, keeping where its value was read."""
        row = self.session.scalar(
            select(TicketField).where(TicketField.ticket_id == ticket.id, TicketField.name == name)
        )
        if row is None:
            row = TicketField(ticket=ticket, name=name)
            self.session.add(row)
        row.value, row.message_id, row.line, row.source, row.updated_at = value, message_id, line, source, at

    def field_values(self, ticket: Ticket) -> dict[str, str]:
        rows = self.session.scalars(select(TicketField).where(TicketField.ticket_id == ticket.id))
        return {row.name: row.value for row in rows}

    def message(self, message_id: str) -> Message | None:
        return self.session.scalar(select(Message).where(Message.message_id == message_id))

    def ticket_for_message_ids(self, message_ids: tuple[str, ...]) -> Ticket | None:
        """The ticket of the nearest known message among `message_ids` (nearest first)."""
        if not message_ids:
            return None
        rows = self.session.execute(
            select(Message.message_id, Message.ticket_id).where(Message.message_id.in_(message_ids))
        ).all()
        by_id = dict(rows)
        for mid in message_ids:
            if mid in by_id:
                return self.session.get(Ticket, by_id[mid])
        return None

    def is_participant(self, ticket: Ticket, email: str) -> bool:
        return (
            self.session.scalar(
                select(Participant.id).where(
                    Participant.ticket_id == ticket.id, Participant.email == email.lower()
                )
            )
            is not None
        )

    def add_participant(self, ticket: Ticket, email: str, role: str) -> None:
        if not self.is_participant(ticket, email):
            self.session.add(Participant(ticket=ticket, email=email.lower(), role=role))
            self.session.flush()

    def thread_ids(self, ticket: Ticket) -> list[str]:
        """The ticket's Message-IDs, oldest first: what a new mail's References should list."""
        return list(
            self.session.scalars(
                select(Message.message_id).where(Message.ticket_id == ticket.id).order_by(Message.id)
            )
        )

    def add_event(
        self, ticket: Ticket, at: datetime, actor: str, kind: str, detail: dict, reason: str = ""
    ) -> Event:
        event = Event(ticket=ticket, at=at, actor=actor, kind=kind, detail=detail, reason=reason)
        self.session.add(event)
        return event

    # -- the mailbox's checkpoints ------------------------------------------------------

    def seen(self, folder: str, uidvalidity: int, uid: int) -> SeenMail | None:
        return self.session.scalar(
            select(SeenMail).where(
                SeenMail.folder == folder, SeenMail.uidvalidity == uidvalidity, SeenMail.uid == uid
            )
        )

    def mark_seen(
        self, folder: str, uidvalidity: int, uid: int, outcome: str, message_id: str, at: datetime
    ) -> None:
        """Record the UID's outcome and move the folder's checkpoint, in the caller's transaction."""
        self.session.add(
            SeenMail(
                folder=folder,
                uidvalidity=uidvalidity,
                uid=uid,
                outcome=outcome,
                message_id=message_id,
                at=at,
            )
        )
        state = self.session.get(MailboxState, folder)
        if state is None or state.uidvalidity != uidvalidity:
            if state is not None:
                self.session.delete(state)
                self.session.flush()
            state = MailboxState(folder=folder, uidvalidity=uidvalidity, last_uid=0)
            self.session.add(state)
        state.last_uid = max(state.last_uid, uid)

    # -- outbox ---------------------------------------------------------------------------

    def automatic_mails_since(self, recipient: str, since: datetime) -> int:
        return (
            self.session.scalar(
                select(func.count(OutboxMail.id)).where(
                    OutboxMail.recipient == recipient.lower(),
                    OutboxMail.automatic.is_(True),
                    OutboxMail.created_at >= since,
                )
            )
            or 0
        )

    def due_outbox(self, now: datetime, limit: int = 50) -> list[OutboxMail]:
        return list(
            self.session.scalars(
                select(OutboxMail)
                .where(OutboxMail.status == "pending", OutboxMail.next_attempt_at <= now)
                .order_by(OutboxMail.id)
                .limit(limit)
            )
        )

    def outbox(self, status: str | None = None, limit: int = 100) -> list[OutboxMail]:
        query = select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)
        if status:
            query = query.where(OutboxMail.status == status)
        return list(self.session.scalars(query))

    # -- quarantine -------------------------------------------------------------------------

    def quarantined(self, status: str | None = "held") -> list[QuarantinedMail]:
        query = select(QuarantinedMail).order_by(QuarantinedMail.id)
        if status:
            query = query.where(QuarantinedMail.status == status)
        return list(self.session.scalars(query))

    def quarantine_entry(self, entry_id: int) -> QuarantinedMail:
        entry = self.session.get(QuarantinedMail, entry_id)
        if entry is None:
            raise NotFound(f"no quarantine entry {entry_id}")
        return entry


def day_start(now_local: datetime) -> datetime:
    """Midnight of `now_local`'s day in its own zone (for per-day caps)."""
    return now_local.replace(hour=0, minute=0, second=0, microsecond=0)
