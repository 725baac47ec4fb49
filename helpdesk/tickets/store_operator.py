"""The operator's queries: filtered ticket lists and the figures /metrics shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from helpdesk.tickets.models import (
    OutboxMail,
    Ticket,
    TicketClock,
    TicketField,
)

# The record fields that name the customer's organisation (intake/record_fields.py).
CUSTOMER_FIELDS = ("company",)


class OperatorQueries:
    """Mixed into Repository, which owns the session and the transaction."""

    session: Session

    def find_tickets(self, filters: TicketFilter, now: datetime, limit: int = 100) -> list[Ticket]:
        """The newest tickets matching every given filter (statuses, type, ..., created between)."""
        query = select(Ticket).order_by(Ticket.id.desc()).limit(limit)
        if filters.statuses:
            query = query.where(Ticket.status.in_(filters.statuses))
        for column, value in (
            (Ticket.type, filters.type),
            (Ticket.priority, filters.priority),
            (Ticket.team, filters.team),
            (Ticket.owner, filters.owner),
        ):
            if value is not None:
                query = query.where(column == value)
        if filters.since is not None:
            query = query.where(Ticket.created_at >= filters.since)
        if filters.until is not None:
            query = query.where(Ticket.created_at < filters.until)
        if filters.customer:
            query = query.where(_customer(filters.customer.strip().lower()))
        if filters.overdue:
            late = select(TicketClock.ticket_id).where(
                TicketClock.met_at.is_(None), TicketClock.paused_at.is_(None), TicketClock.due_at <= now
            )
            query = query.where(Ticket.id.in_(late))
        return list(self.session.scalars(query))


@dataclass(frozen=True)
class TicketFilter:
    """What `helpdesk tickets list` narrows to; None (or empty) means any."""

    statuses: tuple[str, ...] = ()
    type: str | None = None
    priority: str | None = None
    team: str | None = None
    owner: str | None = None
    overdue: bool = False
    since: datetime | None = None
    until: datetime | None = None
    customer: str | None = None


def _customer(wanted: str):
    """Tickets whose requester's address or name, or company field, contains `wanted` (any case)."""
    companies = select(TicketField.ticket_id).where(
        TicketField.name.in_(CUSTOMER_FIELDS), func.lower(TicketField.value).contains(wanted, autoescape=True)
    )
    return or_(
        func.lower(Ticket.requester_email).contains(wanted, autoescape=True),
        func.lower(Ticket.requester_name).contains(wanted, autoescape=True),
        Ticket.id.in_(companies),
    )


def tickets_by_state(session: Session) -> dict[str, int]:
    """How many tickets are in each state."""
    rows = session.execute(select(Ticket.status, func.count()).group_by(Ticket.status))
    return {status: count for status, count in rows}


def outbox_by_status(session: Session) -> dict[str, tuple[int, datetime | None]]:
    """Outbox rows per status (pending, sent, failed) and the oldest one's creation time."""
    rows = session.execute(
        select(OutboxMail.status, func.count(), func.min(OutboxMail.created_at)).group_by(OutboxMail.status)
    )
    return {status: (count, oldest) for status, count, oldest in rows}


def breaches_by_clock(session: Session) -> dict[str, int]:
    """Deadlines ever missed, per clock (response, resolution): rows only ever gain a breach."""
    rows = session.execute(
        select(TicketClock.name, func.count())
        .where(TicketClock.breached_at.is_not(None))
        .group_by(TicketClock.name)
    )
    return {name: count for name, count in rows}
