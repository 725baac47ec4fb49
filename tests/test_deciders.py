"""The deciders are pure: a snapshot, a parsed mail, the rules and the time in, effects out; no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from helpdesk.demo import customer_mail
from helpdesk.effects import (
    Acknowledge,
    Authority,
    ChangeState,
    Notify,
    Record,
    Set,
    StartClocks,
    StopClock,
    UpdateClock,
)
from helpdesk.intake.decide import IntakeDecider, unanswered
from helpdesk.mail.parse import parse_message
from helpdesk.rules.load import load_rules
from helpdesk.rules.schema import InformationReminder
from helpdesk.sla.escalation import escalate, eta_moved, warn
from helpdesk.sla.progress import progress
from helpdesk.tickets.snapshot import ClockView, TicketView, Workload
from helpdesk.workflow.confirmation import confirmation_due
from helpdesk.workflow.customer import CustomerDecider
from helpdesk.workflow.staff import StaffDecider

ZONE = ZoneInfo("Asia/Shanghai")
# A Tuesday, 10:00 in Shanghai: inside working hours.
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
RULES = load_rules(Path(__file__).resolve().parent.parent / "rules")
SUPPORT = frozenset({"support@example.com"})
TRUSTED = Authority("wang.wei", True, "authentication is off")


def mail(sender: str, subject: str, body: str):
    return parse_message(customer_mail(sender, subject, body), SUPPORT, "zh")


def ticket(**columns) -> TicketView:
    values = {
        "id": 1,
        "number": "202612-001",
        "status": "new",
        "requester_email": "li.lei@example.cn",
        "requester_name": "李雷",
        "language": "zh",
        "created_at": NOW - timedelta(hours=1),
    }
    return TicketView(**(values | columns))


def of(kind, effects):
    return [e for e in effects if isinstance(e, kind)]


@pytest.fixture
def intake() -> IntakeDecider:
    return IntakeDecider(RULES, ZONE)


@pytest.fixture
def staff() -> StaffDecider:
    return StaffDecider(RULES, ZONE)


@pytest.fixture
def customer() -> CustomerDecider:
    return CustomerDecider(RULES, ZONE)


def test_an_incomplete_fault_asks_the_customer_and_waits_with_its_clocks(intake):
    report = mail("李雷 <li.lei@example.cn>", "系统报错", "您好，打印时系统一直报错。")
    effects = intake.new_ticket(ticket(), report, "<m1@example.cn>", NOW, Workload())
    (ack,) = [n for n in of(Notify, effects) if n.template == "acknowledgement"]
    assert ack.person is None and ack.automatic and ack.missing
    assert [c.target for c in of(ChangeState, effects)] == ["info_pending"]
    assert not [n for n in of(Notify, effects) if n.template == "assignment"]
    assert isinstance(effects[-1], StartClocks)
    routed = next(r for r in of(Record, effects) if r.kind == "routed")
    assert routed.detail["type"] == "fault"


def test_a_complete_report_goes_to_its_owner_by_round_robin(intake):
    body = "发生时间：2026-12-01 09:05\n错误信息：打印队列已满\n系统版本：v3.2\n复现步骤：1. 登录 2. 打印\n"
    report = mail("李雷 <li.lei@example.cn>", "打印服务报错", body)
    workload = Workload(latest={"operations": {"zhang.min": 7, "li.na": 3}})
    effects = intake.new_ticket(ticket(), report, "<m1@example.cn>", NOW, workload)
    owner = next(s.changes["owner"] for s in of(Set, effects) if "owner" in s.changes)
    assert [c.target for c in of(ChangeState, effects)] == ["assigned"]
    assert [n.person for n in of(Notify, effects) if n.template == "assignment"] == [owner]
    assert owner is not None


def test_a_staff_keyword_that_fails_authentication_changes_nothing_and_is_answered(staff):
    reply = mail("王伟 <wang.wei@example.com>", "Re: [#202612-001] [RESOLVED]", "已修复。")
    person = RULES.directory.person("wang.wei")
    refused = Authority("wang.wei", False, "no Authentication-Results from mx.example.com")
    effects = staff.staff_mail(ticket(status="in_progress", owner="wang.wei"), reply, person, refused, NOW)
    assert not of(ChangeState, effects) and not of(Set, effects)
    assert [r.kind for r in of(Record, effects)] == ["commands_refused"]
    (receipt,) = of(Notify, effects)
    assert receipt.template == "receipt" and receipt.person == "wang.wei"
    assert receipt.extra["rejected"][0]["why"] == {"code": "unverified", "args": {"detail": refused.why}}


def test_resolved_by_keyword_mails_the_solution_and_stops_the_first_response_clock(staff):
    reply = mail("王伟 <wang.wei@example.com>", "Re: [#202612-001] [RESOLVED]", "#solution 清空打印队列\n")
    person = RULES.directory.person("wang.wei")
    view = ticket(status="in_progress", owner="wang.wei", owner_confirmed_at=NOW)
    effects = staff.staff_mail(view, reply, person, TRUSTED, NOW)
    assert [c.target for c in of(ChangeState, effects)] == ["resolved"]
    assert {"solution": "清空打印队列"} in [s.changes for s in of(Set, effects)]
    assert [n.template for n in of(Notify, effects)] == ["resolution", "receipt"]
    assert StopClock("first_response") in effects


def test_ack_stops_an_escalation_only_for_whom_it_went_to(staff):
    clock = ClockView(
        7, "resolution", NOW - timedelta(hours=5), NOW - timedelta(hours=1), escalated_to=("liu.yang",)
    )
    view = ticket(status="in_progress", owner="wang.wei", owner_confirmed_at=NOW, clocks=(clock,))
    reply = mail("刘洋 <liu.yang@example.com>", "Re: [#202612-001] [ACK]", "收到，跟进中。")
    effects = staff.staff_mail(view, reply, RULES.directory.person("liu.yang"), TRUSTED, NOW)
    assert Acknowledge("liu.yang", "liu.yang@example.com") in effects
    assert not of(ChangeState, effects)
    other = staff.staff_mail(view, reply, RULES.directory.person("wang.wei"), TRUSTED, NOW)
    assert not of(Acknowledge, other)


def test_an_unhappy_customer_raises_the_priority_before_the_reopen_starts_the_clock(customer):
    view = ticket(status="resolved", type="fault", priority="general", team="operations", owner="zhang.min")
    answer = mail("李雷 <li.lei@example.cn>", "Re: [#202612-001] 请确认", "还是未解决，不满意。")
    effects = customer.customer_mail(view, answer, NOW, Workload())
    raised = next(i for i, e in enumerate(effects) if isinstance(e, Set) and "priority" in e.changes)
    reopened = next(i for i, e in enumerate(effects) if isinstance(e, ChangeState))
    assert raised < reopened and effects[reopened].target == "reopened"
    assert effects[raised].changes["priority"] == "severe"
    owner = next(s.changes["owner"] for s in of(Set, effects) if "owner" in s.changes)
    assert RULES.directory.person(owner).level == "senior"
    # The new owner, the previous one and the manager get the customer's words; the customer is told.
    told = {n.person: n for n in of(Notify, effects)}
    assert set(told) == {owner, "zhang.min", "liu.yang", None}
    assert all(told[p].extra["message"] == "还是未解决，不满意。" for p in (owner, "zhang.min", "liu.yang"))
    assert told[None].template == "reopen_notice" and "未解决" in told[None].extra["why"]


def test_a_happy_customer_closes_the_ticket(customer):
    view = ticket(status="resolved", type="fault", priority="general", owner="wang.wei")
    answer = mail("李雷 <li.lei@example.cn>", "Re: [#202612-001] 请确认", "已解决，满意，谢谢！")
    effects = customer.customer_mail(view, answer, NOW, Workload())
    assert [c.target for c in of(ChangeState, effects)] == ["closed"]


def test_a_missed_deadline_goes_to_the_teams_manager_with_the_thread():
    clock = ClockView(3, "resolution", NOW - timedelta(hours=9), NOW - timedelta(minutes=5))
    view = ticket(status="in_progress", team="operations", owner="wang.wei", clocks=(clock,))
    effects = escalate(RULES, view, NOW)
    (update,) = of(UpdateClock, effects)
    assert update.changes["breached_at"] == NOW and update.changes["escalated_to"] == ["liu.yang"]
    (notice,) = of(Notify, effects)
    assert notice.person == "liu.yang" and notice.history and notice.extra["clock"] == "解决"
    again = ClockView(
        3,
        "resolution",
        clock.started_at,
        clock.due_at,
        breached_at=NOW,
        escalation_level=1,
        next_escalation_at=NOW + timedelta(hours=4),
        escalated_to=("liu.yang",),
    )
    assert escalate(RULES, ticket(team="operations", clocks=(again,)), NOW) == []


def test_the_owner_is_warned_once_before_a_deadline():
    clock = ClockView(4, "resolution", NOW - timedelta(hours=4), NOW + timedelta(minutes=20))
    view = ticket(status="in_progress", owner="wang.wei", clocks=(clock,))
    effects = warn(RULES, view, NOW)
    assert [n.template for n in of(Notify, effects)] == ["deadline_warning"]
    warned = ClockView(4, "resolution", clock.started_at, clock.due_at, warned_at=NOW)
    assert warn(RULES, ticket(owner="wang.wei", clocks=(warned,)), NOW) == []


def test_progress_reminds_the_owner_first_then_tells_the_customer():
    view = ticket(
        status="in_progress", priority="fatal", owner="wang.wei", customer_updated_at=NOW - timedelta(hours=1)
    )
    first = progress(RULES, view, NOW)
    assert [(n.template, n.person) for n in of(Notify, first)] == [("progress_reminder", "wang.wei")]
    later = ticket(
        status="in_progress",
        priority="fatal",
        owner="wang.wei",
        customer_updated_at=NOW - timedelta(hours=2),
        progress_reminded_at=NOW - timedelta(hours=1),
    )
    assert [(n.template, n.person) for n in of(Notify, progress(RULES, later, NOW))] == [
        ("status_update", None)
    ]


def test_an_unanswered_solution_is_reminded_then_closed_as_confirmed():
    reminded = confirmation_due(
        RULES.workflows, ticket(status="resolved", resolved_at=NOW - timedelta(hours=50)), NOW
    )
    assert [n.template for n in of(Notify, reminded)] == ["confirmation_reminder"]
    closed = confirmation_due(
        RULES.workflows, ticket(status="resolved", resolved_at=NOW - timedelta(hours=97)), NOW
    )
    assert [c.target for c in of(ChangeState, closed)] == ["closed"]
    assert confirmation_due(RULES.workflows, ticket(status="resolved", resolved_at=NOW), NOW) == []


def test_a_refused_command_or_keyword_leaves_an_event_and_a_receipt(staff):
    reply = mail("王伟 <wang.wei@example.com>", "Re: [#202612-001] [RELEASED]", "#优先级 超级紧急\n")
    view = ticket(status="in_progress", type="fault", owner="wang.wei", owner_confirmed_at=NOW)
    effects = staff.staff_mail(view, reply, RULES.directory.person("wang.wei"), TRUSTED, NOW)
    assert not of(ChangeState, effects) and not [s for s in of(Set, effects) if "priority" in s.changes]
    (event,) = [r for r in of(Record, effects) if r.kind == "commands_rejected"]
    assert [r["line"] for r in event.detail["rejected"]] == [
        "#优先级 超级紧急",
        {"zh": "[已上线]", "en": "[Released]"},
    ]
    assert [r["why"]["code"] for r in event.detail["rejected"]] == ["unknown_priority", "move_not_allowed"]
    (receipt,) = of(Notify, effects)
    assert receipt.template == "receipt" and len(receipt.extra["rejected"]) == 2


def test_a_resolved_or_closed_ticket_is_never_escalated_or_warned():
    overdue = ClockView(3, "owner_confirmation", NOW - timedelta(hours=9), NOW - timedelta(minutes=5))
    soon = ClockView(4, "first_response", NOW - timedelta(hours=4), NOW + timedelta(minutes=20))
    for state in ("resolved", "closed"):
        view = ticket(status=state, team="operations", owner="wang.wei", clocks=(overdue, soon))
        assert escalate(RULES, view, NOW) == [] and warn(RULES, view, NOW) == []


def test_an_unclear_answer_moves_nothing_asks_once_and_tells_the_owner(customer):
    view = ticket(status="resolved", owner="wang.wei", resolved_at=NOW - timedelta(hours=3))
    unclear = mail("李雷 <li.lei@example.cn>", "Re: [#202612-001] 请确认", "一般都是下午出现")
    effects = customer.customer_mail(view, unclear, NOW, Workload())
    assert not of(ChangeState, effects)
    assert [(n.template, n.person, n.automatic) for n in of(Notify, effects)] == [
        ("customer_reply", "wang.wei", False),
        ("confirmation_unclear", None, False),
    ]
    changes = {k: v for s in of(Set, effects) for k, v in s.changes.items()}
    assert changes["confirmation_asked_at"] == NOW and changes["confirmation_answered_at"] == NOW
    asked = ticket(
        status="resolved",
        owner="wang.wei",
        resolved_at=NOW - timedelta(hours=3),
        confirmation_asked_at=NOW - timedelta(hours=1),
    )
    again = customer.customer_mail(asked, unclear, NOW, Workload())
    assert [n.template for n in of(Notify, again)] == ["customer_reply"]  # no third question
    quoted_only = mail("李雷 <li.lei@example.cn>", "Re: [#202612-001] 请确认", "")
    nothing = customer.customer_mail(view, quoted_only, NOW, Workload())
    assert [type(e) for e in nothing] == [Record] and nothing[0].kind == "feedback_unclear"


def test_the_wait_restarts_at_the_question_and_stops_when_words_came_after_it():
    resolved = NOW - timedelta(hours=200)
    asked = NOW - timedelta(hours=90)
    # Asking again stands in for the reminder.
    waiting = ticket(
        status="resolved", resolved_at=resolved, confirmation_asked_at=asked, confirmation_reminders=1
    )
    assert confirmation_due(RULES.workflows, waiting, NOW) == []
    later = confirmation_due(RULES.workflows, waiting, NOW + timedelta(hours=7))
    assert [c.target for c in of(ChangeState, later)] == ["closed"]
    answered = ticket(
        status="resolved",
        resolved_at=resolved,
        confirmation_asked_at=NOW - timedelta(hours=100),
        confirmation_answered_at=NOW - timedelta(hours=99),
    )
    assert confirmation_due(RULES.workflows, answered, NOW) == []


def test_an_eta_that_passes_tells_the_owner_and_escalates():
    promised = ClockView(9, "eta", NOW - timedelta(hours=3), NOW - timedelta(minutes=1))
    view = ticket(status="in_progress", team="operations", owner="wang.wei", clocks=(promised,))
    effects = escalate(RULES, view, NOW)
    sent = {(n.template, n.person) for n in of(Notify, effects)}
    assert sent == {("eta_passed", "wang.wei"), ("escalation", "liu.yang")}
    assert escalate(RULES, replace(view, status="resolved"), NOW) == []


def test_a_moved_eta_is_told_to_the_owner_and_the_manager_but_not_to_who_moved_it():
    view = ticket(status="in_progress", team="operations", owner="wang.wei", eta=NOW + timedelta(days=1))
    old = NOW + timedelta(hours=2)
    by_owner = eta_moved(RULES, view, old, "等待厂商补丁", "wang.wei@example.com", NOW)
    assert [(n.template, n.person) for n in of(Notify, by_owner)] == [("eta_moved", "liu.yang")]
    [notice] = of(Notify, by_owner)
    assert notice.extra["eta_reason"] == "等待厂商补丁" and notice.extra["due"] == "2026-12-01 12:00"
    by_manager = eta_moved(RULES, view, old, "", "liu.yang@example.com", NOW)
    assert [n.person for n in of(Notify, by_manager)] == ["wang.wei"]


def waiting(requests: int, asked_hours_ago: float) -> TicketView:
    return ticket(
        status="info_pending",
        type="fault",
        priority="general",
        team="operations",
        owner="zhang.min",
        required_fields=("occurred_at", "system_version"),
        information_requests=requests,
        customer_updated_at=NOW - timedelta(hours=asked_hours_ago),
    )


def test_an_unanswered_information_request_reminds_the_customer_after_a_day():
    assert unanswered(RULES, waiting(1, 23), NOW) == []
    effects = unanswered(RULES, waiting(1, 25), NOW)
    [reminder] = of(Notify, effects)
    assert (reminder.template, reminder.person, reminder.automatic) == ("information_reminder", None, False)
    assert reminder.missing == ("occurred_at", "system_version")
    assert Set({"information_requests": 2}) in effects and not of(ChangeState, effects)


def test_still_unanswered_after_the_last_request_the_configured_rule_follows():
    # proceed (shipped): to the owner, flagged incomplete
    effects = unanswered(RULES, waiting(2, 25), NOW)
    assert [c.target for c in of(ChangeState, effects)] == ["assigned"]
    assert Set({"incomplete": True}) in effects
    assert [(n.template, n.person) for n in of(Notify, effects)] == [("assignment", "zhang.min")]
    # close: the customer is told
    closing = replace(
        RULES,
        catalog=RULES.catalog.model_copy(update={"information_reminder": InformationReminder(then="close")}),
    )
    effects = unanswered(closing, waiting(2, 25), NOW)
    assert [c.target for c in of(ChangeState, effects)] == ["closed"]
    assert [n.template for n in of(Notify, effects)] == ["close_notice"]
    # wait: as it is
    waits = replace(
        RULES,
        catalog=RULES.catalog.model_copy(update={"information_reminder": InformationReminder(then="wait")}),
    )
    assert unanswered(waits, waiting(2, 25), NOW) == []
