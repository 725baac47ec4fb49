"""The daily cap on automatic mail counts what this transaction has queued but not yet written, and
what it changed in the outbox, exactly as the rows in the database would (the applier counts
without flushing the mail's rows for it)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from helpdesk.applier import Applier
from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.effects import Notify
from helpdesk.tickets.models import Event, OutboxMail
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.store_outbox import SUPPRESSED
from tests.test_workflow import START, open_ticket

CUSTOMER_EMAIL = "li.lei@example.cn"
ACKNOWLEDGE = Notify("acknowledgement", automatic=True)


@pytest.fixture
def app(make_config, db_url, account, smtp):
    app = Helpdesk(make_config(db_url), clock=ManualClock(START))
    yield app
    app.close()


def capped_at(app: Helpdesk, limit: int) -> Applier:
    base = app.pipeline.applier
    config = base.config.model_copy(update={"auto_reply_daily_limit": limit})
    return Applier(config, base.rules, base.notifier)


def automatic_rows(app: Helpdesk) -> list[OutboxMail]:
    with app.sessions() as session:
        query = select(OutboxMail).where(OutboxMail.recipient == CUSTOMER_EMAIL, OutboxMail.automatic)
        return list(session.scalars(query.order_by(OutboxMail.id)))


def suppressed_events(app: Helpdesk) -> list[Event]:
    with app.sessions() as session:
        return list(session.scalars(select(Event).where(Event.kind == "mail_suppressed")))


def test_mail_queued_earlier_in_the_transaction_counts_against_the_cap(app, account, smtp):
    ticket_id = open_ticket(app, account, smtp).id
    already = len(automatic_rows(app))
    assert already >= 1  # the acknowledgement
    applier = capped_at(app, already + 1)
    with app.sessions.begin() as session:
        repo = Repository(session)
        applier.apply(repo, repo.lock_ticket(ticket_id), [ACKNOWLEDGE, ACKNOWLEDGE], app.clock.now())
    assert len(automatic_rows(app)) == already + 1
    [held] = suppressed_events(app)
    assert held.detail == {"template": "acknowledgement", "recipient": CUSTOMER_EMAIL}


def test_a_row_changed_in_the_transaction_is_counted_as_changed(app, account, smtp):
    ticket_id = open_ticket(app, account, smtp).id
    already = len(automatic_rows(app))
    applier = capped_at(app, already)
    with app.sessions.begin() as session:
        repo = Repository(session)
        ticket = repo.lock_ticket(ticket_id)
        for row in session.scalars(select(OutboxMail).where(OutboxMail.recipient == CUSTOMER_EMAIL)):
            row.status = SUPPRESSED  # no longer counted, though not written yet
        applier.apply(repo, ticket, [ACKNOWLEDGE], app.clock.now())
    assert len(automatic_rows(app)) == already + 1
    assert not suppressed_events(app)
