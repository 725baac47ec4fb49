"""The customer's attachments in the owner's assignment notice, end to end over the real servers:
under `attachments.forward_limit` the notice says how many and carries them as MIME attachments;
over it, it lists them with their sizes and the command that fetches them, and
`helpdesk tickets attachments NUMBER --save DIR` writes the very bytes the customer sent."""

from __future__ import annotations

import re
import shutil
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from tests.conftest import SHIPPED_RULES
from tests.test_similar_assignment import owner_mail
from tests.test_workflow import START, body, mails_to, reply, ticket_now

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # 10 KB
LOG = ("2026-11-23 09:05 ERROR 打印队列错误 print queue stuck\n" * 200).encode("utf-8")
STORY = {
    "zh": (
        "李雷 <li.lei@example.cn>",
        "打印机队列卡住，无法打印",
        "今天 9:05 起打印队列卡住，提示“打印队列错误”。版本 3.2.1\n操作步骤：\n1. 打开文档\n2. 点击打印",
        ("截图.png", "服务日志.txt"),
        "附件：客户发来 2 个附件",
        "取回附件：helpdesk tickets attachments",
        ("10 千字节", "12 千字节"),
    ),
    "en": (
        "Anna Smith <anna.smith@example.com>",
        "Printer queue stuck, cannot print",
        'Since 9:05 today the printer queue is stuck with "Error: print queue stuck". Version 3.2.1\n\n'
        "Steps:\n1. open a document\n2. click Print",
        ("screenshot.png", "service log.txt"),
        "Attachments: the customer sent 2",
        "To fetch them: helpdesk tickets attachments",
        ("10 KB", "12 KB"),
    ),
}


def with_files(sender: str, subject: str, text: str, names: tuple[str, str]) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, "support@example.com", subject
    mail["Message-ID"] = make_msgid(domain="example.cn")
    mail.set_content(text)
    mail.add_attachment(PNG, maintype="image", subtype="png", filename=names[0])
    mail.add_attachment(LOG, maintype="text", subtype="plain", filename=names[1])
    return mail.as_bytes()


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture(params=["zh", "en"])
def language(request) -> str:
    return request.param


def rules_for(tmp_path: Path, language: str) -> Path:
    """The shipped rules; for English, every engineer reads English."""
    rules = tmp_path / "rules"
    if not rules.exists():
        shutil.copytree(SHIPPED_RULES, rules)
    if language == "en":
        staff = rules / "staff.yaml"
        lines = staff.read_text(encoding="utf-8").splitlines(keepends=True)
        english = "".join(
            line if "language:" in line else re.sub(r"(email: \S+@example\.com),", r"\1, language: en,", line)
            for line in lines
        )
        staff.write_text(english, encoding="utf-8")
    return rules


def desk(make_config, db_url, clock, tmp_path, language, limit, **sections):
    rules = rules_for(tmp_path, language)
    config = make_config(
        db_url, rules=rules, default_language=language, attachments={"forward_limit": limit}, **sections
    )
    return Helpdesk(config, clock=clock)


def notice_of(make_config, db_url, clock, tmp_path, account, smtp, language, limit):
    sender, subject, text, names, *_ = STORY[language]
    app = desk(make_config, db_url, clock, tmp_path, language, limit)
    try:
        account.deliver(with_files(sender, subject, text, names))
        app.run_once()
        number = ticket_now(app).number
        notice, _ = owner_mail(app, smtp, number)
    finally:
        app.close()
    return number, notice


def test_the_notice_carries_the_customer_files_under_the_limit(
    make_config, db_url, clock, account, smtp, language, tmp_path
):
    _, _, _, names, count, fetch, sizes = STORY[language]
    _, notice = notice_of(make_config, db_url, clock, tmp_path, account, smtp, language, 1024 * 1024)
    carried = {part.get_filename(): part.get_payload(decode=True) for part in notice.iter_attachments()}
    assert carried == {names[0]: PNG, names[1]: LOG}
    text = body(notice)
    assert count in text and fetch not in text
    assert f"{names[0]}" in text and sizes[0] in text
    html = notice.get_body(("html",)).get_content()
    assert count in html and names[1] in html


