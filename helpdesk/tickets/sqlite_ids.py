"""On SQLite, the ids of a flush's new rows given before the INSERT, so the ORM writes each table's
rows in one executemany instead of one INSERT … RETURNING a row (SQLite cannot say which returned
row is which; PostgreSQL can, and batches by itself).

Only while this transaction holds SQLite's write lock: from its first write until it ends, SQLite
lets no other connection write, so max(id) + 1 onwards is exactly what SQLite would have given.
pysqlite opens SQLite's transaction only before an INSERT, UPDATE or DELETE, so a flush that wrote
nothing opened none, and releasing a savepoint that came first commits and lets the lock go: then
another process (a second daemon, a `helpdesk tickets` command, the sender) may write, so while
the connection is outside a transaction the ids are SQLite's own (tests/test_sqlite_ids_processes.py;
inside one, WAL refuses a write from a snapshot another writer has passed). Only for tables whose
rows are inserted through the ORM alone (a Core insert in the same transaction would take an id
behind our back); a rolled-back savepoint leaves a gap, never a clash.
"""

from __future__ import annotations

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

# The tables a mail's flush fills; events, seen mails and search documents are written by Core.
TABLES = frozenset(
    {
        "tickets",
        "messages",
        "attachments",
        "participants",
        "ticket_fields",
        "ticket_clocks",
        "outbox",
        "quarantine",
    }
)
_WROTE, _NEXT = "helpdesk.sqlite_wrote", "helpdesk.sqlite_next_ids"


@event.listens_for(Session, "before_flush")
def _give_ids(session: Session, _flush: UOWTransaction, _instances) -> None:
    if not session.info.get(_WROTE) or session.get_bind().dialect.name != "sqlite":
        return
    if not session.connection().connection.dbapi_connection.in_transaction:  # committed: lock gone
        session.info.pop(_WROTE, None)
        session.info.pop(_NEXT, None)
        return
    last: dict[str, int] = session.info.setdefault(_NEXT, {})
    for row in list(session.new):
        table = inspect(row).mapper.local_table
        if table.name not in TABLES or row.id is not None:
            continue
        if table.name not in last:
            last[table.name] = session.connection().execute(select(func.max(table.c.id))).scalar() or 0
        last[table.name] += 1
        row.id = last[table.name]


@event.listens_for(Session, "after_flush")
def _wrote(session: Session, _flush: UOWTransaction) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, ended: SessionTransaction) -> None:
    if ended.parent is None:  # the lock goes with the transaction: the next one counts afresh
        session.info.pop(_WROTE, None)
        session.info.pop(_NEXT, None)
