"""Parsing real client layouts (fixtures named by quirk) into InboundMessage."""

import pytest

from helpdesk.errors import ParseError
from helpdesk.mail.parse import parse_message
from tests.conftest import MAILS


def parse(name: str, **kwargs):
    return parse_message((MAILS / name).read_bytes(), **kwargs)


def test_foxmail_gbk_base64_report():
    mail = parse("foxmail_gbk_base64_new_report.eml")
    assert mail.sender.name == "王芳" and mail.sender.email == "wang.fang@example.cn"
    assert mail.subject == "报表系统打不开"
    assert "镕钢分厂的报表系统从今天上午开始打不开，提示“连接超时”。" in mail.text
    assert mail.new_text == "您好：\n\n镕钢分厂的报表系统从今天上午开始打不开，提示“连接超时”。\n\n王芳"
    assert [a.email for a in mail.cc] == ["zhao.min@example.cn"]
    assert mail.language == "zh" and not mail.is_automatic


def test_outlook_zh_gb2312_reply_strips_fullwidth_header_block():
    mail = parse("outlook_zh_gb2312_tagged_reply.eml")
    assert mail.subject == "答复: [#{{NUMBER}}] 已收到您的需求：系统无法登录"
    assert mail.new_text == "补充信息：版本 3.2.1，出错时间 2026-11-21 09:05。\n\n谢谢\n李雷"
    assert "发送时间：2026年11月21日" in mail.text


def test_html_only_mail_becomes_readable_text():
    mail = parse("qqmail_html_only_zh.eml")
    assert "导出 Excel 时报错：“模板不存在”。" in mail.text
    assert "打开月报" in mail.text and "版本：4.1.0" in mail.text
    assert "<" not in mail.text
    assert "旧邮件" not in mail.new_text and "版本：4.1.0" in mail.new_text


def test_rfc2231_chinese_attachment_name():
    mail = parse("thunderbird_rfc2231_zh_attachment.eml")
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("错误截图.png", "image/png"),
        ("server.log", "text/plain"),
    ]
    assert mail.attachments[0].data.startswith(b"\x89PNG")
    assert mail.text == "The error screenshot and the server log are attached.\n\nAnna"


def test_out_of_office_is_automatic():
    mail = parse("exchange_zh_out_of_office.eml")
    assert mail.is_automatic and "Auto-Submitted" in mail.auto_reason


def test_own_address_is_automatic():
    mail = parse("foxmail_gbk_base64_new_report.eml", own_addresses=frozenset({"wang.fang@example.cn"}))
    assert mail.auto_reason == "sent from our own address"


def test_thread_ids_nearest_first():
    raw = (
        b"From: a@b.c\r\nSubject: Re: x\r\nMessage-ID: <3@b.c>\r\nIn-Reply-To: <2@b.c>\r\n"
        b"References: <1@b.c> <2@b.c>\r\n\r\nok\r\n"
    )
    mail = parse_message(raw)
    assert mail.message_id == "3@b.c"
    assert mail.thread_ids == ("2@b.c", "1@b.c")


@pytest.mark.parametrize("raw", [b"", b"   \r\n", (MAILS / "corrupt_no_headers.eml").read_bytes()])
def test_not_a_mail_raises_parse_error(raw):
    with pytest.raises(ParseError):
        parse_message(raw)


def test_two_to_headers_give_both_mailboxes_and_each_header_shows_its_own():
    raw = (
        b"From: =?utf-8?b?546L6Iqz?= <wang.fang@example.cn>\r\n"
        b"To: support@example.com\r\n"
        b'To: "Li, Lei" <li.lei@example.cn>, broken@\r\n'
        b"Cc: Zhao Min <zhao.min@example.cn>\r\n"
        b"Subject: two To lines\r\n\r\nhello\r\n"
    )
    mail = parse_message(raw)
    assert mail.sender.name == "王芳"
    assert [a.email for a in mail.to] == ["support@example.com", "li.lei@example.cn"]
    assert [a.email for a in mail.cc] == ["zhao.min@example.cn"]
    shown = [value for name, value in mail.headers if name in ("To", "Cc")]
    assert shown == ["support@example.com", '"Li, Lei" <li.lei@example.cn>', "Zhao Min <zhao.min@example.cn>"]
    assert any(defect.startswith("to header: ") for defect in mail.defects)
