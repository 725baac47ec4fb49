"""Missed deadlines go up the chain (manager, then director), a level at a time, until acknowledged."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from helpdesk.clock import Clock
from helpdesk.intake.service import Intake
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Duration, Person
from helpdesk.tickets.models import Ticket, TicketClock
from helpdesk.tickets.repository import Repository

log = logging.getLogger(__name__)
CLOCK_NAMES = {
    "first_response": {"zh": "首次响应", "en": "first response"},
    "owner_confirmation": {"zh": "负责人确认", "en": "owner confirmation"},
    "resolution": {"zh": "解决", "en": "resolution"},
    "solution_feedback": {"zh": "方案反馈", "en": "solution feedback"},
    "feasibility": {"zh": "可行性评估", "en": "feasibility assessment"},
}


@dataclass(frozen=True)
class Escalator:
    rules: RuleSet
    intake: Intake
    clock: Clock

    def scan(self, repo: Repository) -> int:
        """Escalate every clock due now by one level (an indexed query); returns how many."""
        now = self.clock.now()
        chain = self.rules.sla.escalation.chain
        interval = Duration.parse(self.rules.sla.escalation.interval).calendar_delta()
        due = repo.session.scalars(
            select(TicketClock)
            .where(
                TicketClock.met_at.is_(None),
                TicketClock.paused_at.is_(None),
                TicketClock.acknowledged_at.is_(None),
                TicketClock.due_at <= now,
                TicketClock.escalation_level < len(chain),
                or_(
                    TicketClock.breached_at.is_(None),
                    and_(TicketClock.next_escalation_at.is_not(None), TicketClock.next_escalation_at <= now),
                ),
            )
            .order_by(TicketClock.due_at)
        ).all()
        for clock in due:
            ticket = clock.ticket
            if clock.breached_at is None:
                clock.breached_at = now
                repo.add_event(
                    ticket,
                    now,
                    "sla",
                    "deadline_missed",
                    {"clock": clock.name, "due": clock.due_at.isoformat()},
                )
            person = self._level(ticket, chain[clock.escalation_level])
            clock.escalation_level += 1
            clock.next_escalation_at = now + interval
            if person is None or person.id in clock.escalated_to:
                continue
            clock.escalated_to = [*clock.escalated_to, person.id]
            repo.add_event(
                ticket,
                now,
                "sla",
                "escalated",
                {"clock": clock.name, "level": clock.escalation_level, "to": person.id},
                reason=f"{clock.name} was due {clock.due_at.isoformat()}",
            )
            zone = self.rules.calendars.of(ticket.team).zone
            extra = {
                "clock": CLOCK_NAMES.get(clock.name, {}).get(person.language, clock.name),
                "due": clock.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                "level": clock.escalation_level,
                "history": [
                    f"{m.created_at.astimezone(zone):%m-%d %H:%M} "
                    f"{'←' if m.direction == 'in' else '→'} {m.sender}: {(m.new_text or m.text)[:120]}"
                    for m in ticket.messages
                ],
            }
            self.intake.tell_person(repo, ticket, person, "escalation", extra)
            log.warning("ticket %s: %s missed, escalated to %s", ticket.number, clock.name, person.id)
        return len(due)

    def warn(self, repo: Repository) -> int:
        """Warn each owner once, `warn_before` (at most half the clock) ahead of a running deadline."""
        lead_text = self.rules.sla.escalation.warn_before
        if not lead_text:
            return 0
        now = self.clock.now()
        soon = repo.session.scalars(
            select(TicketClock).where(
                TicketClock.met_at.is_(None),
                TicketClock.paused_at.is_(None),
                TicketClock.warned_at.is_(None),
                TicketClock.due_at > now,
                TicketClock.due_at <= now + Duration.parse(lead_text).calendar_delta(),
            )
        ).all()
        warned = 0
        lead = Duration.parse(lead_text).calendar_delta()
        for clock in soon:
            # A short deadline is warned at half its length, not the moment it starts.
            if clock.due_at - now > min(lead, (clock.due_at - clock.started_at) / 2):
                continue
            clock.warned_at = now
            warned += 1
            ticket = clock.ticket
            owner = self.rules.directory.person(ticket.owner)
            if owner is None:
                continue
            zone = self.rules.calendars.of(ticket.team).zone
            extra = {
                "clock": CLOCK_NAMES.get(clock.name, {}).get(owner.language, clock.name),
                "due": clock.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            }
            self.intake.tell_person(repo, ticket, owner, "deadline_warning", extra)
            repo.add_event(ticket, now, "sla", "deadline_warning", {"clock": clock.name, "to": owner.id})
        return warned

    def acknowledge(self, repo: Repository, ticket: Ticket, person: Person) -> bool:
        """An [ACK] from someone a breach was escalated to stops further levels of it."""
        now = self.clock.now()
        acknowledged = False
        for clock in ticket.clocks:
            if clock.met_at is None and clock.acknowledged_at is None and person.id in clock.escalated_to:
                clock.acknowledged_at = now
                acknowledged = True
                repo.add_event(ticket, now, person.email, "escalation_acknowledged", {"clock": clock.name})
        return acknowledged

    def _level(self, ticket: Ticket, level: str) -> Person | None:
        directory = self.rules.directory
        manager = directory.manager_of(ticket.team, directory.person(ticket.owner))
        if level == "manager":
            return manager
        return directory.person(manager.reports_to) if manager else None
