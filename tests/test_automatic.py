"""Machine-written mail is recognised from headers first; a subject or a body alone never makes it so."""

import pytest

from helpdesk.mail.automatic import automatic_reason, receipt_reason


def reason(headers=None, content_type="text/plain", sender="li@example.cn", subject="help", body=""):
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    return automatic_reason(
        lambda name: headers.get(name.lower()),
        content_type,
        sender,
        subject,
        frozenset({"support@x.com"}),
        body=body,
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"Auto-Submitted": "auto-generated"}, "Auto-Submitted: auto-generated"),
        ({"X-Auto-Response-Suppress": "OOF, AutoReply"}, "X-Auto-Response-Suppress: autoreply,oof"),
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"Precedence": "junk"}, "Precedence: junk"),
        ({"Precedence": "list"}, "Precedence: list"),
        ({"Precedence": "auto_reply"}, "Precedence: auto_reply"),
        ({"List-Id": "<users.lists.example.org>"}, "mailing list"),
        ({"List-Unsubscribe": "<mailto:leave@lists.example.org>"}, "mailing list"),
        ({"Return-Path": "<>"}, "null return path"),
        ({"X-Autoreply": "yes"}, "X-Autoreply header"),
        ({"X-Autorespond": "yes"}, "X-Autorespond header"),
        ({"X-Failed-Recipients": "gone@example.cn"}, "X-Failed-Recipients"),
    ],
)
def test_each_header_alone_is_enough(headers, expected):
    assert expected in reason(headers)


def test_reports_own_address_and_daemons_are_enough():
    assert "multipart/report" in reason(content_type="multipart/report")
    assert "own address" in reason(sender="support@x.com")
    assert "system sender" in reason(sender="MAILER-DAEMON@mx.example.com")
    assert "system sender" in reason(sender="postmaster@mail.example.cn")


def test_a_person_is_not_automatic():
    assert reason({"Auto-Submitted": "no", "Return-Path": "<li@example.cn>", "Precedence": "normal"}) is None
    assert reason({"X-Auto-Response-Suppress": "None"}) is None


# Real reports whose subject looks like a robot's, with the body a person writes.
REAL_REPORTS = [
    ("休假申请流程报错", "提交休假申请时点“提交”按钮报错：流程节点不存在。请帮忙看看。"),
    ("退信问题", "我发给客户的邮件总是被退信，提示 550 5.1.1，客户说地址没错。"),
    ("Undeliverable invoices", "The November invoices show status undeliverable in the billing batch job."),
    ("不在办公室也能登录VPN吗", "我下周不在办公室，在家能登录 VPN 吗？回来之前要处理一个报表。"),
    ("自动回复设置不生效", "Outlook 里设置的自动回复不生效，同事发来邮件没有收到自动回复。"),
    ("Out of office settings broken", "My out of office reply does not work since the update?"),
    ("退信问题怎么处理", "我发出的邮件无法投递到客户的邮箱，怎么办？"),
    ("Automatic reply: Export fails", "Export to Excel fails with error 500 since Monday."),
]


@pytest.mark.parametrize(("subject", "body"), REAL_REPORTS)
def test_subject_alone_never_makes_a_mail_automatic(subject, body):
    assert reason(subject=subject, body=body) is None
    assert reason(subject=subject) is None


@pytest.mark.parametrize(
    ("subject", "body", "headers", "expected"),
    [
        ("自动回复：系统无法登录", "我正在休假，11月30日返回。", {}, "out-of-office"),
        (
            "Out of Office: back Monday",
            "I am out of the office until Monday with limited access.",
            {},
            "out-of-office",
        ),
        (
            "Automatic reply: Export fails",
            "This is an automatic reply. I will answer when I return.",
            {},
            "automatic",
        ),
        (
            "Undeliverable: invoice",
            "Your message could not be delivered to the following recipients.",
            {},
            "delivery",
        ),
        ("退信：发票", "此邮件为系统自动发送，请勿回复。", {}, "automatic"),
        ("休假", "休假申请流程", {"Auto-Submitted": "auto-replied"}, "Auto-Submitted"),
        ("Undeliverable invoices", "", {"Return-Path": "<>"}, "null return path"),
    ],
)
def test_subject_with_a_second_signal_is_automatic(subject, body, headers, expected):
    found = reason(headers, subject=subject, body=body)
    assert found is not None and expected in found and "subject" in found


def test_no_reply_sender_is_a_weak_signal():
    assert reason(sender="noreply@erp.example.cn", subject="月度报表") is None
    assert "no-reply sender" in reason(sender="noreply@erp.example.cn", subject="自动回复：报表")


def test_body_alone_is_not_enough():
    assert reason(body="我正在休假，11月30日返回。") is None
    assert reason(body="Thanks, we received your mail.") is None


@pytest.mark.parametrize(
    "text",
    [
        "Thanks, we received your mail.",
        "Thank you! We have received your request and will reply within 24 hours.",
        "您的邮件已收到，我们会尽快处理。",
        "此邮件为自动回复。",
        "您好，已收到您的需求，我们将尽快处理并同步进展。",
    ],
)
def test_receipts(text):
    assert receipt_reason(text).startswith("reads as a receipt")


@pytest.mark.parametrize(
    "text",
    [
        "We received your mail but the export still fails with error 500.",
        "已收到您的邮件，但是系统还是无法登录。",
        "您的邮件已收到吗？我昨天发的附件。",
        "VPN 连不上，提示证书过期。",
        "Thanks, we received your mail. " + "The log shows a timeout on every request. " * 12,
    ],
)
def test_a_person_talking_is_not_a_receipt(text):
    assert receipt_reason(text) is None
