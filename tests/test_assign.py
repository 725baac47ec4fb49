"""Choosing an owner: the rule's person, round robin, or the fewest open tickets, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from helpdesk.intake.assign import choose_owner
from helpdesk.rules.conditions import Decision
from helpdesk.rules.load import load_rules
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.repository import Repository
from tests.conftest import SHIPPED_RULES

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def ticket(number: str, team: str, owner: str, status: str) -> Ticket:
    return Ticket(
        number=number,
        subject="s",
        status=status,
        team=team,
        owner=owner,
        requester_email="c@x.cn",
        language="zh",
        created_at=NOW,
        updated_at=NOW,
    )


def test_least_open_round_robin_and_named_owner(db_url):
    rules = load_rules(SHIPPED_RULES)
    engine = make_engine(db_url)
    upgrade(engine)
    with session_factory(engine).begin() as session:
        session.add_all(
            [
                ticket("1", "rnd", "chen.jie", "assigned"),
                ticket("2", "rnd", "chen.jie", "assigned"),
                ticket("3", "rnd", "emma.brown", "assigned"),
                ticket("4", "rnd", "emma.brown", "closed"),  # finished work does not count
                ticket("5", "operations", "li.na", "assigned"),
            ]
        )
    with session_factory(engine)() as session:
        workload = Repository(session).workload([p.id for p in rules.directory.people])
        owner, how = choose_owner(rules, workload, Decision(type="development", team="rnd"))
        assert owner.id == "emma.brown" and how == "fewest open tickets in rnd"
        owner, how = choose_owner(rules, workload, Decision(type="fault", team="operations", level="junior"))
        assert owner.id == "zhang.min" and how == "round robin in operations (junior)"  # after li.na
        owner, _ = choose_owner(rules, workload, Decision(type="fault", team="operations", level="senior"))
        assert owner.id == "wang.wei"
        owner, how = choose_owner(rules, workload, Decision(type="fault", owner="sun.li"))
        assert owner.id == "sun.li" and how == "named by a rule"
        assert choose_owner(rules, workload, Decision(type="other")) == (None, "no rule chose a team")
    engine.dispose()
