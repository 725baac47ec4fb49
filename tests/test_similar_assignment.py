"""Similar past tickets, end to end over the real servers: a printer-queue fault is solved and
closed; a new mail about the same problem reaches its owner with the old ticket's number, subject
and solution in the assignment notice, in the owner's language; `tickets show` lists it too."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.models import Ticket
from tests.conftest import SHIPPED_RULES
from tests.test_workflow import body, clock, mails_to, reply, ticket_now  # noqa: F401 (clock: fixture)

# What the customers write and the engineer answers, in each language.
STORY = {
    "zh": {
        "customer": "李雷 <li.lei@example.cn>",
        "again": "韩梅梅 <han.meimei@example.cn>",
        "old": (
            "打印机队列卡住，无法打印",
            "今天 9:05 起打印队列卡住，提示“打印队列错误”。版本 3.2.1\n操作步骤：\n1. 打开文档\n2. 点击打印",
        ),
        "new": (
            "打印队列又卡住了，无法打印",
            "今天 14:20 起打印队列卡住，提示“打印队列错误”。版本 3.2.1\n操作步骤：\n1. 打开报表\n2. 点击打印",
        ),
        "solution": "清空了打印队列并重启了打印服务，队列恢复正常，之后文档可以正常打印。",
        "thanks": "已解决，满意",
        "secret": "临时密码：Pr1nt#2026",
        "title": "相似的已解决工单",
        "label": "相似的已解决工单及其方案：",
        "solution_label": "解决方案：",
    },
    "en": {
        "customer": "Anna Smith <anna.smith@example.com>",
        "again": "Tom Jones <tom.jones@example.com>",
        "old": (
            "Printer queue stuck, cannot print",
            "Since 9:05 today the printer queue is stuck with "
            '"Error: print queue stuck". Version 3.2.1\n\nSteps:\n1. open a document\n2. click Print',
        ),
        "new": (
            "Printer queue stuck again, cannot print",
            "Since 14:20 today the printer queue is stuck "
            'with "Error: print queue stuck". Version 3.2.1\n\nSteps:\n1. open the report\n2. click Print',
        ),
        "solution": "Cleared the print queue and restarted the print spooler; the queue works again.",
        "thanks": "Resolved, satisfied, thank you",
        "secret": "Temporary password: Pr1nt#2026",
        "title": "similar solved tickets",
        "label": "Similar solved tickets and their solutions:",
        "solution_label": "Solution: ",
    },
}


@pytest.fixture(params=["zh", "en"])
def language(request) -> str:
    return request.param


@pytest.fixture
def app(make_config, db_url, clock, tmp_path, language):  # noqa: F811
    """The shipped rules (on SQLite and PostgreSQL); for English, the operations team reads English."""
    rules = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, rules)
    if language == "en":
        staff = rules / "staff.yaml"
        text = staff.read_text(encoding="utf-8")
        for person in ("wang.wei", "zhang.min", "li.na"):
            text = text.replace(
                f"email: {person}@example.com,", f"email: {person}@example.com, language: en,"
            )
        staff.write_text(text, encoding="utf-8")
    helpdesk = Helpdesk(make_config(db_url, rules=rules, default_language=language), clock=clock)
    yield helpdesk
    helpdesk.close()


def owner_mail(app, smtp, number: str):
    """The last mail to the ticket's owner, and the owner's address."""
    owner = next(p for p in app.pipeline.rules.directory.people if p.id == ticket_now(app, number).owner)
    return mails_to(smtp, owner.email)[-1], f"{owner.name} <{owner.email}>"


def solved_and_closed(app, account, smtp, words: dict) -> str:
    """The printer-queue fault: reported, solved by its owner, confirmed and closed; its number."""
    account.deliver(customer_mail(words["customer"], *words["old"]))
    app.run_once()
    number = ticket_now(app).number
    notice, owner = owner_mail(app, smtp, number)
    assert words["label"] not in body(notice)  # nothing solved before: no similar tickets listed
    solution = f"{words['solution']} {words['secret']}"
    account.deliver(reply(notice, owner, "Re: [RESOLVED] ", f"#solution {solution}"))
    app.run_once()
    resolution = mails_to(smtp, words["customer"].split("<")[1].rstrip(">"))[-1]
    account.deliver(reply(resolution, words["customer"], "Re: ", words["thanks"]))
    app.run_once()
    assert ticket_now(app, number).status == "closed"
    return number


def test_the_assignment_notice_names_the_solved_ticket_like_this_one(app, account, smtp, language, tmp_path):
    words = STORY[language]
    old = solved_and_closed(app, account, smtp, words)
    account.deliver(customer_mail(words["again"], *words["new"]))
    app.run_once()
    new = newest(app)
    assert new != old
    notice, _ = owner_mail(app, smtp, new)
    text = body(notice)
    listed = text[text.index(words["label"]) :]
    assert f"1. {old} {words['old'][0]}" in listed
    assert f"{words['solution_label']}{words['solution']}" in listed
    assert "  2. " not in listed  # only the one solved ticket is like it
    html = next(p for p in notice.walk() if p.get_content_type() == "text/html").get_content()
    assert old in html and words["solution"] in html and words["label"] in html
    assert "Pr1nt#2026" not in text + html  # the password in the old solution stays masked

    [similar] = json.loads(show(tmp_path, new, "--json"))["similar"]
    assert similar["number"] == old and similar["subject"] == words["old"][0]
    assert similar["solution"].startswith(words["solution"]) and "Pr1nt#2026" not in similar["solution"]
    shown = show(tmp_path, new)
    section = " ".join(shown[shown.index(words["title"]) :].split())  # as wrapped to 80 columns
    assert f"{old} {words['old'][0]}" in section and words["solution"] in section
    assert "Pr1nt#2026" not in shown
    assert words["title"] not in show(tmp_path, old)  # the first of its kind has none before it


def show(tmp_path, number: str, *options: str) -> str:
    """`helpdesk tickets show NUMBER` as the operator runs it."""
    config = str(tmp_path / "helpdesk.yaml")
    result = CliRunner().invoke(main, ["--config", config, "tickets", "show", number, *options])
    assert result.exit_code == 0, result.output
    return result.output


def newest(app) -> str:
    with app.sessions() as session:
        return session.scalars(select(Ticket.number).order_by(Ticket.id.desc())).first()
