"""The hand-written MIME of outbound mail reads back, in every client-visible part, as the
standard library's EmailMessage would have written it: the same header values, the same text
and HTML, the same files under the same names, only faster to build."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage

import pytest

from helpdesk.mail.charsets import decode_words
from helpdesk.outbound.compose import compose
from helpdesk.outbound.render import Rendered

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
THREAD = ["first.1@cust.example", "CAF=x+y_z@mail.gmail.com"] + [f"m{n}@x.example" for n in range(25)]
LONG_HTML = "<p>" + "您好，已收到您的需求，我们将尽快处理并同步进展。" * 8 + "</p>\n"
LONG_ASCII = "Hello, we have received your request and will keep you informed. " * 6 + "\n"


def reference(rendered: Rendered, sender_name: str, subject: str, files) -> EmailMessage:
    """What the standard library makes of the same mail (the composer this one replaced)."""
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["From"] = Address(display_name=sender_name, username="support", domain="example.com")
    mail["To"] = "li.lei@example.cn"
    mail["Subject"] = subject
    mail.set_content(rendered.text, charset="utf-8")
    mail.add_alternative(rendered.html, subtype="html", charset="utf-8")
    for name, content_type, data in files:
        maintype, _, subtype = content_type.partition("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return email.message_from_bytes(mail.as_bytes(), policy=email.policy.default)


CASES = {
    "chinese": ("已收到您的需求：OA 无法登录", "技术支持中心", "您好，\n已收到。\n", "<p>您好</p>\n", ()),
    "english": ("We received your request", "Technical Support", "Hello,\nreceived.\n", "<p>Hi</p>\n", ()),
    "long lines": ("打印服务报错 " * 12, "技术支持中心" * 2, LONG_ASCII * 3, LONG_HTML * 12, ()),
    # Quoted-printable is chosen on the first ten lines and goes on past them; a Chinese part
    # whose first lines are English is weighed by encoding them.
    "long lines past ten": ("长行", "Support", LONG_ASCII * 14, "<p>Hi</p>\n" * 3 + LONG_HTML * 12, ()),
    "english, then chinese": ("长行", "Support", LONG_ASCII * 9 + LONG_HTML * 4, LONG_ASCII + LONG_HTML, ()),
    "quoted name": ("Re: a, b; c", 'Support "Team", Inc.', "x\n", "<p>x</p>\n", ()),
    "files": (
        "附件",
        "Support",
        "见附件\n",
        "<p>见附件</p>\n",
        (
            ("截图 2026-11-23 上午9.30.png", "image/png", bytes(range(256)) * 40),
            ('report "final".pdf', "application/pdf", b"%PDF-1.4\n" * 500),
            ("很长的文件名" * 20 + ".docx", "application/octet-stream", b"PK\x03\x04" * 10),
            ("notes.txt", "text/plain", "说明\r\n".encode("gb18030")),
        ),
    ),
}


def ours(subject, name, text, html, files):
    rendered = Rendered(subject=subject, text=text, html=html, language="zh")
    outgoing = compose(
        rendered,
        sender_name=name,
        sender_address="support@example.com",
        recipient="li.lei@example.cn",
        tag="[#202611-001]",
        in_reply_to=THREAD[-1],
        references=THREAD,
        now=NOW,
        files=files,
    )
    return outgoing, email.message_from_bytes(outgoing.data, policy=email.policy.default)


@pytest.mark.parametrize("case", CASES)
def test_a_composed_mail_reads_back_as_the_standard_librarys(case):
    subject, name, text, html, files = CASES[case]
    outgoing, mail = ours(subject, name, text, html, files)
    expected = reference(Rendered(subject, text, html, "zh"), name, outgoing.subject, files)
    for field in ("From", "To", "Subject"):
        assert str(mail[field]) == str(expected[field]), field
    assert mail["Subject"] == outgoing.subject and outgoing.subject.startswith("[#202611-001] ")
    for kind in ("plain", "html"):
        ours_part, theirs = mail.get_body((kind,)), expected.get_body((kind,))
        assert ours_part.get_content() == theirs.get_content()
        assert ours_part["Content-Transfer-Encoding"] == theirs["Content-Transfer-Encoding"]
        assert ours_part.get_payload() == theirs.get_payload()  # encoded alike, byte for byte
        assert ours_part.get_content_charset() == "utf-8"
    carried, wanted = (
        [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True)) for p in m.iter_attachments()]
        for m in (mail, expected)
    )
    assert carried == wanted and len(carried) == len(files)
    assert mail.get_content_type() == expected.get_content_type()
    assert not mail.defects and all(not part.defects for part in mail.walk())
    assert all(len(line) <= 998 for line in outgoing.data.split(b"\r\n"))
    assert b"\n" not in outgoing.data.replace(b"\r\n", b"")  # every line ends in CRLF


def test_the_threading_and_robot_headers_are_written():
    outgoing, mail = ours("主题", "技术支持", "x\n", "<p>x</p>\n", ())
    assert mail["Message-ID"] == f"<{outgoing.message_id}>" and outgoing.message_id.endswith("@example.com")
    assert mail["In-Reply-To"] == f"<{THREAD[-1]}>"
    assert mail["References"].split() == [f"<{mid}>" for mid in THREAD[-20:]]
    assert (mail["Auto-Submitted"], mail["X-Auto-Response-Suppress"]) == ("auto-replied", "All")
    assert mail["Content-Language"] == "zh-CN" and mail["MIME-Version"] == "1.0"
    assert email.utils.parsedate_to_datetime(mail["Date"]) == NOW


@pytest.mark.parametrize(
    "subject", ["=?utf-8?b?SGk=?= looks encoded", "tabs\tand\nbreaks", "Ünïcödé mixed 混合 words ok"]
)
def test_a_subject_reads_back_exactly_as_queued(subject):
    outgoing, mail = ours(subject, "x", "x\n", "<p>x</p>\n", ())
    assert mail["Subject"] == outgoing.subject
    assert "\t" not in outgoing.subject and "\n" not in outgoing.subject


def test_a_long_name_is_split_into_encoded_words_that_read_back_whole():
    name = "北京某某科技有限公司技术支持中心" * 3
    outgoing, mail = ours("主题", name, "x\n", "<p>x</p>\n", ())
    [address] = mail["From"].addresses
    # RFC 2047: spaces between encoded words do not count (Python's reader keeps them, ours not).
    assert address.display_name.replace(" ", "") == name and address.addr_spec == "support@example.com"
    raw = email.message_from_bytes(outgoing.data, policy=email.policy.compat32)["From"]
    assert decode_words(" ".join(raw.split())) == f"{name} <support@example.com>"


def test_a_thread_id_with_a_line_break_adds_no_header():
    rendered = Rendered(subject="x", text="x\n", html="<p>x</p>\n", language="en")
    outgoing = compose(
        rendered,
        sender_name="x",
        sender_address="support@example.com",
        recipient="li.lei@example.cn",
        tag="[#1]",
        in_reply_to="a@b\r\nBcc: victim@evil.example",
        references=["a@b\r\nBcc: victim@evil.example"],
        now=NOW,
    )
    mail = email.message_from_bytes(outgoing.data, policy=email.policy.default)
    assert mail["Bcc"] is None and mail["Content-Language"] == "en"
