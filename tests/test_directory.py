"""The staff directory, the label table and the calendars, over the shipped rules."""

from __future__ import annotations

import pytest

from helpdesk.rules.load import load_rules
from helpdesk.rules.ruleset import RuleSet
from tests.conftest import SHIPPED_RULES


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules(SHIPPED_RULES)


def ids(people) -> list[str]:
    return [p.id for p in people]


def test_people_by_id_and_by_address_without_case(rules):
    directory = rules.directory
    assert directory.person("chen.jie").email == "chen.jie@example.com"
    assert directory.person(None) is None and directory.person("nobody") is None
    assert directory.by_email("Emma.Brown@EXAMPLE.com").id == "emma.brown"
    assert directory.by_email("stranger@example.com") is None
    assert ids(directory.people) == ids(rules.staff.people)
    assert set(directory.teams) == {"operations", "rnd", "product"}


def test_members_at_a_level_else_the_whole_team_in_roster_order(rules):
    members = rules.directory.members
    assert ids(members("operations", "junior")) == ["zhang.min", "li.na"]
    assert ids(members("operations", None)) == ["wang.wei", "zhang.min", "li.na"]
    # product has no junior: the whole team answers
    assert ids(members("product", "junior")) == ["sun.li"]
    assert members("no_such_team", "senior") == []


def test_members_hands_out_a_copy(rules):
    rules.directory.members("operations", None).clear()
    assert len(rules.directory.members("operations", None)) == 3


def test_manager_is_the_teams_else_whom_the_person_reports_to(rules):
    directory = rules.directory
    emma = directory.person("emma.brown")
    assert directory.manager_of("operations", emma).id == "liu.yang"  # the team's manager wins
    assert directory.manager_of(None, emma).id == "zhao.lei"  # no team: emma's reports_to
    assert directory.manager_of("no_such_team", directory.person("liu.yang")).id == "zhao.lei"
    assert directory.manager_of(None, directory.person("zhao.lei")) is None  # reports to nobody
    assert directory.manager_of(None, None) is None


def test_labels_in_either_language_and_fallbacks(rules):
    of = rules.labels.of
    assert of("team", "rnd", "zh") == "研发组" and of("team", "rnd", "en") == "R&D"
    assert of("priority", "fatal", "zh") == "致命"
    assert of("state", "info_pending", "en") == "Information pending"
    assert of("state", "no_such_state", "en") == "no_such_state"
    assert of("team", None, "zh") == "-"


def test_a_team_without_its_own_calendar_gets_the_default(rules):
    default = rules.calendars.of(None)
    assert str(default.zone) == "Asia/Shanghai"
    assert rules.calendars.of("rnd") is default
