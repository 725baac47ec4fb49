"""Deadlines and escalation, driven by moving an injected clock over real IMAP, SMTP and SQLite."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.models import Ticket, TicketClock
from tests.conftest import SHIPPED_RULES

SH = ZoneInfo("Asia/Shanghai")
CUSTOMER = "李雷 <li.lei@example.cn>"
FATAL = "今天 9:05 起系统宕机，所有用户无法登录，提示“503”。版本 3.2.1\n1. 打开首页\n2. 登录"


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=SH))  # a Monday morning


@pytest.fixture
def app(make_config, sqlite_url, clock):
    helpdesk = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES), clock=clock)
    yield helpdesk
    helpdesk.close()


def mails_to(smtp, address):
    return [
        email.message_from_bytes(r.data, policy=email.policy.default)
        for r in smtp.received
        if address in r.recipients
    ]


def clocks(app) -> dict[str, TicketClock]:
    with app.sessions() as session:
        return {c.name: c for c in session.scalars(select(TicketClock).order_by(TicketClock.id))}


def the_ticket(app) -> Ticket:
    with app.sessions() as session:
        return session.scalars(select(Ticket)).first()


def staff_reply(to, sender, subject, text):
    return customer_mail(sender, f"{subject}{to['Subject']}", text, In_Reply_To=to["Message-ID"])


def test_fatal_ticket_escalates_to_manager_then_director_and_ack_stops_it(app, account, smtp, clock):
    account.deliver(customer_mail(CUSTOMER, "系统宕机", FATAL))
    app.run_once()
    assert the_ticket(app).priority == "fatal"
    due = {name: c.due_at.astimezone(SH) for name, c in clocks(app).items()}
    assert due == {
        "first_response": datetime(2026, 11, 23, 10, 15, tzinfo=SH),
        "owner_confirmation": datetime(2026, 11, 23, 11, 0, tzinfo=SH),
        "resolution": datetime(2026, 11, 23, 14, 0, tzinfo=SH),
        "solution_feedback": datetime(2026, 11, 25, 10, 0, tzinfo=SH),  # 2 working days
        "plan": datetime(2026, 11, 23, 12, 0, tzinfo=SH),  # a fault's handling plan: 2 h
    }
    clock.advance(timedelta(minutes=16))
    app.run_once()
    app.run_once()  # a second sweep sends nothing twice
    [first] = mails_to(smtp, "liu.yang@example.com")  # the operations manager
    assert (
        "【升级】首次响应超时" in first["Subject"] and "第 1 级" in first.get_body(("plain",)).get_content()
    )

    account.deliver(staff_reply(first, "刘洋 <liu.yang@example.com>", "Re: [ACK] ", "收到，我来跟进"))
    app.run_once()
    assert clocks(app)["first_response"].acknowledged_at is not None
    assert the_ticket(app).status == "assigned"  # an escalation's [ACK] is not a state change

    clock.advance(timedelta(hours=4))  # 14:16: resolution (due 14:00) and owner confirmation (11:00) missed
    app.run_once()
    subjects = [m["Subject"] for m in mails_to(smtp, "liu.yang@example.com")]
    assert sum("首次响应超时" in s for s in subjects) == 1
    assert sum("负责人确认超时" in s for s in subjects) == 1 and sum("解决超时" in s for s in subjects) == 1
    assert sum("处理方案超时" in s for s in subjects) == 1  # no plan (no #eta) by 12:00
    assert mails_to(smtp, "zhao.lei@example.com") == []  # the director hears only at the next level
    clock.advance(timedelta(hours=4))
    app.run_once()
    director = [m["Subject"] for m in mails_to(smtp, "zhao.lei@example.com")]
    assert sum("解决超时" in s for s in director) == 1 and sum("负责人确认超时" in s for s in director) == 1
    assert not any("首次响应" in s for s in director)  # acknowledged by the manager: it stopped there
    clock.advance(timedelta(hours=8))
    app.run_once()
    assert len(mails_to(smtp, "zhao.lei@example.com")) == 3  # two levels in the chain, each once


def owner_writes_on_a_fatal_ticket(app, account, smtp, clock, subject: str, text: str):
    """A fatal report, and five minutes later its owner's reply; returns the assignment notice."""
    account.deliver(customer_mail(CUSTOMER, "系统宕机", FATAL))
    app.run_once()
    [notice] = mails_to(smtp, "wang.wei@example.com")
    clock.advance(timedelta(minutes=5))
    account.deliver(staff_reply(notice, "王伟 <wang.wei@example.com>", subject, text))
    app.run_once()
    return notice


