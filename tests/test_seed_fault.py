"""Seed 001, a fault from first mail to archive over real IMAP, the SMTP sink and the database, with
the clock moved by hand: a 致命 fault that goes to a senior engineer at once while the customer is
still asked for details, is escalated when its ETA passes, is worked with collaborators and solved
with the lead's approval; then a 一般 fault that the customer does not accept, reopened one level
up, solved again and closed by default. At each step: the state, who was mailed in which language,
the record (`tickets show --json`) with where each field came from, and the clocks."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.tickets.models_knowledge import KnowledgeEntry
from tests.conftest import SHIPPED_RULES
from tests.support.seed_desk import Desk, in_chinese, in_english
from tests.test_approval import rules_with_approval

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
CUSTOMER, LI_LEI = "李雷 <li.lei@example.cn>", "li.lei@example.cn"
OWNER, WANG_WEI = "王伟 <wang.wei@example.com>", "wang.wei@example.com"
LEAD, LIU_YANG = "刘洋 <liu.yang@example.com>", "liu.yang@example.com"  # operations manager
DIRECTOR = "zhao.lei@example.com"
DOWN = "系统宕机了，所有用户都无法使用！"
REPORT = f"{DOWN}\n出现频率：持续\n问题性质：环境\n\n李雷\n华东制造有限公司 信息部\n电话：13812345678"


def at(hour: int, minute: int) -> datetime:
    return MONDAY.replace(hour=hour, minute=minute)


def desk_for(make_config, db: str, account, smtp, tmp_path, rules=SHIPPED_RULES) -> Desk:
    clock = ManualClock(MONDAY)
    app = Helpdesk(make_config(db, rules=rules), clock=clock)
    return Desk(app, account, smtp, clock, tmp_path / "helpdesk.yaml")


@pytest.fixture
def fatal_desk(make_config, db_url, account, smtp, tmp_path):
    """The shipped rules, with the lead's approval turned on for fatal faults."""
    rules = rules_with_approval(tmp_path, {"types": ["fault"], "priorities": ["fatal"]})
    desk = desk_for(make_config, db_url, account, smtp, tmp_path, rules)
    yield desk
    desk.app.close()


