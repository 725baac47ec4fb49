"""Search tickets and knowledge entries: the index's best candidates, weighed by how much of the query
each one has, a ticket shown once (as its knowledge entry when that matches too), with a snippet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.knowledge.analyze import Query, coverage, parse_query
from helpdesk.knowledge.backend import SearchFilter, candidates
from helpdesk.knowledge.documents import KNOWLEDGE
from helpdesk.tickets.models_knowledge import SearchDocument

# The index ranks this many candidates; the best of them by coverage are shown.
CANDIDATES = 200
# A document must hold at least this share of a query's terms (a query of one or two terms:
# any one of them). Chinese queries are bigrams, so "打印机卡纸" (打印 印机 机卡 卡纸) finds
# "打印机经常卡纸" by three of four.
MIN_COVERAGE = 0.5
# …and at least this share of what the best document holds: with one that has all of
# "backup failed", another that has only "failed" is noise.
NEAR_BEST = 0.7


@dataclass(frozen=True)
class Hit:
    """One result: a ticket or a knowledge entry, how well it matched (0–1), and where."""

    kind: str
    number: str
    ticket_id: int
    title: str
    state: str
    type: str | None
    customer: str
    customer_name: str
    at: datetime
    score: float
    snippet: str


def snippet(body: str, query: Query, width: int = 120) -> str:
    """The part of `body` around the first place it has a query term, on one line."""
    flat = " ".join(body.split())
    folded = flat.casefold()
    found = [folded.find(term) for term in (*query.words, *query.prefixes)]
    first = min((at for at in found if at >= 0), default=0)
    start = max(0, first - width // 4)
    piece = flat[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(flat) else "")


def rank(
    query: Query, documents: list[SearchDocument], order: dict[int, int], least: float | None = None
) -> list[tuple[float, SearchDocument]]:
    """The documents holding at least `least` of the query's terms (default: half, or any one of
    a query of one or two terms) and nearly as much as the best one, most of it first, then in the
    index's order."""
    if least is None:
        least = MIN_COVERAGE if query.size > 2 else 1 / query.size
    weighed = [
        (coverage(query, set(d.title_terms.split()) | set(d.body_terms.split())), d) for d in documents
    ]
    best = max((share for share, _ in weighed), default=0.0)
    floor = max(least, best * NEAR_BEST) - 1e-9
    kept = [(share, doc) for share, doc in weighed if share >= floor]
    kept.sort(key=lambda pair: (-round(pair[0], 2), order[pair[1].id]))
    return kept


def search(session: Session, text: str, filters: SearchFilter | None = None, limit: int = 20) -> list[Hit]:
    """The tickets and knowledge entries matching `text` (Chinese or English) and `filters`, best first.

    Reads the index as it is: call helpdesk.knowledge.refresh first for tickets changed since."""
    query = parse_query(text)
    ids = candidates(session, query, filters or SearchFilter(), CANDIDATES)
    if not ids:
        return []
    order = {doc_id: position for position, doc_id in enumerate(ids)}
    documents = list(session.scalars(select(SearchDocument).where(SearchDocument.id.in_(ids))))
    # Nothing holding enough of the query: what holds most of it, rather than nothing at all.
    weighed = rank(query, documents, order) or rank(query, documents, order, least=1 / query.size)
    with_entry = {doc.ticket_id for _, doc in weighed if doc.kind == KNOWLEDGE}
    hits: list[Hit] = []
    for share, doc in weighed:
        if doc.kind != KNOWLEDGE and doc.ticket_id in with_entry:
            continue  # the ticket is shown as its knowledge entry
        hits.append(
            Hit(
                kind=doc.kind,
                number=doc.number,
                ticket_id=doc.ticket_id,
                title=doc.title,
                state=doc.state,
                type=doc.type,
                customer=doc.customer,
                customer_name=doc.customer_name,
                at=doc.at,
                score=round(share, 2),
                snippet=snippet(doc.body or doc.title, query),
            )
        )
        if len(hits) == limit:
            break
    return hits
