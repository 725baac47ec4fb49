"""Urgent first: a 致命/严重 fault reaches its owner at once, with what is known, while the customer
is still asked for the rest; its clocks never pause for the missing details."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from helpdesk.demo import customer_mail
from helpdesk.effects import ChangeState, Notify, Record, Set, SetField, StartClocks
from helpdesk.intake.decide import IntakeDecider
from helpdesk.tickets.models import Ticket, TicketClock
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.snapshot import Workload
from helpdesk.workflow.customer import CustomerDecider
from tests import test_sla
from tests.test_deciders import NOW, RULES, mail, of, ticket
from tests.test_rules import rules_with
from tests.test_sla import mails_to

SH = ZoneInfo("Asia/Shanghai")
CUSTOMER = "李雷 <li.lei@example.cn>"
DOWN = "系统宕机了，所有用户都无法使用！"
clock, app = test_sla.clock, test_sla.app  # the same fixtures: a Monday 10:00, the shipped rules


def test_a_system_down_without_details_goes_to_its_owner_at_once_and_asks_the_customer():
    intake = IntakeDecider(RULES, SH)
    effects = intake.new_ticket(ticket(), mail(CUSTOMER, "紧急", DOWN), "<m1@example.cn>", NOW, Workload())
    priority = next(s.changes["priority"] for s in of(Set, effects) if "priority" in s.changes)
    owner = next(s.changes["owner"] for s in of(Set, effects) if "owner" in s.changes)
    assert priority == "fatal" and RULES.directory.person(owner).level == "senior"
    # Handed over, never waiting in 信息待补充.
    assert [c.target for c in of(ChangeState, effects)] == ["assigned"]
    notices = {n.template: n for n in of(Notify, effects)}
    assert notices["urgent_assignment"].person == owner
    assert "system_version" in notices["urgent_assignment"].missing
    ack = notices["acknowledgement"]
    assert ack.person is None and "system_version" in ack.missing
    assert {"information_requests": 1} in [s.changes for s in of(Set, effects)]
    assert "urgent_first" in [r.kind for r in of(Record, effects)]
    assert isinstance(effects[-1], StartClocks)


def test_a_general_fault_without_details_still_waits_for_them():
    intake = IntakeDecider(RULES, SH)
    report = mail(CUSTOMER, "打印报错", "打印的时候报错了")
    effects = intake.new_ticket(ticket(), report, "<m1@example.cn>", NOW, Workload())
    assert [c.target for c in of(ChangeState, effects)] == ["info_pending"]
    assert not [n for n in of(Notify, effects) if n.person is not None]


def test_what_is_urgent_comes_from_the_catalog_and_a_rule_tag():
    catalog = RULES.catalog
    assert catalog.is_urgent("fatal") and catalog.is_urgent("severe") and catalog.is_urgent("urgent")
    assert not catalog.is_urgent("general") and not catalog.is_urgent(None)
    assert catalog.is_urgent("minor", ("vip", "urgent"))  # a rule's add_tags: [urgent]


def test_the_details_an_urgent_ticket_misses_are_read_from_the_customers_next_mail():
    view = ticket(
        status="acknowledged",
        type="fault",
        priority="fatal",
        owner="wang.wei",
        required_fields=("occurred_at", "error_message", "system_version", "steps"),
        fields={"error_message": "503"},
        information_requests=1,
    )
    answer = mail(CUSTOMER, "Re: [#202612-001] 紧急", "版本：3.2.1\n发生时间：2026-12-01 09:05")
    effects = CustomerDecider(RULES, SH).customer_mail(view, answer, NOW, Workload(), "<a1@example.cn>")
    filled = {f.name: f.value for f in of(SetField, effects)}
    assert filled["system_version"] == "3.2.1" and "occurred_at" in filled
    notices = {n.template: n for n in of(Notify, effects)}
    assert notices["customer_reply"].person == "wang.wei"  # the owner reads the words as they come
    assert notices["information_request"].missing == ("steps",)  # one more request is left
    assert not of(ChangeState, effects)  # the work goes on where it is


# -- end to end, over IMAP, SMTP and SQLite --------------------------------------------------------


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_system_down_reaches_the_engineer_at_once_and_its_clocks_run(app, account, smtp, clock):
    account.deliver(customer_mail(CUSTOMER, "紧急", DOWN))
    app.run_once()
    with app.sessions() as session:
        row = session.scalars(select(Ticket)).one()
        assert (row.status, row.priority, row.owner) == ("assigned", "fatal", "wang.wei")
        running = session.scalars(select(TicketClock)).all()
        assert running and all(c.paused_at is None for c in running)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    assert "【紧急】" in notice["Subject"]
    assert "系统版本" in text(notice) and DOWN in text(notice)  # what is known, and what is still asked
    [ack] = mails_to(smtp, "li.lei@example.cn")
    assert "系统版本" in text(ack)  # the customer is asked in the same breath

    clock.advance(timedelta(minutes=16))  # fatal: first response within 15 minutes, not paused
    app.run_once()
    assert any("首次响应超时" in m["Subject"] for m in mails_to(smtp, "liu.yang@example.com"))

    answer = customer_mail(
        CUSTOMER,
        f"回复：{ack['Subject']}",
        "版本 3.2.1，今天 9:05 开始。\n操作步骤：\n1. 打开首页\n2. 登录",
        In_Reply_To=ack["Message-ID"],
        References=ack["Message-ID"],
    )
    account.deliver(answer)
    app.run_once()
    with app.sessions() as session:
        row = session.scalars(select(Ticket)).one()
        assert row.status == "assigned"
        assert Repository(session).field_values(row)["system_version"] == "3.2.1"
    forwarded = mails_to(smtp, "wang.wei@example.com")[-1]
    assert "3.2.1" in text(forwarded)  # the details reach the engineer as they arrive


def test_a_ticket_a_rule_tags_urgent_goes_first_whatever_its_priority(tmp_path):
    routing = (
        "rules:\n  - name: VIP\n    when: {from_domain: vip.example}\n"
        "    then: {set_type: fault, add_tags: [urgent], set_team: operations, assign_level: junior}\n"
    )
    rules = rules_with(tmp_path, routing)
    report = mail("王总 <boss@vip.example>", "打印报错", "打印的时候报错了")
    effects = IntakeDecider(rules, SH).new_ticket(ticket(), report, "<m1@vip.example>", NOW, Workload())
    assert next(s.changes["priority"] for s in of(Set, effects) if "priority" in s.changes) == "general"
    assert [c.target for c in of(ChangeState, effects)] == ["assigned"]
    urgent = next(r for r in of(Record, effects) if r.kind == "urgent_first")
    assert "tagged urgent by a rule" in urgent.reason
    assert [n.template for n in of(Notify, effects) if n.person] == ["urgent_assignment"]
