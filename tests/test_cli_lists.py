"""`helpdesk tickets list` filters and an 80-column table, `outbox retry`, `--version`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from helpdesk import __version__
from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.config import load_config
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.db import make_engine, session_factory
from helpdesk.tickets.models import OutboxMail, Ticket
from helpdesk.tickets.repository import Repository
from tests.conftest import SHIPPED_RULES

LONG = "财务系统月底结账时报表导出一直失败并提示内存不足，已经重试多次仍然不行，请尽快处理" * 2


def cli(path, *args, **env):
    result = CliRunner(env=env).invoke(main, ["--config", str(path), *args], catch_exceptions=False)
    return result


@pytest.fixture
def desk(make_config, sqlite_url, account, smtp, tmp_path):
    """Three tickets with long numbers: an old one (overdue by now), and two of today."""
    config = make_config(sqlite_url, rules=SHIPPED_RULES, numbering={"format": "TS{date:%Y%m%d}{seq:05d}"})
    now = datetime.now(UTC)
    for when, sender, subject in (
        (now - timedelta(days=10), "甲 <a@example.cn>", LONG),
        (now, "乙 <b@example.cn>", "权限申请：开通 VPN"),
        (now, "丙 <c@example.cn>", "Printer offline"),
    ):
        app = Helpdesk(config, clock=ManualClock(when))
        account.deliver(customer_mail(sender, subject, "详情见正文。"))
        app.run_once()
        app.close()
    with app.sessions.begin() as session:
        first, second, third = session.scalars(select(Ticket).order_by(Ticket.id)).all()
        first.type, first.priority, first.team, first.owner = "fault", "fatal", "operations", "wang.wei"
        first.status = "new"
        second.type, second.team, second.status = "permission", "operations", "assigned"
        third.type, third.team, third.owner, third.status = "fault", "rnd", "chen.jie", "in_progress"
        for clock in first.clocks + second.clocks:
            clock.paused_at = None  # running: the old one's deadline has passed, today's have not
        numbers = [first.number, second.number, third.number]
    return tmp_path / "helpdesk.yaml", numbers


def numbers_of(path, *args) -> list[str]:
    result = cli(path, "tickets", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    return [row["number"] for row in json.loads(result.output)]


def test_filters(desk):
    path, (old, vpn, printer) = desk
    assert numbers_of(path) == [printer, vpn, old]
    assert numbers_of(path, "--type", "故障报修") == [printer, old]
    assert numbers_of(path, "--type", "fault", "--team", "研发组") == [printer]
    assert numbers_of(path, "--priority", "致命") == [old]
    assert numbers_of(path, "--owner", "wang.wei@example.com") == [old]
    assert numbers_of(path, "--overdue") == [old]
    today = datetime.now(UTC).astimezone().strftime("%Y-%m-%d")
    assert numbers_of(path, "--since", today) == [printer, vpn]
    assert numbers_of(path, "--until", (datetime.now(UTC) - timedelta(days=5)).strftime("%Y-%m-%d")) == [old]
    # A status by its name, its Chinese label or its English label, in any case.
    assert numbers_of(path, "--status", "assigned") == [vpn]
    zh = numbers_of(path, "--status", "待处理")
    en = numbers_of(path, "--status", "ASSIGNED")
    assert zh == en == [vpn]
    wrong = cli(path, "tickets", "list", "--status", "frobbed")
    assert wrong.exit_code == 1 and "no state 'frobbed'; known:" in wrong.output


def test_customer_by_address_name_or_company(desk):
    path, (old, vpn, printer) = desk
    engine = make_engine(load_config(path).database.url)
    with session_factory(engine).begin() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == printer))
        at = datetime.now(UTC)  # the company its signature names, over the one its domain gave
        Repository(session).set_field(
            ticket, "company", "华信科技有限公司", "<sig@example.cn>", 9, "signature", at
        )
    engine.dispose()
    assert numbers_of(path, "--customer", "a@example") == [old]
    assert numbers_of(path, "--customer", "乙") == [vpn]  # the requester's name
    assert numbers_of(path, "--customer", "华信科技") == [printer]  # the company read from the signature
    assert numbers_of(path, "--customer", "EXAMPLE.CN") == [printer, vpn, old]  # any case
    assert numbers_of(path, "--customer", "example.cn", "--type", "fault") == [printer, old]
    assert numbers_of(path, "--customer", "%") == []  # a LIKE wildcard is only itself


def test_an_80_column_table_keeps_every_number_whole(desk):
    path, numbers = desk
    result = cli(path, "tickets", "list", COLUMNS="80")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    for number in numbers:
        assert any(number in line for line in lines), number
    assert len(lines) == 1 + 3  # the header, then one line per ticket (grep finds a ticket whole)
    [old] = [line for line in lines if numbers[0] in line]
    assert "财务系统" in old and "…" in old  # the long subject is cut short, never the number
    assert "待处理" in result.output and "assigned" not in result.output  # states in the desk's language


def test_outbox_retry(desk):
    path, _ = desk
    rows = json.loads(cli(path, "outbox", "list", "--json").output)
    first = rows[-1]["id"]
    assert cli(path, "outbox", "retry").exit_code == 1  # neither ID nor --failed
    engine = make_engine(load_config(path).database.url)
    with session_factory(engine).begin() as session:
        session.execute(
            update(OutboxMail).values(status="failed", attempts=12, last_error="550 no such user")
        )
    result = cli(path, "outbox", "retry", str(first))
    assert result.exit_code == 0 and "queued again: 1 mail(s)" in result.output
    assert f"queued again: {len(rows) - 1} mail(s)" in cli(path, "outbox", "retry", "--failed").output
    assert {r["status"] for r in json.loads(cli(path, "outbox", "list", "--json").output)} == {"pending"}
    assert cli(path, "run", "--once").exit_code == 0
    after = {r["id"]: r["status"] for r in json.loads(cli(path, "outbox", "list", "--json").output)}
    assert {after[r["id"]] for r in rows} == {"sent"}
    missing = cli(path, "outbox", "retry", str(first))  # sent now: nothing to retry
    assert missing.exit_code == 1 and f"no outbox mail #{first}" in missing.output
    engine.dispose()


def test_version(tmp_path):
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output == f"helpdesk {__version__}\n"
