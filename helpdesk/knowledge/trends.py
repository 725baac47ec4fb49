"""The digest's 知识沉淀 part: the week's most frequent problem types (with their subcategories) and
the problems seen again (knowledge entries sharing a cause), each a fixed number of set-based
statements on SQLite and PostgreSQL, whatever the number of tickets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select

from helpdesk.tickets.models import Ticket
from helpdesk.tickets.models_knowledge import KnowledgeEntry
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.statistics import Scope

TOP = 5  # types and repeated causes shown at most
BLANKS = " \t\r\n"


def trends(repo: Repository, scope: Scope, start: datetime, end: datetime) -> dict:
    """types: [{type, count, subcategories: [{name, count}]}], the tickets created in [start, end)
    by type, most first; repeated: [{cause, numbers}], each cause (trimmed, case aside) of an entry
    archived in [start, end) that an earlier or later entry before `end` shares, with the tickets'
    numbers in archive order, the most frequent first."""
    return {"types": _types(repo, scope, start, end), "repeated": _repeated(repo, scope, start, end)}


def _types(repo: Repository, scope: Scope, start: datetime, end: datetime) -> list[dict]:
    rows = repo.session.execute(
        select(Ticket.type, Ticket.subcategory, func.count())
        .where(Ticket.created_at >= start, Ticket.created_at < end, scope.where())
        .group_by(Ticket.type, Ticket.subcategory)
    ).all()
    found: dict[str, dict] = {}
    for type_, subcategory, count in rows:
        row = found.setdefault(type_ or "-", {"type": type_ or "-", "count": 0, "subcategories": []})
        row["count"] += count
        if subcategory:
            row["subcategories"].append({"name": subcategory, "count": count})
    for row in found.values():
        row["subcategories"].sort(key=lambda sub: (-sub["count"], sub["name"]))
    return sorted(found.values(), key=lambda row: (-row["count"], row["type"]))[:TOP]


def _repeated(repo: Repository, scope: Scope, start: datetime, end: datetime) -> list[dict]:
    """One scan of the scope's entries before `end`: each cause's count and whether one of its
    entries is this week's, by window over the cause, then the rows of the causes both hold for."""
    key = func.lower(_stripped(repo, KnowledgeEntry.cause))
    entries = (
        select(
            key.label("key"),
            KnowledgeEntry.cause,
            KnowledgeEntry.number,
            KnowledgeEntry.archived_at,
            KnowledgeEntry.id,
            func.count().over(partition_by=key).label("seen"),
            func.max(case((KnowledgeEntry.archived_at >= start, 1), else_=0))
            .over(partition_by=key)
            .label("recent"),
        )
        .join(Ticket, Ticket.id == KnowledgeEntry.ticket_id)
        .where(scope.where(), KnowledgeEntry.archived_at < end, key != "")
        .subquery()
    )
    rows = repo.session.execute(
        select(entries.c.key, entries.c.cause, entries.c.number)
        .where(entries.c.seen > 1, entries.c.recent == 1)
        .order_by(entries.c.archived_at, entries.c.id)
    ).all()
    found: dict[str, dict] = {}
    for cause_key, cause, number in rows:
        found.setdefault(cause_key, {"cause": cause.strip(), "numbers": []})["numbers"].append(number)
    return sorted(found.values(), key=lambda row: (-len(row["numbers"]), row["numbers"][0]))[:TOP]


def _stripped(repo: Repository, text: ColumnElement[str]) -> ColumnElement[str]:
    """`text` without the blanks and line ends around it (PostgreSQL's trim() takes no characters)."""
    if repo.session.get_bind().dialect.name == "sqlite":
        return func.trim(text, BLANKS)
    return func.btrim(text, BLANKS)
