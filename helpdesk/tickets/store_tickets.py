"""Queries over tickets, their report fields, thread, participants and events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, func, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from helpdesk.errors import NotFound
from helpdesk.tickets.models import (
    Event,
    Message,
    Participant,
    Ticket,
    TicketField,
    TicketSequence,
)
from helpdesk.tickets.snapshot import ClockView, TicketView, Workload
from helpdesk.tickets.status import CLOSED_STATES

# Built once (a new ticket's number draws on it every time): no ORM objects to keep in step.
_BUMP = (
    update(TicketSequence)
    .where(TicketSequence.scope == bindparam("wanted"))
    .values(last_value=TicketSequence.last_value + 1)
    .returning(TicketSequence.last_value)
    .execution_options(synchronize_session=False)
)


def _draw(executor: Session | Connection, insert, scope: str) -> int:
    """One UPDATE … RETURNING on the scope's row; its first use inserts the row first."""
    value = executor.execute(_BUMP, {"wanted": scope}).scalar_one_or_none()
    if value is not None:
        return value
    executor.execute(insert(TicketSequence).values(scope=scope, last_value=0).on_conflict_do_nothing())
    return executor.execute(_BUMP, {"wanted": scope}).scalar_one()


_BY_MESSAGE_ID = select(Message).where(Message.message_id == bindparam("wanted"))  # every mail asks


