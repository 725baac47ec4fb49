"""Staff authority is a property of an authenticated mail, not of a From: string: the forged From,
the forged Authentication-Results below ours, the forged [ACK] and the quoted command move nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.models import Event, TicketClock
from tests.conftest import SHIPPED_RULES
from tests.test_workflow import START, body, mails_to, open_ticket, reply, ticket_now

ENGINEER = "王伟 <wang.wei@example.com>"
MANAGER = "刘洋 <liu.yang@example.com>"
OURS_PASS = "mx.example.com; dkim=pass header.d=example.com; dmarc=pass header.from=example.com"
OURS_FAIL = "mx.example.com; dkim=fail header.d=example.com; dmarc=fail header.from=example.com"


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def app(make_config, sqlite_url, clock):
    config = make_config(
        sqlite_url,
        rules=SHIPPED_RULES,
        commands={"require_authentication": True, "authserv_id": "mx.example.com"},
    )
    helpdesk = Helpdesk(config, clock=clock)
    yield helpdesk
    helpdesk.close()


def with_stamps(raw: bytes, *stamps: str) -> bytes:
    """Put Authentication-Results on top, in order: the first is what our server would add last."""
    head = b"".join(f"Authentication-Results: {s}\r\n".encode() for s in stamps)
    return head + raw


def running(app: Helpdesk) -> set[str]:
    with app.sessions() as session:
        return set(session.scalars(select(TicketClock.name).where(TicketClock.met_at.is_(None))))


def test_a_forged_engineer_changes_nothing_and_the_real_one_hears_of_it(app, account, smtp):
    ticket = open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    to_customer = len(mails_to(smtp, "li.lei@example.cn"))
    # Our server's verdict on top says fail; a pass the sender wrote in sits below it.
    forged = reply(notice, ENGINEER, "Re: [RESOLVED] ", "#priority 低\n#solution 已处理\n\n请把密码发给我。")
    account.deliver(with_stamps(forged, OURS_FAIL, OURS_PASS))
    app.run_once()
    after = ticket_now(app)
    assert (after.status, after.priority, after.solution) == ("assigned", ticket.priority, "")
    assert after.owner_confirmed_at is None and "owner_confirmation" in running(app)
    assert len(mails_to(smtp, "li.lei@example.cn")) == to_customer  # nothing relayed
    receipt = mails_to(smtp, "wang.wei@example.com")[-1]
    text = body(receipt)
    assert "#priority 低" in text and "[已解决]" in text and "给客户的回复内容" in text
    assert "未通过我方邮件服务器的发件人验证（DKIM/DMARC）" in text and "[resolved]" not in text
    with app.sessions() as session:
        [refused] = session.scalars(select(Event).where(Event.kind == "commands_refused")).all()
    assert refused.detail["internal"] is True

    account.deliver(with_stamps(reply(notice, ENGINEER, "Re: [RESOLVED] ", "#solution 已处理"), OURS_PASS))
    app.run_once()
    assert ticket_now(app).status == "resolved"


def test_a_stamp_from_another_server_vouches_for_nothing(app, account, smtp):
    open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    other = "relay.evil.example; dkim=pass header.d=example.com; dmarc=pass header.from=example.com"
    account.deliver(with_stamps(reply(notice, ENGINEER, "Re: [RESOLVED] ", "好了"), other))
    app.run_once()
    assert ticket_now(app).status == "assigned"
    assert "未通过我方邮件服务器的发件人验证" in body(mails_to(smtp, "wang.wei@example.com")[-1])


def test_a_forged_ack_does_not_stop_an_escalation(app, account, smtp, clock):
    ticket = open_ticket(app, account, smtp)
    clock.advance(timedelta(days=3))
    app.run_once()
    escalation = [m for m in mails_to(smtp, "liu.yang@example.com") if ticket.number in m["Subject"]][-1]
    with app.sessions() as session:
        clocks = session.scalars(select(TicketClock).where(TicketClock.breached_at.is_not(None))).all()
        assert clocks and all("liu.yang" in c.escalated_to for c in clocks)
    account.deliver(reply(escalation, MANAGER, "Re: [ACK] ", "收到"))
    app.run_once()
    with app.sessions() as session:
        assert (
            session.scalars(select(TicketClock).where(TicketClock.acknowledged_at.is_not(None))).all() == []
        )
    account.deliver(with_stamps(reply(escalation, MANAGER, "Re: [ACK] ", "收到"), OURS_PASS))
    app.run_once()
    with app.sessions() as session:
        assert session.scalars(select(TicketClock).where(TicketClock.acknowledged_at.is_not(None))).all()
    assert ticket_now(app, ticket.number).status == "assigned"


def test_commands_quoted_from_the_customer_never_count(app, account, smtp):
    """The engineer's own words count; the customer's lines in the quoted history do not."""
    ticket = open_ticket(app, account, smtp)
    [notice] = mails_to(smtp, "wang.wei@example.com")
    quoted = (
        "收到，在查。\n\n在 2026年11月23日 10:05，李雷 <li.lei@example.cn> 写道：\n"
        "> #assign li.na\n> #priority 低\n> 请尽快处理\n"
    )
    raw = customer_mail(ENGINEER, f"Re: {notice['Subject']}", quoted, In_Reply_To=notice["Message-ID"])
    account.deliver(with_stamps(raw, OURS_PASS))
    app.run_once()
    after = ticket_now(app, ticket.number)
    assert (after.owner, after.priority) == ("wang.wei", ticket.priority)
    assert "收到，在查。" in body(mails_to(smtp, "li.lei@example.cn")[-1])


def test_check_warns_when_staff_authority_rests_on_from_alone(tmp_path):
    path = tmp_path / "helpdesk.yaml"
    path.write_text(f"paths:\n  rules: {SHIPPED_RULES}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), "check"], catch_exceptions=False)
    assert result.exit_code == 0 and "staff authority rests on the From: header alone" in result.output
    path.write_text(
        f"paths:\n  rules: {SHIPPED_RULES}\n"
        "commands:\n  require_authentication: true\n  authserv_id: mx.example.com\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--config", str(path), "check"], catch_exceptions=False)
    assert result.exit_code == 0 and "warning" not in result.output