def test_a_fatal_fault_from_first_mail_to_archive(fatal_desk):
    desk = fatal_desk
    # 1. 10:00 The customer reports the outage, with no version, no steps, no error text.
    step = desk.mail(CUSTOMER, "紧急：系统宕机", REPORT)
    ticket = desk.ticket()
    assert (ticket.status, ticket.type, ticket.priority) == ("assigned", "fault", "fatal")
    assert (ticket.team, ticket.owner) == ("operations", "wang.wei")  # a senior engineer, at once
    assert step.recipients() == {LI_LEI, WANG_WEI}
    ack = step.one(LI_LEI, "已收到您的需求")
    assert in_chinese(ack) and "紧急程度：致命" in ack.text
    assert "系统版本" in ack.text and "操作步骤" in ack.text  # asked in the same breath
    assert "手机号已被隐藏" in step.one(LI_LEI, "敏感信息").text  # the phone is not kept whole
    urgent = step.one(WANG_WEI, "【紧急】")
    assert in_chinese(urgent) and DOWN in urgent.text and "138****5678" in urgent.text
    assert "客户尚未提供" in urgent.text and "不因等待补充而暂停" in urgent.text
    assert "13812345678" not in urgent.text
    clocks = desk.clocks()
    assert all(c.paused_at is None for c in clocks.values())  # urgent: no clock waits for details
    assert clocks["first_response"].due_at == at(10, 15) and clocks["plan"].due_at == at(12, 0)
    assert clocks["resolution"].due_at == at(14, 0)

    # 2. 10:05 The customer supplies the details; they reach the engineer as they arrive.
    desk.later(minutes=5)
    answer = "版本：3.2.1\n错误提示：页面显示“503 Service Unavailable”\n发生时间：2026-11-23 09:05\n"
    step = desk.reply(ack, CUSTOMER, answer + "操作步骤：\n1. 打开首页\n2. 登录")
    assert step.recipients() == {WANG_WEI}  # nothing more to ask the customer
    assert "3.2.1" in step.one(WANG_WEI, "客户来信").text
    assert desk.ticket().status == "assigned"

    # 3. 10:08 The owner takes it: [已接收]. The customer hears, the first response is met in time.
    desk.later(minutes=3)
    step = desk.reply(urgent, OWNER, "已接收，正在排查。", "【已接收】")
    assert desk.ticket().status == "acknowledged"
    update = step.one(LI_LEI, "工单进展")
    assert in_chinese(update) and "当前状态：已接收" in update.text and "已接收，正在排查。" in update.text
    assert "✓ 状态改为“已接收”" in step.one(WANG_WEI, "回执").text
    assert desk.clocks()["first_response"].met_at == at(10, 8)

    # 4. 10:13 The handling plan: an ETA and the initial judgement, inside the plan's 2 hours.
    desk.later(minutes=5)
    step = desk.reply(urgent, OWNER, "#eta 2026-11-23 11:30\n#初步判断 疑似数据库连接池耗尽")
    assert step.recipients() == {WANG_WEI}  # commands only: the receipt
    judged = desk.record(desk.ticket().number)["fields"]
    assert judged["judgement"]["value"] == "pending_verification"
    clocks = desk.clocks()
    assert clocks["plan"].met_at == at(10, 13) and clocks["plan"].breached_at is None
    assert clocks["eta"].due_at == at(11, 30)

    # 5. 11:31 The ETA passes unresolved: the owner is alerted, the manager gets the escalation.
    step = desk.at(at(11, 31))
    assert "2026-11-23 11:30" in step.one(WANG_WEI, "预计完成时间已过").text
    escalation = step.one(LIU_YANG, "【升级】预计完成超时")
    assert in_chinese(escalation) and "第 1 级" in escalation.text and DOWN in escalation.text
    assert step.to(DIRECTOR) == []
    # The manager acknowledges with an internal note: the escalation stops, the customer hears nothing.
    desk.later(minutes=2)
    step = desk.reply(escalation, LEAD, "#备注 已协调数据库组支援", "[ACK] ")
    assert step.to(LI_LEI) == [] and desk.clocks()["eta"].acknowledged_at == at(11, 33)

    # 6. 11:35 Collaborators with the time each owes (in their own zone and language); the ETA moves.
    desk.later(minutes=2)
    command = "#协作 陈杰 今天14:00、emma.brown 今天15:00\n#原因 等待数据库组扩容\n#eta 2026-11-23 16:00"
    step = desk.reply(urgent, OWNER, command)
    chen = step.one("chen.jie@example.com", "请协助处理工单")
    assert in_chinese(chen) and "请在 2026-11-23 14:00 前完成" in chen.text and "3.2.1" in chen.text
    emma = step.one("emma.brown@example.com")
    masked = REPORT.replace("13812345678", "138****5678")  # the customer's words, as stored
    assert in_english(emma, masked, "紧急：系统宕机", "王伟", "李雷", "打开首页", "登录")
    assert "reply to this mail by 2026-11-23 07:00" in emma.text  # 15:00 in Shanghai, London time
    moved = step.one(LIU_YANG, "预计完成时间已调整")
    assert "2026-11-23 11:30" in moved.text and "2026-11-23 16:00" in moved.text
    assert "等待数据库组扩容" in moved.text

    # 7. 11:37 [处理中]: the customer's update names the collaborators and the standing ETA.
    desk.later(minutes=2)
    step = desk.reply(urgent, OWNER, "已切换到备用数据库，正在恢复服务。", "【处理中】")
    assert desk.ticket().status == "in_progress"
    update = step.one(LI_LEI, "工单进展")
    assert "当前状态：处理中" in update.text and "协作人：陈杰、Emma Brown" in update.text
    assert "预计完成时间：2026-11-23 16:00" in update.text

    # 8. Every 30 minutes the customer hears: the owner is reminded first, then the customer is told.
    step = desk.at(at(12, 8))
    assert step.recipients() == {WANG_WEI} and step.one(WANG_WEI, "请更新进展")
    step = desk.at(at(12, 38))
    assert "将于30分钟后再次同步" in step.one(LI_LEI, "工单进展").text

    # 9. 12:40 Solved with its cause; the fatal fault waits for the lead's approval (待审批).
    desk.later(minutes=2)
    cause, solution = "数据库连接池配置过小，高峰期耗尽", "连接池从 50 调整为 200 并重启应用"
    step = desk.reply(urgent, OWNER, f"#原因 {cause}\n#解决方案 {solution}\n\n服务已恢复。", "[已解决] ")
    assert desk.ticket().status == "awaiting_approval" and step.to(LI_LEI) == []
    request = step.one(LIU_YANG, "待审批")
    assert cause in request.text and solution in request.text and "#批准" in request.text
    desk.later(minutes=5)
    step = desk.reply(request, LEAD, "#批准")
    assert desk.ticket().status == "resolved"
    resolution = step.one(LI_LEI, "问题已解决，请确认")
    assert in_chinese(resolution) and cause in resolution.text and solution in resolution.text
    assert "满意 / 基本满意 / 不满意" in resolution.text

    # 10. 13:15 The customer confirms: closed and archived, and told so.
    desk.later(minutes=30)
    step = desk.reply(resolution, CUSTOMER, "已解决，满意")
    ticket = desk.ticket()
    assert (ticket.status, ticket.confirmation, ticket.satisfaction) == ("closed", "resolved", "satisfied")
    closed = step.one(LI_LEI, "工单已关闭")
    assert "已关闭并归档" in closed.text and "已解决，满意" in closed.text

    # The record a support lead opens: every field with where it came from.
    record = desk.record(ticket.number)
    fields = {name: (item["value"], item["source"]) for name, item in record["fields"].items()}
    assert fields["company"] == ("华东制造有限公司", "signature")
    assert fields["department"] == ("信息部", "signature")
    assert fields["phone"] == ("138****5678", "text") and "13812345678" not in str(record)
    assert fields["impact"] == ("所有用户", "text")
    assert fields["frequency"] == ("persistent", "text") and fields["nature"] == ("environment", "text")
    assert fields["system_version"] == ("3.2.1", "text") and fields["channel"] == ("mail", "mail")
    first, second = [m["message_id"] for m in record["messages"] if m["direction"] == "in"][:2]
    assert record["fields"]["company"]["message_id"] == first  # read from the first mail
    assert record["fields"]["system_version"]["message_id"] == second  # and the answer
    assert fields["category"] == ("system_down", "mail")  # 问题分类, from the report's 宕机
    assert record["fields"]["category"]["message_id"] == first
    assert fields["judgement_note"] == ("疑似数据库连接池耗尽", "command")
    assert fields["judgement"] == ("verified", "command")  # 初步判断: 待验证 until solved with a cause
    assert fields["cause"] == (cause, "command") and record["cause"] == cause
    assert record["solution"] == solution
    eta = record["eta"]
    assert (
        eta["first_planned"] == "2026-11-23T11:30:00+08:00" and eta["planned"] == "2026-11-23T16:00:00+08:00"
    )
    assert [c["reason"] for c in eta["changes"]] == [None, "等待数据库组扩容"]
    assert eta["actual"] == record["resolved"] == "2026-11-23T12:45:00+08:00"
    assert (record["confirmation"], record["satisfaction"]) == ("resolved", "satisfied")
    assert record["closed"] == record["archived"] == "2026-11-23T13:15:00+08:00"
    due = {c["id"]: c["due"] for c in record["collaborators"]}
    assert due == {"chen.jie": "2026-11-23T14:00:00+08:00", "emma.brown": "2026-11-23T15:00:00+08:00"}
    [escalated] = record["escalations"]
    assert (escalated["clock"], escalated["to"], escalated["acknowledged"]) == (
        "eta",
        "liu.yang",
        "2026-11-23T11:33:00+08:00",
    )
    assert desk.clocks()["resolution"].met_at == at(12, 45)  # inside the 4 hours of a fatal fault

    # The knowledge entry: problem, cause, solution, version and the customer's verdict.
    with desk.app.sessions() as session:
        entry = session.scalars(select(KnowledgeEntry)).one()
    assert DOWN in entry.problem and entry.solution == solution and entry.version == "3.2.1"
    assert cause in entry.cause
    assert (entry.confirmation, entry.satisfaction) == ("resolved", "satisfied")
    # No system named: no product; the sub-category is its own column, not a product.
    assert entry.subcategory == "system_down" and entry.product == ""