def test_first_response_is_an_engineers_words_not_our_acknowledgement(app, account, smtp, clock):
    owner_writes_on_a_fatal_ticket(app, account, smtp, clock, "Re: [处理中] ", "正在处理，10 分钟内回复。")
    state = clocks(app)
    assert state["first_response"].met_at is not None and state["owner_confirmation"].met_at is not None
    assert state["resolution"].met_at is None
    clock.advance(timedelta(hours=1))
    app.run_once()
    assert mails_to(smtp, "liu.yang@example.com") == []


def test_clocks_pause_while_information_is_pending(app, account, smtp, clock):
    account.deliver(
        customer_mail(CUSTOMER, "打印报错", "打印时提示“队列已满”。")
    )  # general: 2 h first response
    app.run_once()
    assert the_ticket(app).status == "info_pending"
    assert all(c.paused_at is not None for c in clocks(app).values())
    clock.advance(timedelta(hours=5))
    app.run_once()
    assert mails_to(smtp, "liu.yang@example.com") == []  # paused clocks do not breach
    [ack] = mails_to(smtp, "li.lei@example.cn")
    account.deliver(
        customer_mail(
            CUSTOMER,
            f"Re: {ack['Subject']}",
            "版本 3.2.1，今天 9:05\n1. 打开\n2. 打印",
            In_Reply_To=ack["Message-ID"],
        )
    )
    app.run_once()
    first = clocks(app)["first_response"]
    assert first.paused_at is None and first.paused_seconds == 5 * 3600
    assert first.due_at.astimezone(SH) == datetime(2026, 11, 23, 17, 0, tzinfo=SH)  # 15:00 + the 2 h left


def test_working_time_clock_crosses_the_weekend(app, account, smtp, clock):
    clock.advance(timedelta(days=4, hours=6))  # Friday 27 Nov, 16:00
    account.deliver(
        customer_mail(CUSTOMER, "请问", "请问如何修改密码？")
    )  # consultation, medium: 8 working hours
    app.run_once()
    assert clocks(app)["first_response"].due_at.astimezone(SH) == datetime(2026, 11, 30, 16, 30, tzinfo=SH)


def test_priority_change_recomputes_the_deadlines(app, account, smtp, clock):
    account.deliver(
        customer_mail(CUSTOMER, "打印报错", "今天 9:05 打印提示“队列已满”。版本 3.2.1\n1. 打开\n2. 打印")
    )
    app.run_once()
    assert "resolution" not in clocks(app)  # general faults have no resolution deadline
    [notice] = mails_to(smtp, "zhang.min@example.com")
    account.deliver(staff_reply(notice, "张敏 <zhang.min@example.com>", "Re: ", "#priority severe"))
    app.run_once()
    assert clocks(app)["first_response"].due_at.astimezone(SH) == datetime(2026, 11, 23, 10, 30, tzinfo=SH)


def test_tickets_show_lists_every_clock(app, account, smtp, clock, tmp_path):
    import json

    from click.testing import CliRunner

    from helpdesk.cli import main

    account.deliver(customer_mail(CUSTOMER, "系统宕机", FATAL))
    app.run_once()
    clock.advance(timedelta(minutes=20))
    app.run_once()
    result = CliRunner().invoke(
        main,
        ["--config", str(tmp_path / "helpdesk.yaml"), "tickets", "show", the_ticket(app).number, "--json"],
    )
    shown = {c["name"]: c for c in json.loads(result.output)["clocks"]}
    assert shown["first_response"]["due"] == "2026-11-23T10:15:00+08:00"
    assert shown["first_response"]["breached"] == "2026-11-23T10:20:00+08:00"
    assert shown["first_response"]["escalated_to"] == ["liu.yang"]
    assert shown["resolution"]["met"] is None


def test_the_owner_is_warned_before_a_deadline_once(app, account, smtp, clock):
    account.deliver(customer_mail(CUSTOMER, "系统宕机", FATAL))
    app.run_once()
    assert not any("即将到期" in m["Subject"] for m in mails_to(smtp, "wang.wei@example.com"))
    clock.advance(
        timedelta(minutes=8)
    )  # first response due 10:15; a 15-minute clock warns at 7.5 minutes left
    app.run_once()
    app.run_once()
    warnings = [m for m in mails_to(smtp, "wang.wei@example.com") if "即将到期" in m["Subject"]]
    assert (
        len(warnings) == 1
        and "首次响应" in warnings[0]["Subject"]
        and "10:15" in warnings[0].get_body(("plain",)).get_content()
    )


