"""The figures of the managers' digest and `helpdesk report`: escalations, overdue, waiting, distribution,
SLA compliance and satisfaction, over a period and the teams a person manages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select, true

from helpdesk.tickets.due import Among
from helpdesk.tickets.models import Event, Ticket, TicketClock
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.store_clocks import among


@dataclass(frozen=True)
class Scope:
    """Which tickets count: those of `teams`, or all when `teams` is None (a director's view), of
    the `mailboxes` a rules folder serves (None: of every mailbox)."""

    teams: frozenset[str] | None = None
    mailboxes: Among | None = None

    def where(self) -> ColumnElement[bool]:
        """The scope as a condition on tickets, for set-based queries."""
        teams = true() if self.teams is None else Ticket.team.in_(sorted(self.teams))
        return teams if self.mailboxes is None else teams & among(self.mailboxes, Ticket.mailbox)


def statistics(repo: Repository, scope: Scope, start: datetime, end: datetime, now: datetime) -> dict:
    """Everything the digest and the report print, for tickets created in [start, end): a fixed
    number of set-based statements, whatever the number of tickets."""
    session = repo.session
    mine = scope.where()
    created = (Ticket.created_at >= start) & (Ticket.created_at < end) & mine
    escalations = session.execute(
        select(Ticket.number, Ticket.subject, Event.detail)
        .join(Ticket, Ticket.id == Event.ticket_id)
        .where(Event.kind == "escalated", Event.at >= start, Event.at < end, mine)
        .order_by(Event.id)
    ).all()
    overdue = session.execute(
        select(Ticket.number, Ticket.subject, TicketClock.name, TicketClock.due_at, Ticket.owner)
        .join(Ticket, Ticket.id == TicketClock.ticket_id)
        .where(TicketClock.met_at.is_(None), TicketClock.due_at <= now, Ticket.status != "closed", mine)
        .order_by(TicketClock.due_at, TicketClock.id)
    ).all()
    waiting = session.execute(
        select(Ticket.number, Ticket.subject, Ticket.status)
        .where(Ticket.status.in_(["info_pending", "resolved"]), mine)
        .order_by(Ticket.id)
    ).all()
    met = (TicketClock.met_at.is_not(None)) & (TicketClock.met_at >= start) & (TicketClock.met_at < end)
    compliance = session.execute(
        select(
            Ticket.priority,
            func.sum(case((TicketClock.breached_at.is_(None), 1), else_=0)),
            func.sum(case((TicketClock.breached_at.is_not(None), 1), else_=0)),
        )
        .join(Ticket, Ticket.id == TicketClock.ticket_id)
        .where(met, mine)
        .group_by(Ticket.priority)
    ).all()
    # One scan of the period's tickets for their count and all three distributions.
    kinds = Counter(
        {
            (type_, priority, team): count
            for type_, priority, team, count in session.execute(
                select(Ticket.type, Ticket.priority, Ticket.team, func.count())
                .where(created)
                .group_by(Ticket.type, Ticket.priority, Ticket.team)
            )
        }
    )
    rated = Ticket.satisfaction.is_not(None) & mine
    rated &= Ticket.closed_at.is_(None) | ((Ticket.closed_at >= start) & (Ticket.closed_at < end))
    return {
        "tickets": sum(kinds.values()),
        "escalations": [
            {"number": number, "subject": subject, "clock": detail.get("clock"), "to": detail.get("to")}
            for number, subject, detail in escalations
        ],
        "overdue": [
            {"number": number, "subject": subject, "clock": clock, "due": due, "owner": owner}
            for number, subject, clock, due, owner in overdue
        ],
        "waiting": [{"number": n, "subject": subject, "status": status} for n, subject, status in waiting],
        "by_type": _most_first(kinds, 0),
        "by_priority": _most_first(kinds, 1),
        "by_team": _most_first(kinds, 2),
        "compliance": {
            priority or "-": {
                "met": int(kept),
                "missed": int(late),
                "rate": round(100 * kept / (kept + late)),
            }
            for priority, kept, late in sorted(compliance, key=lambda row: row[0] or "-")
        },
        "satisfaction": _counts(repo, Ticket.satisfaction, rated),
    }


def _most_first(kinds: Counter, position: int) -> dict[str, int]:
    """{value: tickets} of one of the (type, priority, team) keys, most first ('-' for none)."""
    totals: Counter = Counter()
    for key, count in kinds.items():
        totals[key[position] or "-"] += count
    return dict(sorted(totals.items(), key=lambda row: (-row[1], row[0])))


def _counts(repo: Repository, column, where: ColumnElement[bool]) -> dict[str, int]:
    """{value: tickets} for the tickets `where` selects, most first ('-' for none)."""
    rows = repo.session.execute(select(column, func.count()).where(where).group_by(column)).all()
    return dict(sorted(((name or "-", count) for name, count in rows), key=lambda row: (-row[1], row[0])))
