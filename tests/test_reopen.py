"""Reopen and close, told to everyone: the customer hears of both; thanks after closing reopen
nothing; the owners and the manager get the customer's words; the new deadline is the raised
priority's. Attacks: a customer's [RESOLVED], a thanks after close, a forged engineer."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from helpdesk.effects import ChangeState, Notify, Record
from helpdesk.mail.parse import parse_message
from helpdesk.tickets.models import TicketClock
from helpdesk.tickets.snapshot import Workload
from helpdesk.workflow.confirmation import confirmation_due
from helpdesk.workflow.customer import CustomerDecider, courtesy_only
from tests import test_staff_trust
from tests.test_deciders import NOW, RULES, ZONE, mail, of, ticket
from tests.test_staff_trust import ENGINEER, OURS_FAIL, OURS_PASS, with_stamps
from tests.test_workflow import COMPLETE, CUSTOMER, body, mails_to, open_ticket, reply, ticket_now

clock, app = test_staff_trust.clock, test_staff_trust.app  # shipped rules; staff mail must pass DKIM
JUNIOR = "张敏 <zhang.min@example.com>"


@pytest.mark.parametrize(
    "words",
    [
        "好的，谢谢！",
        "thanks",
        "Thank you very much!\n\nli.lei",
        "收到，辛苦了 👍\n\n李雷",
        "已解决，满意，谢谢",
        "",
    ],
)
def test_thanks_after_closing_reopen_nothing(words):
    view = ticket(status="closed", type="fault", priority="general", owner="zhang.min")
    thanks = mail("李雷 <li.lei@example.cn>", "Re: [#202612-001] 工单已关闭", words)
    effects = CustomerDecider(RULES, ZONE).customer_mail(view, thanks, NOW, Workload())
    assert not of(ChangeState, effects) and not of(Notify, effects)
    assert [r.kind for r in of(Record, effects)] == ["courtesy_after_close"]


@pytest.mark.parametrize(
    "words",
    ["谢谢！不过导出又报错了", "thanks, but it is broken again", "好的，另外想问一下权限怎么开通？", "不好"],
)
def test_words_beyond_thanks_after_closing_reopen_it(words):
    assert not courtesy_only(words, "李雷", "li.lei@example.cn")
    view = ticket(status="closed", type="fault", priority="general", team="operations", owner="zhang.min")
    effects = CustomerDecider(RULES, ZONE).customer_mail(
        view, mail(CUSTOMER, "Re: 工单", words), NOW, Workload()
    )
    assert [c.target for c in of(ChangeState, effects)] == ["reopened"]
    told = {n.person: n for n in of(Notify, effects)}
    assert told[None].template == "reopen_notice"
    assert told["zhang.min"].template == "reopened" and told["zhang.min"].extra["message"] == words


def test_a_happy_answer_closes_and_says_so():
    view = ticket(status="resolved", type="fault", priority="general", owner="zhang.min", resolved_at=NOW)
    answer = mail(CUSTOMER, "Re: [#202612-001] 请确认", "已解决，满意")
    effects = CustomerDecider(RULES, ZONE).customer_mail(view, answer, NOW, Workload())
    assert [c.target for c in of(ChangeState, effects)] == ["closed"]
    [notice] = of(Notify, effects)
    assert (notice.template, notice.person) == ("close_notice", None) and "满意" in notice.extra["why"]


def test_closing_without_an_answer_says_so():
    view = ticket(status="resolved", resolved_at=NOW - timedelta(hours=97), confirmation_reminders=1)
    effects = confirmation_due(RULES.workflows, view, NOW)
    assert [c.target for c in of(ChangeState, effects)] == ["closed"]
    [notice] = of(Notify, effects)
    assert notice.template == "close_notice" and "未收到" in notice.extra["why"]


# -- end to end ------------------------------------------------------------------------------


def staff(to, sender, prefix, text) -> bytes:
    return with_stamps(reply(to, sender, prefix, text), OURS_PASS)


def resolved_general_fault(app, account, smtp):
    """A 一般 fault given to a junior engineer and resolved by them; returns the resolution mail."""
    ticket = open_ticket(app, account, smtp, subject="打印报错", text=COMPLETE)
    assert (ticket.priority, ticket.owner) == ("general", "zhang.min")
    [notice] = mails_to(smtp, "zhang.min@example.com")
    account.deliver(staff(notice, JUNIOR, "Re: [RESOLVED] ", "#solution 重启了打印服务\n\n请再试一次。"))
    app.run_once()
    assert ticket_now(app).status == "resolved"
    return mails_to(smtp, "li.lei@example.cn")[-1]


def test_an_unhappy_answer_reopens_one_level_up_and_everyone_hears(app, account, smtp, clock):
    resolution = resolved_general_fault(app, account, smtp)
    clock.advance(timedelta(hours=1))
    account.deliver(reply(resolution, CUSTOMER, "回复：", "还是打印不了，未解决，不满意。"))
    app.run_once()
    after = ticket_now(app)
    assert (after.status, after.priority, after.owner) == ("reopened", "severe", "wang.wei")
    notice = mails_to(smtp, "li.lei@example.cn")[-1]
    assert "工单已重新打开" in notice["Subject"] and "严重" in body(notice) and "王伟" in body(notice)
    for person in ("wang.wei", "zhang.min", "liu.yang"):  # new owner, previous owner, manager
        reopened = mails_to(smtp, f"{person}@example.com")[-1]
        assert "重新打开" in reopened["Subject"] and "未解决" in body(reopened)
    with app.sessions() as session:
        resolution_clock = session.scalars(
            select(TicketClock).where(TicketClock.name == "resolution", TicketClock.met_at.is_(None))
        ).one()
    # Reopened at the raised priority: 严重 is resolved within 8 hours.
    assert resolution_clock.due_at - resolution_clock.started_at == timedelta(hours=8)
    assert resolution_clock.started_at == clock.now()


def test_closed_is_told_and_a_thanks_after_it_changes_nothing(app, account, smtp):
    resolution = resolved_general_fault(app, account, smtp)
    account.deliver(reply(resolution, CUSTOMER, "回复：", "已解决，满意"))
    app.run_once()
    assert ticket_now(app).status == "closed"
    closed = mails_to(smtp, "li.lei@example.cn")[-1]
    assert "工单已关闭" in closed["Subject"] and "重新打开" in body(closed)
    sent = len(smtp.received)

    account.deliver(reply(closed, CUSTOMER, "回复：", "好的，谢谢！\n\n李雷"))
    app.run_once()
    assert ticket_now(app).status == "closed" and len(smtp.received) == sent

    account.deliver(reply(closed, CUSTOMER, "回复：", "谢谢。不过今天打印又报错了。"))
    app.run_once()
    assert ticket_now(app).status == "reopened"
    assert "工单已重新打开" in mails_to(smtp, "li.lei@example.cn")[-1]["Subject"]
    quoted = body(mails_to(smtp, "zhang.min@example.com")[-1])
    assert "重新打开" in quoted


def test_a_customers_resolved_keyword_and_a_forged_engineer_move_nothing(app, account, smtp):
    resolution = resolved_general_fault(app, account, smtp)
    # The customer writes [RESOLVED] in the subject while it is resolved, then closes it happily.
    account.deliver(reply(resolution, CUSTOMER, "Re: [RESOLVED] [CLOSED] ", "请问明天还会再出现吗"))
    app.run_once()
    assert ticket_now(app).status == "resolved"
    account.deliver(reply(resolution, CUSTOMER, "回复：", "已解决，满意"))
    app.run_once()
    closed = mails_to(smtp, "li.lei@example.cn")[-1]
    to_customer = len(mails_to(smtp, "li.lei@example.cn"))
    # Someone forging the engineer tries to reopen it: refused, and only the real one hears of it.
    forged = reply(closed, ENGINEER, "Re: [IN PROGRESS] ", "#priority 致命\n重新处理。")
    account.deliver(with_stamps(forged, OURS_FAIL, OURS_PASS))
    app.run_once()
    after = ticket_now(app)
    assert (after.status, after.priority) == ("closed", "general")
    assert len(mails_to(smtp, "li.lei@example.cn")) == to_customer
    assert "DKIM" in body(mails_to(smtp, "wang.wei@example.com")[-1])  # why it was refused


def test_an_engineer_closing_it_tells_the_customer_with_their_words(app, account, smtp):
    resolution = resolved_general_fault(app, account, smtp)
    [notice] = mails_to(smtp, "zhang.min@example.com")[:1]
    account.deliver(staff(notice, JUNIOR, "Re: [CLOSED] ", "客户电话确认已恢复，关闭工单。"))
    app.run_once()
    assert ticket_now(app).status == "closed"
    closed = mails_to(smtp, "li.lei@example.cn")[-1]
    assert closed["Message-ID"] != resolution["Message-ID"]
    assert "工单已关闭" in closed["Subject"] and "客户电话确认已恢复" in body(closed)


def test_a_screenshot_after_closing_reopens_even_with_only_thanks():
    raw = EmailMessage()
    raw["From"], raw["To"], raw["Subject"] = CUSTOMER, "support@example.com", "Re: [#202612-001] 工单已关闭"
    raw.set_content("谢谢")
    raw.add_attachment(b"\x89PNG\r\n", maintype="image", subtype="png", filename="又报错了.png")
    shot = parse_message(raw.as_bytes(), frozenset({"support@example.com"}), "zh")
    view = ticket(status="closed", type="fault", priority="general", team="operations", owner="zhang.min")
    effects = CustomerDecider(RULES, ZONE).customer_mail(view, shot, NOW, Workload())
    assert [c.target for c in of(ChangeState, effects)] == ["reopened"]


def test_a_signature_logo_is_no_news_after_closing():
    raw = EmailMessage()
    raw["From"], raw["To"], raw["Subject"] = CUSTOMER, "support@example.com", "Re: [#202612-001] 工单已关闭"
    raw.set_content("好的，谢谢！")
    # An Outlook signature's logo: an inline part with a Content-ID.
    logo = {"cid": "<logo@example.cn>", "disposition": "inline", "filename": "image001.png"}
    raw.add_related(b"\x89PNG\r\n", maintype="image", subtype="png", **logo)
    thanks = parse_message(raw.as_bytes(), frozenset({"support@example.com"}), "zh")
    assert thanks.attachments and all(a.inline for a in thanks.attachments)
    view = ticket(status="closed", type="fault", priority="general", owner="zhang.min")
    assert not of(ChangeState, CustomerDecider(RULES, ZONE).customer_mail(view, thanks, NOW, Workload()))
