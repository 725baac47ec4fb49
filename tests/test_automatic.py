"""Machine-written mail is recognised from headers, content type, sender and subject."""

import pytest

from helpdesk.mail.automatic import automatic_reason


def reason(headers=None, content_type="text/plain", sender="li@example.cn", subject="help"):
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    return automatic_reason(
        lambda name: headers.get(name.lower()), content_type, sender, subject, frozenset({"support@x.com"})
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted"),
        ({"X-Auto-Response-Suppress": "OOF, AutoReply"}, "X-Auto-Response-Suppress"),
        ({"Precedence": "bulk"}, "Precedence"),
        ({"List-Id": "<users.lists.example.org>"}, "mailing list"),
        ({"Return-Path": "<>"}, "null return path"),
        ({"X-Autoreply": "yes"}, "X-Autoreply"),
    ],
)
def test_headers(headers, expected):
    assert expected in reason(headers)


def test_person_is_not_automatic():
    assert reason({"Auto-Submitted": "no", "Return-Path": "<li@example.cn>"}) is None


def test_reports_own_address_daemons_and_subjects():
    assert "report" in reason(content_type="multipart/report")
    assert "own address" in reason(sender="support@x.com")
    assert "system sender" in reason(sender="MAILER-DAEMON@mx.example.com")
    assert reason(subject="自动回复：系统无法登录")
    assert reason(subject="Automatic reply: Export fails")
    assert reason(subject="Out of Office: back Monday")
    assert reason(subject="Re: automatic reply settings do not work") is None
