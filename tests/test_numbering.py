"""Numbering per type (the seeds' TS… for faults, RD… for requests): config, sequences, and new mail."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from helpdesk.clock import ManualClock
from helpdesk.config import NumberingConfig
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.models import Ticket, TicketSequence
from helpdesk.tickets.numbering import next_number
from helpdesk.tickets.repository import Repository
from tests.conftest import SHIPPED_RULES

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEEDS = {
    "by_type": {
        "fault": {"format": "TS{date:%Y%m%d}{seq:03d}", "reset": "daily"},
        "development": {"format": "RD{date:%Y%m%d}{seq:03d}", "reset": "daily"},
        "permission": {"format": "RD{date:%Y%m%d}{seq:03d}", "reset": "daily"},
    }
}


def test_each_type_draws_from_its_own_sequence_and_the_default_keeps_its_own(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    numbering = NumberingConfig(**SEEDS)
    first = datetime(2024, 5, 1, 9, 0, tzinfo=SHANGHAI)
    second = datetime(2024, 5, 2, 9, 0, tzinfo=SHANGHAI)
    with session_factory(engine).begin() as session:
        repo = Repository(session)
        drawn = [
            next_number(repo, numbering, first, "fault"),
            next_number(repo, numbering, first, "fault"),
            next_number(repo, numbering, first, "development"),
            next_number(repo, numbering, first, "permission"),  # shares RD's scheme, so its sequence
            next_number(repo, numbering, first, "consultation"),  # no scheme of its own
            next_number(repo, numbering, first, None),
            next_number(repo, numbering, second, "fault"),  # a new day starts TS again
        ]
        scopes = sorted(session.scalars(select(TicketSequence.scope)))
    engine.dispose()
    assert drawn == [
        "TS20240501001",
        "TS20240501002",
        "RD20240501001",
        "RD20240501002",
        "202405-001",
        "202405-002",
        "TS20240502001",
    ]
    # The default scheme keeps the scope it always had: an upgrade does not restart the month.
    assert scopes == ["202405", "20240501:RD", "20240501:TS", "20240502:TS"]


def test_two_schemes_with_the_same_letters_are_refused():
    with pytest.raises(ValidationError, match="same fixed text 'TS'"):
        NumberingConfig(
            by_type={
                "fault": {"format": "TS{date:%Y%m%d}{seq:03d}", "reset": "daily"},
                "development": {"format": "TS{date:%Y%m}{seq:04d}", "reset": "monthly"},
            }
        )
    with pytest.raises(ValidationError, match="repeats its numbers"):
        NumberingConfig(by_type={"fault": {"format": "TS{seq:03d}", "reset": "daily"}})
    with pytest.raises(ValidationError, match=r"needs a \{seq\} field"):
        NumberingConfig(by_type={"fault": {"format": "TS{date:%Y%m%d}", "reset": "daily"}})


def test_new_mail_is_numbered_by_the_type_the_rules_give_it(make_config, db_url, account, smtp):
    config = make_config(db_url, rules=SHIPPED_RULES, numbering=SEEDS)
    app = Helpdesk(config, clock=ManualClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC)))
    account.deliver(
        customer_mail("王芳 <wang.fang@example.cn>", "报表系统打不开", "系统版本：3.2.1\n一直报错。"),
        customer_mail("李雷 <li.lei@example.cn>", "定制开发：新增导出接口", "希望新增功能：对接 ERP。"),
        customer_mail("Ann <ann@example.com>", "Hello", "Just saying thanks for last week."),
    )
    app.run_once()
    with app.sessions() as session:
        rows = session.execute(select(Ticket.number, Ticket.type).order_by(Ticket.id)).all()
    app.close()
    assert [tuple(row) for row in rows] == [
        ("TS20261201001", "fault"),
        ("RD20261201001", "development"),
        ("202612-001", "other"),
    ]
    # Each acknowledgement carries its ticket's own number in the subject line.
    subjects = [received.message["Subject"] for received in smtp.received]
    for number, _ in rows:
        assert any(f"[#{number}]" in subject for subject in subjects), (number, subjects)