def test_over_the_limit_the_notice_lists_them_and_the_command_saves_them(
    make_config,
    db_url,
    clock,
    account,
    smtp,
    language,
    tmp_path,
):
    _, _, _, names, count, fetch, sizes = STORY[language]
    number, notice = notice_of(make_config, db_url, clock, tmp_path, account, smtp, language, 4096)
    assert list(notice.iter_attachments()) == []
    text = body(notice)
    assert count in text and f"{fetch} {number}" in text
    assert f"{names[0]}" in text and sizes[0] in text and sizes[1] in text  # each with its size

    config = str(tmp_path / "helpdesk.yaml")
    saved = tmp_path / "saved"
    for _ in range(2):  # saved twice: the second copy is numbered, the first kept
        result = CliRunner().invoke(
            main, ["--config", config, "tickets", "attachments", number, "--save", str(saved)]
        )
        assert result.exit_code == 0, result.output
    assert (saved / names[0]).read_bytes() == PNG and (saved / names[1]).read_bytes() == LOG
    assert sorted(p.name for p in saved.iterdir()) == sorted(
        [
            *names,
            "截图 (2).png" if language == "zh" else "screenshot (2).png",
            "服务日志 (2).txt" if language == "zh" else "service log (2).txt",
        ]
    )
    listed = CliRunner().invoke(main, ["--config", config, "tickets", "attachments", number]).output
    assert names[0] in listed and sizes[0] in listed


def test_a_hostile_file_name_stays_inside_the_folder(make_config, db_url, clock, account, smtp, tmp_path):
    app = desk(make_config, db_url, clock, tmp_path, "en", 0)
    try:
        account.deliver(with_files(*STORY["en"][:3], ("../../etc/passwd", "..\\evil\t.txt")))
        app.run_once()
        number = ticket_now(app).number
    finally:
        app.close()
    saved = tmp_path / "saved"
    result = CliRunner().invoke(
        main,
        ["--config", str(tmp_path / "helpdesk.yaml"), "tickets", "attachments", number, "--save", str(saved)],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in saved.iterdir()) == ["evil .txt", "passwd"]
    assert not (tmp_path / "etc").exists()


@pytest.mark.parametrize("limit", [0, 1024 * 1024])
def test_a_secret_in_a_file_name_is_masked_in_the_notice(
    make_config, db_url, clock, account, smtp, tmp_path, limit
):
    names = ("密码：Hunter2x.png", "13912345678 通话记录.txt")
    app = desk(make_config, db_url, clock, tmp_path, "zh", limit)
    try:
        account.deliver(with_files(*STORY["zh"][:3], names))
        app.run_once()
        notice, _ = owner_mail(app, smtp, ticket_now(app).number)
    finally:
        app.close()
    carried = [part.get_filename() or "" for part in notice.iter_attachments()]
    assert len(carried) == (2 if limit else 0)
    everything = "\n".join([body(notice), notice.get_body(("html",)).get_content(), *carried])
    assert "附件：客户发来 2 个附件" in everything
    assert "Hunter2x" not in everything and "13912345678" not in everything


def test_a_collaborator_gets_the_files_too_and_the_customer_never_gets_them_back(
    make_config, db_url, clock, account, smtp, tmp_path, language
):
    sender, subject, text, names, count, *_ = STORY[language]
    app = desk(make_config, db_url, clock, tmp_path, language, 1024 * 1024)
    try:
        account.deliver(with_files(sender, subject, text, names))
        app.run_once()
        number = ticket_now(app).number
        notice, owner = owner_mail(app, smtp, number)
        helper = "chen.jie" if "chen.jie" not in owner else "li.na"
        account.deliver(reply(notice, owner, "Re: ", f"#collaborators {helper}\n\n{REPLY[language]}"))
        app.run_once()
    finally:
        app.close()
    [asked] = mails_to(smtp, f"{helper}@example.com")
    assert sorted(p.get_filename() for p in asked.iter_attachments()) == sorted(names)
    assert count in body(asked)
    customer = mails_to(smtp, sender.split("<")[1].rstrip(">"))
    assert len(customer) >= 2 and all(list(m.iter_attachments()) == [] for m in customer)


REPLY = {"zh": "已收到截图，正在排查。", "en": "Got the screenshot, looking into it."}
