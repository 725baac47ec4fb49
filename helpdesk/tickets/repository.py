"""The ticket store's queries: the only code that reads or writes rows, one mixin per area."""

from __future__ import annotations

from sqlalchemy.orm import Session

from helpdesk.tickets import sqlite_ids  # noqa: F401  (registers the SQLite batching of inserts)
from helpdesk.tickets.store_clocks import ClockQueries
from helpdesk.tickets.store_events import EventQueries
from helpdesk.tickets.store_mailbox import MailboxQueries
from helpdesk.tickets.store_operator import OperatorQueries
from helpdesk.tickets.store_outbox import OutboxQueries
from helpdesk.tickets.store_tickets import TicketQueries


class Repository(TicketQueries, EventQueries, ClockQueries, MailboxQueries, OutboxQueries, OperatorQueries):
    """Queries over one session; the caller owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
