"""Intake end to end: what a report lacks is asked for by mail, answers are read, tickets are routed."""

from __future__ import annotations

import email
import email.policy

import pytest
from sqlalchemy import select

from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.models import Event, Ticket
from tests.conftest import MAILS, SHIPPED_RULES

FAULT_WITHOUT_TIME_AND_VERSION = (
    "李雷 <li.lei@example.cn>",
    "导出月报报错",
    "你好，\n\n导出月报时提示“模板不存在”。\n操作步骤：\n1. 打开月报\n2. 点击导出\n\n谢谢\n李雷",
)


@pytest.fixture
def app(make_config, db_url):
    helpdesk = Helpdesk(make_config(db_url, rules=SHIPPED_RULES))
    yield helpdesk
    helpdesk.close()


@pytest.fixture
def sqlite_app(make_config, sqlite_url):
    helpdesk = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES))
    yield helpdesk
    helpdesk.close()


def sent_to(smtp, address: str) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(r.data, policy=email.policy.default)
        for r in smtp.received
        if address in r.recipients
    ]


def text(message: email.message.EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def the_ticket(app: Helpdesk) -> Ticket:
    with app.sessions() as session:
        [ticket] = session.scalars(select(Ticket)).all()
        return ticket


def events(app: Helpdesk, kind: str) -> list[Event]:
    with app.sessions() as session:
        return list(session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def foxmail_reply(to: email.message.EmailMessage, sender: str, body: str) -> bytes:
    """A reply as Foxmail/QQ writes it: new text, then its separator and the quoted mail."""
    quoted = (
        f"{body}\n\n------------------ 原始邮件 ------------------\n"
        f'发件人: "技术支持" <{to["From"]}>;\n发送时间: 2026年11月23日(星期一) 上午10:02\n'
        f"主题: {to['Subject']}\n\n{text(to)}"
    )
    return customer_mail(
        sender, f"回复：{to['Subject']}", quoted, In_Reply_To=to["Message-ID"], References=to["Message-ID"]
    )


def test_missing_time_and_version_are_asked_for_then_the_answer_routes_it(app, account, smtp):
    account.deliver(customer_mail(*FAULT_WITHOUT_TIME_AND_VERSION))
    app.run_once()
    [ack] = sent_to(smtp, "li.lei@example.cn")
    body = text(ack)
    assert "需求类型：故障报修" in body and "紧急程度：一般" in body
    assert "1. 发生时间" in body and "2. 系统版本" in body
    assert "错误提示" not in body and "操作步骤" not in body  # given already: not asked
    ticket = the_ticket(app)
    assert (ticket.status, ticket.information_requests, ticket.owner) == ("info_pending", 1, "zhang.min")
    assert len(smtp.received) == 1  # the owner hears only when the report is complete

    answer = (
        (MAILS / "outlook_zh_gb2312_tagged_reply.eml")
        .read_bytes()
        .replace(b"{{NUMBER}}", ticket.number.encode())
    )
    account.deliver(answer)
    app.run_once()
    ticket = the_ticket(app)
    assert (ticket.status, ticket.incomplete) == ("assigned", False)
    assert len(sent_to(smtp, "li.lei@example.cn")) == 1  # nothing more to ask
    [notice] = sent_to(smtp, "zhang.min@example.com")
    notice_text = text(notice)
    assert f"[#{ticket.number}]" in notice["Subject"] and "新工单分配给您" in notice["Subject"]
    for line in (
        "系统版本：3.2.1",
        "发生时间：2026-11-21 09:05",
        "错误提示：模板不存在",
        "导出月报时提示“模板不存在”。",
    ):
        assert line in notice_text
    [fields_from_reply] = [e for e in events(app, "fields_read") if "system_version" in e.detail]
    assert fields_from_reply.detail["system_version"] == {
        "value": "3.2.1",
        "message_id": "outlook-zh-reply-1@example.cn",
        "line": 1,
        "source": "text",
    }


def test_partial_answer_gets_one_more_question_then_the_ticket_goes_on_flagged(sqlite_app, account, smtp):
    app = sqlite_app
    account.deliver(customer_mail(*FAULT_WITHOUT_TIME_AND_VERSION))
    app.run_once()
    [ack] = sent_to(smtp, "li.lei@example.cn")
    account.deliver(foxmail_reply(ack, "李雷 <li.lei@example.cn>", "版本是 3.2.1"))
    app.run_once()
    _, second = sent_to(smtp, "li.lei@example.cn")
    assert "请补充信息" in second["Subject"]
    assert "1. 发生时间" in text(second) and "系统版本" not in text(second)
    assert the_ticket(app).information_requests == 2

    account.deliver(foxmail_reply(second, "李雷 <li.lei@example.cn>", "具体时间记不清了"))
    app.run_once()
    ticket = the_ticket(app)
    assert (ticket.status, ticket.incomplete, ticket.information_requests) == ("assigned", True, 2)
    assert len(sent_to(smtp, "li.lei@example.cn")) == 2  # asked at most twice
    [notice] = sent_to(smtp, "zhang.min@example.com")
    assert "仍缺少：发生时间" in text(notice)
    assert events(app, "flagged_incomplete")[0].detail == {"missing": ["occurred_at"]}


def test_english_report_and_gmail_quoted_answer(sqlite_app, account, smtp):
    app = sqlite_app
    account.deliver(
        customer_mail(
            "Anna Smith <anna@example.com>",
            "Export to Excel fails",
            'Hi,\n\nthe export stops with "Error 500: template not found".\n\nSteps:\n'
            "1. open the monthly report\n2. click Export\n\nBest regards\nAnna",
        )
    )
    app.run_once()
    [ack] = sent_to(smtp, "anna@example.com")
    body = text(ack)
    assert "Type: Fault report" in body and "Priority: General" in body
    assert "1. When it happened" in body and "2. System version" in body and "Error message" not in body
    reply = customer_mail(
        "Anna Smith <anna@example.com>",
        f"Re: {ack['Subject']}",
        "It is version 4.1 and it happened today at 9:05.\n\nAnna\n\n"
        f"On Mon, Nov 23, 2026 at 10:02 AM Support <{ack['From']}> wrote:\n"
        "> Type: Fault report\n> Version 9.9.9",
        In_Reply_To=ack["Message-ID"],
    )
    account.deliver(reply)
    app.run_once()
    ticket = the_ticket(app)
    assert ticket.status == "assigned"
    with app.sessions() as session:
        from helpdesk.tickets.repository import Repository

        assert Repository(session).field_values(ticket)["system_version"] == "4.1"  # not the quoted 9.9.9
    assert len(sent_to(smtp, "zhang.min@example.com")) == 1


def test_html_only_report(sqlite_app, account, smtp):
    account.deliver((MAILS / "qqmail_html_only_zh.eml").read_bytes())
    sqlite_app.run_once()
    [ack] = sent_to(smtp, "zhang.san@qq.example")
    body = text(ack)
    assert (
        "1. 发生时间" in body and "系统版本" not in body and "操作步骤" not in body and "错误提示" not in body
    )


def test_complete_severe_fault_goes_straight_to_a_senior_engineer(sqlite_app, account, smtp):
    account.deliver(
        customer_mail(
            "李雷 <li.lei@example.cn>",
            "紧急：OA 无法登录",
            "今天 9:05 开始无法登录，提示“验证码错误”。\n版本 3.2.1\n"
            "操作步骤：\n1. 打开登录页\n2. 输入账号密码",
        )
    )
    sqlite_app.run_once()
    ticket = the_ticket(sqlite_app)
    assert (ticket.type, ticket.priority, ticket.team, ticket.owner, ticket.status) == (
        "fault",
        "severe",
        "operations",
        "wang.wei",
        "assigned",
    )
    [ack] = sent_to(smtp, "li.lei@example.cn")
    assert "紧急程度：严重" in text(ack) and "烦请补充" not in text(ack)
    assert len(sent_to(smtp, "wang.wei@example.com")) == 1
    [routed] = events(sqlite_app, "routed")
    assert [f["rule"] for f in routed.detail["rules"]] == [
        "故障报修 fault report",
        "严重 cannot work",
        "故障（致命/严重）→ 运维高级工程师 severe faults to senior operations",
    ]


def test_development_request_goes_to_the_product_manager_with_rnd(sqlite_app, account, smtp):
    account.deliver(
        customer_mail(
            "王芳 <wang.fang@example.cn>",
            "新功能需求：凭证批量导出",
            "使用场景：财务月结时需要批量导出凭证\n预期效果：一键导出全部凭证为 Excel",
        )
    )
    sqlite_app.run_once()
    ticket = the_ticket(sqlite_app)
    assert (ticket.type, ticket.team, ticket.owner, ticket.collaborators) == (
        "development",
        "rnd",
        "sun.li",
        ["chen.jie"],
    )
    assert ticket.status == "assigned"
    assert len(sent_to(smtp, "sun.li@example.com")) == 1


def test_round_robin_within_the_team(sqlite_app, account, smtp):
    complete = "今天 9:05 起打印报错，提示“队列已满”。版本 3.2.1\n1. 打开打印\n2. 点击打印"
    account.deliver(
        customer_mail("A <a@example.cn>", "打印报错 1", complete),
        customer_mail("B <b@example.cn>", "打印报错 2", complete),
        customer_mail("C <c@example.cn>", "打印报错 3", complete),
    )
    sqlite_app.run_once()
    with sqlite_app.sessions() as session:
        owners = session.scalars(select(Ticket.owner).order_by(Ticket.id)).all()
    assert owners == ["zhang.min", "li.na", "zhang.min"]


def test_staff_reply_does_not_count_as_the_customers_answer(sqlite_app, account, smtp):
    account.deliver(customer_mail(*FAULT_WITHOUT_TIME_AND_VERSION))
    sqlite_app.run_once()
    [ack] = sent_to(smtp, "li.lei@example.cn")
    account.deliver(foxmail_reply(ack, "王伟 <wang.wei@example.com>", "版本 3.2.1，出错时间今天 9:05"))
    sqlite_app.run_once()
    assert the_ticket(sqlite_app).status == "info_pending"
