"""On SQLite a flush's new rows get their ids before the INSERT (so each table's rows go in one
executemany): the ids SQLite would have given, never one another connection took, a gap (never a
clash) where a savepoint rolled back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from helpdesk.tickets import repository  # noqa: F401  (as every store user, registers the batching)
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.models import Participant, Ticket

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def ticket(number: str) -> Ticket:
    return Ticket(
        number=number, subject="s", status="new", requester_email="c@x.cn", language="zh",
        created_at=NOW, updated_at=NOW, participants=[],
    )  # fmt: skip


@pytest.fixture
def engine(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_rows_after_the_first_write_go_in_one_insert_a_table_with_sqlites_ids(engine):
    sessions = session_factory(engine)
    inserts: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: inserts.append(sql))
    with sessions.begin() as session:
        session.add(ticket("first"))
        session.flush()  # the transaction's first write: from now on nobody else writes
        inserts.clear()
        new = ticket("second")
        session.add(new)
        for n in range(5):
            new.participants.append(Participant(email=f"p{n}@x.cn", role="requester"))
    assert sum(sql.startswith("INSERT INTO participants") for sql in inserts) == 1
    assert not any("RETURNING" in sql for sql in inserts if sql.startswith("INSERT INTO participants"))
    with sessions() as session:
        assert list(session.scalars(select(Ticket.id).order_by(Ticket.id))) == [1, 2]
        rows = session.execute(select(Participant.id, Participant.ticket_id, Participant.email))
        assert sorted(rows.all()) == [(n + 1, 2, f"p{n}@x.cn") for n in range(5)]


def test_a_rolled_back_savepoint_leaves_a_gap_and_the_next_transaction_counts_afresh(engine):
    sessions = session_factory(engine)
    with sessions.begin() as session:
        session.add(ticket("a"))
        session.flush()
        with pytest.raises(RuntimeError), session.begin_nested():
            session.add(ticket("rolled back"))
            session.flush()
            raise RuntimeError("this mail fails")
        session.add(ticket("b"))
    with engine.begin() as other:  # another connection writes between our transactions
        other.exec_driver_sql(
            "INSERT INTO tickets (number, subject, status, requester_email, requester_name, language, "
            "description, created_at, updated_at) VALUES ('other', 's', 'new', 'c@x.cn', '', 'zh', '', "
            "'2026-11-23 02:00:00', '2026-11-23 02:00:00')"
        )
    with sessions.begin() as session:
        session.add(ticket("c"))
        session.flush()
        session.add(ticket("d"))
    with sessions() as session:
        found = dict(session.execute(select(Ticket.number, Ticket.id)).all())
    assert found == {"a": 1, "b": 3, "other": 4, "c": 5, "d": 6}
