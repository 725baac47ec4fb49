"""The record's category and initial judgement by mail, over the real servers: set at intake, changed
by #分类 / #category, the judgement written by #初步判断 / #judgement (待验证) and verified when the
ticket is resolved with a cause; refusals say why in the engineer's language."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.models import Event, Ticket, TicketField
from tests.conftest import SHIPPED_RULES
from tests.test_on_behalf_mail import staff_mail
from tests.test_staff_trust import OURS_PASS
from tests.test_workflow import COMPLETE, CUSTOMER, START, body, mails_to, open_ticket, reply, ticket_now

WANG = "王伟 <wang.wei@example.com>"
EMMA = "Emma Brown <emma.brown@example.com>"


@pytest.fixture
def app(make_config, sqlite_url):
    helpdesk = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES), clock=ManualClock(START))
    yield helpdesk
    helpdesk.close()


def fields(app: Helpdesk) -> dict[str, tuple[str, str]]:
    with app.sessions() as session:
        return {f.name: (f.value, f.source) for f in session.scalars(select(TicketField))}


def last_receipt(smtp, address: str) -> str:
    return body(
        [m for m in mails_to(smtp, address) if "回执" in m["Subject"] or "Receipt" in m["Subject"]][-1]
    )


def shown(tmp_path, number: str) -> list[str]:
    """`tickets show` as the operator reads it, each line's spaces collapsed."""
    output = (
        CliRunner(env={"COLUMNS": "120"})
        .invoke(main, ["--config", str(tmp_path / "helpdesk.yaml"), "tickets", "show", number])
        .output
    )
    return [" ".join(line.split()) for line in output.splitlines()]


def test_a_fault_opens_with_its_category_and_a_judgement_to_verify(app, account, smtp, tmp_path):
    ticket = open_ticket(app, account, smtp, subject="ERP 报表数据不一致", text=COMPLETE)
    assert (ticket.type, ticket.subcategory) == ("fault", "data_anomaly")
    read = fields(app)
    assert read["category"] == ("data_anomaly", "mail") and read["judgement"] == (
        "pending_verification",
        "rules",
    )
    with app.sessions() as session:
        routed = session.scalars(select(Event).where(Event.kind == "routed")).one()
    assert (routed.detail["category"], routed.detail["category_keyword"]) == ("data_anomaly", "数据不一致")
    lines = shown(tmp_path, ticket.number)
    assert any(line.startswith("问题分类 数据异常（") and "的来信" in line for line in lines)
    assert any(line.startswith("初步判断 待验证（") and "来信时的规则" in line for line in lines)


def test_a_question_has_neither(app, account, smtp):
    open_ticket(app, account, smtp, subject="请问如何导出报表", text="请问在哪里导出月报？")
    assert {"category", "judgement"}.isdisjoint(fields(app))


def test_the_engineer_sets_the_category_and_the_judgement_until_a_cause_verifies_it(
    app, account, smtp, tmp_path
):
    ticket = open_ticket(app, account, smtp)  # 无法登录: a module failure
    assert (ticket.subcategory, fields(app)["category"]) == ("module_failure", ("module_failure", "mail"))
    [notice] = mails_to(smtp, "wang.wei@example.com")
    account.deliver(
        reply(notice, WANG, "回复：", "#分类 数据异常\n#初步判断 疑似验证码缓存写满\n\n正在排查。")
    )
    app.run_once()
    read = fields(app)
    assert read["category"] == ("data_anomaly", "command") and ticket_now(app).subcategory == "data_anomaly"
    assert read["judgement_note"] == ("疑似验证码缓存写满", "command")
    assert read["judgement"] == ("pending_verification", "command")
    receipt = last_receipt(smtp, "wang.wei@example.com")
    assert "✓ #分类 数据异常" in receipt and "✓ #初步判断 疑似验证码缓存写满" in receipt
    update = mails_to(smtp, "li.lei@example.cn")[-1]
    assert "正在排查。" in body(update) and "缓存写满" not in body(update)  # the judgement stays inside

    account.deliver(reply(notice, WANG, "回复：【已解决】", "#原因 验证码服务缓存写满\n#解决方案 清理缓存"))
    app.run_once()
    assert ticket_now(app).status == "resolved"
    read = fields(app)
    assert read["judgement"] == ("verified", "command") and read["judgement_note"][0] == "疑似验证码缓存写满"
    assert read["cause"][0] == "验证码服务缓存写满"
    lines = shown(tmp_path, ticket.number)
    assert "子类 数据异常" in lines and any(line.startswith("问题分类 数据异常（") for line in lines)
    assert any(line.startswith("初步判断 已验证（") for line in lines)
    assert any("初步判断已验证：疑似验证码缓存写满" in line for line in lines)
    assert not any("data_anomaly" in line or "verified" in line for line in lines)


