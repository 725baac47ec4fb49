"""Queries the clock jobs run: deadlines due, tickets waiting, digests claimed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, false, func, inspect, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from helpdesk.rules.schema import Confirmation
from helpdesk.tickets.due import Among, LastHeard
from helpdesk.tickets.models import (
    DigestSent,
    Ticket,
    TicketClock,
)
from helpdesk.tickets.status import RELEASED, RESOLVED


class ClockQueries:
    """Mixed into Repository, which owns the session and the transaction."""

    session: Session

    def confirmations_due(
        self, now: datetime, timing: Confirmation, within: Among | None = None
    ) -> list[int]:
        """Resolved tickets whose confirmation step is due (workflow/confirmation.py's
        confirmation_due), in one read: asked (resolved, or asked again since) `remind_after_hours`
        ago with no word from the customer since, and either not reminded yet or, when unanswered
        tickets close, asked `close_after_hours` ago. Reminded tickets still waiting are not read."""
        resolved, again = Ticket.resolved_at, Ticket.confirmation_asked_at
        asked = case((resolved.is_(None) | (again.is_not(None) & (again > resolved)), again), else_=resolved)
        answered = Ticket.confirmation_answered_at
        step = Ticket.confirmation_reminders == 0
        if timing.close_without_answer:
            step |= asked <= now - timedelta(hours=timing.close_after_hours)
        return list(
            self.session.scalars(
                select(Ticket.id)
                .where(
                    Ticket.status == RESOLVED,
                    asked <= now - timedelta(hours=timing.remind_after_hours),
                    answered.is_(None) | (answered <= asked),
                    step,
                    _of(within),
                )
                .order_by(Ticket.id)
            )
        )

    def stable_periods_ended(self, now: datetime, within: Among | None = None) -> list[int]:
        """Released tickets whose stable period has ended (workflow/stable.py's stable_due), by
        their indexed stable_until: the sweep never reads the released tickets still in theirs."""
        query = select(Ticket.id).where(Ticket.status == RELEASED, Ticket.stable_until <= now, _of(within))
        return list(self.session.scalars(query.order_by(Ticket.id)))

    def open_clocks(self, ticket: Ticket) -> list[TicketClock]:
        """The ticket's clocks that have not been met, oldest first."""
        return [clock for clock in self._clocks(ticket) if clock.met_at is None]

    def clock_names(self, ticket: Ticket) -> set[str]:
        """Every clock the ticket has ever had, met or running."""
        return {clock.name for clock in self._clocks(ticket)}

    def _clocks(self, ticket: Ticket) -> list[TicketClock]:
        """Every clock of `ticket`, oldest first. A ticket of this session (loaded or locked in its
        transaction) reads them once, as ticket.clocks, kept current by the applier, with no
        autoflush: a clock added since is in that list already. Any other from the database."""
        if inspect(ticket).session is not self.session:
            query = select(TicketClock).where(TicketClock.ticket_id == ticket.id).order_by(TicketClock.id)
            return list(self.session.scalars(query))
        with self.session.no_autoflush:
            return ticket.clocks

    def tickets_with_due_clocks(self, now: datetime, levels: int, within: Among | None = None) -> list[int]:
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
            within=within,
        )

    def tickets_with_clocks_due_within(
        self, now: datetime, until: datetime, within: Among | None = None
    ) -> list[int]:
        """Tickets with a running, unwarned clock falling due in (now, until]."""
        return self._with_running_clocks(
            TicketClock.warned_at.is_(None),
            TicketClock.due_at > now,
            TicketClock.due_at <= until,
            order=TicketClock.ticket_id,
            within=within,
        )

    def _with_running_clocks(self, *conditions, order, within: Among | None) -> list[int]:
        """Tickets (of mailboxes `within`) with a clock neither met nor paused that meets
        `conditions`, once each."""
        query = select(TicketClock.ticket_id)
        if within is not None:  # each due clock's ticket, by its key
            query = query.join(Ticket, Ticket.id == TicketClock.ticket_id).where(_of(within))
        query = (
            query.where(TicketClock.met_at.is_(None), TicketClock.paused_at.is_(None), *conditions)
            .group_by(TicketClock.ticket_id)
            .order_by(order)
        )
        return list(self.session.scalars(query))

    def tickets_in_states(self, states: list[str], within: Among | None = None) -> list[int]:
        query = select(Ticket.id).where(Ticket.status.in_(states), _of(within))
        return list(self.session.scalars(query.order_by(Ticket.id)))

    def tickets_due_for_progress(
        self, states: list[str], due: list[LastHeard], within: Among | None = None
    ) -> list[int]:
        """Tickets in `states` that one of `due` says owe the customer an update (sla/progress.py's
        progress_due), in one read: the sweep touches only those, not every ticket being worked."""
        if not due:
            return []
        last = func.coalesce(Ticket.customer_updated_at, Ticket.created_at)
        reminded = Ticket.progress_reminded_at
        matching = []
        for heard in due:
            if heard.daily:
                when = last < heard.before
            else:
                when = (last <= heard.before) & (reminded.is_(None) | (reminded <= heard.before))
            matching.append(among(heard.priorities, Ticket.priority) & among(heard.teams, Ticket.team) & when)
        return list(
            self.session.scalars(
                select(Ticket.id)
                .where(Ticket.status.in_(states), or_(*matching), _of(within))
                .order_by(Ticket.id)
            )
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


def among(values: Among, column) -> ColumnElement[bool]:
    """The condition `values` puts on `column`: some values, or every value but these (none too)."""
    if not values.others:
        return column.in_(values.values) if values.values else false()
    return column.is_(None) | column.not_in(values.values) if values.values else true()


def _of(within: Among | None) -> ColumnElement[bool]:
    """Tickets of the mailboxes `within` (a rules folder's, for its clock work); None: every ticket."""
    return true() if within is None else among(within, Ticket.mailbox)
