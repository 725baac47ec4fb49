"""Similar past tickets: the resolved or closed tickets most like a given one, with their solutions,
so the engineer starts from the last answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.knowledge.analyze import Query, parse_query
from helpdesk.knowledge.backend import SearchFilter, candidates
from helpdesk.knowledge.search import CANDIDATES, rank
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.models_knowledge import KnowledgeEntry, SearchDocument
from helpdesk.tickets.status import CLOSED, RESOLVED

# The subject and the start of the description say what the problem is; the rest of a long
# report would only add noise (and terms to look up).
QUERY_CHARACTERS = 160
QUERY_TERMS = 20
# A past ticket must share at least this much of the new one's terms to be called similar.
MIN_SIMILARITY = 0.25


@dataclass(frozen=True)
class Similar:
    """A past ticket like the one asked about: what it was, how it ended and what solved it."""

    number: str
    subject: str
    status: str
    solution: str
    cause: str
    satisfaction: str | None
    closed_at: datetime | None
    score: float  # the share of the new ticket's terms it has, 0–1


def _query(ticket: Ticket) -> Query:
    parsed = parse_query(f"{ticket.subject}\n{(ticket.description or '')[:QUERY_CHARACTERS]}")
    return Query(parsed.words[:QUERY_TERMS], parsed.prefixes[:4])


def similar_tickets(session: Session, ticket: Ticket, limit: int = 3) -> list[Similar]:
    """Up to `limit` resolved or closed tickets most like `ticket` (its subject and description),
    best first, each with its solution (the knowledge entry's, else the ticket's); never `ticket`
    itself, never one without a solution. Read-only: it only queries, so it is safe inside the
    transaction of the mail being handled. Closed tickets are found from their knowledge entries,
    which are current; resolved ones as far as the index has caught up (helpdesk.knowledge.refresh)."""
    query = _query(ticket)
    filters = SearchFilter(states=(RESOLVED, CLOSED))
    ids = candidates(session, query, filters, CANDIDATES)
    if not ids:
        return []
    documents = session.scalars(
        select(SearchDocument).where(SearchDocument.id.in_(ids), SearchDocument.ticket_id != ticket.id)
    )
    order = {doc_id: position for position, doc_id in enumerate(ids)}
    best: dict[int, float] = {}
    for share, doc in rank(query, list(documents), order, MIN_SIMILARITY):
        best.setdefault(doc.ticket_id, share)
    tickets = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(best)))}
    entries = {
        e.ticket_id: e
        for e in session.scalars(select(KnowledgeEntry).where(KnowledgeEntry.ticket_id.in_(best)))
    }
    found: list[Similar] = []
    for ticket_id, share in best.items():
        past, entry = tickets[ticket_id], entries.get(ticket_id)
        solution = (entry.solution if entry else "") or past.solution
        if past.status not in (RESOLVED, CLOSED) or not solution.strip():
            continue  # reopened since it was indexed, or solved without a written solution
        found.append(
            Similar(
                number=past.number,
                subject=past.subject,
                status=past.status,
                solution=solution,
                cause=entry.cause if entry else "",
                satisfaction=past.satisfaction,
                closed_at=past.closed_at,
                score=round(share, 2),
            )
        )
        if len(found) == limit:
            break
    return found
