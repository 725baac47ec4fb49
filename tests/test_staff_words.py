"""Whose words reach the customer, over real IMAP, the SMTP sink and SQLite: an engineer's words
that went with a refused status change are held (kept inside, the receipt says so, to be resent);
a manager's [ACK] of an escalation is between staff; a forged [ACK] changes nothing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from tests.conftest import SHIPPED_RULES
from tests.support.seed_desk import Desk, Sent
from tests.test_seed_request import PM, REPORT, REQUEST, SUBJECT, SUN_LI
from tests.test_staff_trust import OURS_PASS, with_stamps

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
CUSTOMER, LI_LEI = "李雷 <li.lei@example.cn>", "li.lei@example.cn"
OWNER, WANG_WEI = "王伟 <wang.wei@example.com>", "wang.wei@example.com"
LEAD, LIU_YANG = "刘洋 <liu.yang@example.com>", "liu.yang@example.com"  # operations manager


@pytest.fixture
def desk(make_config, sqlite_url, account, smtp, tmp_path):
    clock = ManualClock(MONDAY)
    commands = {"require_authentication": True, "authserv_id": "mx.example.com"}
    app = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES, commands=commands), clock=clock)
    yield Desk(app, account, smtp, clock, tmp_path / "helpdesk.yaml")
    app.close()


def signed(desk: Desk, to: Sent, sender: str, text: str, keyword: str = "", stamped: bool = True):
    """`sender` answers `to` in its thread; `stamped`: our server's DKIM/DMARC pass is on top."""
    raw = customer_mail(
        sender,
        f"Re: {keyword}{to.subject}",
        text,
        In_Reply_To=to.message["Message-ID"],
        References=to.message["Message-ID"],
    )
    return desk.deliver(with_stamps(raw, OURS_PASS) if stamped else raw)


def test_words_sent_with_a_refused_move_are_held_and_the_engineer_told(desk):
    step = desk.mail(CUSTOMER, SUBJECT, REQUEST)
    number = desk.ticket().number
    notice = step.one(SUN_LI, "新工单分配给您")
    signed(desk, notice, PM, "开始评估。", "[评估中] ")
    signed(desk, notice, PM, f"#评估 可实施 {REPORT}")
    assert desk.ticket().status == "designing"

    # [开发中] before the scope is frozen: the gate refuses the move, so its words are held.
    step = signed(desk, notice, PM, "开始开发。", "[开发中] ")
    assert desk.ticket().status == "designing"
    assert step.to(LI_LEI) == []  # no "开始开发" beside "当前状态：设计中"
    receipt = step.one(SUN_LI, "回执").text
    assert "范围" in receipt  # why the move was refused
    assert "给客户的回复内容" in receipt and "未发给客户" in receipt and "重新发送" in receipt
    assert "内部留言（未发给客户）：开始开发。" in desk.cli("tickets", "show", number)

    # A move the workflow does not allow from here ([已上线] while designing): held the same way.
    step = signed(desk, notice, PM, "已经上线了。", "[已上线] ")
    assert desk.ticket().status == "designing" and step.to(LI_LEI) == []
    assert "未发给客户" in step.one(SUN_LI, "回执").text

    # Words with no keyword are relayed as before.
    step = signed(desk, notice, PM, "设计稿本周五前给您确认。")
    assert "设计稿本周五前给您确认。" in step.one(LI_LEI, "工单进展").text


def test_a_managers_ack_stays_between_staff_and_a_forged_one_changes_nothing(desk):
    step = desk.mail(CUSTOMER, "紧急：系统宕机", "系统宕机了，所有用户都无法使用！\n\n李雷")
    number = desk.ticket().number
    step = desk.later(hours=3)  # no first response from the owner: escalated to the manager
    escalation = next(s for s in step.to(LIU_YANG) if "【升级】" in s.subject)
    assert "不会发给客户" in escalation.text

    # The same words, forged from the manager (no verdict from our server): nothing moves.
    step = signed(desk, escalation, LEAD, "收到，已协调数据库组支援。", "[ACK] ", stamped=False)
    assert step.to(LI_LEI) == []
    assert all(c.acknowledged_at is None for c in desk.clocks().values())

    step = signed(desk, escalation, LEAD, "收到，已协调数据库组支援。", "[ACK] ")
    assert any(c.acknowledged_at is not None for c in desk.clocks().values())
    assert step.to(LI_LEI) == []  # the manager's words are not 工程师回复 to the customer
    assert "内部留言（未发给客户）：收到，已协调数据库组支援。" in desk.cli("tickets", "show", number)
