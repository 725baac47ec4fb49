"""Two daemons on one PostgreSQL database run their clock sweeps at the same moment: every
missed deadline is escalated once, every reminder goes once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.pipeline import MailSource
from helpdesk.tickets.models import Event, OutboxMail, Ticket
from tests.conftest import SHIPPED_RULES
from tests.test_workflow import COMPLETE, CUSTOMER, START


@pytest.mark.postgres
def test_concurrent_sweeps_escalate_each_deadline_once(make_config, pg_url, account, smtp):
    clock = ManualClock(START)
    config = make_config(pg_url, rules=SHIPPED_RULES)
    first, second = Helpdesk(config, clock=clock), Helpdesk(config, clock=clock)
    account.deliver(*(customer_mail(CUSTOMER, f"紧急：OA 无法登录 {n}", COMPLETE) for n in range(12)))
    first.run_once()
    clock.advance(timedelta(days=3))
    start = threading.Barrier(2)
    done: list[int] = []

    def sweep(app: Helpdesk) -> None:
        start.wait()
        done.append(app.sweeper.run())

    threads = [threading.Thread(target=sweep, args=(app,)) for app in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with first.sessions() as session:
        escalated = Counter(
            (e.ticket_id, e.detail["clock"], e.detail["level"])
            for e in session.scalars(select(Event).where(Event.kind == "escalated"))
        )
        mails = Counter(
            (m.ticket_id, m.kind, m.recipient)
            for m in session.scalars(select(OutboxMail).where(OutboxMail.kind == "escalation"))
        )
    assert escalated and max(escalated.values()) == 1, escalated.most_common(3)
    per_ticket = Counter(ticket for ticket, _kind, _to in mails.elements())
    assert len(per_ticket) == 12 and sum(done) > 0
    assert sum(mails.values()) == len(escalated)  # one mail per escalation, none twice
    first.close()
    second.close()


@pytest.mark.postgres
def test_two_daemons_taking_the_same_mail_record_it_once(make_config, pg_url, account, smtp):
    """Both fetched the same UID: one records it, the other rolls back whole and says so, no error."""
    config = make_config(pg_url)
    first, second = Helpdesk(config), Helpdesk(config)
    outcomes: list[str] = []
    for uid in range(1, 13):
        raw = customer_mail(CUSTOMER, f"报表导出失败 {uid}", "导出时报错 504。")
        source = MailSource("INBOX", 7, uid)
        start = threading.Barrier(2)

        def take(app: Helpdesk, raw: bytes = raw, source: MailSource = source, start=start) -> None:
            start.wait()
            outcomes.append(app.pipeline.process(raw, source).kind)

        threads = [threading.Thread(target=take, args=(app,)) for app in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    with first.sessions() as session:
        tickets = session.scalars(select(Ticket.subject)).all()
    assert len(tickets) == 12 == len(set(tickets))
    assert Counter(outcomes)["created"] == 12 and len(outcomes) == 24
    first.close()
    second.close()
