"""The progress job's one read returns exactly the tickets whose update is due, on both databases:
the sweep no longer loads every ticket being worked on each minute."""

from __future__ import annotations

import dataclasses
import itertools
import shutil
from datetime import UTC, datetime, timedelta

import yaml

from helpdesk.rules.load import load_rules
from helpdesk.sla.progress import progress, progress_due
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.repository import Repository
from tests.conftest import SHIPPED_RULES

# Tuesday 1 December 2026, 08:31 UTC: 16:31 in Shanghai (the daily summary, 16:30, has passed),
# 08:31 in London (it has not).
SUMMARY = datetime(2026, 12, 1, 8, 31, tzinfo=UTC)
MOMENTS = {
    "Shanghai 16:31, London 08:31": SUMMARY,
    "Shanghai 16:29": SUMMARY - timedelta(minutes=2),
    "London 16:31, Shanghai past midnight": datetime(2026, 12, 1, 16, 31, tzinfo=UTC),
    "a Saturday in Shanghai, 16:31": datetime(2026, 12, 5, 8, 31, tzinfo=UTC),
}


def rules_with_a_london_team(tmp_path):
    """The shipped rules, with a calendar of its own for the rnd team (London hours)."""
    folder = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, folder)
    sla = yaml.safe_load((folder / "sla.yaml").read_text(encoding="utf-8"))
    sla["calendars"]["rnd"] = {"timezone": "Europe/London", "holidays": None}
    (folder / "sla.yaml").write_text(yaml.safe_dump(sla, allow_unicode=True), encoding="utf-8")
    return load_rules(folder)


def seed(session, start: datetime) -> None:
    """Tickets of every cadence (30m, 2h, daily, none named) and team, heard from and reminded at
    times around each moment checked."""
    ago = [None, 0, 29, 30, 31, 119, 120, 121, 60 * 8, 60 * 20, 60 * 30]
    grid = itertools.product(
        ["fatal", "severe", "general", None, "unheard-of"],
        ["operations", "rnd", None],
        ["in_progress", "new"],
        ago,
        [None, 0, 30, 60 * 3],
    )
    for n, (priority, team, status, heard, reminded) in enumerate(grid):
        created = start - timedelta(days=2)
        session.add(
            Ticket(
                number=f"T-{n:05d}",
                subject="s",
                status=status,
                priority=priority,
                team=team,
                owner="wang.wei" if n % 2 else None,
                requester_email="li.lei@example.cn",
                language="zh",
                created_at=created,
                updated_at=created,
                customer_updated_at=None if heard is None else start - timedelta(minutes=heard),
                progress_reminded_at=None if reminded is None else start - timedelta(minutes=reminded),
            )
        )


def test_the_progress_read_returns_exactly_the_tickets_due(db_url, tmp_path):
    rules = rules_with_a_london_team(tmp_path)
    working = rules.sla.progress.working_states
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    for name, now in MOMENTS.items():
        with sessions.begin() as session:
            session.query(Ticket).delete()
            seed(session, now)
        with sessions() as session:
            repo = Repository(session)
            due = {
                ticket.id for ticket in session.query(Ticket) if progress(rules, repo.snapshot(ticket), now)
            }
            found = repo.tickets_due_for_progress(working, progress_due(rules, now))
        assert due, name  # each moment has some ticket due, else it proves nothing
        assert found == sorted(due), name
    engine.dispose()


def test_nothing_is_read_when_no_cadence_is_set(sqlite_url, tmp_path):
    rules = rules_with_a_london_team(tmp_path)
    settings = rules.sla.progress.model_copy(update={"every": {}})
    rules = dataclasses.replace(rules, sla=rules.sla.model_copy(update={"progress": settings}))
    assert progress_due(rules, SUMMARY) == []
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with session_factory(engine)() as session:
        assert Repository(session).tickets_due_for_progress(["in_progress"], []) == []
    engine.dispose()