def test_progress_updates_remind_the_owner_first_then_tell_the_customer(app, account, smtp, clock):
    account.deliver(customer_mail(CUSTOMER, "系统宕机", FATAL))  # fatal: an update every 30 minutes
    app.run_once()
    customer_mails = len(mails_to(smtp, "li.lei@example.cn"))
    clock.advance(timedelta(minutes=31))
    app.run_once()
    reminders = [m for m in mails_to(smtp, "wang.wei@example.com") if "请更新进展" in m["Subject"]]
    assert len(reminders) == 1 and len(mails_to(smtp, "li.lei@example.cn")) == customer_mails
    clock.advance(timedelta(minutes=30))
    app.run_once()
    update = mails_to(smtp, "li.lei@example.cn")[-1]
    assert len(mails_to(smtp, "li.lei@example.cn")) == customer_mails + 1 and "工单进展" in update["Subject"]


def test_an_engineers_words_count_as_the_update(app, account, smtp, clock):
    account.deliver(customer_mail(CUSTOMER, "系统宕机", FATAL))
    app.run_once()
    [notice] = mails_to(smtp, "wang.wei@example.com")
    clock.advance(timedelta(minutes=20))
    account.deliver(
        staff_reply(notice, "王伟 <wang.wei@example.com>", "Re: ", "已切换到备用服务器，正在恢复。")
    )
    app.run_once()
    clock.advance(timedelta(minutes=15))  # 10:35: 15 minutes since the engineer's words
    app.run_once()
    assert not any("请更新进展" in m["Subject"] for m in mails_to(smtp, "wang.wei@example.com"))


def test_daily_summary_before_five_for_ordinary_tickets(app, account, smtp, clock):
    account.deliver(
        customer_mail(CUSTOMER, "打印报错", "今天 9:05 打印提示“队列已满”。版本 3.2.1\n1. 打开\n2. 打印")
    )
    app.run_once()
    clock.advance(timedelta(hours=6))  # 16:00: not yet
    app.run_once()
    assert not any("请更新进展" in m["Subject"] for m in mails_to(smtp, "zhang.min@example.com"))
    clock.advance(timedelta(minutes=31))  # 16:31
    app.run_once()
    assert sum("请更新进展" in m["Subject"] for m in mails_to(smtp, "zhang.min@example.com")) == 1
    before = len(mails_to(smtp, "li.lei@example.cn"))
    clock.advance(
        timedelta(days=1)
    )  # the next day, 16:31: the owner wrote nothing, the customer hears the status
    app.run_once()
    assert len(mails_to(smtp, "li.lei@example.cn")) == before + 1


def test_a_requests_feasibility_is_due_in_three_working_days(app, account, smtp, clock):
    account.deliver(customer_mail(CUSTOMER, "新功能需求", "使用场景：月结\n预期效果：一键导出凭证"))
    app.run_once()
    assert clocks(app)["feasibility"].due_at.astimezone(SH) == datetime(2026, 11, 26, 10, 0, tzinfo=SH)
    [notice] = mails_to(smtp, "sun.li@example.com")
    for keyword in ("[评估中]", "[设计中]"):
        account.deliver(staff_reply(notice, "孙丽 <sun.li@example.com>", f"Re: {keyword} ", ""))
        app.run_once()
    assert clocks(app)["feasibility"].met_at is not None
    # A request's answer is its assessment, then its stages: no solution_feedback clock to escalate
    # "方案反馈超时" to the director two working days into design (sla.yaml: development: none).
    assert "solution_feedback" not in clocks(app)


def test_a_customer_can_have_its_own_deadlines(make_config, sqlite_url, account, smtp, clock, tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, rules)
    sla = (rules / "sla.yaml").read_text(encoding="utf-8")
    (rules / "sla.yaml").write_text(
        sla.replace("first_response: {fatal: 15m,", 'first_response: {"@example.cn": 5m, fatal: 15m,')
    )
    app = Helpdesk(make_config(sqlite_url, rules=rules), clock=clock)
    account.deliver(customer_mail(CUSTOMER, "系统宕机", FATAL))
    app.run_once()
    assert clocks(app)["first_response"].due_at.astimezone(SH) == datetime(2026, 11, 23, 10, 5, tzinfo=SH)
    app.close()


