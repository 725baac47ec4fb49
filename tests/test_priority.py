"""Priority vocabulary: P0–P3 name each scale's priorities by rank (catalog.yaml) in mail, in
#priority and in rules: P0 is 致命 on a fault and 紧急 on a request."""

from __future__ import annotations

import pytest

from helpdesk.effects import Set
from helpdesk.errors import ConfigError
from helpdesk.intake.decide import IntakeDecider
from helpdesk.rules.conditions import Facts
from helpdesk.tickets.snapshot import Workload
from helpdesk.workflow.staff import StaffDecider
from tests.test_deciders import NOW, RULES, TRUSTED, ZONE, mail, of, ticket
from tests.test_rules import NOON, fires, rules_with
from tests.test_rules import mail as bare_mail


@pytest.mark.parametrize(
    ("word", "type_", "expected"),
    [
        ("P0", "fault", "fatal"),
        ("p1", "fault", "severe"),
        ("P3", "fault", "minor"),
        ("P0", "development", "urgent"),
        ("P2", "development", "medium"),
        ("P4", "fault", None),  # no fifth level
        ("严重", "development", "high"),  # the other scale, same rank
        ("高", "fault", "severe"),
        ("Urgent", "consultation", "urgent"),
        ("superurgent", "fault", None),
    ],
)
def test_a_priority_is_named_by_rank_label_or_name(word, type_, expected):
    assert RULES.catalog.priority_named(word, type_) == expected


@pytest.mark.parametrize(
    ("line", "type_", "expected"),
    [
        ("#priority P0", "fault", "fatal"),
        ("#优先级 p1", "fault", "severe"),
        ("#priority P0", "development", "urgent"),
        ("#紧急程度 P3", "development", "low"),
    ],
)
def test_priority_command_takes_p_levels_on_the_tickets_scale(line, type_, expected):
    view = ticket(status="in_progress", type=type_, priority="general" if type_ == "fault" else "medium")
    reply = mail("王伟 <wang.wei@example.com>", "Re: [#202612-001] 跟进", line)
    effects = StaffDecider(RULES, ZONE).staff_mail(
        view, reply, RULES.directory.person("wang.wei"), TRUSTED, NOW
    )
    assert [s.changes["priority"] for s in of(Set, effects) if "priority" in s.changes] == [expected]


@pytest.mark.parametrize(
    ("when", "priority", "type_", "expected"),
    [
        ("{priority: P0}", "fatal", "fault", True),
        ("{priority: P0}", "urgent", "development", True),
        ("{priority: [P2, P3]}", "severe", "fault", False),
        ("{priority: [P1, low]}", "low", "other", True),
    ],
)
def test_rules_read_p_levels_on_the_decisions_scale(tmp_path, when, priority, type_, expected):
    routing = (
        f"rules:\n  - name: set\n    then: {{set_type: {type_}, set_priority: {priority}}}\n"
        f"  - name: probe\n    when: {when}\n    then: {{add_tags: [hit]}}\n"
    )
    rules = rules_with(tmp_path, routing)
    assert (rules.router.decide(Facts(bare_mail(), {}, NOON)).tags == ["hit"]) is expected


def test_a_p_level_no_scale_has_fails_the_check(tmp_path):
    with pytest.raises(ConfigError, match="no scale has a level P7"):
        rules_with(tmp_path, "rules:\n  - name: x\n    when: {priority: P7}\n    then: {add_tags: [x]}\n")


@pytest.mark.parametrize(
    ("stated", "when", "expected"),
    [
        ("P1", "{stated_priority: [P0, P1]}", True),
        ("P2", "{stated_priority: [P0, P1]}", False),
        ("severe", "{stated_priority: P1}", True),  # 严重 is rank 1, as P1 is
        ("high", "{stated_priority: [severe]}", True),
        (None, "{stated_priority: P0}", False),
    ],
)
def test_the_customers_stated_priority_is_compared_by_rank(tmp_path, stated, when, expected):
    fields = {"customer_priority": stated} if stated else {}
    assert fires(tmp_path, when, bare_mail(), fields) is expected


@pytest.mark.parametrize(
    ("subject", "body", "priority"),
    [
        ("打印报错", "打印时报错，期望优先级：P1", "severe"),  # a fault the customer marks P1
        ("打印报错", "打印时报错，优先级：高", "severe"),  # our own label, read by rank
        ("打印报错", "打印时报错，期望优先级：P3", "general"),  # never lowered by the customer
        ("新功能需求", "希望增加导出功能，优先级：P0", "high"),
    ],
)
def test_a_priority_stated_in_the_mail_is_heard(subject, body, priority):
    report = mail("李雷 <li.lei@example.cn>", subject, body)
    effects = IntakeDecider(RULES, ZONE).new_ticket(ticket(), report, "<m@example.cn>", NOW, Workload())
    assert [s.changes["priority"] for s in of(Set, effects) if "priority" in s.changes] == [priority]


@pytest.mark.parametrize(
    ("type_", "level", "expected"),
    [
        ("fault", "P0", "fatal"),
        ("development", "P0", "urgent"),
        ("fault", "P3", "minor"),
        ("development", "P3", "low"),
    ],
)
def test_a_rule_sets_a_p_level_on_the_tickets_own_scale(tmp_path, type_, level, expected):
    rules = rules_with(
        tmp_path, f"rules:\n  - name: set\n    then: {{set_type: {type_}, set_priority: {level}}}\n"
    )
    assert rules.router.decide(Facts(bare_mail(), {}, NOON)).priority == expected
