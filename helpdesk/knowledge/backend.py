"""Ask the database's full-text index for the documents matching a query, best first.

SQLite: the FTS5 table search_fts, ranked by bm25 (the title weighs four times the body).
PostgreSQL: the generated tsvector column with its GIN index, ranked by ts_rank (title A, body D).
Either way any one of the query's terms lets a document in; the caller weighs how many it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Select, bindparam, cast, column, func, literal_column, or_, select, table, text
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from helpdesk.knowledge.analyze import Query
from helpdesk.tickets.models_knowledge import SearchDocument


@dataclass(frozen=True)
class SearchFilter:
    """What a search narrows to; None (or empty) means any."""

    kind: str | None = None  # "ticket" or "knowledge"
    types: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    since: datetime | None = None  # the ticket's creation, the entry's archiving: on or after
    until: datetime | None = None  # before
    customer: str | None = None  # part of the requester's address or name, any case


def _filtered(query: Select, filters: SearchFilter) -> Select:
    doc = SearchDocument
    if filters.kind:
        query = query.where(doc.kind == filters.kind)
    if filters.types:
        query = query.where(doc.type.in_(filters.types))
    if filters.states:
        query = query.where(doc.state.in_(filters.states))
    if filters.since is not None:
        query = query.where(doc.at >= filters.since)
    if filters.until is not None:
        query = query.where(doc.at < filters.until)
    if filters.customer:
        pattern = f"%{filters.customer.strip().lower()}%"
        query = query.where(
            or_(func.lower(doc.customer).like(pattern), func.lower(doc.customer_name).like(pattern))
        )
    return query


_FTS = table("search_fts", column("rowid"))  # SQLite's FTS5 table, made by migration 0010


def _fts5(query: Query) -> str:
    """An FTS5 MATCH expression: each term quoted (terms are letters and digits only), OR'd."""
    return " OR ".join([f'"{w}"' for w in query.words] + [f'"{p}"*' for p in query.prefixes])


def _tsquery(query: Query) -> str:
    """A tsquery literal, read as lexemes (no parser, no stemming): 'a' | 'b' | 'c':*."""
    return " | ".join([f"'{w}'" for w in query.words] + [f"'{p}':*" for p in query.prefixes])


def candidates(session: Session, query: Query, filters: SearchFilter, limit: int) -> list[int]:
    """The ids of up to `limit` documents matching any term of `query` and every filter, best first."""
    if query.empty:
        return []
    dialect = session.get_bind().dialect.name
    match = _tsquery(query) if dialect == "postgresql" else _fts5(query)
    return list(session.scalars(_statement(dialect, filters, limit), {"match": match}))


@lru_cache(maxsize=64)
def _statement(dialect: str, filters: SearchFilter, limit: int) -> Select:
    """The query for the ids, its terms left to the :match parameter: built once per filter (a
    similar-ticket lookup on every new ticket's mail asks with the same one)."""
    if dialect == "postgresql":
        vector = literal_column("search_documents.tsv")
        wanted = cast(bindparam("match"), TSQUERY)
        statement = (
            select(SearchDocument.id)
            .where(vector.op("@@")(wanted))
            .order_by(func.ts_rank(vector, wanted).desc(), SearchDocument.id.desc())
        )
    else:
        statement = (
            select(SearchDocument.id)
            .join(_FTS, _FTS.c.rowid == SearchDocument.id)
            .where(text("search_fts MATCH :match"))
            .order_by(literal_column("bm25(search_fts, 4.0, 1.0)"), SearchDocument.id.desc())
        )
    return _filtered(statement, filters).limit(limit)
