"""Queries the clock jobs run: deadlines due, tickets waiting, digests claimed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from helpdesk.tickets.models import (
    DigestSent,
    Ticket,
    TicketClock,
)


class ClockQueries:
    """Mixed into Repository, which owns the session and the transaction."""

    session: Session

    def resolved_ids_before(self, cutoff: datetime) -> list[int]:
        """Resolved tickets still waiting for the customer's confirmation since before `cutoff` (indexed)."""
        return list(
            self.session.scalars(
                select(Ticket.id)
                .where(Ticket.status == "resolved", Ticket.resolved_at <= cutoff)
                .order_by(Ticket.id)
            )
        )

    def open_clocks(self, ticket: Ticket) -> list[TicketClock]:
        """The ticket's clocks that have not been met, oldest first."""
        return list(
            self.session.scalars(
                select(TicketClock)
                .where(TicketClock.ticket_id == ticket.id, TicketClock.met_at.is_(None))
                .order_by(TicketClock.id)
            )
        )

    def clock_names(self, ticket: Ticket) -> set[str]:
        """Every clock the ticket has ever had, met or running."""
        return set(self.session.scalars(select(TicketClock.name).where(TicketClock.ticket_id == ticket.id)))

    def tickets_with_due_clocks(self, now: datetime, levels: int) -> list[int]:
        """Tickets with a running clock past due that has an escalation level left (indexed)."""
        return self._with_running_clocks(
            TicketClock.acknowledged_at.is_(None),
            TicketClock.due_at <= now,
            TicketClock.escalation_level < levels,
            or_(
                TicketClock.breached_at.is_(None),
                and_(TicketClock.next_escalation_at.is_not(None), TicketClock.next_escalation_at <= now),
            ),
            order=func.min(TicketClock.due_at),
        )

    def tickets_with_clocks_due_within(self, now: datetime, until: datetime) -> list[int]:
        """Tickets with a running, unwarned clock falling due in (now, until]."""
        return self._with_running_clocks(
            TicketClock.warned_at.is_(None),
            TicketClock.due_at > now,
            TicketClock.due_at <= until,
            order=TicketClock.ticket_id,
        )

    def _with_running_clocks(self, *conditions, order) -> list[int]:
        """Tickets with a clock neither met nor paused that meets `conditions`, once each."""
        query = (
            select(TicketClock.ticket_id)
            .where(TicketClock.met_at.is_(None), TicketClock.paused_at.is_(None), *conditions)
            .group_by(TicketClock.ticket_id)
            .order_by(order)
        )
        return list(self.session.scalars(query))

    def tickets_in_states(self, states: list[str]) -> list[int]:
        return list(
            self.session.scalars(select(Ticket.id).where(Ticket.status.in_(states)).order_by(Ticket.id))
        )

    def claim_digest(self, person_id: str, day: str, at: datetime) -> bool:
        """Record that `person_id`'s digest of `day` is being sent; False when it was already (by
        this daemon or another: the unique key decides, and waits for the other's commit)."""
        insert = postgresql.insert if self.session.bind.dialect.name == "postgresql" else sqlite.insert
        claimed = self.session.execute(
            insert(DigestSent)
            .values(person=person_id, day=day, at=at)
            .on_conflict_do_nothing()
            .returning(DigestSent.id)
        ).scalar()
        return claimed is not None
