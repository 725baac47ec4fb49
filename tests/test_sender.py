"""Who sent it: the address comes from the raw header, a decoded name is only text, and an
unreadable From makes the mail nobody's (quarantined), never someone else's."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.errors import ParseError
from helpdesk.mail.parse import parse_message
from helpdesk.outbound.compose import compose
from helpdesk.outbound.render import Rendered
from helpdesk.tickets.models import Event, Message, Ticket
from helpdesk.tickets.repository import Repository
from tests.conftest import SHIPPED_RULES
from tests.test_workflow import COMPLETE, START, mails_to, open_ticket, ticket_now

NAME_WITH_ADDRESS = b"=?utf-8?q?Wang_Wei_=3Cwang.wei@example.com=3E?= <attacker@evil.example>"
CRLF_IN_NAME = b"=?utf-8?q?Evil=0D=0ABcc:_victim@evil.example?= <c9@cust.example>"
PLACEHOLDER = "placeholder@sender.invalid"


def raw_mail(from_value: bytes, *, extra: bytes = b"", subject: str = "系统无法登录", **headers) -> bytes:
    """A real mail whose From header is exactly `from_value` (bytes as they travel)."""
    raw = customer_mail(PLACEHOLDER, subject, COMPLETE, **headers)
    return raw.replace(f"From: {PLACEHOLDER}".encode(), b"From: " + from_value + extra, 1)


def parse(from_value: bytes, extra: bytes = b""):
    return parse_message(raw_mail(from_value, extra=extra))


def test_an_encoded_name_holding_an_address_never_becomes_the_sender():
    mail = parse(NAME_WITH_ADDRESS)
    assert mail.sender.email == "attacker@evil.example"
    assert mail.sender.name == "Wang Wei <wang.wei@example.com>"
    # What rules read as the From header names the attacker, with the name visibly quoted.
    assert mail.header("From") == '"Wang Wei <wang.wei@example.com>" <attacker@evil.example>'


@pytest.mark.parametrize("header", [b"Reply-To", b"Cc", b"To", b"Sender"])
def test_the_same_holds_for_every_address_header(header):
    mail = parse(b"Li Lei <li.lei@example.cn>", extra=b"\r\n" + header + b": " + NAME_WITH_ADDRESS)
    found = {b"Reply-To": mail.reply_to, b"Cc": mail.cc, b"To": mail.to[:1]}.get(header)
    if found is not None:
        assert [(a.name, a.email) for a in found] == [
            ("Wang Wei <wang.wei@example.com>", "attacker@evil.example")
        ]
    shown = [v for k, v in mail.headers if k.lower() == header.decode().lower()]
    assert shown[0] == '"Wang Wei <wang.wei@example.com>" <attacker@evil.example>'
    assert "wang.wei@example.com" not in {a.email for a in (*mail.to, *mail.cc, *mail.reply_to)}


def test_an_encoded_line_break_in_a_name_stays_inside_the_name():
    mail = parse(CRLF_IN_NAME)
    assert mail.sender.email == "c9@cust.example"
    assert mail.sender.name == "Evil Bcc: victim@evil.example"
    assert not any(ch in mail.sender.name for ch in "\r\n")


def test_control_characters_and_bidi_overrides_leave_names_and_subjects():
    mail = parse_message(
        raw_mail(b"=?utf-8?q?Li=00Lei=E2=80=AE?= <li.lei@example.cn>").replace(
            b"Subject: ", b"Subject: =?utf-8?q?Hi=0D=0ABcc:_x@y.z=07?= ", 1
        )
    )
    assert mail.sender.name == "Li Lei"
    assert "\r" not in mail.subject and "\n" not in mail.subject and "\x07" not in mail.subject


@pytest.mark.parametrize(
    ("from_line", "reason"),
    [
        (None, "missing"),
        (b"", "missing"),
        (b"garbage", "unreadable From header"),
        (b"Li Lei", "unreadable From header"),
        (b"a@b.example, c@d.example", "names 2 addresses"),
        (b"a@b.example c@d.example", "unreadable From header"),
        (b"alice@example.org)<bob@example.org>", "unreadable From header"),  # CVE-2023-27043's form
        (b'"Wang Wei <wang.wei@example.com>', "unreadable From header"),
        (b"Team:;", "missing"),
        (b"=?utf-8?q?wang.wei@example.com?=", "unreadable From header"),
        (b"Evil <a@x.example> Bcc: victim@evil.example", "unreadable From header"),
    ],
)
def test_a_from_that_is_not_exactly_one_address_is_a_parse_error(from_line, reason):
    raw = raw_mail(b"x@y.example")
    if from_line is None:
        raw = raw.replace(b"From: x@y.example\n", b"", 1)
        assert b"From:" not in raw
    else:
        raw = raw.replace(b"From: x@y.example", b"From: " + from_line, 1)
    with pytest.raises(ParseError, match=reason) as caught:
        parse_message(raw)
    assert "From header" in str(caught.value)


def test_two_from_headers_with_two_authors_are_refused():
    with pytest.raises(ParseError, match="2 addresses"):
        parse(b"li.lei@example.cn", extra=b"\r\nFrom: wang.wei@example.com")


@pytest.mark.parametrize(
    ("from_value", "name", "address"),
    [
        (b'"Foo, Bar" <Foo.Bar@Example.com>', "Foo, Bar", "foo.bar@example.com"),
        (b"=?gbk?b?wO7A1w==?= <li.lei@example.cn>", "李雷", "li.lei@example.cn"),
        (b"=?gb2312?B?6ZWV?= <f@example.cn>", "镕", "f@example.cn"),  # GBK-only character in "gb2312"
        ("王芳 <wang.fang@example.cn>".encode("gbk"), "王芳", "wang.fang@example.cn"),  # raw 8-bit GBK
        (b"=?utf-8?B?5byg?=\r\n =?utf-8?B?5LiJ?= <zhang.san@example.cn>", "张三", "zhang.san@example.cn"),
        (b'"=?utf-8?B?5byg5LiJ?=" <zhang.san@example.cn>', "张三", "zhang.san@example.cn"),
        (b"li.lei@example.cn (Li Lei)", "Li Lei", "li.lei@example.cn"),
        (b"John Q. Public <jqp@example.com>", "John Q. Public", "jqp@example.com"),
        (b"<li.lei@example.cn>", "", "li.lei@example.cn"),
    ],
)
def test_real_names_are_read(from_value, name, address):
    mail = parse(from_value)
    assert (mail.sender.name, mail.sender.email) == (name, address)


def test_an_unreadable_address_among_the_copied_is_a_defect_not_a_failure():
    mail = parse(b"li.lei@example.cn", extra=b"\r\nCc: wang.fang@example.cn, not-an-address")
    assert [a.email for a in mail.cc] == ["wang.fang@example.cn"]
    assert any("cc header" in d and "not-an-address" in d for d in mail.defects)


def rendered(subject: str) -> Rendered:
    return Rendered(subject=subject, text="正文", html="<p>正文</p>", language="zh")


def composed(
    subject: str, sender_name: str = "技术支持", recipient: str = "c9@cust.example", tag: str = "[#1]"
):
    """A new ticket's outbound mail, as the outbox composes it."""
    return compose(
        rendered(subject),
        sender_name=sender_name,
        sender_address="support@example.com",
        recipient=recipient,
        tag=tag,
        in_reply_to=None,
        references=[],
        now=datetime(2026, 11, 23, tzinfo=UTC),
    )


