"""`helpdesk tickets show`: the whole record of a fault walked from first mail to archive over the real
servers, as JSON and as text in the operator's language on 80 columns, masked."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from rich.cells import cell_len
from sqlalchemy import update

from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.config import load_config
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.db import make_engine, session_factory
from helpdesk.tickets.models import Ticket
from tests.conftest import SHIPPED_RULES
from tests.test_workflow import COMPLETE, START, mails_to, reply

CUSTOMER = "李雷 13812345678 <li.lei@example.cn>"
ENGINEER = "王伟 <wang.wei@example.com>"
ID_CARD = "11010519491231002X"


def cli(path, *args, **env):
    return CliRunner(env=env).invoke(main, ["--config", str(path), *args], catch_exceptions=False)


@pytest.fixture
def walked(make_config, db_url, account, smtp, tmp_path):
    """A severe fault: acknowledged, its first response missed and escalated, an ETA given and moved,
    a collaborator named, solved, confirmed and rated, closed and archived."""
    clock = ManualClock(START)
    config = make_config(db_url, rules=SHIPPED_RULES)
    app = Helpdesk(config, clock=clock)
    account.deliver(customer_mail(CUSTOMER, "紧急：OA 无法登录", f"{COMPLETE}\n身份证 {ID_CARD}"))
    app.run_once()
    clock.advance(timedelta(hours=2))  # the 30-minute first response of a severe fault is missed
    app.run_once()
    notice = mails_to(smtp, "wang.wei@example.com")[0]  # the assignment (warnings follow)
    steps = [
        ("Re: ", "#eta 2026-11-24 18:00\n#协作 chen.jie\n\n已定位，明天修复。"),
        ("Re: ", "#reason 等待厂商补丁\n#eta 2026-11-25 18:00"),
        ("Re: ", "#note 厂商工单号 8812"),
        ("Re: [RESOLVED] ", "#reason 验证码服务缓存写满\n#solution 清理了验证码服务的缓存"),
    ]
    for prefix, text in steps:
        clock.advance(timedelta(minutes=10))
        account.deliver(reply(notice, ENGINEER, prefix, text))
        app.run_once()
    resolution = mails_to(smtp, "li.lei@example.cn")[-1]
    clock.advance(timedelta(minutes=10))
    account.deliver(reply(resolution, CUSTOMER, "回复：", "已解决，满意，谢谢！"))
    app.run_once()
    with app.sessions() as session:
        number = session.query(Ticket.number).scalar()
    app.close()
    return tmp_path / "helpdesk.yaml", number


def test_json_is_the_whole_record(walked):
    path, number = walked
    result = cli(path, "tickets", "show", number, "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert (record["status"], record["priority"], record["owner"]) == ("closed", "severe", "wang.wei")
    version = record["fields"]["system_version"]
    assert version["value"] == "3.2.1" and version["source"] == "text" and version["line"] >= 1
    assert version["message_id"] == record["messages"][0]["message_id"]
    assert record["solution"] == "清理了验证码服务的缓存" and record["cause"] == "验证码服务缓存写满"
    assert [(n["by"], n["note"]) for n in record["notes"]] == [("wang.wei@example.com", "厂商工单号 8812")]
    eta = record["eta"]
    assert eta["first_planned"].startswith("2026-11-24T18:00") and eta["planned"].startswith(
        "2026-11-25T18:00"
    )
    [moved] = [move for move in eta["changes"] if move["from"]]
    assert moved["reason"] == "等待厂商补丁" and moved["by"] == "wang.wei@example.com"
    assert eta["actual"] == record["resolved"] and record["resolved"] is not None
    assert (record["confirmation"], record["satisfaction"]) == ("resolved", "satisfied")
    assert record["closed"] == record["archived"] and record["closed"] > record["resolved"]
    [collaborator] = record["collaborators"]
    assert collaborator["id"] == "chen.jie" and collaborator["by"] == "wang.wei@example.com"
    assert collaborator["added"] > record["created"]
    escalations = [e for e in record["escalations"] if e["kind"] == "deadline"]
    assert escalations and escalations[0]["clock"] == "first_response" and escalations[0]["to"] == "liu.yang"
    assert record["reopened"] == 0
    assert {"in", "out"} == {m["direction"] for m in record["messages"]}  # the whole thread, both ways
    assert ID_CARD not in result.output and "13812345678" not in result.output


def test_text_is_chinese_on_80_columns(walked):
    path, number = walked
    result = cli(path, "tickets", "show", number, COLUMNS="80")
    assert result.exit_code == 0, result.output
    text = result.output
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    for words in ("已关闭", "严重", "王伟", "运维组", "系统版本", "3.2.1"):
        assert words in text, words
    for words in ("预计完成", "2026-11-25 18:00", "最初预计完成", "2026-11-24 18:00", "等待厂商补丁"):
        assert words in text, words
    for words in (
        "原因分析",
        "验证码服务缓存写满",
        "备注",
        "厂商工单号 8812",
        "实际完成",
        "客户确认",
        "已解决",
    ):
        assert words in text, words
    for words in ("满意度", "满意", "归档时间", "协作方", "陈杰"):
        assert words in text, words
    assert "首次响应超时 → 刘洋" in text  # the escalation, by the clock's and the manager's names
    assert "邮件第" in text  # where the version was read
    assert ID_CARD not in text and "13812345678" not in text
    # No English label or id: before the thread (the mails as written), once the addresses are taken
    # out, the only Latin word is the customer's own "OA".
    record = re.sub(r"[\w.+-]+@[\w.-]+|example\.cn", "", text.split("往来邮件")[0])
    assert set(re.findall(r"[A-Za-z]{2,}", record)) == {"OA"}  # the domain is the company's data


def test_text_is_english_for_an_english_desk(walked):
    path, number = walked
    config = path.read_text(encoding="utf-8")
    path.write_text(config + "default_language: en\n", encoding="utf-8")
    text = cli(path, "tickets", "show", number, COLUMNS="80").output
    for words in ("Closed", "Severe", "Operations", "System version", "first response missed", "completed"):
        assert words in text, words
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    # No Chinese label: before the thread (the mails as written), once the people's own words are
    # taken out (names, the subject, field values, solution, cause, reason, note), no Chinese is left.
    record = json.loads(cli(path, "tickets", "show", number, "--json").output)
    own = [
        record["subject"],
        record["solution"],
        record["requester_name"],
        "王伟",
        "陈杰",
        "刘洋",
        record["cause"],
        "等待厂商补丁",
        "厂商工单号 8812",
    ]
    own += [line for item in record["fields"].values() for line in item["value"].splitlines()]
    rest = text.split("\nmessages")[0]
    for words in sorted(own, key=len, reverse=True):
        rest = rest.replace(words, "")
    assert not re.findall(r"[\u3000-\u9fff\uff00-\uffef]", rest), rest


def test_older_rows_are_masked_on_the_way_out(walked):
    path, number = walked
    engine = make_engine(load_config(path).database.url)
    with session_factory(engine).begin() as session:  # as written before masking existed
        session.execute(
            update(Ticket).values(
                solution=f"身份证 {ID_CARD}，密码：hunter22", requester_name="李雷 13812345678"
            )
        )
        # A mobile number as the mail address (common on 163.com and QQ) is an address: kept whole.
        session.execute(update(Ticket).values(requester_email="13912345678@163.com"))
    engine.dispose()
    record = json.loads(cli(path, "tickets", "show", number, "--json").output)
    assert record["requester"] == "13912345678@163.com"
    for args in ((), ("--json",)):
        output = cli(path, "tickets", "show", number, *args).output
        assert ID_CARD not in output and "hunter22" not in output and "13812345678" not in output
        assert "1101**********002X" in output and "138****5678" in output


def test_a_reopened_ticket_shows_the_second_round(make_config, sqlite_url, account, smtp, tmp_path):
    """二次处理: an unsatisfied customer reopens; the record shows it, and the hand-over one level up."""
    app = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES), clock=ManualClock(START))
    account.deliver(
        customer_mail(CUSTOMER, "打印报错", "今天 9:05 打印提示“队列已满”。版本 3.2.1\n1. 打开\n2. 打印")
    )
    app.run_once()
    notice = mails_to(smtp, "zhang.min@example.com")[0]
    account.deliver(
        reply(notice, "张敏 <zhang.min@example.com>", "Re: [已解决] ", "#solution 清空了打印队列")
    )
    app.run_once()
    account.deliver(reply(mails_to(smtp, "li.lei@example.cn")[-1], CUSTOMER, "回复：", "未解决，不满意"))
    app.run_once()
    with app.sessions() as session:
        number = session.query(Ticket.number).scalar()
    app.close()
    path = tmp_path / "helpdesk.yaml"
    record = json.loads(cli(path, "tickets", "show", number, "--json").output)
    assert record["reopened"] == 1 and record["status"] == "reopened"
    [up] = [e for e in record["escalations"] if e["kind"] == "reopened"]
    assert (up["from"], up["to"], up["priority"]) == ("zhang.min", "wang.wei", "severe")
    assert (record["confirmation"], record["satisfaction"]) == ("unresolved", "unsatisfied")
    text = "".join(cli(path, "tickets", "show", number, COLUMNS="80").output.split())
    assert "重开后升级：张敏→王伟，优先级严重" in text and "二次处理1次" in text
    assert "客户确认未解决" in text and "满意度不满意" in text and "已解决→重新打开" in text