def test_an_eta_is_the_plan_and_passing_or_moving_it_is_told(app, account, smtp, clock):
    notice = owner_writes_on_a_fatal_ticket(
        app, account, smtp, clock, "Re: [处理中] ", "#eta 2026-11-23 11:30"
    )
    state = clocks(app)
    assert state["plan"].met_at is not None and state["plan"].breached_at is None  # the plan, in time
    assert state["eta"].due_at.astimezone(SH) == datetime(2026, 11, 23, 11, 30, tzinfo=SH)

    clock.advance(timedelta(minutes=86))  # 11:31, not resolved
    app.run_once()
    passed = [m for m in mails_to(smtp, "wang.wei@example.com") if "预计完成时间已过" in m["Subject"]]
    assert len(passed) == 1 and "2026-11-23 11:30" in passed[0].get_body(("plain",)).get_content()
    manager = [m["Subject"] for m in mails_to(smtp, "liu.yang@example.com")]
    assert sum("预计完成超时" in s for s in manager) == 1

    account.deliver(
        staff_reply(
            notice, "王伟 <wang.wei@example.com>", "Re: ", "#reason 等待厂商补丁\n#eta 2026-11-23 16:00"
        )
    )
    app.run_once()
    [moved] = [m for m in mails_to(smtp, "liu.yang@example.com") if "预计完成时间已调整" in m["Subject"]]
    text = moved.get_body(("plain",)).get_content()
    assert "2026-11-23 11:30" in text and "2026-11-23 16:00" in text and "等待厂商补丁" in text
    # The one who moved it has the receipt, not an alert.
    assert not any("预计完成时间已调整" in m["Subject"] for m in mails_to(smtp, "wang.wei@example.com"))
    running = {c.name: c for c in clocks(app).values() if c.met_at is None}
    assert running["eta"].due_at.astimezone(SH) == datetime(2026, 11, 23, 16, 0, tzinfo=SH)


def test_an_unanswered_information_request_is_reminded_then_the_ticket_goes_on(app, account, smtp, clock):
    account.deliver(customer_mail(CUSTOMER, "打印报错", "打印时提示“队列已满”。"))
    app.run_once()
    assert the_ticket(app).status == "info_pending"
    clock.advance(timedelta(hours=23))
    app.run_once()
    assert len(mails_to(smtp, "li.lei@example.cn")) == 1  # only the acknowledgement so far
    clock.advance(timedelta(hours=2))
    app.run_once()
    app.run_once()  # a second sweep reminds nobody twice
    ack, reminder = mails_to(smtp, "li.lei@example.cn")
    text = reminder.get_body(("plain",)).get_content()
    assert "提醒：请补充信息" in reminder["Subject"] and "系统版本" in text and "先行处理" in text
    assert reminder["In-Reply-To"] == ack["Message-ID"]  # in the ticket's thread
    assert the_ticket(app).status == "info_pending" and mails_to(smtp, "zhang.min@example.com") == []

    clock.advance(timedelta(hours=25))
    app.run_once()
    ticket = the_ticket(app)
    assert (ticket.status, ticket.incomplete, ticket.owner) == ("assigned", True, "zhang.min")
    [notice] = mails_to(smtp, "zhang.min@example.com")
    assert "系统版本" in notice.get_body(("plain",)).get_content()  # what is still missing


def test_a_solution_is_a_handling_plan_too(app, account, smtp, clock):
    owner_writes_on_a_fatal_ticket(app, account, smtp, clock, "Re: [处理中] ", "#solution 已切换到备用服务器")
    state = clocks(app)
    assert state["plan"].met_at is not None and state["resolution"].met_at is None
    clock.advance(timedelta(hours=3))  # past the 2 h of the plan: nothing to escalate there
    app.run_once()
    assert not any("处理方案" in m["Subject"] for m in mails_to(smtp, "liu.yang@example.com"))


def test_the_first_clock_entry_that_applies_counts_and_none_means_no_clock():
    from helpdesk.rules.schema import Sla
    from helpdesk.sla.deadlines import clock_length

    sla = Sla(clocks={"solution_feedback": {"development": "none", "urgent": "4h", "default": "2bd"}})

    def length(type_: str, priority: str, email: str = "li.lei@example.cn") -> str | None:
        found = clock_length(sla, "solution_feedback", email, priority, type_)
        return found and f"{found.amount:g}{found.unit}"

    assert length("development", "medium") is None  # the type's `none`: no such clock
    assert length("development", "urgent") == "4h"  # a priority's entry comes before the type's
    assert length("fault", "general") == "2bd"
