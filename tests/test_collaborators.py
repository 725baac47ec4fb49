"""#collaborators by mail, end to end over the real servers: each person named is mailed the ticket,
with the time point they owe when the command gives one (in their own zone), the event records
`due: {person: ISO time}`, and `tickets show` lists it; a time that names no moment is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.models import Event
from tests.test_attachments_forwarded import rules_for
from tests.test_similar_assignment import STORY as REPORTS
from tests.test_similar_assignment import owner_mail
from tests.test_workflow import START, body, mails_to, reply, ticket_now

STORY = {
    "zh": {
        # 明天 from Monday 10:00 in Shanghai; chen.jie with no time; emma.brown reads London time.
        "command": "#协作 李娜 明天18:00、chen.jie\n#协作 emma.brown 2026-12-02 18:00",
        "asks": "请您协助处理工单",
        "due": "请在 {} 前完成您负责的部分",
        "bad": "#协作 李娜 2026-13-45",
    },
    "en": {
        "command": "#collaborators li.na tomorrow 6pm, chen.jie\n#cc emma.brown 2026-12-02 18:00",
        "asks": "asks for your help on ticket",
        "due": "reply to this mail by {}",
        "bad": "#collaborators li.na 2026-13-45",
    },
}


@pytest.fixture(params=["zh", "en"])
def language(request) -> str:
    return request.param


@pytest.fixture
def app(make_config, db_url, tmp_path, language):
    config = make_config(db_url, rules=rules_for(tmp_path, language), default_language=language)
    helpdesk = Helpdesk(config, clock=ManualClock(START))
    yield helpdesk
    helpdesk.close()


def owner_replies(app, account, smtp, language: str, command: str) -> tuple[str, str]:
    """The printer-queue report, and its owner's reply carrying `command` (internal): number, owner."""
    report = REPORTS[language]
    account.deliver(customer_mail(report["customer"], *report["old"]))
    app.run_once()
    number = ticket_now(app).number
    notice, owner = owner_mail(app, smtp, number)
    account.deliver(reply(notice, owner, "Re: ", f"{command}\n\n#note"))
    app.run_once()
    return number, owner


def test_each_collaborator_is_mailed_with_the_time_they_owe(app, account, smtp, language, tmp_path):
    words = STORY[language]
    number, _ = owner_replies(app, account, smtp, language, words["command"])

    assert ticket_now(app, number).collaborators == ["chen.jie", "emma.brown", "li.na"]
    [li_na] = mails_to(smtp, "li.na@example.com")
    [chen] = mails_to(smtp, "chen.jie@example.com")
    [emma] = mails_to(smtp, "emma.brown@example.com")
    assert number in li_na["Subject"] and words["asks"] in body(li_na)
    assert words["due"].format("2026-11-24 18:00") in body(li_na)  # tomorrow, Shanghai
    assert words["asks"] in body(chen) and "2026-" not in body(chen).split(words["asks"])[1].split("\n")[1]
    # emma.brown reads English, in London: 18:00 in Shanghai is 10:00 there.
    assert "reply to this mail by 2026-12-02 10:00" in body(emma)
    assert REPORTS[language]["old"][0] in body(li_na)  # the ticket's own report comes with it

    with app.sessions() as session:
        details = [
            e.detail for e in session.scalars(select(Event).where(Event.kind == "command_collaborators"))
        ]
    assert datetime.fromisoformat(details[0]["due"]["li.na"]) == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert set(details[0]["due"]) == {"li.na"}  # chen.jie was given no time
    assert datetime.fromisoformat(details[1]["due"]["emma.brown"]) == datetime(2026, 12, 2, 10, 0, tzinfo=UTC)

    config = str(tmp_path / "helpdesk.yaml")
    shown = CliRunner().invoke(main, ["--config", config, "tickets", "show", number, "--json"])
    assert shown.exit_code == 0, shown.output
    due = {c["id"]: c["due"] for c in json.loads(shown.output)["collaborators"]}
    assert due["li.na"].startswith("2026-11-24T18:00") and due["chen.jie"] is None


def test_a_time_that_names_no_moment_is_refused_and_nobody_is_mailed(app, account, smtp, language):
    number, owner = owner_replies(app, account, smtp, language, STORY[language]["bad"])
    assert ticket_now(app, number).collaborators == [] and mails_to(smtp, "li.na@example.com") == []
    receipt = body(mails_to(smtp, owner.split("<")[1].rstrip(">"))[-1])
    assert "2026-13-45" in receipt


def test_the_customer_update_names_the_collaborators(app, account, smtp, language):
    _, owner = owner_replies(app, account, smtp, language, STORY[language]["command"])
    notice = mails_to(smtp, owner.split("<")[1].rstrip(">"))[0]
    account.deliver(reply(notice, owner, "Re: ", UPDATE[language]))
    app.run_once()
    customer = REPORTS[language]["customer"].split("<")[1].rstrip(">")
    update = body(mails_to(smtp, customer)[-1])
    assert UPDATE[language] in update
    assert {"zh": "协作人：陈杰、Emma Brown、李娜", "en": "Working with: 陈杰, Emma Brown, 李娜"}[
        language
    ] in update


UPDATE = {"zh": "已请数据库组协助排查。", "en": "The database team is helping us."}
