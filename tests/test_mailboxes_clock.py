"""The clock's work over several mailboxes: a ticket is escalated by its own mailbox's rules folder
(its staff, its deadlines), each folder's managers get the digest of that folder's tickets, and a
mail kept aside in the second mailbox is taken up again by the second mailbox's pipeline."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.config import load_config
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.models import OutboxMail, QuarantinedMail
from tests import test_mailboxes
from tests.conftest import MAILS, use_dovecot
from tests.test_mailboxes import tickets, two_mailboxes, write
from tests.test_staff_trust import OURS_PASS, with_stamps

billing = test_mailboxes.billing  # the billing@ account, a fixture
pytestmark = pytest.mark.skipif(not use_dovecot(), reason="two IMAP accounts need Dovecot")

START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai, working hours
FIRST_RESPONSE = "  first_response: {fatal: 15m,"


def own_rules(tmp_path, support_response: str, billing_response: str) -> None:
    """support@'s first response due after `support_response`; billing@'s after `billing_response`,
    and billing's operations team managed by its own 钱慧 instead of 刘洋."""
    for folder, due in (("rules", support_response), ("rules-billing", billing_response)):
        sla = tmp_path / folder / "sla.yaml"
        lines = sla.read_text(encoding="utf-8").splitlines(keepends=True)
        [index] = [i for i, line in enumerate(lines) if line.startswith(FIRST_RESPONSE)]
        lines[index] = f"  first_response: {{default: {due}}}\n"
        sla.write_text("".join(lines), encoding="utf-8")
    staff = tmp_path / "rules-billing" / "staff.yaml"
    text = staff.read_text(encoding="utf-8")
    staff.write_text(text.replace("liu.yang", "qian.hui").replace("刘洋", "钱慧"), encoding="utf-8")


def outbox_rows(app: Helpdesk, kind: str) -> list[OutboxMail]:
    """The queued mails of `kind`, oldest first."""
    with app.sessions() as session:
        query = select(OutboxMail).where(OutboxMail.kind == kind).order_by(OutboxMail.id)
        return list(session.scalars(query))


def outbox(app: Helpdesk, kind: str) -> list[tuple[int | None, str, str]]:
    """(ticket id, recipient, plain text) of each queued mail of `kind`, oldest first."""
    found = []
    for row in outbox_rows(app, kind):
        message = email.message_from_bytes(row.data, policy=email.policy.default)
        found.append((row.ticket_id, row.recipient, message.get_body(("plain",)).get_content()))
    return found


@pytest.fixture(params=["sqlite_url", "pg_url"])
def desk(request, tmp_path, account, billing, smtp):
    """Both mailboxes, on a clock standing at START, with a ticket in each; on SQLite and PostgreSQL."""
    url = request.getfixturevalue(request.param)
    path = write(tmp_path, two_mailboxes(tmp_path, url, account, billing, smtp))
    own_rules(tmp_path, support_response="1h", billing_response="10m")
    clock = ManualClock(START)
    app = Helpdesk(load_config(path), clock=clock)
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "月度报表", "月度报表的导出按钮没有反应。"))
    billing.deliver(customer_mail("韩梅 <han.mei@example.cn>", "发票抬头", "请把发票抬头改成新公司名。"))
    assert app.run_once().mails == 2
    yield app, clock
    app.close()


def test_a_ticket_escalates_to_its_own_mailboxs_manager_at_its_own_deadline(desk):
    app, clock = desk
    found = tickets(app)
    support, invoice = found["月度报表"], found["发票抬头"]
    assert (invoice.mailbox, invoice.team) == ("billing", "operations")

    clock.advance(timedelta(minutes=15))  # past billing's 10 minutes, within support's hour
    app.run_once()
    escalated = outbox(app, "escalation")
    assert [(ticket, to) for ticket, to, _ in escalated] == [(invoice.id, "qian.hui@example.com")]
    assert "发票抬头" in escalated[0][2] and invoice.number in escalated[0][2]

    clock.advance(timedelta(hours=1))  # now support's hour has passed too: its manager, by its staff
    app.run_once()
    later = {to for ticket, to, _ in outbox(app, "escalation") if ticket == support.id}
    assert later and "qian.hui@example.com" not in later
    assert later <= {"liu.yang@example.com", "zhao.lei@example.com"}
    assert "liu.yang@example.com" not in {to for ticket, to, _ in outbox(app, "escalation")}


