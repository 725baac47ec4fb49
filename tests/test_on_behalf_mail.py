"""A report taken by phone, end to end over the real servers: a verified engineer mails it with
#代报 / #on-behalf, and the ticket is the customer's; anyone else's command moves nobody, and a
command that cannot be followed opens no ticket for anyone: the mail is held, the engineer told."""

from __future__ import annotations

import base64

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.models import Event, Message, OutboxMail, QuarantinedMail, Ticket, TicketField
from tests.conftest import SHIPPED_RULES
from tests.test_staff_trust import OURS_FAIL, OURS_PASS, with_stamps
from tests.test_workflow import COMPLETE, CUSTOMER, START, body, mails_to, reply, ticket_now

ENGINEER = "王伟 <wang.wei@example.com>"
EMMA = "Emma Brown <emma.brown@example.com>"


@pytest.fixture
def config(make_config, sqlite_url):
    return make_config(
        sqlite_url,
        rules=SHIPPED_RULES,
        commands={"require_authentication": True, "authserv_id": "mx.example.com"},
    )


@pytest.fixture
def app(config):
    helpdesk = Helpdesk(config, clock=ManualClock(START))
    yield helpdesk
    helpdesk.close()


def staff_mail(sender: str, text: str, stamp: str = OURS_PASS, subject: str = "OA 无法登录") -> bytes:
    return with_stamps(customer_mail(sender, subject, text), stamp)


def fields(app: Helpdesk) -> dict[str, tuple[str, str]]:
    with app.sessions() as session:
        return {f.name: (f.value, f.source) for f in session.scalars(select(TicketField))}


def channel(app: Helpdesk) -> tuple[str, str]:
    return fields(app)["channel"]


def created(app: Helpdesk) -> Event:
    with app.sessions() as session:
        return session.scalars(select(Event).where(Event.kind == "created")).one()


def test_an_engineer_opens_the_customers_ticket_for_a_phone_report(app, account, smtp, tmp_path):
    # An English-speaking engineer takes a Chinese customer's call.
    account.deliver(staff_mail(EMMA, f"#on-behalf {CUSTOMER} 电话\n{COMPLETE}"))
    app.run_once()
    ticket = ticket_now(app)
    assert (ticket.requester_email, ticket.requester_name, ticket.language) == (
        "li.lei@example.cn",
        "李雷",
        "zh",
    )
    assert ticket.description == COMPLETE and "#on-behalf" not in ticket.description
    assert ticket.status == "assigned" and ticket.owner == "wang.wei"  # routed on the report's text
    assert channel(app) == ("phone", "command")
    read = fields(app)  # from the report, and the company from the customer's domain, not ours
    assert read.keys() >= {"system_version", "error_message", "steps"}
    assert read["company"] == ("example.cn", "domain")
    event = created(app)
    assert (event.actor, event.detail["via"]) == ("emma.brown@example.com", "phone")
    with app.sessions() as session:
        assert session.scalars(select(Message.sender).where(Message.direction == "in")).all() == [
            "emma.brown@example.com"
        ]
    [ack] = mails_to(smtp, "li.lei@example.cn")  # the customer is acknowledged, in Chinese
    assert ticket.number in ack["Subject"] and "李雷" in body(ack)
    assert not mails_to(smtp, "emma.brown@example.com")  # no acknowledgement to the engineer

    # The customer's answer to the acknowledgement joins the ticket as the requester's.
    account.deliver(reply(ack, CUSTOMER, "回复：", "另外，重启后也一样。"))
    app.run_once()
    with app.sessions() as session:
        assert len(session.scalars(select(Message).where(Message.direction == "in")).all()) == 2

    path = tmp_path / "helpdesk.yaml"  # make_config's, for the CLI
    shown = CliRunner(env={"COLUMNS": "100"}).invoke(
        main, ["--config", str(path), "tickets", "show", ticket.number]
    )
    assert "来源渠道" in shown.output and "电话（" in shown.output and "王伟" in shown.output


