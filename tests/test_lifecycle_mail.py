"""A development request's life by mail, over the real servers: the engineer's #评估 reaches the
submitter as an evaluation report in Chinese; the freeze, a change, a stage owner, the acceptance
test, the release plan and the gates on the way; `tickets show` lists it all, and a review written
after the close reaches the knowledge entry."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.models_knowledge import KnowledgeEntry
from tests.conftest import SHIPPED_RULES
from tests.test_sla import clocks
from tests.test_tickets_show import cli
from tests.test_workflow import CUSTOMER, START, body, mails_to, reply, ticket_now

PM = "孙丽 <sun.li@example.com>"  # the product manager the shipped rules give requests to
SUBMITTER = "li.lei@example.cn"


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def app(make_config, db_url, clock):
    helpdesk = Helpdesk(make_config(db_url, rules=SHIPPED_RULES), clock=clock)
    yield helpdesk
    helpdesk.close()


def send(app, account, clock, raw: bytes) -> None:
    clock.advance(timedelta(minutes=10))
    account.deliver(raw)
    app.run_once()


def test_a_requests_life_by_mail_from_evaluation_to_review(app, account, smtp, clock, tmp_path):
    account.deliver(
        customer_mail(CUSTOMER, "新功能需求：月结凭证一键导出", "使用场景：月结\n预期效果：一键导出凭证")
    )
    app.run_once()
    [notice] = mails_to(smtp, "sun.li@example.com")
    send(app, account, clock, reply(notice, PM, "Re: [评估中] ", ""))
    send(
        app,
        account,
        clock,
        reply(notice, PM, "Re: ", "#评估 可实施 现有凭证接口可以支持批量导出\n\n预计两周完成。"),
    )

    # The submitter hears the outcome and the report, in Chinese, once.
    report = mails_to(smtp, SUBMITTER)[-1]
    text = body(report)
    assert "需求评估结果" in report["Subject"] and "可实施" in report["Subject"]
    assert "现有凭证接口可以支持批量导出" in text and "预计两周完成。" in text
    assert not re.findall(r"[A-Za-z]{2,}", re.sub(r"[\w.+-]+@[\w.-]+", "", text))
    ticket = ticket_now(app)
    assert ticket.status == "designing"
    assert clocks(app)["feasibility"].met_at is not None

    # The gate: no [开发中] before the freeze; the receipt names what is missing.
    send(app, account, clock, reply(notice, PM, "Re: [开发中] ", ""))
    assert ticket_now(app).status == "designing"
    assert "进入“开发中”前还需要：范围冻结（#范围冻结）" in body(mails_to(smtp, "sun.li@example.com")[-1])
    steps = [
        ("Re: ", "#变更 增加按部门筛选"),  # refused: not frozen yet
        ("Re: ", "#范围冻结 凭证列表页一键导出，按月份\n#阶段 开发 陈杰 2026-12-10"),
        ("Re: [开发中] ", "#变更 增加按部门筛选"),
        ("Re: [测试中] ", ""),
        ("Re: ", "#验收 通过 王芳 导出结果与账面一致\n#上线计划 2026-12-20 22:00 回滚：切回旧版本"),
        ("Re: [已上线] ", ""),
        ("Re: [已关闭] ", ""),
    ]
    for prefix, text in steps:
        send(app, account, clock, reply(notice, PM, prefix, text))
    assert ticket_now(app).status == "closed"
    told = [m["Subject"] for m in mails_to(smtp, SUBMITTER)]
    assert any("需求范围已确认" in s for s in told) and any("需求变更 1" in s for s in told)
    assert not any("需求变更 2" in s for s in told)  # the change before the freeze was refused
    [stage] = mails_to(smtp, "chen.jie@example.com")
    assert "请负责开发阶段" in stage["Subject"] and "2026-12-10 18:00" in body(stage)

    # After the close, the review: taken, kept with the archive, never sent to the submitter.
    before = len(mails_to(smtp, SUBMITTER))
    send(app, account, clock, reply(notice, PM, "Re: ", "#复盘 评估时低估了全年数据量"))
    assert len(mails_to(smtp, SUBMITTER)) == before
    with app.sessions() as session:
        entry = session.scalars(select(KnowledgeEntry)).one()
        assert entry.review == "评估时低估了全年数据量" and "评估时低估了全年数据量" not in entry.cause

    path = tmp_path / "helpdesk.yaml"
    record = json.loads(cli(path, "tickets", "show", ticket.number, "--json").output)["development"]
    assert [e["outcome"] for e in record["evaluations"]] == ["feasible"]
    assert record["scope"]["scope"] == "凭证列表页一键导出，按月份"
    assert [(c["number"], c["description"]) for c in record["changes"]] == [(1, "增加按部门筛选")]
    development = next(s for s in record["stages"] if s["stage"] == "development")
    assert development["owner"] == "chen.jie" and development["planned"].startswith("2026-12-10T18:00")
    assert development["started"] and development["ended"] and development["ended"] > development["started"]
    assert [(a["result"], a["accepted_by"]) for a in record["acceptance"]] == [("passed", "王芳")]
    assert record["release"]["rollback"] == "切回旧版本" and record["release"]["planned_at"].startswith(
        "2026-12-20T22:00"
    )
    assert [r["review"] for r in record["reviews"]] == ["评估时低估了全年数据量"]
    shown = cli(path, "tickets", "show", ticket.number, COLUMNS="120").output
    for words in (
        "需求开发记录",
        "评估",
        "可实施",
        "范围冻结",
        "变更 1",
        "开发阶段：负责人 陈杰",
        "验收",
        "王芳",
    ):
        assert words in shown, words
    assert "上线计划 2026-12-20 22:00，回滚方案：切回旧版本" in shown and "复盘" in shown


def test_a_problem_after_release_needs_a_new_acceptance_before_the_next_release(
    app, account, smtp, clock, tmp_path
):
    account.deliver(customer_mail(CUSTOMER, "新功能需求", "使用场景：月结\n预期效果：一键导出凭证"))
    app.run_once()
    [notice] = mails_to(smtp, "sun.li@example.com")
    for prefix, text in [
        ("Re: [评估中] ", "#评估 可实施 现有接口可以支持"),
        ("Re: ", "#范围冻结 凭证列表页一键导出"),
        ("Re: [开发中] ", ""),
        ("Re: [测试中] ", "#验收 通过 王芳\n#上线计划 2026-11-24 22:00 回滚：切回旧版本"),
        ("Re: [已上线] ", ""),
    ]:
        send(app, account, clock, reply(notice, PM, prefix, text))
    assert ticket_now(app).status == "released"
    send(app, account, clock, reply(mails_to(smtp, SUBMITTER)[-1], CUSTOMER, "回复：", "上线后导出报错。"))
    assert ticket_now(app).status == "developing"

    # The acceptance of the release that failed does not carry the fix out: the gate holds.
    send(app, account, clock, reply(notice, PM, "Re: [测试中] ", ""))
    send(app, account, clock, reply(notice, PM, "Re: [已上线] ", "#上线计划 2026-11-26 22:00"))
    assert ticket_now(app).status == "testing"
    assert "进入“已上线”前还需要：验收通过（#验收 通过）" in body(mails_to(smtp, "sun.li@example.com")[-1])
    send(app, account, clock, reply(notice, PM, "Re: [已上线] ", "#验收 通过 王芳 修复后导出正常"))
    assert ticket_now(app).status == "released"
    shown = cli(tmp_path / "helpdesk.yaml", "tickets", "show", ticket_now(app).number, "--json")
    record = json.loads(shown.output)
    release = record["development"]["release"]
    assert release["rollback"] == "切回旧版本" and release["planned_at"].startswith("2026-11-26T22:00")