def test_each_folders_managers_get_the_digest_of_their_own_tickets(desk, tmp_path):
    app, clock = desk
    found = tickets(app)
    support, invoice = found["月度报表"], found["发票抬头"]
    clock.advance(timedelta(hours=2))  # both escalated on the day
    app.run_once()
    clock.advance(timedelta(hours=22, minutes=45))  # Wednesday 08:45: Tuesday's digests are due
    app.run_once()
    digests = [(to, text) for _, to, text in outbox(app, "digest")]
    assert sorted(to for to, _ in digests) == [
        "liu.yang@example.com",  # support@'s manager
        "qian.hui@example.com",  # billing@'s own
        "zhao.lei@example.com",  # the director of both folders: one digest for each
        "zhao.lei@example.com",
    ]
    for to, text in digests:
        assert not (support.number in text and invoice.number in text), to
    [billing_manager] = [text for to, text in digests if to == "qian.hui@example.com"]
    assert invoice.number in billing_manager and "发票抬头" in billing_manager
    directors = [text for to, text in digests if to == "zhao.lei@example.com"]
    assert sorted(support.number in text for text in directors) == [False, True]
    assert sorted(invoice.number in text for text in directors) == [False, True]

    # Each folder's digests come from its own mailbox's address, signed with its name.
    senders = {row.recipient: row.data for row in outbox_rows(app, "digest")}
    billing_from = email.message_from_bytes(senders["qian.hui@example.com"], policy=email.policy.default)
    assert billing_from["From"].addresses[0].addr_spec == app.config.sender_of("billing")[0]
    assert billing_from["From"].addresses[0].display_name == "账务中心"
    assert "账务中心" in billing_manager
    support_from = email.message_from_bytes(senders["liu.yang@example.com"], policy=email.policy.default)
    assert support_from["From"].addresses[0].addr_spec == app.config.support_address

    app.run_once()  # claimed: never a second time
    assert len(outbox(app, "digest")) == 4

    # `helpdesk digest` finds a manager in their own folder's staff, and claims as the sweep does.
    command = ["--config", str(tmp_path / "helpdesk.yaml"), "digest", "--date", "2026-11-24"]
    printed = CliRunner(env={"COLUMNS": "200"}).invoke(main, [*command, "--print", "--manager", "qian.hui"])
    assert printed.exit_code == 0, printed.output
    assert "To: 钱慧 <qian.hui@example.com>" in printed.output and invoice.number in printed.output
    assert support.number not in printed.output
    again = CliRunner(env={"COLUMNS": "200"}).invoke(main, [*command, "--send", "--manager", "qian.hui"])
    assert again.exit_code == 0 and "went already: not queued again" in again.output


def test_mail_kept_aside_in_the_second_mailbox_is_taken_up_by_its_pipeline(
    tmp_path,
    sqlite_url,
    account,
    billing,
    smtp,
):
    path = write(tmp_path, two_mailboxes(tmp_path, sqlite_url, account, billing, smtp))
    app = Helpdesk(load_config(path))
    billing.deliver((MAILS / "exchange_zh_out_of_office.eml").read_bytes(), b"\x01\x02 not a mail\r\n")
    assert app.run_once().mails == 2
    with app.sessions() as session:
        kept = {row.status: (row.id, row.mailbox) for row in session.scalars(select(QuarantinedMail))}
    app.close()
    assert {status: mailbox for status, (_, mailbox) in kept.items()} == {
        "automatic": "billing",
        "held": "billing",
    }

    done = CliRunner().invoke(main, ["--config", str(path), "automatic", "ticket", str(kept["automatic"][0])])
    assert done.exit_code == 0 and "created ticket" in done.output, done.output
    app = Helpdesk(load_config(path))
    [ticket] = tickets(app).values()
    assert (ticket.mailbox, ticket.team) == ("billing", "operations")  # billing@'s rules and team
    app.sender.drain()
    [ack] = [r.message for r in smtp.received if r.recipients == ["li.lei@example.cn"]]
    assert str(ack["From"]) == f"账务中心 <{billing.user}>"
    app.close()

    again = CliRunner().invoke(main, ["--config", str(path), "quarantine", "retry", str(kept["held"][0])])
    assert again.exit_code == 1 and "quarantined" in again.output  # still no mail: stays held


def test_a_held_on_behalf_mail_of_the_second_mailbox_is_retried_by_its_rules(
    tmp_path, sqlite_url, account, billing, smtp
):
    path = write(tmp_path, two_mailboxes(tmp_path, sqlite_url, account, billing, smtp))
    report = "#代报 刘洋 <liu.yang@example.com> 电话\n报销单提交后一直显示“处理中”。"
    billing.deliver(with_stamps(customer_mail("王伟 <wang.wei@example.com>", "报销单", report), OURS_PASS))
    app = Helpdesk(load_config(path))
    app.run_once()  # 刘洋 is staff: not a customer, the mail is held
    with app.sessions() as session:
        [(entry, mailbox)] = [(row.id, row.mailbox) for row in session.scalars(select(QuarantinedMail))]
    [receipt] = outbox_rows(app, "on_behalf_refused")  # the staff member is told, from billing@
    app.close()
    assert mailbox == "billing"
    told = email.message_from_bytes(receipt.data, policy=email.policy.default)
    assert (told["To"], told["From"].addresses[0].addr_spec) == ("wang.wei@example.com", billing.user)

    # In billing's staff 刘洋 now has an address of his own; support@'s staff still has this one.
    staff = tmp_path / "rules-billing" / "staff.yaml"
    text = staff.read_text(encoding="utf-8")
    staff.write_text(text.replace("liu.yang@example.com", "liu.yang@billing.example.com"), encoding="utf-8")
    done = CliRunner().invoke(main, ["--config", str(path), "quarantine", "retry", str(entry)])
    assert done.exit_code == 0 and "created ticket" in done.output, done.output
    app = Helpdesk(load_config(path))
    [ticket] = tickets(app).values()
    assert (ticket.mailbox, ticket.requester_email) == ("billing", "liu.yang@example.com")
    app.close()