class TicketQueries:
    """Mixed into Repository, which owns the session and the transaction."""

    session: Session

    def next_in_sequence(self, scope: str) -> int:
        """The next value of the numbering sequence `scope` (e.g. "202612").

        On SQLite, in the caller's transaction: SQLite lets one writer in at a time, so nobody else
        draws until it ends, and a rolled-back transaction gives its value back (no gaps). On
        PostgreSQL, in a short transaction of its own on another connection: the scope's row is
        locked for that one statement, not until the caller's batch commits, so daemons open tickets
        side by side; a value whose ticket then rolls back is not reused (a gap, see README)."""
        if self.session.bind.dialect.name == "postgresql":
            with self.session.bind.connect() as own, own.begin():
                # Safe without waiting for the disk: a ticket holding this value commits later,
                # and PostgreSQL's log makes that commit durable only with everything before it.
                own.exec_driver_sql("SET LOCAL synchronous_commit = off")
                return _draw(own, postgresql.insert, scope)
        return _draw(self.session, sqlite.insert, scope)

    def lock_ticket(self, ticket_id: int) -> Ticket | None:
        """The ticket, row-locked until the transaction ends (PostgreSQL), so two daemons deciding
        on one ticket take turns; SQLite's single writer gives the same order."""
        return self.session.scalar(
            select(Ticket)
            .where(Ticket.id == ticket_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    def ticket(self, ticket_id: int) -> Ticket | None:
        return self.session.get(Ticket, ticket_id)

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

    def snapshot(self, ticket: Ticket) -> TicketView:
        """The plain view of `ticket` that deciders read: columns, report fields, running clocks."""
        return TicketView(
            id=ticket.id,
            number=ticket.number,
            status=ticket.status,
            requester_email=ticket.requester_email,
            requester_name=ticket.requester_name,
            language=ticket.language,
            created_at=ticket.created_at,
            type=ticket.type,
            priority=ticket.priority,
            subcategory=ticket.subcategory,
            subject=ticket.subject,
            description=ticket.description or "",
            nature=ticket.nature,
            team=ticket.team,
            owner=ticket.owner,
            owner_confirmed_at=ticket.owner_confirmed_at,
            collaborators=tuple(ticket.collaborators or ()),
            tags=tuple(ticket.tags or ()),
            required_fields=tuple(ticket.required_fields or ()),
            information_requests=ticket.information_requests or 0,
            incomplete=bool(ticket.incomplete),
            eta=ticket.eta,
            solution=ticket.solution or "",
            confirmation=ticket.confirmation,
            satisfaction=ticket.satisfaction,
            resolved_at=ticket.resolved_at,
            closed_at=ticket.closed_at,
            confirmation_reminders=ticket.confirmation_reminders or 0,
            confirmation_asked_at=ticket.confirmation_asked_at,
            confirmation_answered_at=ticket.confirmation_answered_at,
            customer_updated_at=ticket.customer_updated_at,
            progress_reminded_at=ticket.progress_reminded_at,
            stable_until=ticket.stable_until,
            fields=self.field_values(ticket),
            clocks=tuple(
                ClockView(
                    id=c.id,
                    name=c.name,
                    started_at=c.started_at,
                    due_at=c.due_at,
                    breached_at=c.breached_at,
                    paused_at=c.paused_at,
                    escalation_level=c.escalation_level,
                    next_escalation_at=c.next_escalation_at,
                    escalated_to=tuple(c.escalated_to or ()),
                    acknowledged_at=c.acknowledged_at,
                    warned_at=c.warned_at,
                )
                for c in self.open_clocks(ticket)
            ),
        )

    def workload(self, owners: list[str]) -> Workload:
        """Open tickets per person among `owners`, and each one's latest ticket per team (round robin),
        in one query."""
        rows = self.session.execute(
            select(
                Ticket.team,
                Ticket.owner,
                func.max(Ticket.id),
                func.count(Ticket.id).filter(Ticket.status.not_in(CLOSED_STATES)),
            )
            .where(Ticket.owner.in_(owners))
            .group_by(Ticket.team, Ticket.owner)
        ).all()
        latest: dict[str, dict[str, int]] = {}
        counts: dict[str, int] = {}
        for team, owner, ticket_id, unfinished in rows:
            if team is not None:
                latest.setdefault(team, {})[owner] = ticket_id
            if unfinished:
                counts[owner] = counts.get(owner, 0) + unfinished
        return Workload(open_counts=counts, latest=latest)

    def has_tickets_before(self, moment: datetime) -> bool:
        return self.session.scalar(select(Ticket.id).where(Ticket.created_at < moment).limit(1)) is not None

    def set_field(
        self, ticket: Ticket, name: str, value: str, message_id: str, line: int, source: str, at: datetime
    ) -> None:
        """Record or replace one report field, keeping where its value was read."""
        row = next((row for row in ticket.fields if row.name == name), None)
        if row is None:
            row = TicketField(ticket=ticket, name=name)  # joins ticket.fields
            self.session.add(row)
        row.value, row.message_id, row.line, row.source, row.updated_at = value, message_id, line, source, at

    def drop_field(self, ticket: Ticket, name: str) -> None:
        """Remove one report field, if the ticket has it."""
        row = next((row for row in ticket.fields if row.name == name), None)
        if row is not None:
            ticket.fields.remove(row)
            self.session.delete(row)

    def field_values(self, ticket: Ticket) -> dict[str, str]:
        """The ticket's report fields: a ticket of this session reads them once (ticket.fields, then
        kept in step by set_field), any other ticket from the database."""
        rows = (
            ticket.fields
            if inspect(ticket).session is self.session
            else self.session.scalars(select(TicketField).where(TicketField.ticket_id == ticket.id))
        )
        return {row.name: row.value for row in rows}

    def has_event(self, ticket: Ticket, kind: str) -> bool:
        found = self.session.scalar(
            select(Event.id).where(Event.ticket_id == ticket.id, Event.kind == kind).limit(1)
        )
        return found is not None

    def messages_from(self, sender: str) -> int:
        """How many messages `sender` wrote, in any ticket."""
        return self.session.scalar(select(func.count(Message.id)).where(Message.sender == sender)) or 0

    def message(self, message_id: str) -> Message | None:
        return self.session.scalar(_BY_MESSAGE_ID, {"wanted": message_id})

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
        """Read from ticket.participants (a ticket of this session): loaded once, then kept in step
        by add_participant."""
        email = email.lower()
        if inspect(ticket).session is not self.session:
            row = select(Participant.id).where(Participant.ticket_id == ticket.id, Participant.email == email)
            return self.session.scalar(row) is not None
        return any(person.email == email for person in ticket.participants)

    def add_participant(self, ticket: Ticket, email: str, role: str) -> None:
        if not self.is_participant(ticket, email):
            self.session.add(Participant(ticket=ticket, email=email.lower(), role=role))

    def thread_ids(self, ticket: Ticket) -> list[str]:
        """The ticket's Message-IDs, oldest first: what a new mail's References should list (from
        ticket.messages when this session has it, as for a ticket it opened)."""
        state = inspect(ticket)
        if state.session is self.session and "messages" in state.dict:
            return [message.message_id for message in ticket.messages]
        return list(
            self.session.scalars(
                select(Message.message_id).where(Message.ticket_id == ticket.id).order_by(Message.id)
            )
        )
