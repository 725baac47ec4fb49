"""Machines versus people, end to end: a real report that looks like a robot's becomes a ticket, a
robot's mail is kept and can be ticketed by hand, and robots that answer every mail stop in a few rounds."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.models import Event, Message, Ticket
from helpdesk.tickets.repository import Repository
from tests.conftest import MAILS, SHIPPED_RULES

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 on a Monday in Shanghai: one local day
ROBOTS = "robots.example"


def cli(config_path, *args):
    return CliRunner().invoke(main, ["--config", str(config_path), *args], catch_exceptions=False)


def received(smtp) -> list[tuple[list[str], email.message.EmailMessage]]:
    return [
        (r.recipients, email.message_from_bytes(r.data, policy=email.policy.default)) for r in smtp.received
    ]


def acknowledgements(smtp) -> list[email.message.EmailMessage]:
    return [
        m for _, m in received(smtp) if "已收到您的需求" in m["Subject"] or "We have received" in m["Subject"]
    ]


def to_staff(smtp) -> list[email.message.EmailMessage]:
    return [m for rcpts, m in received(smtp) if any(r.endswith("@example.com") for r in rcpts)]


def all_tickets(app: Helpdesk) -> list[Ticket]:
    with app.sessions() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def kept(app: Helpdesk):
    with app.sessions() as session:
        return Repository(session).kept_automatic()


@pytest.fixture
def app(make_config, sqlite_url):
    helpdesk = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES), clock=ManualClock(START))
    yield helpdesk
    helpdesk.close()


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("Undeliverable invoices", "The November invoices show status undeliverable in the billing job."),
        ("退信问题", "我发给客户的邮件总是被退信，提示 550 5.1.1，客户说地址没错。"),
        ("不在办公室也能登录VPN吗", "我下周不在办公室，在家能登录 VPN 吗？"),
    ],
)
def test_real_report_with_a_robots_subject_becomes_a_ticket(app, account, smtp, subject, text):
    account.deliver(customer_mail("Anna <anna@cust.example>", subject, text))
    app.run_once()
    [ticket] = all_tickets(app)
    assert ticket.subject == subject and ticket.requester_email == "anna@cust.example"
    [ack] = acknowledgements(smtp)
    assert ack["To"] == "anna@cust.example" and kept(app) == []


def test_out_of_office_is_kept_listed_and_ticketed_by_hand(make_config, sqlite_url, account, smtp, tmp_path):
    make_config(sqlite_url, rules=SHIPPED_RULES)
    path = tmp_path / "helpdesk.yaml"
    account.deliver((MAILS / "exchange_zh_out_of_office.eml").read_bytes())
    assert "processed 1 mail(s); sent 0" in cli(path, "run", "--once", "--backlog", "answer").output
    # Out of INBOX like any processed mail; not in the Quarantine folder, which holds failures.
    assert (account.count("INBOX"), account.count("Processed"), account.count("Quarantine")) == (0, 1, 0)
    assert json.loads(cli(path, "quarantine", "list", "--json").output) == []
    assert json.loads(cli(path, "tickets", "list", "--json").output) == []

    [entry] = json.loads(cli(path, "automatic", "list", "--json").output)
    assert (entry["sender"], entry["subject"]) == ("李雷 <li.lei@example.cn>", "自动回复: 系统无法登录")
    assert "Auto-Submitted: auto-replied" in entry["reason"] and "X-Auto-Response-Suppress" in entry["reason"]
    assert entry["when"] and entry["status"] == "automatic"
    table = cli(path, "automatic", "list").output
    assert "Auto-" in table and "自动回复" in table and str(entry["id"]) in table

    done = cli(path, "automatic", "ticket", str(entry["id"]))
    assert done.exit_code == 0 and "created ticket" in done.output
    [ticket] = json.loads(cli(path, "tickets", "list", "--json").output)
    assert ticket["requester"] == "li.lei@example.cn"
    shown = json.loads(cli(path, "tickets", "show", ticket["number"], "--json").output)
    assert shown["messages"][0]["automatic"] is None  # a person's now: it moves the ticket
    [released] = [e for e in shown["events"] if e["kind"] == "automatic_released"]
    assert "Auto-Submitted" in released["reason"] and "by hand" in released["reason"]
    assert json.loads(cli(path, "automatic", "list", "--json").output) == []
    assert cli(path, "automatic", "ticket", str(entry["id"])).exit_code == 1  # only once
    assert "created" not in cli(path, "quarantine", "retry", str(entry["id"])).output
    cli(path, "run", "--once")
    assert [m["To"] for m in acknowledgements(smtp)] == ["li.lei@example.cn"]


def test_a_customer_opening_ten_tickets_a_day_gets_ten_acknowledgements(app, account, smtp):
    account.deliver(
        *(
            customer_mail("李雷 <li.lei@example.cn>", f"第 {n} 台打印机卡纸", "打印机卡纸，型号 HP 400。")
            for n in range(10)
        )
    )
    app.run_once()
    assert len(all_tickets(app)) == 10
    assert [m["To"] for m in acknowledgements(smtp)] == ["li.lei@example.cn"] * 10


def answer_every_acknowledgement(app, account, smtp, write, rounds: int = 50) -> int:
    """Play a robot: answer each acknowledgement the sink receives, until none is new; rounds played."""
    answered: set[str] = set()
    for played in range(rounds):
        new = [m for m in acknowledgements(smtp) if m["Message-ID"] not in answered]
        if not new:
            return played
        for n, ack in enumerate(new, len(answered)):
            answered.add(ack["Message-ID"])
            account.deliver(write(n, ack))
        app.run_once()
    return rounds


def bot_receipt(n, ack):
    return customer_mail(
        f"Bot <bot-{n}@{ROBOTS}>",
        f"Re: {ack['Subject']}",
        "Thanks, we received your mail.",
        In_Reply_To=ack["Message-ID"],
        References=ack["Message-ID"],
    )


def bot_in_reply_to_only(n, ack):
    return customer_mail(
        f"Bot <bot-{n}@{ROBOTS}>",
        f"Re: {ack['Subject']}",
        f"Ticket logged, ref {1000 + n}.",
        In_Reply_To=ack["Message-ID"],
    )


def bot_tag_receipt_zh(n, ack):
    return customer_mail(f"客服机器人 <bot-{n}@{ROBOTS}>", f"回复：{ack['Subject']}", "您的邮件已收到。")


def bot_quotes_our_ack(n, ack):
    return customer_mail(
        f"Bot <bot-{n}@{ROBOTS}>", f"Your mail {n}", "您好，已收到您的需求，我们将尽快处理并同步进展。"
    )


@pytest.mark.parametrize(
    ("write", "names_ticket"),
    [
        (bot_receipt, True),
        (bot_in_reply_to_only, True),
        (bot_tag_receipt_zh, True),
        (bot_quotes_our_ack, False),
    ],
)
def test_robot_answering_from_a_new_address_each_time_stops_at_once(app, account, smtp, write, names_ticket):
    account.deliver(customer_mail(f"Bot <bot@{ROBOTS}>", "打印机无法打印", "打印机无法打印，提示脱机。"))
    app.run_once()
    staff_before = len(to_staff(smtp))
    rounds = answer_every_acknowledgement(app, account, smtp, write)
    assert rounds == 1  # one answer, kept aside; nothing goes back to the robot
    assert len(all_tickets(app)) == 1 and len(acknowledgements(smtp)) == 1
    assert len(to_staff(smtp)) == staff_before  # the robot's answer mails no engineer
    [entry] = kept(app)
    assert entry.sender.endswith(f"@{ROBOTS}>") and ("receipt" in entry.error or "sent to" in entry.error)
    with app.sessions() as session:
        reasons = [e.reason for e in session.scalars(select(Event).where(Event.kind == "automatic_kept"))]
    assert len(reasons) == (1 if names_ticket else 0)
    assert all("helpdesk automatic list" in r for r in reasons)


def test_robot_answering_in_its_own_thread_is_kept_there_and_answered_once(app, account, smtp):
    account.deliver(customer_mail(f"Bot <bot@{ROBOTS}>", "打印机无法打印", "打印机无法打印，提示脱机。"))
    app.run_once()

    def write(n, ack):
        return customer_mail(
            f"Bot <bot@{ROBOTS}>",
            f"Re: {ack['Subject']}",
            "Thanks, we received your mail.",
            In_Reply_To=ack["Message-ID"],
        )

    assert answer_every_acknowledgement(app, account, smtp, write) == 1
    [ticket] = all_tickets(app)
    with app.sessions() as session:
        last = session.scalars(select(Message).where(Message.direction == "in").order_by(Message.id)).all()[
            -1
        ]
        assert "receipt" in last.auto_reason and last.ticket_id == ticket.id
        [event] = session.scalars(select(Event).where(Event.kind == "message_added")).all()
        assert "a machine's mail" in event.reason
    assert len(acknowledgements(smtp)) == 1


def test_robot_writing_new_mail_from_the_same_address_is_bounded_by_the_daily_cap(
    make_config, sqlite_url, account, smtp, tmp_path
):
    """A robot we cannot recognise (no headers, its own words, a new mail each time) gets at most the
    daily cap of automatic answers (20), so the loop ends after 21 mails; the last one is told why."""
    app = Helpdesk(make_config(sqlite_url), clock=ManualClock(START))
    account.deliver(customer_mail(f"Bot <bot@{ROBOTS}>", "order 0", "Order received."))
    app.run_once()

    def write(n, ack):
        return customer_mail(f"Bot <bot@{ROBOTS}>", f"order {n + 1}", f"Order {n + 1} noted.")

    rounds = answer_every_acknowledgement(app, account, smtp, write)
    assert rounds == 20 and len(acknowledgements(smtp)) == 20 and len(all_tickets(app)) == 21
    last = all_tickets(app)[-1]
    shown = json.loads(cli(tmp_path / "helpdesk.yaml", "tickets", "show", last.number, "--json").output)
    [held] = [e for e in shown["events"] if e["kind"] == "mail_suppressed"]
    assert "daily cap of 20" in held["reason"] and f"bot@{ROBOTS}" in held["reason"]
    shown = cli(tmp_path / "helpdesk.yaml", "tickets", "show", last.number).output
    assert "已达每日自动邮件上限" in "".join(shown.split())  # in the desk's language
    app.close()
