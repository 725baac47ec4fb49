"""Sensitive data is masked in everything derived from a mail — ticket text, fields, mails to staff
and managers, CLI output, logs — and the customer is told once; the raw mail alone keeps it."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.mail.redact import id_checksum_ok, luhn_ok, redact_text
from helpdesk.tickets.models import Event, Message, RawMail
from tests.conftest import SHIPPED_RULES
from tests.test_workflow import START, mails_to, reply, ticket_now

ID_CARD = "11010519491231002X"
BANK_CARD = "6222020200001235"
PASSWORD = "Hunter2!Secret"
MOBILE = "13812345678"
PLANTED = (ID_CARD, BANK_CARD, "6222 0202 0000 1235", PASSWORD, MOBILE, "0202 0000")


@pytest.mark.parametrize(
    ("text", "masked", "kinds"),
    [
        (f"身份证号：{ID_CARD}", "身份证号：1101**********002X", {"id_card"}),
        ("身份证号 110105194912310021", "身份证号 110105194912310021", set()),  # wrong check digit
        ("旧身份证 110105491231002", "旧身份证 1101*******1002", {"id_card"}),
        ("卡号 6222 0202 0000 1235", "卡号 6222 **** **** 1235", {"bank_card"}),
        (f"card {BANK_CARD}.", "card 6222********1235.", {"bank_card"}),
        ("订单号 6222020200001236", "订单号 6222020200001236", set()),  # fails Luhn: not a card
        (f"手机 {MOBILE}", "手机 138****5678", {"mobile"}),
        (f"密码：{PASSWORD}，谢谢", "密码：******，谢谢", {"secret"}),
        (f"my password is {PASSWORD}", "my password is ******", {"secret"}),
        ("API key 为 sk-12345", "API key 为 ******", {"secret"}),
        ("token=abc.def", "token=******", {"secret"}),
        ("we tokenize the input", "we tokenize the input", set()),
        ("版本 3.2.1，2026-12-01 09:05 报错 500", "版本 3.2.1，2026-12-01 09:05 报错 500", set()),
        ("服务器 198.51.100.164 不通", "服务器 198.51.100.164 不通", set()),  # an IPv4 address, not a mobile
        ("手机 138.1234.5678", "手机 138.****.5678", {"mobile"}),  # dotted, but no address
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
            "-----PRIVATE KEY REMOVED-----",
            {"key"},
        ),
    ],
)
def test_what_is_masked(text, masked, kinds):
    found = redact_text(text)
    assert (found.text, set(found.kinds)) == (masked, kinds)


def test_the_checks_are_the_real_ones():
    assert id_checksum_ok(ID_CARD) and not id_checksum_ok("110105194912310021")
    assert luhn_ok(BANK_CARD) and not luhn_ok("6222020200001236")
    custom = redact_text("工号 EMP123456 已锁定", (re.compile(r"EMP\d{6}"),))
    assert custom.text == "工号 ********* 已锁定" and custom.kinds == {"custom"}


def test_machine_headers_are_not_data():
    """A Message-ID's random digits may pass Luhn: they are a token, not a card, and stay as they are."""
    from helpdesk.mail.parse import parse_message
    from helpdesk.mail.redact import masked_message

    raw = customer_mail("c1 <c1@example.com>", "report", "x").replace(
        b"Message-ID: <", f"Message-ID: <1796.1416.{BANK_CARD}.".encode(), 1
    )
    masked, kinds = masked_message(parse_message(raw))
    assert kinds == frozenset() and BANK_CARD in masked.header("Message-ID")


