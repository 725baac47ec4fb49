"""The managers' figures on SQLite and PostgreSQL: average and median first response and resolution
time, the reopen rate, each engineer's load, overdue and resolved; and `helpdesk report` showing them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from rich.cells import cell_len
from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.cli import main
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.figures import manager_figures
from helpdesk.tickets.models import Event, Ticket, TicketClock
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.statistics import Scope, statistics
from tests.conftest import SHIPPED_RULES

DAY = datetime(2026, 11, 10, 0, 0, tzinfo=UTC)
NOW = DAY + timedelta(hours=12)
MINUTE = timedelta(minutes=1)


def ticket(session: Session, n: int, **given) -> Ticket:
    row = Ticket(
        number=f"202611-{n:03d}",
        subject=f"ticket {n}",
        status=given.pop("status", "in_progress"),
        requester_email=f"c{n}@example.cn",
        language="zh",
        created_at=given.pop("created", DAY),
        updated_at=DAY,
        **given,
    )
    session.add(row)
    return row


def clock(row: Ticket, name: str, met: datetime | None, due: datetime, paused: int = 0) -> TicketClock:
    return TicketClock(
        ticket=row, name=name, started_at=row.created_at, due_at=due, met_at=met, paused_seconds=paused
    )


def seed(url: str) -> None:
    """Four tickets this period and one from last month, each figure's answer worked out by hand."""
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine).begin() as session:
        ops = {"team": "operations"}
        one = ticket(session, 1, priority="fatal", owner="wang.wei", status="closed", **ops)
        one.resolved_at = DAY + 120 * MINUTE
        two = ticket(session, 2, priority="fatal", owner="wang.wei", status="closed", **ops)
        two.resolved_at = DAY + 240 * MINUTE
        three = ticket(session, 3, priority="general", owner="zhang.min", **ops)
        four = ticket(session, 4, priority="general", owner="chen.jie", status="assigned", team="rnd")
        old = ticket(session, 5, priority="fatal", owner="wang.wei", created=DAY - timedelta(days=30), **ops)
        old.resolved_at = DAY - timedelta(days=29)
        session.add_all(
            [
                clock(one, "first_response", DAY + 10 * MINUTE, DAY + 15 * MINUTE),  # 10 min
                clock(two, "first_response", DAY + 30 * MINUTE, DAY + 15 * MINUTE, paused=600),  # 20 min
                clock(three, "first_response", DAY + 60 * MINUTE, DAY + 120 * MINUTE),  # 60 min
                clock(three, "resolution", None, NOW - 60 * MINUTE),  # running and past due: overdue
                clock(four, "first_response", DAY + 20 * MINUTE, DAY + 120 * MINUTE),  # 20 min
                clock(four, "resolution", None, NOW + 60 * MINUTE),  # running, not yet due
                clock(old, "first_response", old.created_at + 5 * MINUTE, old.created_at + 15 * MINUTE),
            ]
        )
        for row, to in ((one, "reopened"), (one, "resolved"), (two, "resolved"), (old, "reopened")):
            session.add(
                Event(ticket=row, at=DAY, actor="x", kind="status_changed", detail={"from": "a", "to": to})
            )
    engine.dispose()


def figures(url: str, scope: Scope) -> dict:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        found = manager_figures(Repository(session), scope, DAY, DAY + timedelta(days=1), NOW)
    engine.dispose()
    return found


def test_figures_on_both_databases(db_url):
    seed(db_url)
    every = figures(db_url, Scope(None))
    response = every["first_response"]
    assert (response["count"], response["average"], response["median"]) == (4, 1650, 1200)
    assert response["by_priority"] == {
        "fatal": {"count": 2, "average": 900, "median": 900},
        "general": {"count": 2, "average": 2400, "median": 2400},
    }
    resolution = every["resolution"]
    assert (resolution["count"], resolution["average"], resolution["median"]) == (2, 10800, 10800)
    assert every["reopened"] == {"resolved": 2, "reopened": 1, "rate": 50.0}
    assert every["engineers"] == {
        "chen.jie": {"open": 1, "overdue": 0, "resolved": 0},
        "wang.wei": {"open": 1, "overdue": 0, "resolved": 2},  # last month's ticket is still open
        "zhang.min": {"open": 1, "overdue": 1, "resolved": 0},
    }
    # A manager of operations sees operations only; three first responses: the middle one is the median.
    ops = figures(db_url, Scope(frozenset({"operations"})))
    assert (ops["first_response"]["count"], ops["first_response"]["median"]) == (3, 1200)
    assert ops["first_response"]["average"] == 1800 and "chen.jie" not in ops["engineers"]


