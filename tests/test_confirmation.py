"""The customer's answer to a solution, end to end over IMAP, SMTP and the database: an answer
understood closes or reopens; one not understood goes to the owner, asks the customer once more
and restarts the wait; a reply that only quotes our mail changes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.outbound.examples import Examples
from helpdesk.outbound.render import Renderer
from helpdesk.rules.load import load_rules
from helpdesk.tickets.models import Event
from tests.conftest import SHIPPED_RULES
from tests.test_workflow import CUSTOMER, START, body, mails_to, open_ticket, reply, ticket_now

ENGINEER = "王伟 <wang.wei@example.com>"
UNCLEAR = "请再确认一次结果"


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def app(make_config, sqlite_url, clock):
    # A cap of one automatic mail a day: the acknowledgement uses it, so nothing promised may count.
    helpdesk = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES, auto_reply_daily_limit=1), clock=clock)
    yield helpdesk
    helpdesk.close()


def resolved(app, account, smtp, solution: str = "重启了验证码服务"):
    """A ticket its engineer resolved; returns the resolution mail the customer got."""
    open_ticket(app, account, smtp)
    notice = mails_to(smtp, "wang.wei@example.com")[0]
    account.deliver(reply(notice, ENGINEER, "Re: [RESOLVED] ", f"#solution {solution}"))
    app.run_once()
    assert ticket_now(app).status == "resolved"
    return mails_to(smtp, "li.lei@example.cn")[-1]


def answer(app, account, resolution, words: str) -> None:
    account.deliver(reply(resolution, CUSTOMER, "回复：", words))
    app.run_once()


def events(app, kind: str) -> list[Event]:
    with app.sessions() as session:
        return list(session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def asked_again(smtp) -> list:
    return [m for m in mails_to(smtp, "li.lei@example.cn") if UNCLEAR in m["Subject"]]


def test_a_happy_answer_closes(app, account, smtp):
    resolution = resolved(app, account, smtp)
    answer(app, account, resolution, "问题已经解决了，服务一般")
    ticket = ticket_now(app)
    assert (ticket.status, ticket.confirmation, ticket.satisfaction) == ("closed", "resolved", "fair")
    [feedback] = events(app, "feedback")
    assert feedback.detail["read"] == ["已经解决 → resolved", "一般 → fair"]


def test_still_broken_reopens_with_a_higher_priority(app, account, smtp):
    open_ticket(
        app,
        account,
        smtp,
        subject="打印报错",
        text="今天 9:05 打印提示“队列已满”。版本 3.2.1\n1. 打开\n2. 打印",
    )
    assert ticket_now(app).priority == "general"
    notice = mails_to(smtp, "zhang.min@example.com")[0]
    account.deliver(
        reply(notice, "张敏 <zhang.min@example.com>", "Re: [已解决] ", "#solution 清空了打印队列")
    )
    app.run_once()
    # "已解决" in the subject and in the quoted resolution mail must not outweigh the new words.
    answer(app, account, mails_to(smtp, "li.lei@example.cn")[-1], "还是不行，已解决是怎么回事？")
    ticket = ticket_now(app)
    assert (ticket.status, ticket.priority, ticket.confirmation) == ("reopened", "severe", "unresolved")


def test_an_unclear_answer_goes_to_the_owner_asks_once_and_restarts_the_wait(app, account, smtp, clock):
    resolution = resolved(app, account, smtp)
    clock.advance(timedelta(hours=90))  # the reminder went at 48 h; the old deadline is at 96 h
    app.run_once()
    answer(app, account, resolution, "一般都是下午出现，明天再观察一下")
    ticket = ticket_now(app)
    assert ticket.status == "resolved" and ticket.confirmation is None
    forwarded = mails_to(smtp, "wang.wei@example.com")[-1]
    assert "客户来信" in forwarded["Subject"] and "一般都是下午出现，明天再观察一下" in body(forwarded)
    [question] = asked_again(smtp)  # not held back by the daily cap, though the cap is spent
    text = body(question)
    assert "1 已解决 / 2 未解决 / 3 部分解决" in text and "1 满意 / 2 基本满意 / 3 不满意" in text
    assert question.get_body(("html",)) is not None
    [unclear] = events(app, "feedback_unclear")
    assert unclear.detail["asked_again"] is True and "'一般' counts only as an answer" in unclear.reason

    clock.advance(timedelta(hours=8))  # past the old deadline: the wait restarted at the question
    app.run_once()
    assert ticket_now(app).status == "resolved"
    clock.advance(timedelta(hours=89))  # 97 h after the question, no words since
    app.run_once()
    ticket = ticket_now(app)
    assert (ticket.status, ticket.confirmation) == ("closed", "resolved")
    [closed] = [e for e in events(app, "status_changed") if e.detail["to"] == "closed"]
    assert closed.reason == "no answer to the question asked again: confirmed by default"
    assert len(asked_again(smtp)) == 1


def test_a_second_unclear_answer_only_reaches_the_owner_and_nothing_closes(app, account, smtp, clock):
    resolution = resolved(app, account, smtp)
    answer(app, account, resolution, "I tested on 3 machines")
    question = asked_again(smtp)[0]
    clock.advance(timedelta(hours=5))
    account.deliver(reply(question, CUSTOMER, "回复：", "明天给你们打电话说吧"))
    app.run_once()
    assert len(asked_again(smtp)) == 1  # no third question
    assert "明天给你们打电话说吧" in body(mails_to(smtp, "wang.wei@example.com")[-1])
    second = events(app, "feedback_unclear")[-1]
    assert second.detail["asked_again"] is False and "the owner decides" in second.reason
    clock.advance(timedelta(days=30))
    app.run_once()
    assert ticket_now(app).status == "resolved"  # words came and were not understood: the owner decides


def test_a_reply_that_only_quotes_the_resolution_changes_nothing(app, account, smtp, clock):
    resolution = resolved(app, account, smtp)
    to_owner = len(mails_to(smtp, "wang.wei@example.com"))
    to_customer = len(mails_to(smtp, "li.lei@example.cn"))
    answer(app, account, resolution, "")  # Outlook: only the quoted 已解决 / 未解决 / 部分解决
    ticket = ticket_now(app)
    assert ticket.status == "resolved" and ticket.confirmation_answered_at is None
    assert len(mails_to(smtp, "wang.wei@example.com")) == to_owner
    assert len(mails_to(smtp, "li.lei@example.cn")) == to_customer
    clock.advance(timedelta(hours=97))  # the old deadline still holds
    app.run_once()
    assert ticket_now(app).status == "closed"


def test_the_question_speaks_one_language():
    examples = Examples(
        load_rules(SHIPPED_RULES), Renderer(Path(__file__).resolve().parent.parent / "templates" / "email")
    )
    zh, en = (
        examples.render("confirmation_unclear", lang, examples.ticket(lang, "fault", "resolved"))
        for lang in ("zh", "en")
    )
    assert not any(c.isascii() and c.isalpha() for c in (zh.subject + zh.text).replace("OA", ""))
    assert not any("\u4e00" <= c <= "\u9fff" for c in en.subject + en.text)
    assert "若4天内（2026-11-27 10:00 前）未收到您的回复" in zh.text
