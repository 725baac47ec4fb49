"""Keep the search index current: one document per ticket, one per knowledge entry.

A knowledge entry and its document are written by `archive`, in the transaction that closes the
ticket. Ticket documents catch up by `refresh` (run before each search): every ticket whose
updated_at moved past what its document recorded is indexed again. It looks only at tickets
changed since a little before the newest document, found by the index on tickets.updated_at, so
it costs next to nothing when little changed. `reindex` rebuilds everything, and writes the
entries missing for tickets closed before this index existed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from helpdesk.knowledge.analyze import indexed
from helpdesk.knowledge.entry import entry_text, entry_values, masked, notes
from helpdesk.knowledge.upsert import upsert
from helpdesk.rules.ruleset import RuleSet
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.models_knowledge import KnowledgeEntry, SearchDocument
from helpdesk.tickets.status import CLOSED

TICKET, KNOWLEDGE = "ticket", "knowledge"
# A transaction that took its time before committing may carry an updated_at a little older
# than documents already written: tickets changed this long before the newest one are rechecked.
MARGIN = timedelta(minutes=10)
BODY_LIMIT = 20_000  # characters of a document's body; the rest of a long thread is not searched
BATCH = 500
DOCUMENT_KEYS = ("kind", "ticket_id")


def _document(kind: str, ticket: Ticket, title: str, body: str, at: datetime) -> dict:
    body = body[:BODY_LIMIT]
    return {
        "kind": kind,
        "ticket_id": ticket.id,
        "number": ticket.number,
        "title": title,
        "body": body,
        "title_terms": indexed(title),
        "body_terms": indexed(body),
        "type": ticket.type,
        "state": ticket.status,
        "customer": ticket.requester_email,
        "customer_name": ticket.requester_name or "",
        "at": at,
        "source_updated_at": ticket.updated_at,
    }


def ticket_document(ticket: Ticket, rules: RuleSet) -> dict:
    """A ticket's searchable text: description, report fields, solution, notes and what people wrote
    in the thread (machines' mail left out), all masked."""
    fields = [f"{row.value}" for row in ticket.fields if row.value.strip()]
    said = [m.new_text or m.text for m in ticket.messages if m.direction == "in" and not m.auto_reason]
    parts = [ticket.description, *fields, ticket.solution, *notes(ticket), *said[1:]]
    body = masked(rules, "\n".join(p for p in parts if p))
    return _document(TICKET, ticket, masked(rules, ticket.subject), body, ticket.created_at)


def entry_document(values: dict, ticket: Ticket, rules: RuleSet) -> dict:
    """A knowledge entry's document (its values are masked already)."""
    return _document(
        KNOWLEDGE, ticket, masked(rules, ticket.subject), entry_text(values), values["archived_at"]
    )


def archive(session: Session, ticket: Ticket, now: datetime, rules: RuleSet) -> None:
    """Keep (or renew) the knowledge entry of `ticket`, being closed now, and index it. The ticket's
    own document follows at the next refresh: more effects of the same mail may still change it."""
    values = entry_values(ticket, rules, now)
    upsert(session, KnowledgeEntry, [values], ("ticket_id",))
    upsert(session, SearchDocument, [entry_document(values, ticket, rules)], DOCUMENT_KEYS)


def _loaded(session: Session, ids: list[int]) -> list[Ticket]:
    query = (
        select(Ticket)
        .where(Ticket.id.in_(ids))
        .options(
            selectinload(Ticket.fields),
            selectinload(Ticket.events),
            selectinload(Ticket.messages).selectinload(Message.attachments),
        )
    )
    return list(session.scalars(query))


def _index(session: Session, ids: list[int], rules: RuleSet, rebuild: bool, progress: Callable) -> int:
    """Write the ticket documents of `ids` in batches; a `rebuild` also writes the knowledge entries
    of the closed ones, and lets go of each batch's rows (a rebuild reads every ticket)."""
    count = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        tickets = _loaded(session, batch)
        upsert(session, SearchDocument, [ticket_document(t, rules) for t in tickets], DOCUMENT_KEYS)
        # A reopened ticket keeps its entry, which shows the ticket's state now.
        now_state = select(Ticket.status).where(Ticket.id == SearchDocument.ticket_id).scalar_subquery()
        session.execute(
            update(SearchDocument)
            .where(SearchDocument.kind == KNOWLEDGE, SearchDocument.ticket_id.in_(batch))
            .values(state=now_state)
            .execution_options(synchronize_session=False)
        )
        if rebuild:
            closed = [t for t in tickets if t.status == CLOSED]
            values = [entry_values(t, rules, t.closed_at or t.updated_at) for t in closed]
            upsert(session, KnowledgeEntry, values, ("ticket_id",))
            documents = [entry_document(v, t, rules) for v, t in zip(values, closed, strict=True)]
            upsert(session, SearchDocument, documents, DOCUMENT_KEYS)
            session.expunge_all()
        count += len(tickets)
        progress(count, len(ids))
    return count


def refresh(session: Session, rules: RuleSet) -> int:
    """Index again every ticket changed since its document was written; returns how many."""
    newest = session.scalar(
        select(func.max(SearchDocument.source_updated_at)).where(SearchDocument.kind == TICKET)
    )
    # In ticket order: two searches refreshing at once take the rows' locks in the same order.
    query = (
        select(Ticket.id, Ticket.updated_at, SearchDocument.source_updated_at)
        .outerjoin(SearchDocument, (SearchDocument.ticket_id == Ticket.id) & (SearchDocument.kind == TICKET))
        .order_by(Ticket.id)
    )
    if newest is not None:
        query = query.where(Ticket.updated_at >= newest - MARGIN)
    stale = [ticket_id for ticket_id, changed, seen in session.execute(query) if changed != seen]
    return _index(session, stale, rules, rebuild=False, progress=lambda *_: None)


def reindex(session: Session, rules: RuleSet, progress: Callable[[int, int], None]) -> int:
    """Index every ticket again, and write the knowledge entry of each closed ticket that lacks one
    (closed before the knowledge base existed); returns how many tickets. Existing entries are
    rewritten from their tickets, which hold the same text."""
    ids = list(session.scalars(select(Ticket.id).order_by(Ticket.id)))
    return _index(session, ids, rules, rebuild=True, progress=progress)
