"""Seed 003, a development request from first mail to archive over real IMAP, the SMTP sink and
SQLite, with the clock moved by hand across four weeks: numbered RD…, evaluated with a report the
submitter reads, each stage given an owner and a date, the scope frozen and changed after, tested
and accepted, released with a rollback plan, closed as 已闭环 after three stable working days, and
reviewed (复盘) after the archive. At each step: the state, who was mailed in which language, the
record (`tickets show --json`) and the clocks."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.tickets.models_knowledge import KnowledgeEntry
from tests.conftest import SHIPPED_RULES
from tests.support.seed_desk import Desk, in_chinese, in_english

SH = ZoneInfo("Asia/Shanghai")
CUSTOMER, LI_LEI = "李雷 <li.lei@example.cn>", "li.lei@example.cn"
PM, SUN_LI = "孙丽 <sun.li@example.com>", "sun.li@example.com"  # the product manager
SUBJECT = "新功能需求：月结凭证一键导出"
REQUEST = (
    "使用场景：月结时财务要逐张导出凭证\n预期效果：一键导出当月全部凭证\n期望上线时间：2026-12-15\n\n"
    "李雷\n华东制造有限公司 财务部"
)
REPORT = "现有导出接口可复用，预计 3 周"
SCOPE = "月结凭证按月一键导出为 Excel，含附件清单"
STAGES = (
    "#阶段 设计 孙丽 2026-11-27\n#阶段 开发 陈杰 2026-12-08\n"
    "#阶段 测试 emma.brown 2026-12-12\n#阶段 上线 王伟 2026-12-20"
)
REVIEW = "导出接口复用节省了一周；变更应在设计评审时提出"


def on(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
def desk(make_config, sqlite_url, account, smtp, tmp_path):
    numbering = {"by_type": {"development": {"format": "RD{date:%Y%m%d}{seq:03d}", "reset": "daily"}}}
    clock = ManualClock(on(11, 23, 10))  # a Monday morning
    app = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES, numbering=numbering), clock=clock)
    yield Desk(app, account, smtp, clock, tmp_path / "helpdesk.yaml")
    app.close()


def test_a_development_request_from_first_mail_to_review(desk):
    # 1. Monday 10:00 The request, with the go-live date the customer wants.
    step = desk.mail(CUSTOMER, SUBJECT, REQUEST)
    ticket = desk.ticket()
    number = ticket.number
    assert number == "RD20261123001"  # numbering.by_type: requests are RD + date + sequence
    assert (ticket.status, ticket.type, ticket.owner) == ("assigned", "development", "sun.li")
    assert step.recipients() == {LI_LEI, SUN_LI}
    ack = step.one(LI_LEI, "已收到您的需求")
    assert in_chinese(ack) and f"工单编号：{number}" in ack.text and "需求类型：定制开发" in ack.text
    notice = step.one(SUN_LI, "新工单分配给您")
    assert in_chinese(notice) and "期望上线时间：2026-12-15" in notice.text
    assert desk.clocks()["feasibility"].due_at == on(11, 26, 10)  # assessed within 3 working days

    # 2. 10:30 [评估中]: the submitter hears the request is being assessed.
    desk.at(on(11, 23, 10, 30))
    step = desk.reply(notice, PM, "开始评估。", "[评估中] ")
    assert desk.ticket().status == "evaluating"
    update = step.one(LI_LEI, "工单进展")
    assert in_chinese(update) and "当前状态：评估中" in update.text

    # 3. Wednesday 10:00 `#评估 可实施 <报告>`: the submitter gets the report; the design begins.
    desk.at(on(11, 25, 10))
    step = desk.reply(notice, PM, f"#评估 可实施 {REPORT}")
    assert desk.ticket().status == "designing"
    evaluation = step.one(LI_LEI, "需求评估结果")
    assert in_chinese(evaluation) and "可实施" in evaluation.subject and REPORT in evaluation.text
    assert desk.clocks()["feasibility"].met_at == on(11, 25, 10)
    # Development before the scope is frozen: the gate holds it, the receipt says what is missing.
    step = desk.reply(notice, PM, "", "[开发中] ")
    assert desk.ticket().status == "designing" and step.to(LI_LEI) == []
    assert "范围" in step.one(SUN_LI, "回执").text

    # 4. 10:10 Each stage's owner and date: each owner is mailed, in their own language and zone.
    desk.at(on(11, 25, 10, 10))
    step = desk.reply(notice, PM, STAGES)
    design = step.one(SUN_LI, "设计阶段")
    assert "计划于 2026-11-27 18:00 前完成" in design.text
    assert "2026-12-08 18:00" in step.one("chen.jie@example.com", "开发阶段").text
    testing = step.one("emma.brown@example.com", "testing stage")
    assert in_english(testing, REQUEST, SUBJECT, "孙丽") and "by 2026-12-12 10:00" in testing.text
    assert "2026-12-20 18:00" in step.one("wang.wei@example.com", "上线阶段").text
    assert step.to(LI_LEI) == []

    # 5. Friday 17:00 The design is signed off: `#范围冻结 <范围>`; the submitter reads the scope.
    desk.at(on(11, 27, 17))
    step = desk.reply(notice, PM, f"#范围冻结 {SCOPE}")
    frozen = step.one(LI_LEI, "需求范围已确认")
    assert in_chinese(frozen) and SCOPE in frozen.text and "变更" in frozen.text

    # 6. Monday 09:30 [开发中], the gate open now.
    desk.at(on(11, 30, 9, 30))
    step = desk.reply(notice, PM, "进入开发。", "[开发中] ")
    assert desk.ticket().status == "developing"
    assert "当前状态：开发中" in step.one(LI_LEI, "工单进展").text

    # 7. Thursday A change after the freeze: `#变更 <描述>`, the submitter told, numbered.
    desk.at(on(12, 3, 10))
    step = desk.reply(notice, PM, "#变更 导出格式增加 PDF")
    change = step.one(LI_LEI, "需求变更 1")
    assert in_chinese(change) and "导出格式增加 PDF" in change.text and SCOPE in change.text

    # 8. [测试中], then the acceptance and the release plan with its rollback.
    desk.at(on(12, 10, 10))
    step = desk.reply(notice, PM, "提交测试。", "[测试中] ")
    assert desk.ticket().status == "testing" and "当前状态：测试中" in step.one(LI_LEI, "工单进展").text
    desk.at(on(12, 14, 15))
    step = desk.reply(notice, PM, "#验收 通过 王芳\n#上线计划 2026-12-20 22:00 回滚：恢复 v1.3")
    receipt = step.one(SUN_LI, "回执").text
    assert "✓ #验收 通过 王芳" in receipt and "✓ #上线计划 2026-12-20 22:00 回滚：恢复 v1.3" in receipt

    # 9. Sunday 22:30 [已上线]: the submitter is asked to accept, told when it closes by itself.
    desk.at(on(12, 20, 22, 30))
    step = desk.reply(notice, PM, "已上线，请试用。", "[已上线] ")
    ticket = desk.ticket()
    assert ticket.status == "released"
    released = step.one(LI_LEI, "工单进展")
    assert "需求已上线，请您验收" in released.text and "3个工作日内如无问题将自动闭环" in released.text
    stable_until = ticket.stable_until
    assert stable_until == on(12, 23, 18)  # Monday, Tuesday, Wednesday: three whole working days
    assert f"{stable_until.astimezone(SH):%Y-%m-%d %H:%M}" in released.text

    # 10. Three stable working days pass with no problem reported: closed as 已闭环, archived, told.
    step = desk.at(stable_until - timedelta(minutes=1))
    assert desk.ticket().status == "released" and step.to(LI_LEI) == []
    step = desk.at(stable_until)
    assert desk.ticket().status == "closed"
    loop = step.one(LI_LEI, "需求已闭环")
    assert in_chinese(loop) and "已闭环并归档" in loop.text and "稳定运行3个工作日" in loop.text
    ticket = desk.ticket()
    assert ticket.archived_at == ticket.closed_at == stable_until

    # 11. The review (复盘) after the archive is kept with it; it stays among staff.
    desk.later(hours=2)
    step = desk.reply(notice, PM, f"#复盘 {REVIEW}")
    assert step.to(LI_LEI) == [] and desk.ticket().status == "closed"

    record = desk.record(number)
    fields = {name: (item["value"], item["source"]) for name, item in record["fields"].items()}
    assert fields["expected_live"] == ("2026-12-15", "text")  # the date wanted, not a fault's time
    assert fields["company"] == ("华东制造有限公司", "signature")
    assert fields["evaluation"] == ("feasible", "command") and fields["evaluation_report"] == (
        REPORT,
        "command",
    )
    assert fields["scope"] == (SCOPE, "command") and fields["changes"] == ("1", "command")
    assert fields["uat"] == ("passed", "command") and fields["rollback"] == ("恢复 v1.3", "command")
    assert fields["release_at"] == ("2026-12-20T22:00:00+08:00", "command")
    assert fields["closure"][0] == "closed_loop" and fields["review"] == (REVIEW, "command")
    life = record["development"]
    assert [(e["outcome"], e["report"]) for e in life["evaluations"]] == [("feasible", REPORT)]
    assert [c["description"] for c in life["changes"]] == ["导出格式增加 PDF"]
    stages = {s["stage"]: (s["owner"], s["planned"]) for s in life["stages"]}
    assert stages == {
        "design": ("sun.li", "2026-11-27T18:00:00+08:00"),
        "development": ("chen.jie", "2026-12-08T18:00:00+08:00"),
        "testing": ("emma.brown", "2026-12-12T18:00:00+08:00"),
        "release": ("wang.wei", "2026-12-20T18:00:00+08:00"),
    }
    started = {s["stage"]: s["started"] for s in life["stages"]}
    assert started["development"] == "2026-11-30T09:30:00+08:00"  # when [开发中] came
    assert started["release"] == "2026-12-20T22:30:00+08:00"
    [accepted] = life["acceptance"]
    assert (accepted["result"], accepted["accepted_by"]) == ("passed", "王芳")
    assert (life["release"]["planned_at"], life["release"]["rollback"]) == (
        "2026-12-20T22:00:00+08:00",
        "恢复 v1.3",
    )
    assert [r["review"] for r in life["reviews"]] == [REVIEW]
    assert record["closed"] == record["archived"]
    text = desk.cli("tickets", "show", number)  # what the lead reads, in Chinese
    for words in (
        "需求开发记录",
        "可实施",
        "范围冻结",
        "变更 1",
        "验收人 王芳",
        "回滚方案：恢复 v1.3",
        "已闭环",
    ):
        assert words in text, words
    assert f"复盘 2026-12-23 20:00 孙丽：{REVIEW}" in text

    # The knowledge entry of the archive carries the review, apart from the cause; it is searched.
    with desk.app.sessions() as session:
        entry = session.scalars(select(KnowledgeEntry)).one()
    assert entry.review == REVIEW and REVIEW not in entry.cause and entry.type == "development"
    found = desk.cli("search", "设计评审", "--kind", "knowledge")
    assert number in found and f"复盘: {REVIEW}" in found
