"""Ticket numbers on PostgreSQL with several writers: a batch still open does not hold the number
sequence, numbers stay unique and in order, and only a rolled-back ticket leaves a gap."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from helpdesk.config import NumberingConfig
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.numbering import next_number
from helpdesk.tickets.repository import Repository

SHANGHAI = ZoneInfo("Asia/Shanghai")
MOMENT = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


def open_ticket(repo: Repository, subject: str) -> str:
    number = next_number(repo, NumberingConfig(), MOMENT)
    now = datetime.now(UTC)
    repo.session.add(
        Ticket(
            number=number,
            subject=subject,
            status="new",
            requester_email="c@example.com",
            language="en",
            created_at=now,
            updated_at=now,
        )
    )
    repo.session.flush()
    return number


def numbers(sessions) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Ticket.number).order_by(Ticket.number)))


def test_a_batch_still_open_does_not_keep_another_from_numbering(pg_url):
    # Every lock wait fails after 2 s: drawing behind an open batch would raise, not pass.
    engine = make_engine(f"{pg_url}%20-clock_timeout%3D2000")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as first:
        assert open_ticket(Repository(first), "first") == "202612-001"
        with sessions.begin() as second:  # another daemon's batch, while the first is still open
            assert open_ticket(Repository(second), "second") == "202612-002"
        assert open_ticket(Repository(first), "third") == "202612-003"
    assert numbers(sessions) == ["202612-001", "202612-002", "202612-003"]
    engine.dispose()


def test_two_writers_opening_tickets_at_once_get_unique_numbers_in_order_without_gaps(pg_url):
    engine = make_engine(pg_url)
    upgrade(engine)
    sessions = session_factory(engine)
    each = 40
    start = threading.Barrier(2)
    drawn: dict[str, list[str]] = {}

    def writer(name: str) -> None:
        start.wait()
        mine = drawn.setdefault(name, [])
        for n in range(each):
            with sessions.begin() as session:
                mine.append(open_ticket(Repository(session), f"{name} {n}"))

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert numbers(sessions) == [f"202612-{seq:03d}" for seq in range(1, 2 * each + 1)]
    for mine in drawn.values():  # each writer's tickets are numbered in the order it opened them
        assert mine == sorted(mine) and len(mine) == each
    engine.dispose()


def test_a_ticket_rolled_back_leaves_its_number_unused(pg_url):
    engine = make_engine(pg_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        assert open_ticket(Repository(session), "quarantined after all") == "202612-001"
        session.rollback()
    with sessions.begin() as session:
        assert open_ticket(Repository(session), "kept") == "202612-002"
    assert numbers(sessions) == ["202612-002"]
    engine.dispose()
