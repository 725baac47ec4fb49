"""Events are written many to one INSERT at the mail's savepoint, and nobody can tell: every read
sees the events recorded before it, in their order; a rolled-back savepoint drops only its own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.models import Event, Ticket
from helpdesk.tickets.repository import Repository

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def new_ticket(number: str) -> Ticket:
    return Ticket(
        number=number, subject="s", status="new", requester_email="c@x.cn", language="zh",
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip


@pytest.fixture
def sessions(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def kinds(sessions, number: str) -> list[str]:
    with sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        return [
            e.kind
            for e in session.scalars(select(Event).where(Event.ticket_id == ticket.id).order_by(Event.id))
        ]


def test_every_read_sees_the_events_before_it_in_order(sessions):
    with sessions.begin() as session:
        session.add(new_ticket("1"))
    with sessions.begin() as session:
        repo = Repository(session)
        ticket = repo.ticket_by_number("1")
        repo.add_event(ticket, NOW, "a", "first", {"n": 1})
        repo.add_event(ticket, NOW, "a", "second", {})
        assert repo.has_event(ticket, "second")  # a query sees the events kept aside
        repo.add_event(ticket, NOW, "a", "third", {}, reason="why")
        assert [e.kind for e in ticket.events] == ["first", "second", "third"]  # so does a lazy load
        repo.add_event(ticket, NOW, "a", "fourth", {})  # the loaded list is kept in step
        assert [e.kind for e in ticket.events][-1] == "fourth"
    assert kinds(sessions, "1") == ["first", "second", "third", "fourth"]
    with sessions() as session:
        third = session.scalar(select(Event).where(Event.kind == "third"))
        assert (third.actor, third.reason, third.at, third.detail) == ("a", "why", NOW, {})


def test_a_rolled_back_savepoint_drops_only_its_own_events(sessions):
    with sessions.begin() as session:
        repo = Repository(session)
        ticket = new_ticket("2")
        session.add(ticket)  # not yet written: its events wait for its id
        repo.add_event(ticket, NOW, "a", "before", {})
        with pytest.raises(RuntimeError), session.begin_nested():
            repo.add_event(ticket, NOW, "a", "failed mail", {})
            raise RuntimeError("this mail fails")
        with session.begin_nested():
            repo.add_event(ticket, NOW, "a", "next mail", {})
            repo.write_events()
    assert kinds(sessions, "2") == ["before", "next mail"]


def test_a_rolled_back_transaction_writes_nothing_later(sessions):
    with sessions() as session:
        repo = Repository(session)
        ticket = new_ticket("3")
        session.add(ticket)
        session.commit()
        repo.add_event(ticket, NOW, "a", "lost", {})
        session.rollback()
        repo.add_event(ticket, NOW, "a", "kept", {})
        session.commit()
    assert kinds(sessions, "3") == ["kept"]


def test_a_session_closed_without_commit_leaves_nothing_for_its_next_transaction(sessions):
    session = sessions()
    repo = Repository(session)
    ticket = new_ticket("4")
    session.add(ticket)
    session.commit()
    repo.add_event(ticket, NOW, "a", "abandoned", {})
    session.close()
    repo.add_event(ticket, NOW, "a", "kept", {})
    session.commit()
    session.close()
    assert kinds(sessions, "4") == ["kept"]