@pytest.fixture
def general_desk(make_config, sqlite_url, account, smtp, tmp_path):
    desk = desk_for(make_config, sqlite_url, account, smtp, tmp_path)
    yield desk
    desk.app.close()


HAN_MEI, CUSTOMER_HAN = "han.mei@example.cn", "韩梅 <han.mei@example.cn>"
JUNIOR, ZHANG_MIN = "张敏 <zhang.min@example.com>", "zhang.min@example.com"
PRINTING = (
    "您好，\n\n发生时间：2026-11-23 09:05\n错误提示：打印队列已满\n系统版本：3.2.1\n"
    "操作步骤：\n1. 打开报表\n2. 点击打印\n出现频率：偶现\n影响范围：财务部 3 台电脑\n\n"
    "韩梅\n华东制造有限公司 财务部"
)


def report_with_files(to: str) -> bytes:
    raw = EmailMessage()
    raw["From"], raw["To"], raw["Subject"] = CUSTOMER_HAN, to, "打印报错"
    raw["Message-ID"] = make_msgid(domain="example.cn")
    raw.set_content(PRINTING)
    raw.add_attachment(b"\x89PNG\r\n\x1a\n-screen-", maintype="image", subtype="png", filename="错误截图.png")
    raw.add_attachment(b"09:05 queue full\n", maintype="text", subtype="plain", filename="print.log")
    return raw.as_bytes()