def texts_of(raw: bytes) -> str:
    """Every header and text part of a sent mail, decoded, as a reader would see it."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [str(v) for _k, v in message.items()]
    parts += [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]
    return "\n".join(parts)


def test_planted_values_reach_no_mail_no_cli_output_and_no_log(
    make_config, sqlite_url, tmp_path, account, smtp, caplog
):
    caplog.set_level(logging.DEBUG, logger="helpdesk")
    clock = ManualClock(START)
    config = make_config(sqlite_url, rules=SHIPPED_RULES)
    app = Helpdesk(config, clock=clock)
    report = customer_mail(
        "李雷 <li.lei@example.cn>",
        f"紧急：OA 无法登录，身份证 {ID_CARD}",
        "今天 9:05 起提示“验证码错误”。版本 3.2.1\n操作步骤：\n1. 打开登录页\n"
        f"2. 输入账号 li.lei 密码：{PASSWORD}\n"
        f"我的银行卡 6222 0202 0000 1235 也绑定不了，手机 {MOBILE}。",
    )
    account.deliver(report)
    app.run_once()
    [notice] = mails_to(smtp, "wang.wei@example.com")
    account.deliver(reply(notice, "王伟 <wang.wei@example.com>", "Re: [处理中] ", "正在排查。"))
    app.run_once()
    update = mails_to(smtp, "li.lei@example.cn")[-1]
    account.deliver(
        reply(update, "李雷 <li.lei@example.cn>", "回复：", f"补充：卡号 {BANK_CARD}，密码：{PASSWORD}")
    )
    app.run_once()

    sent = [texts_of(r.data) for r in smtp.received]
    assert sent and not [value for text in sent for value in PLANTED if value in text]
    notices = [m for m in mails_to(smtp, "li.lei@example.cn") if "敏感信息" in m["Subject"]]
    assert len(notices) == 1  # told once, though two mails carried sensitive data
    body = notices[0].get_body(("plain",)).get_content()
    assert "身份证号" in body and "银行卡号" in body and "密码等登录凭据" in body

    number = ticket_now(app).number
    path = tmp_path / "helpdesk.yaml"  # what make_config wrote
    shown = CliRunner().invoke(main, ["--config", str(path), "tickets", "show", number, "--json"])
    listed = CliRunner().invoke(main, ["--config", str(path), "tickets", "list"])
    assert shown.exit_code == 0 and listed.exit_code == 0
    for output in (shown.output, listed.output, caplog.text):
        assert not [value for value in PLANTED if value in output], output[:2000]
    detail = json.loads(shown.output)
    assert "1101**********002X" in detail["subject"]
    assert any(e["kind"] == "sensitive_masked" for e in detail["events"])
    app.close()


def test_the_raw_mail_is_read_only_on_record_and_purged_after_the_retention(
    make_config, db_url, tmp_path, account, smtp
):
    clock = ManualClock(START)
    app = Helpdesk(make_config(db_url, privacy={"raw_retention_days": 30}), clock=clock)
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "无法登录", f"身份证 {ID_CARD}，请核实"))
    app.run_once()
    with app.sessions() as session:
        message_id = session.scalars(select(Message.message_id).where(Message.direction == "in")).one()
    path = tmp_path / "helpdesk.yaml"
    refused = CliRunner().invoke(main, ["--config", str(path), "raw", message_id])
    assert refused.exit_code != 0 and "--reason" in refused.output  # a reading always says why
    read = CliRunner().invoke(
        main, ["--config", str(path), "raw", message_id, "--reason", "法务调取", "--reader", "auditor"]
    )
    assert read.exit_code == 0 and ID_CARD in read.output  # the evidence, as received
    with app.sessions() as session:
        [event] = session.scalars(select(Event).where(Event.kind == "raw_read")).all()
    assert (event.actor, event.reason) == ("auditor", "法务调取")

    clock.advance(timedelta(days=31))
    app.run_once()
    gone = CliRunner().invoke(main, ["--config", str(path), "raw", message_id, "--reason", "again"])
    assert gone.exit_code != 0 and "no raw mail kept" in gone.output
    with app.sessions() as session:
        assert session.scalar(select(func.count(RawMail.id))) == 0
        kept = session.scalars(select(Message.text).where(Message.direction == "in")).one()
        assert "1101**********002X" in kept  # the masked text stays
    app.close()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("身份证 110105 19491231 002X", "身份证 1101** ******** 002X"),
        ("身份证 110105-19491231-002X", "身份证 1101**-********-002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "1101**********002X"),  # full-width
        ("11010519491231002Xabc", "1101**********002Xabc"),
        ("卡 6222.0202.0000.1235", "卡 6222.****.****.1235"),
        ("卡 6222\u00a00202\u00a00000\u00a01235", "卡 6222 **** **** 1235"),  # no-break spaces
        ("卡 622202 0200001235", "卡 6222** ******1235"),
        ("手机 138.1234.5678", "手机 138.****.5678"),
        ("密码是: hunter2", "密码是: ******"),
        ("密码: hunter 2", "密码: ******"),
        ("pwd = 'hunter two'", "pwd = ******"),
        ("Password - hunter2", "Password - ******"),
        ("登录密码（hunter2）", "登录密码（******）"),
        ("PIN: 1234", "PIN: ******"),
        (
            "2026-12-01 09:05，版本 3.2.1，订单 20261201-000123",
            "2026-12-01 09:05，版本 3.2.1，订单 20261201-000123",
        ),
        ("电话 010-12345678 转 8001", "电话 010-12345678 转 8001"),
    ],
)
def test_the_forms_an_attack_review_found(text, masked):
    assert redact_text(text).text == masked
