"""The figures of the managers' digest and `helpdesk report`: escalations, overdue, waiting, distribution,
SLA compliance and satisfaction, over a period and the teams a person manages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from helpdesk.tickets.models import Event, Ticket, TicketClock
from helpdesk.tickets.repository import Repository


@dataclass(frozen=True)
class Scope:
    """Which tickets count: those of `teams`, or all when `teams` is None (a director's view)."""

    teams: frozenset[str] | None = None

    def covers(self, ticket: Ticket) -> bool:
        return self.teams is None or ticket.team in self.teams


def statistics(repo: Repository, scope: Scope, start: datetime, end: datetime, now: datetime) -> dict:
    """Everything the digest and the report print, for tickets created in [start, end)."""
    session = repo.session
    created = [
        t
        for t in session.scalars(select(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end))
        if scope.covers(t)
    ]
    escalations = [
        (event, event.ticket)
        for event in session.scalars(
            select(Event)
            .where(Event.kind == "escalated", Event.at >= start, Event.at < end)
            .order_by(Event.id)
        )
        if scope.covers(event.ticket)
    ]
    overdue = [
        clock
        for clock in session.scalars(
            select(TicketClock)
            .where(TicketClock.met_at.is_(None), TicketClock.due_at <= now)
            .order_by(TicketClock.due_at)
        )
        if scope.covers(clock.ticket) and clock.ticket.status != "closed"
    ]
    waiting = [
        t
        for t in session.scalars(select(Ticket).where(Ticket.status.in_(["info_pending", "resolved"])))
        if scope.covers(t)
    ]
    ended = [
        clock
        for clock in session.scalars(
            select(TicketClock).where(
                TicketClock.met_at.is_not(None), TicketClock.met_at >= start, TicketClock.met_at < end
            )
        )
        if scope.covers(clock.ticket)
    ]
    compliance: dict[str, dict[str, int]] = {}
    for clock in ended:
        row = compliance.setdefault(clock.ticket.priority or "-", {"met": 0, "missed": 0})
        row["met" if clock.breached_at is None else "missed"] += 1
    rated = [
        t for t in session.scalars(select(Ticket).where(Ticket.satisfaction.is_not(None))) if scope.covers(t)
    ]
    rated = [t for t in rated if t.closed_at is None or start <= t.closed_at < end]
    return {
        "tickets": len(created),
        "escalations": [
            {
                "number": t.number,
                "subject": t.subject,
                "clock": e.detail.get("clock"),
                "to": e.detail.get("to"),
            }
            for e, t in escalations
        ],
        "overdue": [
            {
                "number": c.ticket.number,
                "subject": c.ticket.subject,
                "clock": c.name,
                "due": c.due_at,
                "owner": c.ticket.owner,
            }
            for c in overdue
        ],
        "waiting": [{"number": t.number, "subject": t.subject, "status": t.status} for t in waiting],
        "by_type": dict(Counter(t.type or "-" for t in created).most_common()),
        "by_priority": dict(Counter(t.priority or "-" for t in created).most_common()),
        "by_team": dict(Counter(t.team or "-" for t in created).most_common()),
        "compliance": {
            priority: {**row, "rate": round(100 * row["met"] / (row["met"] + row["missed"]))}
            for priority, row in sorted(compliance.items())
        },
        "satisfaction": dict(Counter(t.satisfaction for t in rated).most_common()),
    }
