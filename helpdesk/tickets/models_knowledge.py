"""The knowledge base's tables: an entry per archived ticket, and the search documents indexed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.tickets.models import Base, Ticket, UTCDateTime


class KnowledgeEntry(Base):
    """What a closed ticket taught: problem, symptoms, cause, solution and how it was received.

    Written when the ticket is archived (again on each later archive), from masked text only."""

    __tablename__ = "knowledge_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    number: Mapped[str] = mapped_column(String(64))
    problem: Mapped[str] = mapped_column(Text, default="")
    symptoms: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    solution: Mapped[str] = mapped_column(Text, default="")
    review: Mapped[str | None] = mapped_column(Text)  # the 复盘 (#review), after the archive too
    type: Mapped[str | None] = mapped_column(String(32))
    subcategory: Mapped[str | None] = mapped_column(String(64))
    product: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    confirmation: Mapped[str | None] = mapped_column(String(16))
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    # Each attachment of the thread: name, type, size, its blob's sha256 and the mail it came in.
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8), default="")
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ticket: Mapped[Ticket] = relationship()


class SearchDocument(Base):
    """One searchable text: a ticket's (kind 'ticket') or its knowledge entry's ('knowledge').

    `title` and `body` are the masked text shown in results; `title_terms` and `body_terms` the
    analysed terms the database's full-text index reads (see helpdesk.knowledge.analyze)."""

    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "ticket_id"),
        Index("ix_search_documents_kind_source", "kind", "source_updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    title_terms: Mapped[str] = mapped_column(Text, default="")
    body_terms: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(32))
    customer: Mapped[str] = mapped_column(String(320))
    customer_name: Mapped[str] = mapped_column(String(200), default="")
    # The ticket's creation, or the entry's archiving: what --since and --until compare.
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The ticket's updated_at when this was written: the index is current while they agree.
    source_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
