"""The approval decisions, pure: StaffDecider over a snapshot with workflows.yaml `approval` on."""

from __future__ import annotations

from dataclasses import replace

from helpdesk.effects import Authority, ChangeState, Notify, Record
from helpdesk.rules.schema import Approval
from helpdesk.workflow.staff import StaffDecider
from tests.test_deciders import NOW, RULES, ZONE, mail, of, ticket

WORKFLOWS = RULES.workflows.model_copy(update={"approval": Approval(types=["fault"], priorities=["fatal"])})
STAFF = StaffDecider(replace(RULES, workflows=WORKFLOWS), ZONE)
OWNER = RULES.directory.person("wang.wei")
LEAD = RULES.directory.person("liu.yang")  # the operations team's manager
FAULT = {"type": "fault", "priority": "fatal", "team": "operations", "owner": "wang.wei"}


def decide(view, sender, subject, text):
    person = RULES.directory.by_email(sender)
    return STAFF.staff_mail(
        view, mail(f"{person.name} <{sender}>", subject, text), person, Authority(person.id, True, "ok"), NOW
    )


def test_a_fatal_faults_resolution_waits_for_the_lead_and_tells_the_customer_nothing():
    view = ticket(status="in_progress", solution="清理缓存", **FAULT)
    effects = decide(view, OWNER.email, "Re: [#202612-001] [已解决]", "#原因 缓存写满\n\n已处理。")
    assert [c.target for c in of(ChangeState, effects)] == ["awaiting_approval"]
    notices = of(Notify, effects)
    assert [(n.template, n.person) for n in notices] == [
        ("approval_request", "liu.yang"),
        ("receipt", "wang.wei"),
    ]
    assert notices[0].extra["cause"] == "缓存写满" and notices[0].extra["message"] == "已处理。"
    assert "approval_requested" in [r.kind for r in of(Record, effects)]


def test_a_general_fault_or_the_leads_own_resolution_needs_no_approval():
    general = ticket(status="in_progress", **(FAULT | {"priority": "general"}))
    effects = decide(general, OWNER.email, "Re: [#202612-001] [RESOLVED]", "done")
    assert [c.target for c in of(ChangeState, effects)] == ["resolved"]
    own = ticket(status="in_progress", **(FAULT | {"owner": "liu.yang"}))
    effects = decide(own, LEAD.email, "Re: [#202612-001] [RESOLVED]", "done")
    assert [c.target for c in of(ChangeState, effects)] == ["resolved"]


def test_only_the_lead_approves_and_a_reject_needs_its_reason():
    waiting = ticket(status="awaiting_approval", solution="清理缓存", **FAULT)
    mine = decide(waiting, OWNER.email, "Re: [#202612-001]", "#approve")
    assert not of(ChangeState, mine) and not [n for n in of(Notify, mine) if n.person is None]
    bare = decide(waiting, LEAD.email, "Re: [#202612-001]", "#驳回")
    assert not of(ChangeState, bare)
    approved = decide(waiting, LEAD.email, "Re: [#202612-001]", "#批准\n\n内部意见")
    assert [c.target for c in of(ChangeState, approved)] == ["resolved"]
    assert [n.template for n in of(Notify, approved) if n.person is None] == ["resolution"]
    assert all(not n.words for n in of(Notify, approved))  # the lead's words stay inside
    rejected = decide(waiting, LEAD.email, "Re: [#202612-001]", "#reject no root cause")
    assert [c.target for c in of(ChangeState, rejected)] == ["in_progress"]
    (told,) = [n for n in of(Notify, rejected) if n.template == "approval_request"]
    assert told.person == "wang.wei" and told.extra["why"] == "no root cause"


def test_approve_on_a_ticket_not_waiting_is_refused():
    effects = decide(ticket(status="in_progress", **FAULT), LEAD.email, "Re: [#202612-001]", "#approve")
    assert not of(ChangeState, effects)
    (receipt,) = of(Notify, effects)
    assert receipt.extra["rejected"][0]["line"] == "#approve"