def test_an_ordinary_mail_came_by_mail(app, account, smtp):
    account.deliver(customer_mail(CUSTOMER, "OA 无法登录", COMPLETE))
    app.run_once()
    assert channel(app) == ("mail", "mail") and created(app).detail["via"] == "mail"


def test_a_customers_command_is_plain_text_of_their_own_ticket(app, account, smtp):
    text = f"#代报 韩梅梅 <han.meimei@example.cn> 电话\n{COMPLETE}"
    account.deliver(staff_mail(CUSTOMER, text))
    app.run_once()
    ticket = ticket_now(app)
    assert ticket.requester_email == "li.lei@example.cn" and "#代报 韩梅梅" in ticket.description
    assert channel(app) == ("mail", "mail")
    assert not mails_to(smtp, "han.meimei@example.cn")


def tickets(app: Helpdesk) -> list[Ticket]:
    with app.sessions() as session:
        return list(session.scalars(select(Ticket)))


def held(app: Helpdesk) -> list[tuple[str, str, bytes]]:
    with app.sessions() as session:
        return [(e.stage, e.error, e.raw.data) for e in session.scalars(select(QuarantinedMail))]


def test_a_forged_engineer_opens_no_ticket_for_anyone(app, account, smtp):
    account.deliver(staff_mail(ENGINEER, f"#代报 {CUSTOMER} 电话\n{COMPLETE}", stamp=OURS_FAIL))
    app.run_once()
    assert tickets(app) == []  # neither the customer's nor one in the engineer's name
    assert not mails_to(smtp, "li.lei@example.cn")
    [(stage, error, raw)] = held(app)
    assert stage == "on_behalf" and "not verified" in error and "验证码错误".encode() in raw
    [receipt] = mails_to(smtp, "wang.wei@example.com")  # the genuine address hears of it
    text = body(receipt)
    assert receipt["Subject"].startswith("回执：代报未执行") and "没有为任何人建立工单" in text
    assert f"#代报 {CUSTOMER} 电话" in text and "未通过我方邮件服务器的发件人验证" in text
    assert "邮件已原样保留" in text and "not verified" not in text
    with app.sessions() as session:
        [row] = session.scalars(select(OutboxMail)).all()
        assert (row.kind, row.ticket_id, row.recipient) == ("on_behalf_refused", None, "wang.wei@example.com")


def test_a_refused_command_retried_and_still_refused_stays_the_one_held_mail(app, account, smtp, tmp_path):
    account.deliver(staff_mail(ENGINEER, f"#代报 {CUSTOMER} 电话\n{COMPLETE}", stamp=OURS_FAIL))
    app.run_once()
    with app.sessions() as session:
        [entry] = session.scalars(select(QuarantinedMail.id)).all()
    for _ in range(2):  # nothing fixed: the command is refused again
        done = CliRunner().invoke(
            main, ["--config", str(tmp_path / "helpdesk.yaml"), "quarantine", "retry", str(entry)]
        )
        assert done.exit_code == 1 and "not verified" in done.output, done.output
    app.sender.drain()
    with app.sessions() as session:
        rows = [(e.id, e.status, e.stage) for e in session.scalars(select(QuarantinedMail))]
        assert rows == [(entry, "held", "on_behalf")]  # still listed, not released, no second entry
        assert session.scalars(select(OutboxMail.kind)).all() == ["on_behalf_refused"]
    assert len(mails_to(smtp, "wang.wei@example.com")) == 1  # told once, not on every retry
    assert tickets(app) == []