def test_outbound_headers_never_carry_a_line_break():
    outgoing = composed(
        "已收到：Hi\r\nBcc: victim@evil.example", sender_name="技术支持\r\nBcc: victim@evil.example"
    )
    parsed = email.message_from_bytes(outgoing.data, policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["To"] == "c9@cust.example"
    assert "\n" not in outgoing.subject and "Bcc: victim" in outgoing.subject  # text, not a header


@pytest.mark.parametrize("title", ["打印服务报错" * 20_000, "word " * 20_000])
def test_a_huge_subject_is_cut_to_what_a_client_shows_and_keeps_the_tag(title):
    outgoing = composed(f"已收到您的需求：{title}", tag="[#202611-001]")
    parsed = email.message_from_bytes(outgoing.data, policy=email.policy.default)
    assert parsed["Subject"] == outgoing.subject and outgoing.subject.startswith(
        "[#202611-001] 已收到您的需求："
    )
    assert outgoing.subject.endswith("…") and len(outgoing.subject) <= 220
    assert not outgoing.subject.endswith(" wor…")  # cut on a space where the title has one


@pytest.mark.parametrize(
    "recipient", ["a@x.example, victim@evil.example", "<a@x.example>\r\nBcc: victim@evil.example", "nobody"]
)
def test_an_outbound_mail_goes_to_exactly_one_address(recipient):
    with pytest.raises(ValueError, match="exactly one address"):
        composed("主题", recipient=recipient)


# End to end: the real IMAP server, SMTP sink and database.


@pytest.fixture
def app(make_config, sqlite_url):
    helpdesk = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES), clock=ManualClock(START))
    yield helpdesk
    helpdesk.close()


