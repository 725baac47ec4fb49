"""`helpdesk quarantine list` as an administrator reads it: a held mail's From and Subject decoded
(RFC 2047 words, folded over lines) and still masked, from a mail the real IMAP server handed over."""

from __future__ import annotations

import json
from base64 import b64encode

from click.testing import CliRunner

from helpdesk.cli import main
from tests.conftest import SHIPPED_RULES


def word(text: str) -> str:
    return f"=?utf-8?b?{b64encode(text.encode()).decode()}?="


def test_a_held_mails_sender_and_subject_read_decoded_and_masked(make_config, sqlite_url, account, tmp_path):
    make_config(sqlite_url, rules=SHIPPED_RULES)
    path = tmp_path / "helpdesk.yaml"
    # A From with a name and no address cannot be answered: the mail is held at parse.
    raw = (
        f"From: {word('李雷')}\r\n"
        f"Subject: {word('系统宕机，')}\r\n {word('请回电 13812345678')}\r\n"
        "Message-ID: <held-1@example.cn>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n宕机了\r\n"
    ).encode()
    account.deliver(raw)
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(path), "run", "--once", "--backlog", "answer"]).exit_code == 0

    listed = runner.invoke(main, ["--config", str(path), "quarantine", "list", "--json"])
    [held] = json.loads(listed.output)
    assert held["stage"] == "parse" and held["sender"] == "李雷"
    assert held["subject"] == "系统宕机，请回电 138****5678"  # decoded, and the phone masked all the same
    table = runner.invoke(main, ["--config", str(path), "quarantine", "list"]).output
    assert "李雷" in table and "系统" in table and "13812345678" not in table  # the error quotes the raw From