def test_a_general_fault_refused_by_its_customer_goes_one_level_up_and_closes_by_default(general_desk):
    desk = general_desk
    # 1. Monday 10:00 A complete report with a screenshot and a log: no question for the customer.
    step = desk.deliver(report_with_files(desk.account.user))
    ticket = desk.ticket()
    assert (ticket.status, ticket.priority, ticket.team, ticket.owner) == (
        "assigned",
        "general",
        "operations",
        "zhang.min",  # 一般 → the junior engineers
    )
    assert step.recipients() == {HAN_MEI, ZHANG_MIN}
    ack = step.one(HAN_MEI, "已收到您的需求")
    assert in_chinese(ack) and "紧急程度：一般" in ack.text and "请补充" not in ack.text
    notice = step.one(ZHANG_MIN, "新工单分配给您")
    assert in_chinese(notice) and notice.files == ["错误截图.png", "print.log"]
    assert "客户发来 2 个附件" in notice.text and "请在1小时内回复本邮件确认" in notice.text

    # 2. 10:20 The owner confirms, with a plan; the customer hears.
    desk.later(minutes=20)
    step = desk.reply(notice, JUNIOR, "#eta 2026-11-25 17:00\n\n收到，今天排查。", "【已接收】")
    ticket = desk.ticket()
    assert ticket.status == "acknowledged" and ticket.owner_confirmed_at == at(10, 20)
    assert "收到，今天排查。" in step.one(HAN_MEI, "工单进展").text
    clocks = desk.clocks()
    assert clocks["owner_confirmation"].met_at == at(10, 20) and clocks["plan"].breached_at is None

    # 3. Daily progress before 17:00: the owner is reminded at 16:30, the customer told the next day.
    step = desk.at(at(16, 31))
    assert step.to(HAN_MEI) == [] and step.one(ZHANG_MIN, "请更新进展")
    step = desk.later(days=1)
    assert "下一个工作日 16:30 前再次同步" in step.one(HAN_MEI, "工单进展").text

    # 4. Tuesday 16:40 [RESOLVED] with the cause; the customer is asked to confirm.
    desk.later(minutes=9)
    step = desk.reply(
        notice, JUNIOR, "#原因 打印队列服务卡住\n#solution 重启了打印服务\n\n请再试一次。", "[RESOLVED] "
    )
    assert desk.ticket().status == "resolved"
    resolution = step.one(HAN_MEI, "问题已解决，请确认")
    assert "打印队列服务卡住" in resolution.text and "重启了打印服务" in resolution.text

    # 5. 17:40 "没解决": reopened one level up at a raised priority; everyone hears, with her words.
    desk.later(hours=1)
    step = desk.reply(resolution, CUSTOMER_HAN, "没解决，还是打印不了。")
    ticket = desk.ticket()
    assert (ticket.status, ticket.priority, ticket.owner) == ("reopened", "severe", "wang.wei")
    for address in (WANG_WEI, ZHANG_MIN, LIU_YANG):  # new owner, previous owner, manager
        told = step.one(address, "工单已重新打开")
        assert in_chinese(told) and "没解决，还是打印不了。" in told.text and "负责人：王伟" in told.text
    reopened = step.one(HAN_MEI, "工单已重新打开")
    assert "紧急程度：严重" in reopened.text and "负责人：王伟" in reopened.text
    resolution_clock = desk.clocks()["resolution"]
    assert resolution_clock.due_at - resolution_clock.started_at == timedelta(hours=8)  # 严重: 8 h

    # 6. 18:40 The senior engineer resolves it again.
    desk.later(hours=1)
    again = step.one(WANG_WEI, "工单已重新打开")
    step = desk.reply(
        again, OWNER, "#原因 打印驱动版本过旧\n#solution 升级打印驱动到 5.1\n\n已远程升级。", "[RESOLVED] "
    )
    assert desk.ticket().status == "resolved" and desk.clocks()["resolution"].met_at is not None
    second = step.one(HAN_MEI, "问题已解决，请确认")
    assert "升级打印驱动到 5.1" in second.text

    # 7. No answer: reminded after 48 hours, closed as resolved after 96, archived, and told.
    step = desk.later(hours=49)
    reminder = step.one(HAN_MEI, "请确认问题是否已解决")
    assert "升级打印驱动到 5.1" in reminder.text and desk.ticket().status == "resolved"
    step = desk.later(hours=48)
    ticket = desk.ticket()
    assert ticket.status == "closed" and ticket.archived_at == ticket.closed_at
    assert "未收到您的确认，已按已解决关闭" in step.one(HAN_MEI, "工单已关闭").text

    record = desk.record(ticket.number)
    fields = {name: (item["value"], item["source"]) for name, item in record["fields"].items()}
    assert fields["frequency"] == ("intermittent", "text") and fields["impact"] == ("财务部 3 台电脑", "text")
    assert fields["company"] == ("华东制造有限公司", "signature")
    assert fields["department"] == ("财务部", "signature")
    assert fields["category"] == ("module_failure", "mail")  # 问题分类: 功能模块故障, from 报错
    assert fields["judgement"] == ("verified", "command")  # solved with a cause
    assert record["cause"] == "打印驱动版本过旧" and record["solution"] == "升级打印驱动到 5.1"
    assert record["reopened"] == 1
    assert record["confirmation"] == "resolved"  # closed as resolved by default, not her first 没解决
    [handed_up] = [e for e in record["escalations"] if e["kind"] == "reopened"]
    assert (handed_up["priority"], handed_up["from"], handed_up["to"]) == ("severe", "zhang.min", "wang.wei")
    [files] = [m["attachments"] for m in record["messages"] if m["attachments"]]
    assert [f["name"] for f in files] == ["错误截图.png", "print.log"]
    assert record["eta"]["first_planned"] == "2026-11-25T17:00:00+08:00"
    assert record["resolved"] == "2026-11-24T18:40:00+08:00"
