"""Events, the audit trail, written many rows to one INSERT: a mail's events are kept aside as they
are recorded and written together (one executemany) at the mail's savepoint, instead of one ORM
INSERT … RETURNING each.

Nothing reads them differently: whenever the session would flush before a query (a lazy load of
`ticket.events` included) and before it commits, the events kept aside are written, so every read
sees them, in the order recorded. A ticket whose events are already loaded gets its new ones the ORM's way, so
its list stays in step; a rolled-back savepoint or transaction drops what it kept aside.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from helpdesk.tickets.models import Event, Ticket

_KEPT = "helpdesk.unwritten_events"  # Session.info: [(transaction, ticket, row)], in the order recorded


class EventQueries:
    """Mixed into Repository, which owns the session and the transaction."""

    session: Session

    def add_event(
        self, ticket: Ticket, at: datetime, actor: str, kind: str, detail: dict, reason: str = ""
    ) -> None:
        row = {"at": at, "actor": actor, "kind": kind, "detail": detail, "reason": reason}
        if "events" in inspect(ticket).dict:  # loaded: the list is kept in step, as before
            self.session.add(Event(ticket=ticket, **row))
        else:
            if self.session.get_transaction() is None:
                self.session.begin()  # as session.add would: the event belongs to this transaction
            within = self.session.get_nested_transaction() or self.session.get_transaction()
            self.session.info.setdefault(_KEPT, []).append((within, ticket, row))

    def write_events(self) -> None:
        """Write the events kept aside, in one INSERT (the mail's savepoint calls this before it ends)."""
        write_events(self.session)


def write_events(session: Session) -> None:
    kept = session.info.pop(_KEPT, None)
    if not kept:
        return
    if any(ticket.id is None for _, ticket, _ in kept):  # a ticket opened by this mail, not yet written
        session.flush()
    rows = [{"ticket_id": ticket.id, **row} for _, ticket, row in kept]
    session.connection().execute(Event.__table__.insert(), rows)


@event.listens_for(Session, "do_orm_execute")
def _before_a_read(state: ORMExecuteState) -> None:
    if state.session.autoflush:  # a read that may not see the unwritten rows (no_autoflush) needs none
        write_events(state.session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write_events(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, rolled_back: SessionTransaction) -> None:
    """Drop what was kept aside inside the transaction or savepoint rolled back, and only that."""
    kept = session.info.get(_KEPT)
    if kept:
        session.info[_KEPT] = [entry for entry in kept if not _inside(entry[0], rolled_back)]


@event.listens_for(Session, "after_transaction_end")
def _after_end(session: Session, ended: SessionTransaction) -> None:
    """A transaction closed without its commit (session.close()) keeps nothing for the next."""
    if ended.parent is None:
        _after_rollback(session, ended)


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False
