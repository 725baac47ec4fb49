"""SQLAlchemy models: tickets, their thread and audit trail, the outbox, mailbox checkpoints, quarantine."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Stores UTC without zone (SQLite keeps none) and always hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), index=True)
    type: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[str | None] = mapped_column(String(32))
    subcategory: Mapped[str | None] = mapped_column(String(64))
    nature: Mapped[str | None] = mapped_column(String(32))
    team: Mapped[str | None] = mapped_column(String(64), index=True)
    owner: Mapped[str | None] = mapped_column(String(64), index=True)
    collaborators: Mapped[list] = mapped_column(JSON, default=list)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    required_fields: Mapped[list] = mapped_column(JSON, default=list)
    information_requests: Mapped[int] = mapped_column(Integer, default=0)
    incomplete: Mapped[bool] = mapped_column(default=False)
    eta: Mapped[datetime | None] = mapped_column(UTCDateTime)
    solution: Mapped[str] = mapped_column(Text, default="")
    confirmation: Mapped[str | None] = mapped_column(String(16))
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    owner_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_reminders: Mapped[int] = mapped_column(Integer, default=0)
    # When we last asked the customer to confirm again after an answer we could not read, and
    # when the customer's own words last reached the resolved ticket: the auto-close clock runs
    # from the latest question, and only while no words came after it.
    confirmation_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    customer_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While released: when its stable period ends and it closes as 已闭环 (workflow/stable.py).
    stable_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    requester_email: Mapped[str] = mapped_column(String(320), index=True)
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text, default="")
    related_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # The mailbox (config `mailboxes`) its first mail came to; our mail on it is sent from its address.
    mailbox: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.id", foreign_keys="Message.ticket_id"
    )
    events: Mapped[list[Event]] = relationship(back_populates="ticket", order_by="Event.id")
    participants: Mapped[list[Participant]] = relationship(back_populates="ticket")
    fields: Mapped[list[TicketField]] = relationship(back_populates="ticket", order_by="TicketField.id")
    clocks: Mapped[list[TicketClock]] = relationship(back_populates="ticket", order_by="TicketClock.id")
    outbox: Mapped[list[OutboxMail]] = relationship(back_populates="ticket", order_by="OutboxMail.id")
    # Read only: a new ticket is given related_ticket_id, so its flush has no ticket-to-ticket
    # dependency (a cycle the ORM would sort row by row, every table of the flush with it).
    related: Mapped[Ticket | None] = relationship(remote_side=[id], viewonly=True)


class TicketField(Base):
    """One field of the report (version, error message…) and where it was read: message and line."""

    __tablename__ = "ticket_fields"
    __table_args__ = (UniqueConstraint("ticket_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(998))
    line: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ticket: Mapped[Ticket] = relationship(back_populates="fields")


class TicketClock(Base):
    """One deadline of a ticket: when it started, is due, was met or breached, and its escalation."""

    __tablename__ = "ticket_clocks"
    __table_args__ = (Index("ix_ticket_clocks_open_due", "met_at", "paused_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    working_time: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    next_escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_to: Mapped[list] = mapped_column(JSON, default=list)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ticket: Mapped[Ticket] = relationship(back_populates="clocks")


class Participant(Base):
    """An address that may write in a ticket's thread: requester, copied people, staff."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("ticket_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    ticket: Mapped[Ticket] = relationship(back_populates="participants")


class RawMail(Base):
    """The untouched bytes of every inbound mail, kept in the same transaction as its effects."""

    __tablename__ = "raw_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Message(Base):
    """One mail in a ticket's thread, inbound or outbound; message_id is unique, so it dedupes."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    in_reply_to: Mapped[str] = mapped_column(Text, default="")
    references: Mapped[str] = mapped_column(Text, default="")
    sender: Mapped[str] = mapped_column(String(320))
    recipients: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    new_text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    auto_reason: Mapped[str | None] = mapped_column(Text)
    defects: Mapped[list] = mapped_column(JSON, default=list)
    raw_mail_id: Mapped[int | None] = mapped_column(ForeignKey("raw_mails.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="messages", foreign_keys=[ticket_id])
    attachments: Mapped[list[AttachmentRow]] = relationship(back_populates="message")


class AttachmentRow(Base):
    """An attachment's metadata; its bytes live in the blob store under `sha256`."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_row_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    message: Mapped[Message] = relationship(back_populates="attachments")