def tickets(app: Helpdesk) -> list[Ticket]:
    with app.sessions() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def test_a_line_break_in_the_name_never_adds_a_recipient(app, account, smtp):
    account.deliver(raw_mail(CRLF_IN_NAME, subject="紧急：OA 无法登录"))
    app.run_once()
    [ticket] = tickets(app)
    assert ticket.requester_email == "c9@cust.example"
    assert ticket.requester_name == "Evil Bcc: victim@evil.example"
    assert smtp.received, "the customer is acknowledged"
    for received in smtp.received:
        assert all("victim" not in r for r in received.recipients)
        head = email.message_from_bytes(received.data, policy=email.policy.default)
        assert all("victim" not in str(value) for value in head.values())
    to_customer = [r for r in smtp.received if "c9@cust.example" in r.recipients]
    assert to_customer and all(r.recipients == ["c9@cust.example"] for r in to_customer)


def test_a_name_holding_the_engineers_address_neither_is_him_nor_moves_his_ticket(app, account, smtp):
    account.deliver(raw_mail(NAME_WITH_ADDRESS, subject="VPN 连不上"))
    app.run_once()
    [own] = tickets(app)
    assert own.requester_email == "attacker@evil.example"

    open_ticket(app, account, smtp)
    ticket = tickets(app)[-1]
    [notice] = mails_to(smtp, "wang.wei@example.com")[-1:]
    before = (ticket.status, ticket.priority, ticket.owner, ticket.solution)
    account.deliver(
        raw_mail(
            NAME_WITH_ADDRESS,
            subject=f"Re: [RESOLVED] {notice['Subject']}",
            In_Reply_To=notice["Message-ID"],
            References=notice["Message-ID"],
        ).replace(COMPLETE.encode(), "#priority low\n#solution 已修复".encode())
    )
    app.run_once()
    after = ticket_now(app, ticket.number)
    assert (after.status, after.priority, after.owner, after.solution) == before
    with app.sessions() as session:
        senders = set(session.scalars(select(Message.sender).where(Message.direction == "in")))
        actors = set(session.scalars(select(Event.actor)))
    assert "attacker@evil.example" in senders and "wang.wei@example.com" not in senders
    assert not actors & {"wang.wei", "wang.wei@example.com"}
    assert not any("回执" in m["Subject"] for m in mails_to(smtp, "wang.wei@example.com"))


def test_an_unreadable_from_is_quarantined_and_the_next_mail_goes_through(app, account, smtp):
    account.deliver(
        raw_mail(b"support team"),
        raw_mail(b"li.lei@example.cn, wang.wei@example.com"),
        customer_mail("李雷 <li.lei@example.cn>", "紧急：OA 无法登录", COMPLETE),
    )
    app.run_once()
    assert [t.requester_email for t in tickets(app)] == ["li.lei@example.cn"]
    with app.sessions() as session:
        entries = Repository(session).quarantined()
        assert [e.stage for e in entries] == ["parse", "parse"]
        assert all("From header" in e.error for e in entries)
        assert "support team" in entries[0].error and "2 addresses" in entries[1].error
    assert account.count("Quarantine") == 2
    assert mails_to(smtp, "li.lei@example.cn")  # the good mail was acknowledged
