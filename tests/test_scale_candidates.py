"""The sweep's candidate reads return exactly the tickets a job acts on, on both databases: the
progress job's (the tickets whose update is due, not every ticket being worked on) and the
confirmation job's (the resolved tickets whose reminder or closing is due, not every one waiting)."""

from __future__ import annotations

import dataclasses
import itertools
import shutil
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from helpdesk.rules.load import load_rules
from helpdesk.rules.schema import Confirmation
from helpdesk.sla.progress import progress, progress_due
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.repository import Repository
from helpdesk.workflow.confirmation import confirmation_due
from tests.conftest import SHIPPED_RULES

# Tuesday 1 December 2026, 08:31 UTC: 16:31 in Shanghai (the daily summary, 16:30, has passed),
# 08:31 in London (it has not).
SUMMARY = datetime(2026, 12, 1, 8, 31, tzinfo=UTC)
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # for the confirmations
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


def ticket(n: int, status: str, now: datetime, **columns) -> Ticket:
    created = now - timedelta(days=30)
    return Ticket(
        number=f"T-{n:05d}",
        subject="s",
        status=status,
        requester_email="li.lei@example.cn",
        language="zh",
        created_at=created,
        updated_at=created,
        **columns,
    )


def before(moment: datetime, **amount: float | None) -> datetime | None:
    """`moment` less the one amount given (minutes=30, hours=2), or None when that is None."""
    [(unit, value)] = amount.items()
    return None if value is None else moment - timedelta(**{unit: value})


def acted_on(repo: Repository, decide) -> list[int]:
    """The tickets `decide` (a ticket's view → effects) acts on, read one by one as the sweep once did."""
    return sorted(ticket.id for ticket in repo.session.query(Ticket) if decide(repo.snapshot(ticket)))


def seed_progress(session, start: datetime) -> None:
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
        session.add(
            ticket(
                n,
                status,
                start,
                priority=priority,
                team=team,
                owner="wang.wei" if n % 2 else None,
                customer_updated_at=before(start, minutes=heard),
                progress_reminded_at=before(start, minutes=reminded),
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
            seed_progress(session, now)
        with sessions() as session:
            repo = Repository(session)
            due = acted_on(repo, lambda view, now=now: progress(rules, view, now))
            found = repo.tickets_due_for_progress(working, progress_due(rules, now))
        assert due, name  # each moment has some ticket due, else it proves nothing
        assert found == due, name
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


def seed_confirmation(session) -> None:
    """Resolved (and other) tickets resolved, asked again and answered at times around the
    reminder (48 h) and closing (96 h) marks, reminded or not."""
    hours = [None, 1, 47, 48, 49, 95, 96, 97, 200]
    grid = itertools.product(["resolved", "in_progress"], hours, hours, hours, [0, 1])
    for n, (status, resolved, asked, answered, reminders) in enumerate(grid):
        session.add(
            ticket(
                n,
                status,
                NOW,
                resolved_at=before(NOW, hours=resolved),
                confirmation_asked_at=before(NOW, hours=asked),
                confirmation_answered_at=before(NOW, hours=answered),
                confirmation_reminders=reminders,
            )
        )


@pytest.mark.parametrize("close", [True, False], ids=["closing unanswered", "never closing"])
def test_the_confirmation_read_returns_exactly_the_tickets_due(db_url, close):
    timing = Confirmation(close_without_answer=close)
    workflows = load_rules(SHIPPED_RULES).workflows.model_copy(update={"confirmation": timing})
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        seed_confirmation(session)
    with sessions() as session:
        repo = Repository(session)
        due = acted_on(repo, lambda view: confirmation_due(workflows, view, NOW))
        found = repo.confirmations_due(NOW, timing)
    engine.dispose()
    assert due  # some ticket is due, else the comparison proves nothing
    assert found == due