def test_forged_commands_flood_nobody_past_the_daily_cap(make_config, sqlite_url, account, smtp):
    config = make_config(
        sqlite_url,
        rules=SHIPPED_RULES,
        auto_reply_daily_limit=2,
        commands={"require_authentication": True, "authserv_id": "mx.example.com"},
    )
    app = Helpdesk(config, clock=ManualClock(START))
    for _ in range(3):
        account.deliver(staff_mail(ENGINEER, f"#代报 {CUSTOMER} 电话\n{COMPLETE}", stamp=OURS_FAIL))
    app.run_once()
    assert len(held(app)) == 3 and tickets(app) == []  # every mail kept, none a ticket
    assert len(mails_to(smtp, "wang.wei@example.com")) == 2  # the receipts stop at the cap
    app.close()


def test_a_customer_under_a_staff_members_encoded_name_commands_nobody(app, account, smtp):
    # The display name says 王伟 <wang.wei@example.com>, RFC 2047 encoded; the address is the customer's.
    name = base64.b64encode("王伟 <wang.wei@example.com>".encode()).decode()
    raw = staff_mail(CUSTOMER, f"#代报 韩梅梅 <han.meimei@example.cn> 电话\n{COMPLETE}")
    head, _, rest = raw.partition(b"\nFrom: ")
    sender_line, _, rest = rest.partition(b"\n")
    assert b"li.lei@example.cn" in sender_line
    account.deliver(head + f"\nFrom: =?UTF-8?B?{name}?= <li.lei@example.cn>\n".encode() + rest)
    app.run_once()
    [ticket] = tickets(app)  # the customer's own mail, the command plain text of it
    assert ticket.requester_email == "li.lei@example.cn" and "#代报 韩梅梅" in ticket.description
    assert channel(app) == ("mail", "mail") and held(app) == []
    assert not mails_to(smtp, "han.meimei@example.cn")
    assert not any("回执" in m["Subject"] for m in mails_to(smtp, "wang.wei@example.com"))  # only assigned
    assert any(ticket.number in m["Subject"] for m in mails_to(smtp, "li.lei@example.cn"))


def test_a_command_quoted_in_history_is_history(app, account, smtp):
    quoted = f"请处理下面这封。\n\n> #代报 {CUSTOMER} 电话\n> {COMPLETE}"
    account.deliver(staff_mail(ENGINEER, quoted))
    app.run_once()
    assert ticket_now(app).requester_email == "wang.wei@example.com"
    assert not mails_to(smtp, "li.lei@example.cn")


@pytest.mark.parametrize(
    ("sender", "line", "said"),
    [
        (ENGINEER, "#代报 李雷 li.lei@ 电话", "无法识别客户地址“李雷 li.lei@”"),
        (ENGINEER, "#代报 李雷 <li.lei@example.cn> 传真", "“传真”不是渠道"),
        (ENGINEER, "#代报 刘洋 <liu.yang@example.com> 电话", "“liu.yang@example.com”不是客户地址"),
        (EMMA, "#on-behalf Anna Smith <anna@> phone", "cannot read the customer's address"),
    ],
)
def test_a_bad_command_keeps_the_mail_and_tells_the_engineer_why(
    app, account, smtp, sender, line, said, tmp_path
):
    account.deliver(staff_mail(sender, f"{line}\n{COMPLETE}"))
    app.run_once()
    staff = sender.partition("<")[2].rstrip(">")
    assert tickets(app) == []  # no ticket in the engineer's name, routed and assigned as theirs
    [(stage, _, raw)] = held(app)
    assert stage == "on_behalf" and "验证码错误".encode() in raw  # nothing lost
    [receipt] = mails_to(smtp, staff)  # the receipt is the only answer
    text = body(receipt)
    assert line in text and said in text
    assert ("未建立工单" if "代报" in line else "no ticket opened") in receipt["Subject"]
    assert not mails_to(smtp, "li.lei@example.cn") and not mails_to(smtp, "liu.yang@example.com")
    listed = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["--config", str(tmp_path / "helpdesk.yaml"), "quarantine", "list"]
    )
    assert "on_behalf" in listed.output and "OnBehalfRefused" in listed.output
