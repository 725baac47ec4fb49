"""A ticket's deadlines: started at intake, paused while waiting on the customer, stopped when met."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from helpdesk.clock import Clock
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Duration
from helpdesk.tickets.models import Ticket, TicketClock
from helpdesk.tickets.repository import Repository

ALL = ("first_response", "owner_confirmation", "resolution", "solution_feedback", "feasibility")


@dataclass(frozen=True)
class Clocks:
    rules: RuleSet
    clock: Clock

    def start(self, repo: Repository, ticket: Ticket, names: tuple[str, ...] = ALL) -> None:
        """Start the clocks the SLA sets for the ticket's priority (a clock already running is kept)."""
        now = self.clock.now()
        running = {c.name for c in self._open(repo, ticket)}
        for name in names:
            duration = self._duration(name, ticket)
            if duration is None or name in running:
                continue
            repo.session.add(
                TicketClock(
                    ticket=ticket,
                    name=name,
                    working_time=duration.working,
                    started_at=now,
                    due_at=self._due(ticket, now, duration),
                    paused_seconds=0,
                    escalation_level=0,
                    escalated_to=[],
                )
            )
        repo.session.flush()
        self.follow_status(repo, ticket)

    def stop(self, repo: Repository, ticket: Ticket, name: str) -> None:
        """The deadline is met (late or not): it stops counting and escalating."""
        now = self.clock.now()
        for clock in self._open(repo, ticket):
            if clock.name == name:
                clock.met_at = now
                late = clock.breached_at is not None
                repo.add_event(ticket, now, "sla", "deadline_met", {"clock": name, "late": late})

    def follow_status(self, repo: Repository, ticket: Ticket) -> None:
        """Pause the clocks in the states that wait on the customer; resume them on leaving."""
        now = self.clock.now()
        waiting = ticket.status in self.rules.sla.pause_in
        for clock in self._open(repo, ticket):
            if waiting and clock.paused_at is None:
                clock.paused_at = now
            elif not waiting and clock.paused_at is not None:
                calendar = self.rules.calendars.of(ticket.team)
                if clock.working_time:
                    left = calendar.working_time(clock.paused_at, clock.due_at)
                    clock.due_at = calendar.add(now, left)
                else:
                    clock.due_at = now + (clock.due_at - clock.paused_at)
                clock.paused_seconds += int((now - clock.paused_at).total_seconds())
                clock.paused_at = None

    def recompute(self, repo: Repository, ticket: Ticket) -> None:
        """A new priority sets new deadlines, counted from each clock's start plus its pauses."""
        for clock in self._open(repo, ticket):
            duration = self._duration(clock.name, ticket)
            if duration is None:
                repo.session.delete(clock)
                continue
            clock.working_time = duration.working
            clock.due_at = self._due(ticket, clock.started_at, duration) + timedelta(
                seconds=clock.paused_seconds
            )

    def _open(self, repo: Repository, ticket: Ticket) -> list[TicketClock]:
        return list(
            repo.session.scalars(
                select(TicketClock).where(TicketClock.ticket_id == ticket.id, TicketClock.met_at.is_(None))
            )
        )

    def _duration(self, name: str, ticket: Ticket) -> Duration | None:
        """The customer's entry ("@their-domain"), else the priority's, else the type's, else the
        default; none of them: the ticket has no such clock."""
        table = self.rules.sla.clocks.get(name, {})
        domain = "@" + ticket.requester_email.rpartition("@")[2]
        text = (
            table.get(domain)
            or table.get(ticket.priority or "")
            or table.get(ticket.type or "")
            or table.get("default")
        )
        return Duration.parse(text) if text else None

    def _due(self, ticket: Ticket, start: datetime, duration: Duration) -> datetime:
        calendar = self.rules.calendars.of(ticket.team)
        if duration.unit == "bd":
            return calendar.add_days(start, duration.amount)
        if duration.unit == "bh":
            return calendar.add(start, duration.calendar_delta())
        return start + duration.calendar_delta()
