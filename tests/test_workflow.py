"""Workflow by mail, end to end: engineers move tickets, customers confirm and rate, robots and
strangers move nothing."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.models import Event, Ticket
from tests.conftest import SHIPPED_RULES

CUSTOMER = "李雷 <li.lei@example.cn>"
COMPLETE = "今天 9:05 起提示“验证码错误”。版本 3.2.1\n操作步骤：\n1. 打开登录页\n2. 输入账号密码"
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def app(make_config, sqlite_url, clock):
    helpdesk = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES), clock=clock)
    yield helpdesk
    helpdesk.close()


def mails_to(smtp, address: str) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(r.data, policy=email.policy.default)
        for r in smtp.received
        if address in r.recipients
    ]


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def ticket_now(app: Helpdesk, number: str | None = None) -> Ticket:
    with app.sessions() as session:
        query = select(Ticket).order_by(Ticket.id)
        tickets = session.scalars(query).all()
        return next(t for t in tickets if t.number == number) if number else tickets[0]


def kinds(app: Helpdesk) -> list[str]:
    with app.sessions() as session:
        return list(session.scalars(select(Event.kind).order_by(Event.id)))


def reply(to, sender: str, subject_prefix: str, text: str, **headers) -> bytes:
    """A reply as Outlook writes it: new text, then a full-width header block and the quote."""
    quoted = (
        f"{text}\n\n发件人：技术支持 <{to['From']}>\n发送时间：2026年11月23日 10:02\n"
        f"主题：{to['Subject']}\n\n{body(to)}"
    )
    return customer_mail(
        sender,
        f"{subject_prefix}{to['Subject']}",
        quoted,
        In_Reply_To=to["Message-ID"],
        References=to["Message-ID"],
        **headers,
    )


def open_ticket(app, account, smtp, subject="紧急：OA 无法登录", text=COMPLETE):
    account.deliver(customer_mail(CUSTOMER, subject, text))
    app.run_once()
    return ticket_now(app)


def test_fault_from_first_mail_to_archive(app, account, smtp):
    ticket = open_ticket(app, account, smtp)
    assert (ticket.status, ticket.owner) == ("assigned", "wang.wei")
    [notice] = mails_to(smtp, "wang.wei@example.com")

    account.deliver(
        reply(notice, "王伟 <wang.wei@example.com>", "回复：【处理中】", "已收到，正在排查。\n\n王伟")
    )
    app.run_once()
    ticket = ticket_now(app)
    assert ticket.status == "in_progress" and ticket.owner_confirmed_at is not None
    update = mails_to(smtp, "li.lei@example.cn")[-1]
    assert "处理中" in update["Subject"] and "已收到，正在排查。" in body(update)
    assert "发送时间" not in body(update)  # the engineer's quoted history never reaches the customer
    receipt = mails_to(smtp, "wang.wei@example.com")[-1]
    assert "回执" in receipt["Subject"] and "✓ 状态改为“处理中”" in body(receipt)
    assert "In progress" not in body(receipt)

    account.deliver(
        reply(update, "王伟 <wang.wei@example.com>", "Re: ", "#note 验证码服务缓存被写满，导致校验失败")
    )
    account.deliver(
        reply(
            update,
            "王伟 <wang.wei@example.com>",
            "Re: [RESOLVED] ",
            "#solution 清理了验证码服务的缓存\n\n请再试一次。",
        )
    )
    app.run_once()
    resolution = mails_to(smtp, "li.lei@example.cn")[-1]
    assert "问题已解决，请确认" in resolution["Subject"]
    assert "清理了验证码服务的缓存" in body(resolution) and "请再试一次。" in body(resolution)
    assert "满意 / 基本满意 / 不满意" in body(resolution)
    assert ticket_now(app).status == "resolved"

    account.deliver(reply(resolution, CUSTOMER, "回复：", "已解决，满意，谢谢！"))
    app.run_once()
    ticket = ticket_now(app)
    assert (ticket.status, ticket.confirmation, ticket.satisfaction) == ("closed", "resolved", "satisfied")
    assert ticket.archived_at is not None
    with app.sessions() as session:
        archived = session.scalar(select(Event).where(Event.kind == "archived"))
    assert (
        archived.detail["solution"] == "清理了验证码服务的缓存" and "验证码错误" in archived.detail["problem"]
    )
    assert archived.detail["analysis"] == ["验证码服务缓存被写满，导致校验失败"]
    assert kinds(app).count("assignment_confirmed") == 1


def test_lookalike_address_and_customer_keywords_move_nothing(app, account, smtp):
    """A look-alike domain is a stranger; the forged exact From is in tests/test_staff_trust.py."""
    ticket = open_ticket(app, account, smtp)
    tag = f"[#{ticket.number}]"
    account.deliver(
        customer_mail("Mallory <wang.wei@evil.example>", f"Re: {tag} [RESOLVED]", "#priority low")
    )
    account.deliver(customer_mail(CUSTOMER, f"Re: {tag} [RESOLVED]", "#solution 我自己修好了"))
    app.run_once()
    first = ticket_now(app, ticket.number)
    assert (first.status, first.priority, first.solution) == ("assigned", "severe", "")
    assert not any(
        "回执" in m["Subject"] or "Receipt" in m["Subject"]
        for r in ("li.lei@example.cn",)
        for m in mails_to(smtp, r)
    )


def test_out_of_office_from_the_owner_moves_nothing(app, account, smtp):
    ticket = open_ticket(app, account, smtp)
    account.deliver(
        customer_mail(
            "王伟 <wang.wei@example.com>",
            f"自动回复: [#{ticket.number}] [RESOLVED]",
            "我正在休假。",
            Auto_Submitted="auto-replied",
        )
    )
    app.run_once()
    assert ticket_now(app).status == "assigned" and ticket_now(app).owner_confirmed_at is None
    assert len(mails_to(smtp, "wang.wei@example.com")) == 1  # only the assignment; no receipt


def test_illegal_transition_is_refused_with_the_allowed_ones(app, account, smtp):
    open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    account.deliver(reply(notice, "王伟 <wang.wei@example.com>", "Re: [TESTING] ", "测一下"))
    app.run_once()
    assert ticket_now(app).status == "assigned"
    receipt = body(mails_to(smtp, "wang.wei@example.com")[-1])
    assert "不能从“待处理”改为“测试中”；当前可改为：已接收、处理中" in receipt


def test_commands(app, account, smtp):
    open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    account.deliver(
        reply(
            notice,
            "王伟 <wang.wei@example.com>",
            "Re: ",
            "#优先级 紧急\n#eta 2026-11-24 18:00\n#协作 chen.jie\n#frobnicate\n\n已定位，明天修复。",
        )
    )
    app.run_once()
    ticket = ticket_now(app)
    assert ticket.priority == "fatal"  # 紧急 is urgency's first rank: fatal on the severity scale
    assert ticket.eta == datetime(2026, 11, 24, 10, 0, tzinfo=UTC) and ticket.collaborators == ["chen.jie"]
    receipt = body(mails_to(smtp, "wang.wei@example.com")[-1])
    assert "✓ #优先级 紧急" in receipt and "✗ #frobnicate：未知命令" in receipt
    assert "已定位，明天修复。" in body(mails_to(smtp, "li.lei@example.cn")[-1])

    before = len(mails_to(smtp, "li.lei@example.cn"))
    account.deliver(reply(notice, "王伟 <wang.wei@example.com>", "Re: ", "#eta 2026-11-25 18:00"))
    app.run_once()
    refused = body(mails_to(smtp, "wang.wei@example.com")[-1])
    assert "调整预计完成时间，需在其上一行用 #原因 写明原因" in refused
    account.deliver(
        reply(notice, "王伟 <wang.wei@example.com>", "Re: ", "#reason 等待厂商补丁\n#eta 2026-11-25 18:00")
    )
    account.deliver(
        reply(notice, "王伟 <wang.wei@example.com>", "Re: ", "#note 厂商工单号 8812\n内部：别告诉客户")
    )
    account.deliver(reply(notice, "王伟 <wang.wei@example.com>", "Re: ", "#assign li.na"))
    app.run_once()
    customer = mails_to(smtp, "li.lei@example.cn")[before:]
    assert (
        len(customer) == 1 and "等待厂商补丁" in body(customer[0]) and "2026-11-25 18:00" in body(customer[0])
    )
    assert all(
        "别告诉客户" not in body(m) and "8812" not in body(m) for m in mails_to(smtp, "li.lei@example.cn")
    )
    assert ticket_now(app).owner == "li.na" and len(mails_to(smtp, "li.na@example.com")) == 1


def test_unsatisfied_customer_reopens_raises_reassigns_and_tells_the_manager(app, account, smtp):
    open_ticket(
        app,
        account,
        smtp,
        subject="打印报错",
        text="今天 9:05 打印提示“队列已满”。版本 3.2.1\n1. 打开\n2. 打印",
    )
    assert (ticket_now(app).owner, ticket_now(app).priority) == ("zhang.min", "general")
    [notice] = mails_to(smtp, "zhang.min@example.com")
    account.deliver(
        reply(notice, "张敏 <zhang.min@example.com>", "Re: [已解决] ", "#solution 清空了打印队列")
    )
    app.run_once()
    resolution = mails_to(smtp, "li.lei@example.cn")[-1]
    account.deliver(reply(resolution, CUSTOMER, "回复：", "未解决，不满意"))
    app.run_once()
    ticket = ticket_now(app)
    assert (ticket.status, ticket.priority, ticket.owner) == ("reopened", "severe", "wang.wei")
    assert (ticket.confirmation, ticket.satisfaction) == ("unresolved", "unsatisfied")
    assert "工单已重新打开" in mails_to(smtp, "wang.wei@example.com")[-1]["Subject"]
    assert "未解决" in body(mails_to(smtp, "liu.yang@example.com")[-1])  # the operations manager


def test_request_from_first_mail_to_archive(app, account, smtp):
    account.deliver(customer_mail(CUSTOMER, "新功能需求", "使用场景：月结\n预期效果：一键导出凭证"))
    app.run_once()
    [notice] = mails_to(smtp, "sun.li@example.com")
    pm = "孙丽 <sun.li@example.com>"
    account.deliver(reply(notice, pm, "Re: [已上线] ", "上线了"))
    app.run_once()
    assert ticket_now(app).status == "assigned"
    assert "不能从“待处理”改为“已上线”；当前可改为：已接收、评估中" in body(
        mails_to(smtp, "sun.li@example.com")[-1]
    )
    for keyword, state, gate in [
        ("[评估中]", "evaluating", ""),
        ("[开发中]", "developing", "#范围冻结 凭证列表页一键导出"),  # workflows.yaml requires
        ("[测试中]", "testing", ""),
        ("[已上线]", "released", "#验收 通过 李雷\n#上线计划 2026-11-30 22:00 回滚：切回旧版本"),
    ]:
        account.deliver(reply(notice, pm, f"Re: {keyword} ", gate))  # no words to relay
        app.run_once()
        assert ticket_now(app).status == state
    told = [m["Subject"] for m in mails_to(smtp, "li.lei@example.cn")]
    assert (
        any("评估中" in s for s in told)
        and any("开发中" in s for s in told)
        and any("已上线" in s for s in told)
    )
    assert not any("测试中" in s for s in told)  # testing is internal for requests
    account.deliver(reply(notice, pm, "Re: [已解决] ", "#solution 新增“批量导出凭证”按钮"))
    app.run_once()
    account.deliver(reply(mails_to(smtp, "li.lei@example.cn")[-1], CUSTOMER, "回复：", "1 2"))
    app.run_once()
    ticket = ticket_now(app)
    assert (ticket.status, ticket.confirmation, ticket.satisfaction) == ("closed", "resolved", "fair")


def test_customer_follow_up_reaches_the_owner(app, account, smtp):
    ticket = open_ticket(app, account, smtp)
    account.deliver(customer_mail(CUSTOMER, f"Re: [#{ticket.number}]", "补充：换了浏览器也一样。"))
    app.run_once()
    forwarded = mails_to(smtp, "wang.wei@example.com")[-1]
    assert "客户来信" in forwarded["Subject"] and "补充：换了浏览器也一样。" in body(forwarded)


def test_no_answer_gets_a_reminder_then_closes_as_confirmed(app, account, smtp, clock):
    open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    account.deliver(reply(notice, "王伟 <wang.wei@example.com>", "Re: [RESOLVED] ", "#solution 重启了服务"))
    app.run_once()
    clock.advance(timedelta(hours=47))
    app.run_once()
    assert not any("请确认问题是否已解决" in m["Subject"] for m in mails_to(smtp, "li.lei@example.cn"))
    clock.advance(timedelta(hours=2))
    app.run_once()
    app.run_once()  # the reminder goes once
    reminders = [m for m in mails_to(smtp, "li.lei@example.cn") if "请确认问题是否已解决" in m["Subject"]]
    assert len(reminders) == 1 and "重启了服务" in body(reminders[0])
    clock.advance(timedelta(hours=48))
    app.run_once()
    ticket = ticket_now(app)
    assert (ticket.status, ticket.confirmation) == ("closed", "resolved")


def test_unanswered_resolution_can_stay_open(make_config, sqlite_url, account, smtp, clock, tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, rules)
    flows = (rules / "workflows.yaml").read_text(encoding="utf-8")
    (rules / "workflows.yaml").write_text(
        flows.replace("close_without_answer: true", "close_without_answer: false")
    )
    app = Helpdesk(make_config(sqlite_url, rules=rules), clock=clock)
    open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    account.deliver(reply(notice, "王伟 <wang.wei@example.com>", "Re: [RESOLVED] ", "好了"))
    app.run_once()
    clock.advance(timedelta(days=30))
    app.run_once()
    assert ticket_now(app).status == "resolved"
    app.close()


def test_reply_to_a_closed_ticket_reopens_within_the_window_then_links(app, account, smtp, clock):
    ticket = open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    account.deliver(reply(notice, "王伟 <wang.wei@example.com>", "Re: [CLOSED] ", "已处理"))
    app.run_once()
    assert ticket_now(app).status == "closed"
    clock.advance(timedelta(days=2))
    account.deliver(customer_mail(CUSTOMER, f"Re: [#{ticket.number}] 又出现了", "又出现了"))
    app.run_once()
    assert ticket_now(app).status == "reopened"
    account.deliver(reply(notice, "王伟 <wang.wei@example.com>", "Re: [RESOLVED] ", "好了"))
    app.run_once()
    account.deliver(customer_mail(CUSTOMER, f"Re: [#{ticket.number}]", "已解决 满意"))
    app.run_once()
    assert ticket_now(app).status == "closed"
    clock.advance(timedelta(days=8))
    account.deliver(
        customer_mail(CUSTOMER, f"Re: [#{ticket.number}] 新问题", "又坏了，今天 9:05 提示“验证码错误”")
    )
    app.run_once()
    first, second = ticket_now(app, ticket.number), ticket_now(app)
    with app.sessions() as session:
        newest = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert first.status == "closed" and newest.related_ticket_id == first.id and newest.id != first.id
    assert second.number == ticket.number


def test_commands_need_dkim_when_configured(make_config, sqlite_url, account, smtp, clock):
    config = make_config(
        sqlite_url,
        rules=SHIPPED_RULES,
        commands={"require_authentication": True, "authserv_id": "mx.example.com"},
    )
    app = Helpdesk(config, clock=clock)
    open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    account.deliver(reply(notice, "王伟 <wang.wei@example.com>", "Re: [RESOLVED] ", "好了"))
    app.run_once()
    assert ticket_now(app).status == "assigned"
    assert "未通过我方邮件服务器的发件人验证" in body(mails_to(smtp, "wang.wei@example.com")[-1])
    signed = "mx.example.com; dkim=pass header.d=example.com; dmarc=pass header.from=example.com"
    account.deliver(
        reply(notice, "王伟 <wang.wei@example.com>", "Re: [RESOLVED] ", "好了", Authentication_Results=signed)
    )
    app.run_once()
    assert ticket_now(app).status == "resolved"
    app.close()


def test_an_eta_moved_at_short_notice_is_flagged_late(app, account, smtp):
    open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    account.deliver(
        reply(notice, "王伟 <wang.wei@example.com>", "Re: ", "#eta 2026-11-23 10:30")
    )  # 30 min away
    app.run_once()
    account.deliver(
        reply(notice, "王伟 <wang.wei@example.com>", "Re: ", "#reason 补丁未到\n#eta 2026-11-24 18:00")
    )
    app.run_once()
    receipt = body(mails_to(smtp, "wang.wei@example.com")[-1])
    assert "✓ #eta 2026-11-24 18:00" in receipt and "已执行，但距原预计完成时间已不足1个工作日" in receipt
    with app.sessions() as session:
        moved = session.scalars(select(Event).where(Event.kind == "command_eta")).all()[-1]
    assert moved.detail["late"] is True and moved.detail["reason"] == "补丁未到"
    assert "补丁未到" in body(mails_to(smtp, "li.lei@example.cn")[-1])
