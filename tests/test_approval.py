"""The technical lead's approval of a solution (workflows.yaml `approval`): an engineer's [RESOLVED]
waits for the lead's #approve / #批准 or #reject / #驳回; nobody else, forged or quoted, decides."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.errors import ConfigError
from helpdesk.rules.load import load_rules
from tests.conftest import SHIPPED_RULES
from tests.test_staff_trust import ENGINEER, MANAGER, OURS_FAIL, OURS_PASS, with_stamps
from tests.test_workflow import START, body, mails_to, open_ticket, reply, ticket_now

LEAD = "liu.yang@example.com"  # manager of the operations team in the shipped staff.yaml
OWNER = "wang.wei@example.com"
CUSTOMER = "li.lei@example.cn"


def rules_with_approval(tmp_path: Path, approval: dict) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, folder)
    path = folder / "workflows.yaml"
    text = path.read_text(encoding="utf-8").split("\napproval:")[0]
    path.write_text(
        text + "\n" + yaml.safe_dump({"approval": approval}, allow_unicode=True), encoding="utf-8"
    )
    return folder


@pytest.fixture
def app(make_config, sqlite_url, tmp_path):
    config = make_config(
        sqlite_url,
        rules=rules_with_approval(tmp_path, {"types": ["fault"]}),
        commands={"require_authentication": True, "authserv_id": "mx.example.com"},
    )
    helpdesk = Helpdesk(config, clock=ManualClock(START))
    yield helpdesk
    helpdesk.close()


def send(app, account, raw: bytes, *stamps: str) -> None:
    account.deliver(with_stamps(raw, *stamps))
    app.run_once()


def test_the_lead_approves_and_only_then_the_customer_hears(app, account, smtp):
    ticket = open_ticket(app, account, smtp)
    assert ticket.type == "fault"
    [notice] = mails_to(smtp, OWNER)
    resolving = reply(
        notice, ENGINEER, "Re: [已解决] ", "#原因 验证码缓存写满\n#解决方案 清理缓存后恢复\n\n已处理好。"
    )
    send(app, account, resolving, OURS_PASS)
    assert ticket_now(app).status == "awaiting_approval"
    assert not [m for m in mails_to(smtp, CUSTOMER) if "已解决" in m["Subject"]]
    [request] = mails_to(smtp, LEAD)
    text = body(request)
    assert "待审批" in request["Subject"] and "验证码缓存写满" in text and "清理缓存后恢复" in text
    assert "已处理好。" in text and "#批准" in text and "Solution" not in text
    receipt = mails_to(smtp, OWNER)[-1]
    assert "待审批" in body(receipt)

    # The engineer approves their own solution: refused, the ticket waits.
    send(app, account, reply(receipt, ENGINEER, "Re: ", "#批准"), OURS_PASS)
    assert ticket_now(app).status == "awaiting_approval"
    assert "只有技术负责人（刘洋）可以审批" in body(mails_to(smtp, OWNER)[-1])
    # The lead's address, forged: our server's verdict fails, nothing moves.
    send(app, account, reply(request, MANAGER, "Re: ", "#批准"), OURS_FAIL)
    assert ticket_now(app).status == "awaiting_approval"
    # A quoted #approve under the lead's own new words is no command.
    quoted = reply(request, MANAGER, "Re: ", "我再看看。\n\n> #批准")
    send(app, account, quoted, OURS_PASS)
    assert ticket_now(app).status == "awaiting_approval"
    before = len(mails_to(smtp, CUSTOMER))

    send(app, account, reply(request, MANAGER, "Re: ", "#批准\n\n内部：方案可以。"), OURS_PASS)
    assert ticket_now(app).status == "resolved"
    customer = mails_to(smtp, CUSTOMER)[before:]
    assert (
        len(customer) == 1 and "清理缓存后恢复" in body(customer[0]) and "方案可以" not in body(customer[0])
    )
    assert "验证码缓存写满" in body(customer[0])  # the cause given with the solution reaches the customer


def test_the_lead_rejects_with_a_reason_and_the_ticket_goes_back(app, account, smtp):
    open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, OWNER)
    send(app, account, reply(notice, ENGINEER, "Re: [RESOLVED] ", "#solution restart the service"), OURS_PASS)
    [request] = mails_to(smtp, LEAD)
    before = len(mails_to(smtp, CUSTOMER))
    send(app, account, reply(request, MANAGER, "Re: ", "#驳回 没有找到根因，重启只是暂时恢复"), OURS_PASS)
    assert ticket_now(app).status == "in_progress"
    told = mails_to(smtp, OWNER)[-1]
    assert "驳回" in told["Subject"] and "没有找到根因" in body(told)
    assert len(mails_to(smtp, CUSTOMER)) == before  # the verdict is between staff


def test_an_unknown_type_or_priority_under_approval_is_named_with_its_line(tmp_path):
    folder = rules_with_approval(tmp_path, {"types": ["fault", "bogus"], "priorities": ["fatal", "P9"]})
    with pytest.raises(ConfigError) as raised:
        load_rules(folder)
    problems = str(raised.value)
    assert "workflows.yaml:" in problems and "unknown type 'bogus'" in problems
    assert "unknown priority 'P9'" in problems


def test_approval_applies_by_type_and_priority_and_is_off_as_shipped():
    shipped = load_rules(SHIPPED_RULES).workflows.approval
    assert not shipped.needed("fault", "fatal")
    approval = type(shipped)(types=["fault"], priorities=["fatal", "severe"])
    assert approval.needed("fault", "fatal") and not approval.needed("fault", "general")
    assert not approval.needed("development", "fatal")
