"""Insert rows or, where their key is taken, update them: one statement, safe against a concurrent writer."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert(session: Session, model: type, rows: list[dict], keys: tuple[str, ...]) -> None:
    """Write `rows` (all with the same columns) into `model`'s table, updating any row whose `keys`
    already exist. INSERT … ON CONFLICT on both SQLite and PostgreSQL, so a daemon archiving a ticket
    and an operator's reindex of it never fail each other on the unique key."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: statement.excluded[name] for name in rows[0] if name not in keys},
    )
    session.execute(statement, rows)
