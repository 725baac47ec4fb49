"""Engineers' subject keywords and command lines; customers' confirmation and rating; DKIM/DMARC verdicts."""

from __future__ import annotations

import pytest

from helpdesk.mail.parse import parse_message
from helpdesk.rules.load import load_rules
from helpdesk.workflow.authentication import verified
from helpdesk.workflow.commands import parse_commands, subject_keyword
from helpdesk.workflow.feedback import read_feedback
from tests.conftest import SHIPPED_RULES

KEYWORDS = load_rules(SHIPPED_RULES).workflows.keywords


@pytest.mark.parametrize(
    ("subject", "state"),
    [
        ("Re: [#202611-001] [RESOLVED] 系统无法登录", "resolved"),
        ("回复：【已解决】[#202611-001] 系统无法登录", "resolved"),
        ("RE: ［处理中］ [#202611-001]", "in_progress"),  # full-width square brackets
        ("Re: [in  Progress] [#202611-001]", "in_progress"),  # any case, any spacing
        ("Re: [ACK] [#202611-001]", "acknowledged"),
        ("[已接收] 收到", "acknowledged"),
        ("Re: [#202611-001] 已解决了吗？", None),  # a word, not a bracketed keyword
        ("Re: [#202611-001] [FYI]", None),
    ],
)
def test_subject_keyword(subject, state):
    assert subject_keyword(subject, KEYWORDS) == state


def test_commands_at_the_top_only():
    commands, rest = parse_commands(
        "#priority high\n＃优先级： 高\n\n#assign li.na\n已重启服务。\n#note not a command here"
    )
    assert [(c.name, c.arg) for c in commands] == [
        ("priority", "high"),
        ("priority", "高"),
        ("assign", "li.na"),
    ]
    assert rest == "已重启服务。\n#note not a command here"


def test_unknown_command_and_solution_block():
    commands, rest = parse_commands("#frobnicate now\n#solution\n清理了缓存。\n重启了验证码服务。")
    assert commands[0].name is None and commands[0].line == "#frobnicate now"
    assert commands[1].name == "solution" and commands[1].arg == "清理了缓存。\n重启了验证码服务。"
    assert rest == ""


@pytest.mark.parametrize(
    ("reply", "result", "rating"),
    [
        ("已解决，满意", "resolved", "satisfied"),
        ("问题已经解决了，基本满意。谢谢", "resolved", "fair"),
        ("还是没解决", "unresolved", None),
        ("部分解决，不满意", "partial", "unsatisfied"),
        ("1 1", "resolved", "satisfied"),
        ("3 3", "partial", "unsatisfied"),
        ("Resolved, very satisfied. Thanks!", "resolved", "satisfied"),
        ("It is not resolved.", "unresolved", None),
        ("Partly resolved; dissatisfied", "partial", "unsatisfied"),
        ("谢谢", None, None),
    ],
)
def test_feedback(reply, result, rating):
    feedback = read_feedback(reply)
    assert (feedback.result, feedback.rating) == (result, rating)


def test_feedback_happiness():
    assert read_feedback("已解决 满意").happy and read_feedback("基本满意").happy
    assert not read_feedback("已解决 不满意").happy and not read_feedback("谢谢").happy


def _mail(headers: str):
    return parse_message(f"From: Wang <wang.wei@example.com>\nSubject: x\n{headers}\nhello\n".encode())


def test_dkim_or_dmarc_pass_from_our_server_counts():
    stamp = "Authentication-Results: mx.example.com; dkim=pass header.d=example.com; spf=pass\n"
    assert verified(_mail(stamp), "mx.example.com") == (True, "dkim=pass for example.com")
    dmarc = "Authentication-Results: mx.example.com; dmarc=pass (p=reject) header.from=example.com\n"
    assert verified(_mail(dmarc), "mx.example.com")[0]


@pytest.mark.parametrize(
    "headers",
    [
        "",
        "Authentication-Results: evil.example; dkim=pass header.d=example.com\n",  # not our server
        "Authentication-Results: mx.example.com; dkim=fail header.d=example.com\n",
        "Authentication-Results: mx.example.com; dkim=pass header.d=other.example\n",  # someone else signed
    ],
)
def test_anything_else_does_not(headers):
    assert not verified(_mail(headers), "mx.example.com")[0]


def test_only_our_topmost_stamp_counts():
    """Our server stamps above what came with the mail: a forged pass below our verdict is ignored."""
    ours_fail = "Authentication-Results: mx.example.com; dkim=fail header.d=example.com; dmarc=fail\n"
    forged = "Authentication-Results: mx.example.com; dkim=pass header.d=example.com; dmarc=pass\n"
    passed, why = verified(_mail(ours_fail + forged), "mx.example.com")
    assert not passed and why == "no DKIM or DMARC pass for example.com from mx.example.com"
    other_above = "Authentication-Results: relay.example.net; dkim=pass header.d=example.com\n"
    ours_pass = "Authentication-Results: mx.example.com; dkim=pass header.d=example.com\n"
    assert verified(_mail(other_above + ours_pass + ours_fail), "mx.example.com")[0]
    assert verified(_mail("Authentication-Results: MX.Example.com; dmarc=pass header.from=example.com\n"),
                    "mx.example.com")[0]  # fmt: skip
    # Conservative alignment: only the From domain or a parent of it signs for it.
    subdomain = "Authentication-Results: mx.example.com; dkim=pass header.i=@mail.example.com\n"
    assert verified(_mail(subdomain), "mx.example.com")[0] is False
    assert not verified(_mail("Authentication-Results: ;;; ==garbage\n"), "mx.example.com")[0]


@pytest.mark.parametrize(
    "ours",
    [
        "mx.example.com; spf=none smtp.helo=[203.0.113.5]; dkim=fail header.d=example.com",  # sender's HELO
        "mx.example.com; dkim=fail header.d=exämple.com",  # a d= the sender wrote
        "mx.example.com; dmarc=fail header.from=example.com;",  # a trailing semicolon
        "mx.example.com;",
        "mx.example.com.; dkim=fail header.d=example.com",  # our name with a trailing dot
    ],
)
def test_our_unreadable_verdict_is_not_replaced_by_a_forged_one_below(ours):
    forged = "Authentication-Results: mx.example.com; dkim=pass header.d=example.com\n"
    assert not verified(_mail(f"Authentication-Results: {ours}\n{forged}"), "mx.example.com")[0]


@pytest.mark.parametrize(
    "stamp",
    [
        "mx.example.com; dkim=pass header.i=@example.com header.d=evil.example",  # d= decides
        "mx.example.com; dkim=pass header.d=com",  # a bare top-level domain signs for nobody
        "mx.example.com; dkim=pass policy.d=example.com",  # not the signature's domain
    ],
)
def test_only_the_signing_domain_counts(stamp):
    assert not verified(_mail(f"Authentication-Results: {stamp}\n"), "mx.example.com")[0]