def test_the_digest_statistics_on_both_databases(db_url):
    seed(db_url)
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        ops = statistics(
            Repository(session), Scope(frozenset({"operations"})), DAY, DAY + timedelta(days=1), NOW
        )
    engine.dispose()
    assert ops["tickets"] == 3 and ops["by_priority"] == {"fatal": 2, "general": 1}
    assert ops["by_type"] == {"-": 3} and ops["by_team"] == {"operations": 3}
    assert ops["compliance"] == {
        "fatal": {"met": 2, "missed": 0, "rate": 100},
        "general": {"met": 1, "missed": 0, "rate": 100},
    }
    assert [(o["number"], o["clock"]) for o in ops["overdue"]] == [("202611-003", "resolution")]
    assert ops["escalations"] == [] and ops["waiting"] == [] and ops["satisfaction"] == {}


def test_nothing_in_the_period(db_url):
    seed(db_url)
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        empty = manager_figures(
            Repository(session), Scope(None), NOW + timedelta(days=5), NOW + timedelta(days=6), NOW
        )
    engine.dispose()
    assert empty["first_response"] == {"count": 0, "average": None, "median": None, "by_priority": {}}
    assert empty["reopened"] == {"resolved": 0, "reopened": 0, "rate": None}


def report(tmp_path, url: str, language: str, *args: str):
    path = tmp_path / "helpdesk.yaml"
    path.write_text(
        f"database:\n  url: {url}\npaths:\n  rules: {SHIPPED_RULES}\ndefault_language: {language}\n",
        encoding="utf-8",
    )
    runner = CliRunner(env={"COLUMNS": "80"})
    return runner.invoke(main, ["--config", str(path), "report", "--since", "2026-11-10", *args])


def test_report_shows_the_figures_in_the_desks_language(tmp_path, sqlite_url):
    seed(sqlite_url)
    zh = report(tmp_path, sqlite_url, "zh", "--until", "2026-11-10")
    assert zh.exit_code == 0, zh.output
    text = zh.output
    assert "首次响应：平均 28分钟，中位 20分钟（4 次）" in text
    assert "解决用时：平均 3小时，中位 3小时（2 张）" in text
    assert "二次处理率：50.0%（已解决 2 张，其中重开 1 张）" in text
    assert "王伟" in text and "张敏" in text and "zhang.min" not in text
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    en = report(tmp_path, sqlite_url, "en", "--until", "2026-11-10")
    assert "first response: average 28 min, median 20 min (4)" in en.output
    assert "reopened: 50.0% (1 of 2 resolved)" in en.output
    assert not [word for word in ("首次响应", "二次处理", "在手") if word in en.output]
    data = json.loads(report(tmp_path, sqlite_url, "zh", "--until", "2026-11-10", "--json").output)
    assert data["first_response"]["median"] == 1200 and data["engineers"]["zhang.min"]["overdue"] == 1


def test_the_statements_do_not_grow_with_the_tickets(sqlite_url):
    """Set-based: the same number of statements for 4 tickets as for 44 (no query per row)."""
    seed(sqlite_url)
    engine = make_engine(sqlite_url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def count() -> int:
        statements.clear()
        with session_factory(engine)() as session:
            repo = Repository(session)
            for scope in (Scope(None), Scope(frozenset({"operations"}))):
                statistics(repo, scope, DAY, DAY + timedelta(days=1), NOW)
                manager_figures(repo, scope, DAY, DAY + timedelta(days=1), NOW)
        return len(statements)

    few = count()
    with session_factory(engine).begin() as session:
        for n in range(10, 50):
            row = ticket(session, n, priority="general", owner="li.na", status="resolved", team="operations")
            row.resolved_at = DAY + n * MINUTE
            session.add(clock(row, "first_response", DAY + n * MINUTE, DAY + 120 * MINUTE))
            session.add(
                Event(ticket=row, at=DAY, actor="sla", kind="escalated", detail={"clock": "x", "to": "y"})
            )
    assert count() == few
    engine.dispose()


def test_report_for_one_team(tmp_path, sqlite_url):
    seed(sqlite_url)
    data = json.loads(
        report(tmp_path, sqlite_url, "zh", "--until", "2026-11-10", "--team", "运维组", "--json").output
    )
    assert data["tickets"] == 3 and "chen.jie" not in data["engineers"]
    wrong = report(tmp_path, sqlite_url, "zh", "--team", "frobs")
    assert wrong.exit_code == 1 and "no team 'frobs'" in wrong.output
