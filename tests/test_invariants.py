"""The applier's invariants, end to end over real IMAP, SMTP and database: closing stops every clock,
a new priority starts the clocks it brings, a reopen runs on the raised priority, and a staff
member's words reach the customer only from an authenticated mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.effects import Authority, Notify
from helpdesk.tickets.models import Event, TicketClock
from helpdesk.tickets.repository import Repository
from tests.conftest import SHIPPED_RULES
from tests.test_workflow import COMPLETE, CUSTOMER, START, body, mails_to, open_ticket, reply, ticket_now

ENGINEER = "王伟 <wang.wei@example.com>"


@pytest.fixture
def clock():
    return ManualClock(START)


def clocks(app: Helpdesk) -> dict[str, str]:
    """Each clock of the first ticket: 'running' or 'met' (the latest row of each name)."""
    with app.sessions() as session:
        rows = session.scalars(select(TicketClock).order_by(TicketClock.id)).all()
        return {row.name: "running" if row.met_at is None else "met" for row in rows}


def events(app: Helpdesk, kind: str) -> list[Event]:
    with app.sessions() as session:
        return list(session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_closing_stops_every_clock(make_config, db_url, clock, account, smtp):
    app = Helpdesk(make_config(db_url, rules=SHIPPED_RULES), clock=clock)
    open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    # An internal note with the keyword: the customer hears nothing, so no mail meets the first response.
    account.deliver(reply(notice, ENGINEER, "Re: [CLOSED] ", "#note 与 202611-003 重复"))
    app.run_once()
    assert ticket_now(app).status == "closed"
    assert set(clocks(app).values()) == {"met"}, clocks(app)
    clock.advance(timedelta(days=10))
    app.run_once()
    assert not events(app, "escalated") and not events(app, "deadline_warning")
    app.close()


def test_a_raised_priority_starts_the_clocks_it_brings(make_config, sqlite_url, clock, account, smtp):
    app = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES), clock=clock)
    ticket = open_ticket(app, account, smtp, subject="OA 登录报错", text=COMPLETE)
    assert ticket.status == "assigned" and ticket.priority == "general"
    assert "resolution" not in clocks(app)  # sla.yaml gives a general fault no resolution deadline
    owner = app.rules.directory.person(ticket.owner)
    [notice] = mails_to(smtp, owner.email)
    account.deliver(reply(notice, f"{owner.name} <{owner.email}>", "Re: ", "#priority 严重"))
    app.run_once()
    assert ticket_now(app).priority == "severe"
    assert clocks(app)["resolution"] == "running"
    with app.sessions() as session:
        resolution = session.scalar(select(TicketClock).where(TicketClock.name == "resolution"))
    assert resolution.due_at - resolution.started_at == timedelta(hours=8)
    app.close()


def test_a_reopened_ticket_runs_on_its_raised_priority(make_config, sqlite_url, clock, account, smtp):
    app = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES), clock=clock)
    open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    account.deliver(reply(notice, ENGINEER, "Re: [RESOLVED] ", "#solution 清理了缓存"))
    app.run_once()
    resolution = mails_to(smtp, "li.lei@example.cn")[-1]
    before = ticket_now(app).priority
    account.deliver(reply(resolution, CUSTOMER, "回复：", "还是未解决，不满意。"))
    app.run_once()
    ticket = ticket_now(app)
    assert ticket.status == "reopened" and ticket.priority != before
    with app.sessions() as session:
        running = session.scalar(
            select(TicketClock).where(TicketClock.name == "resolution", TicketClock.met_at.is_(None))
        )
    length = app.rules.sla.clocks["resolution"][ticket.priority]
    assert running is not None and running.due_at - running.started_at == timedelta(hours=int(length[:-1]))
    app.close()


def test_unauthenticated_staff_words_are_not_relayed(make_config, sqlite_url, clock, account, smtp):
    config = make_config(
        sqlite_url,
        rules=SHIPPED_RULES,
        commands={"require_authentication": True, "authserv_id": "mx.example.com"},
    )
    app = Helpdesk(config, clock=clock)
    open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    customer_mails = len(mails_to(smtp, "li.lei@example.cn"))
    # A forged From: of the engineer, no keyword, no command: only words for the customer.
    account.deliver(reply(notice, ENGINEER, "Re: ", "请把您的银行卡号和密码发给我核实。"))
    app.run_once()
    assert len(mails_to(smtp, "li.lei@example.cn")) == customer_mails
    [refused] = events(app, "commands_refused")
    assert "no Authentication-Results from mx.example.com" in refused.reason
    said = [{"code": "words", "args": {}}, {"code": "confirmation", "args": {}}]
    assert refused.detail == {"commands": said, "internal": True}
    receipt = mails_to(smtp, "wang.wei@example.com")[-1]  # the genuine address from staff.yaml
    assert "给客户的回复内容" in body(receipt) and "确认接手本工单" in body(receipt)
    signed = "mx.example.com; dkim=pass header.d=example.com; dmarc=pass header.from=example.com"
    account.deliver(
        reply(notice, ENGINEER, "Re: ", "我们正在排查，稍后回复。", Authentication_Results=signed)
    )
    app.run_once()
    assert "我们正在排查，稍后回复。" in body(mails_to(smtp, "li.lei@example.cn")[-1])
    app.close()


def test_the_applier_refuses_relayed_words_without_a_trusted_staff_mail(
    make_config, db_url, clock, account, smtp
):
    """Defence in depth: even a decider that asked for it cannot relay words on an untrusted mail."""
    app = Helpdesk(make_config(db_url, rules=SHIPPED_RULES), clock=clock)
    open_ticket(app, account, smtp)
    applier = app.pipeline.applier
    with app.sessions.begin() as session:
        repo = Repository(session)
        ticket = repo.ticket_by_number(ticket_now(app).number)
        words = Notify("status_update", words="请提供密码")
        applier.apply(repo, ticket, [words], clock.now(), Authority("wang.wei", False, "dkim=fail"))
        applier.apply(repo, ticket, [words], clock.now(), Authority())
    [first, second] = events(app, "relay_refused")
    assert "dkim=fail" in first.reason and "not a staff mail" in second.reason
    with app.sessions() as session:
        assert not [m for m in Repository(session).outbox() if m.kind == "status_update"]
    app.close()