def test_resolved_without_a_cause_the_judgement_stays_to_be_verified(app, account, smtp):
    open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    account.deliver(reply(notice, WANG, "Re: [RESOLVED] ", "#judgement cache full?\n#solution 清理缓存"))
    app.run_once()
    assert ticket_now(app).status == "resolved"
    assert fields(app)["judgement"] == ("pending_verification", "command")


@pytest.mark.parametrize(
    ("sender", "line", "said"),
    [
        (
            WANG,
            "#分类 网络抖动",
            "✗ #分类 网络抖动：未知的问题分类“网络抖动”（可用：系统宕机、数据异常、功能模块故障）",
        ),
        (
            EMMA,
            "#category flaky",
            "✗ #category flaky: unknown sub-category 'flaky' "
            "(known: System down, Data anomaly, Module failure)",
        ),
        (WANG, "#初步判断", "✗ #初步判断：#初步判断 后面需写明判断"),
        (EMMA, "#judgement", "✗ #judgement: #judgement needs the judgement after it"),
    ],
)
def test_an_unknown_category_or_an_empty_judgement_is_refused_in_the_readers_words(
    app, account, smtp, sender, line, said
):
    open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    account.deliver(reply(notice, sender, "Re: ", line))
    app.run_once()
    address = sender.partition("<")[2].rstrip(">")
    receipt = last_receipt(smtp, address)
    assert said in receipt
    assert fields(app)["category"][0] == "module_failure" and "judgement_note" not in fields(app)
    if sender == WANG:
        assert "System down" not in receipt and "unknown" not in receipt
    else:
        assert "系统宕机" not in receipt and "未知" not in receipt


def test_a_type_without_categories_refuses_one(app, account, smtp):
    open_ticket(app, account, smtp, subject="请问如何导出报表", text="请问在哪里导出月报？")
    account.deliver(customer_mail(WANG, f"Re: [#{ticket_now(app).number}]", "#分类 数据异常"))
    app.run_once()
    assert "✗ #分类 数据异常：“功能咨询”类工单没有问题分类" in last_receipt(smtp, "wang.wei@example.com")
    assert "category" not in fields(app)


@pytest.fixture
def phone_rules(tmp_path):
    """The shipped rules with one more in front: reports taken by phone are tagged."""
    folder = tmp_path / "phone_rules"
    shutil.copytree(SHIPPED_RULES, folder)
    routing = folder / "routing.yaml"
    text = routing.read_text(encoding="utf-8")
    rule = (
        "rules:\n  - name: 电话报修 by phone\n    when: {channel: phone}\n    then: {add_tags: [by_phone]}\n"
    )
    routing.write_text(text.replace("rules:\n", rule, 1), encoding="utf-8")
    return folder


@pytest.fixture
def phone_app(make_config, sqlite_url, phone_rules):
    config = make_config(
        sqlite_url,
        rules=phone_rules,
        commands={"require_authentication": True, "authserv_id": "mx.example.com"},
    )
    helpdesk = Helpdesk(config, clock=ManualClock(START))
    yield helpdesk
    helpdesk.close()


def test_a_report_taken_by_phone_is_routed_by_its_channel(phone_app, account, smtp):
    account.deliver(staff_mail(WANG, f"#代报 {CUSTOMER} 电话\n{COMPLETE}", stamp=OURS_PASS))
    phone_app.run_once()
    ticket = ticket_now(phone_app)
    assert ticket.requester_email == "li.lei@example.cn" and "by_phone" in ticket.tags
    assert fields(phone_app)["channel"] == ("phone", "command")

    account.deliver(customer_mail("韩梅梅 <han.meimei@example.cn>", "OA 无法登录", COMPLETE))
    phone_app.run_once()
    with phone_app.sessions() as session:
        mailed = session.scalars(
            select(Ticket).where(Ticket.requester_email == "han.meimei@example.cn")
        ).one()
        assert "by_phone" not in mailed.tags
