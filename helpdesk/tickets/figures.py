"""The figures managers ask for, each one set-based SQL on SQLite and PostgreSQL (a handful of
statements whatever the number of tickets): average and median first response and resolution time,
the reopen (二次处理) rate, and each engineer's load, overdue tickets and resolved count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, func, literal, select, text
from sqlalchemy.orm import Session

from helpdesk.tickets.models import REOPENING, Event, Ticket, TicketClock
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.statistics import Scope
from helpdesk.tickets.status import CLOSED_STATES

ALL = "*"  # the group of every ticket, beside the groups by priority


def manager_figures(repo: Repository, scope: Scope, start: datetime, end: datetime, now: datetime) -> dict:
    """The managers' figures over [start, end), for the tickets of `scope`, as plain data (seconds):

    first_response / resolution: {count, average, median, by_priority: {priority: {count, average,
    median}}}, over the first responses made (the owner's first answer, the time the ticket waited
    on the customer not counted) and the tickets resolved (submission to resolution) in the period;
    reopened: {resolved, reopened, rate}: of the tickets resolved in the period, how many were ever
    reopened, rate in percent (None when none was resolved);
    engineers: {owner: {open, overdue, resolved}}: tickets each owns now that are not resolved or
    closed, those of them with a deadline passed and running (as `tickets list --overdue`), and the
    tickets they resolved in the period.
    """
    session = repo.session
    seconds = _seconds_between(session)
    in_scope = scope.where()
    response = (
        select(
            Ticket.priority,
            seconds(TicketClock.met_at, TicketClock.started_at) - TicketClock.paused_seconds,
        )
        .join(Ticket, Ticket.id == TicketClock.ticket_id)
        .where(
            TicketClock.name == "first_response",
            TicketClock.met_at >= start,
            TicketClock.met_at < end,
            in_scope,
        )
    )
    resolved = Ticket.resolved_at.is_not(None) & (Ticket.resolved_at >= start) & (Ticket.resolved_at < end)
    resolution = select(Ticket.priority, seconds(Ticket.resolved_at, Ticket.created_at)).where(
        resolved, in_scope
    )
    return {
        "first_response": _durations(session, response),
        "resolution": _durations(session, resolution),
        "reopened": _reopened(session, resolved & in_scope),
        "engineers": _engineers(session, in_scope, resolved, now),
    }


def _seconds_between(session: Session):
    """later − earlier in seconds, in the database's own arithmetic (SQLite has no interval type)."""
    if session.get_bind().dialect.name == "sqlite":
        return lambda later, earlier: (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return lambda later, earlier: func.extract("epoch", later - earlier)


def _durations(session: Session, rows: Select) -> dict:
    """Count, average and median of `rows` (priority, seconds), overall and per priority."""
    overall = _summary(session, rows, by_priority=False).get(
        ALL, {"count": 0, "average": None, "median": None}
    )
    return overall | {"by_priority": _summary(session, rows, by_priority=True)}


def _summary(session: Session, rows: Select, by_priority: bool) -> dict[str, dict]:
    """{group: {count, average, median}}: the median (the middle row, or the average of the two
    middle rows) by PostgreSQL's percentile_cont, one sort per group; by ranking in a window on
    SQLite, which has no percentile function."""
    found = rows.subquery()
    if session.get_bind().dialect.name == "postgresql":
        columns = (func.count(), func.avg(found.c[1]), func.percentile_cont(0.5).within_group(found.c[1]))
        if by_priority:
            return _groups(session.execute(select(found.c[0], *columns).group_by(found.c[0])))
        return _groups(session.execute(select(literal(ALL), *columns).having(func.count() > 0)))
    key = found.c[0] if by_priority else literal(ALL)
    ranked = select(
        key.label("g"),
        found.c[1].label("d"),
        func.row_number().over(partition_by=key, order_by=found.c[1]).label("rn"),
        func.count().over(partition_by=key).label("n"),
    ).subquery()
    # One pass: AVG skips the NULLs, so the middle rows' average is the median beside the totals.
    middle = case(((2 * ranked.c.rn >= ranked.c.n) & (2 * ranked.c.rn <= ranked.c.n + 2), ranked.c.d))
    return _groups(
        session.execute(
            select(ranked.c.g, func.count(), func.avg(ranked.c.d), func.avg(middle)).group_by(ranked.c.g)
        )
    )


def _groups(rows) -> dict[str, dict]:
    return {
        name or "-": {"count": count, "average": round(float(average)), "median": round(float(median))}
        for name, count, average, median in sorted(rows, key=lambda row: row[0] or "")
    }


def _reopened(session: Session, resolved: ColumnElement[bool]) -> dict:
    # The reopenings, read once from their own partial index (ix_events_reopened) and looked up
    # by ticket: not a probe of each resolved ticket's events.
    reopening = text(REOPENING[session.get_bind().dialect.name])
    reopened = Ticket.id.in_(select(Event.ticket_id).where(reopening))
    total, again = session.execute(
        select(func.count(), func.coalesce(func.sum(case((reopened, 1), else_=0)), 0)).where(resolved)
    ).one()
    return {
        "resolved": total,
        "reopened": int(again),
        "rate": round(100 * again / total, 1) if total else None,
    }


def _engineers(
    session: Session, in_scope: ColumnElement[bool], resolved: ColumnElement[bool], now: datetime
) -> dict:
    late = select(TicketClock.ticket_id).where(
        TicketClock.met_at.is_(None), TicketClock.paused_at.is_(None), TicketClock.due_at <= now
    )
    load = session.execute(
        select(Ticket.owner, func.count(), func.sum(case((Ticket.id.in_(late), 1), else_=0)))
        .where(Ticket.owner.is_not(None), Ticket.status.not_in(sorted(CLOSED_STATES)), in_scope)
        .group_by(Ticket.owner)
    ).all()
    done = session.execute(
        select(Ticket.owner, func.count())
        .where(Ticket.owner.is_not(None), resolved, in_scope)
        .group_by(Ticket.owner)
    ).all()
    people: dict[str, dict] = {}
    for owner, count, overdue in load:
        people[owner] = {"open": count, "overdue": int(overdue or 0), "resolved": 0}
    for owner, count in done:
        people.setdefault(owner, {"open": 0, "overdue": 0, "resolved": 0})["resolved"] = count
    return dict(sorted(people.items(), key=lambda item: (-item[1]["open"], item[0])))
