"""The applier reads a ticket's clocks once per transaction and keeps that list current: a clock
started, stopped or removed by one effect is seen by the next, in the same apply or a later one,
and the database ends with what the invariants say (sla.yaml: a general fault has no resolution
deadline, a severe one 8 h)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.effects import ChangeState, Set
from helpdesk.tickets.models import Event, TicketClock
from helpdesk.tickets.repository import Repository
from tests.conftest import SHIPPED_RULES
from tests.test_workflow import COMPLETE, START, open_ticket


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def app(make_config, db_url, clock, account, smtp):
    app = Helpdesk(make_config(db_url, rules=SHIPPED_RULES), clock=clock)
    yield app
    app.close()


def general_fault(app: Helpdesk, account, smtp) -> int:
    ticket = open_ticket(app, account, smtp, subject="OA 登录报错", text=COMPLETE)
    assert ticket.priority == "general" and ticket.status == "assigned"
    return ticket.id


def apply(app: Helpdesk, ticket_id: int, *effects) -> None:
    """The effects in one transaction, on the ticket locked as the pipeline and the sweeper do."""
    with app.sessions.begin() as session:
        repo = Repository(session)
        app.pipeline.applier.apply(repo, repo.lock_ticket(ticket_id), effects, app.clock.now())


def rows(app: Helpdesk) -> list[tuple[str, bool]]:
    """Each clock row of the database: its name and whether it still runs."""
    with app.sessions() as session:
        found = session.scalars(select(TicketClock).order_by(TicketClock.id))
        return [(row.name, row.met_at is None) for row in found]


def kinds(app: Helpdesk, kind: str) -> list[dict]:
    with app.sessions() as session:
        return [e.detail for e in session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id))]


def test_a_clock_that_no_longer_applies_is_removed_from_the_database(app, account, smtp, clock):
    ticket_id = general_fault(app, account, smtp)
    apply(app, ticket_id, Set({"priority": "severe"}))
    assert ("resolution", True) in rows(app)
    clock.advance(timedelta(minutes=5))
    apply(app, ticket_id, Set({"priority": "general"}))
    assert "resolution" not in {name for name, _ in rows(app)}
    assert kinds(app, "clock_removed") == [{"clock": "resolution"}]
    # Raised again later: the clock starts afresh, once.
    apply(app, ticket_id, Set({"priority": "severe"}))
    assert [name for name, running in rows(app) if running].count("resolution") == 1


def test_a_clock_started_and_removed_in_one_apply_is_never_written(app, account, smtp):
    ticket_id = general_fault(app, account, smtp)
    before = rows(app)
    apply(app, ticket_id, Set({"priority": "severe"}), Set({"priority": "general"}))
    assert rows(app) == before
    assert kinds(app, "clock_removed") == [{"clock": "resolution"}]


def test_closing_in_the_same_apply_stops_the_clocks_just_started(app, account, smtp):
    ticket_id = general_fault(app, account, smtp)
    apply(
        app,
        ticket_id,
        Set({"priority": "severe"}),
        ChangeState("closed", "wang.wei@example.com", "duplicate"),
    )
    assert ("resolution", False) in rows(app)
    assert not [name for name, running in rows(app) if running]
    met = {detail["clock"] for detail in kinds(app, "deadline_met")}
    assert "resolution" in met
