"""Attacks on the SQLite ids given before the INSERT (tickets/sqlite_ids.py), with a second real
process writing the same SQLite file, as a second daemon, a `helpdesk tickets` command or the
sender would. Ours may count max(id) + 1 on only while SQLite lets nobody else write: after a
flush that wrote nothing, or once a savepoint that opened SQLite's transaction was released
(pysqlite begins no transaction before a SAVEPOINT, so its RELEASE commits), another process can
write, and an id counted before would be one it took."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from helpdesk.tickets import repository  # noqa: F401  (as every store user, registers the batching)
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.models import Ticket

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

# The other helpdesk process: opens a ticket through the ORM; with "hold", it keeps its
# transaction (and SQLite's write lock) open until told to commit on stdin.
OTHER = """
import sys
from datetime import UTC, datetime
from helpdesk.tickets import repository
from helpdesk.tickets.db import make_engine, session_factory
from helpdesk.tickets.models import Ticket
now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
url, hold = sys.argv[1], sys.argv[2] == "hold"
with session_factory(make_engine(url)).begin() as session:
    session.add(Ticket(number="other", subject="s", status="new", requester_email="o@x.cn",
                       language="zh", created_at=now, updated_at=now, participants=[]))
    session.flush()
    if hold:
        print("holding", flush=True)
        sys.stdin.readline()
print("committed", flush=True)
"""


def ticket(number: str) -> Ticket:
    return Ticket(
        number=number, subject="s", status="new", requester_email="c@x.cn", language="zh",
        created_at=NOW, updated_at=NOW, participants=[],
    )  # fmt: skip


def other_process(url: str, hold: bool = False) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", OTHER, url, "hold" if hold else "at-once"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture
def engine(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with session_factory(engine).begin() as session:
        session.add(ticket("before"))
    yield engine
    engine.dispose()


def ids(engine) -> dict[str, int]:
    with session_factory(engine)() as session:
        return dict(session.execute(select(Ticket.number, Ticket.id)).all())


def test_a_released_savepoint_lets_another_process_write_and_our_next_row_takes_no_id_of_its(
    engine, sqlite_url
):
    with session_factory(engine).begin() as session:
        session.execute(select(Ticket.id))  # a read first, as a quarantine retry reads its entry
        with session.begin_nested():  # a mail's savepoint, the transaction's first write
            session.add(ticket("in savepoint"))
            session.flush()
            session.add(ticket("counted"))  # its id counted on from max(id)
            session.flush()
        other = other_process(sqlite_url)  # a second daemon writes meanwhile
        assert other.communicate(timeout=60)[0].strip() == "committed"
        session.add(ticket("after"))
    found = ids(engine)
    assert set(found) == {"before", "in savepoint", "counted", "other", "after"}
    assert len(set(found.values())) == 5 and found["after"] > found["other"]


@pytest.mark.parametrize("in_savepoint", [False, True], ids=["in-transaction", "in-first-savepoint"])
def test_a_flush_that_wrote_nothing_takes_no_lock_so_counts_no_ids(engine, sqlite_url, in_savepoint):
    other = other_process(sqlite_url, hold=True)
    assert other.stdout.readline().strip() == "holding"  # its ticket written, not committed
    counted = threading.Event()

    def insert_seen(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("INSERT INTO tickets"):
            counted.set()  # our ids (if any) were counted before this INSERT

    event.listen(engine, "before_cursor_execute", insert_seen)
    failures: list[BaseException] = []

    def ours() -> None:
        try:
            with session_factory(engine).begin() as session:
                if in_savepoint:  # SQLite's transaction opened by the SAVEPOINT: deferred, no lock
                    session.begin_nested()
                before = session.scalars(select(Ticket).where(Ticket.number == "before")).one()
                before.subject = before.subject  # an edit that changes nothing: a flush, no write
                session.flush()
                session.add(ticket("ours"))
                session.flush()  # waits for the other process's lock
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    worker = threading.Thread(target=ours)
    worker.start()
    assert counted.wait(60)
    other.stdin.write("\n")
    other.stdin.flush()
    assert other.communicate(timeout=60)[0].strip() == "committed"
    worker.join(60)
    found = ids(engine)
    if in_savepoint:  # our read's snapshot is older than the other's commit: SQLite refuses our
        # write as "database is locked", a transient error the daemon retries; never a clash
        [failure] = failures
        assert isinstance(failure, OperationalError) and "database is locked" in str(failure)
        assert set(found) == {"before", "other"}
    else:
        assert failures == []
        assert set(found) == {"before", "other", "ours"} and len(set(found.values())) == 3