class Event(Base):
    """The audit trail: who did what to a ticket, when, and why."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    ticket: Mapped[Ticket] = relationship(back_populates="events")


class OutboxMail(Base):
    """A fully rendered outbound mail waiting for, or done with, the sender."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    subject: Mapped[str] = mapped_column(Text)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # without the files `blobs` names
    blobs: Mapped[list] = mapped_column(JSON, default=list)  # stored files joined in when sent
    automatic: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ticket: Mapped[Ticket | None] = relationship(back_populates="outbox")


class Outage(Base):
    """A server the daemon cannot use right now (the SMTP relay): since when, why, when last tried.

    Kept in the database so `helpdesk outbox list`, another process, can show it."""

    __tablename__ = "outages"

    service: Mapped[str] = mapped_column(String(32), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    tried_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)


class MailboxState(Base):
    """The checkpoint of one IMAP folder of one mailbox: its UIDVALIDITY and the highest UID committed."""

    __tablename__ = "mailbox_state"

    # The mailbox's name in the config ("" for the single mailbox of a config without a list).
    mailbox: Mapped[str] = mapped_column(String(64), primary_key=True, server_default="")
    folder: Mapped[str] = mapped_column(String(255), primary_key=True)
    # UIDVALIDITY and UIDs are unsigned 32-bit (RFC 9051): past a signed INTEGER's range.
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)


class SeenMail(Base):
    """Every IMAP UID handled, and what came of it; the key to skipping it after a restart."""

    __tablename__ = "seen_mails"
    __table_args__ = (UniqueConstraint("mailbox", "folder", "uidvalidity", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(64), default="", server_default="")
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(String(998), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuarantinedMail(Base):
    """A mail that failed, kept whole with the stage and error, until retried or released."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(primary_key=True)
    raw_mail_id: Mapped[int] = mapped_column(ForeignKey("raw_mails.id"))
    folder: Mapped[str] = mapped_column(String(255), default="")
    # The mailbox (config `mailboxes`) it came to, so a retry goes through its pipeline; NULL for
    # mail held before it was recorded, or held with no source.
    mailbox: Mapped[str | None] = mapped_column(String(64))
    uid: Mapped[int | None] = mapped_column(BigInteger)
    stage: Mapped[str] = mapped_column(String(32))
    error: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text, default="")
    sender: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="held", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    raw: Mapped[RawMail] = relationship()


class DigestSent(Base):
    """One manager's digest for one local day: sent once, even across restarts."""

    __tablename__ = "digests_sent"
    __table_args__ = (UniqueConstraint("person", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person: Mapped[str] = mapped_column(String(64))
    day: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketSequence(Base):
    """The last number handed out in one numbering period (e.g. '202611')."""

    __tablename__ = "ticket_sequences"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


# The search index catches up from the tickets changed lately: found by this, not a full scan.
Index("ix_tickets_updated_at", Ticket.updated_at)
# The digest and `report` (tickets/statistics.py) read a period's tickets, escalations and
# ratings through these, not by scanning every row (migration 0011, benchmarks/scale.py).
Index("ix_tickets_created_at", Ticket.created_at)
Index("ix_tickets_closed_at", Ticket.closed_at)
Index("ix_events_kind_at", Event.kind, Event.at)
# A status change to 'reopened', in each database's SQL: `report` counts the reopened tickets from
# this small partial index instead of probing every resolved ticket's events.
REOPENING = {
    "postgresql": "kind = 'status_changed' AND (detail ->> 'to') = 'reopened'",
    "sqlite": "kind = 'status_changed' AND json_extract(detail, '$.to') = 'reopened'",
}
Index(
    "ix_events_reopened",
    Event.ticket_id,
    postgresql_where=text(REOPENING["postgresql"]),
    sqlite_where=text(REOPENING["sqlite"]),
)
