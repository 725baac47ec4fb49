"""Routing rules: every condition and action, the shipped routing, and errors with file and line."""

from __future__ import annotations

import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from helpdesk.errors import ConfigError
from helpdesk.mail.parse import parse_message
from helpdesk.rules.conditions import Facts
from helpdesk.rules.load import load_rules
from tests.conftest import SHIPPED_RULES

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)


def mail(subject="hello", body="hi", sender="li@customer.cn", headers="", attachment=None):
    raw = f"From: {sender}\nTo: support@example.com\nSubject: {subject}\n{headers}"
    if attachment:
        raw += (
            "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
            f"Content-Type: text/plain; charset=utf-8\n\n{body}\n--b\nContent-Type: image/png\n"
            f'Content-Disposition: attachment; filename="{attachment}"\n\nxx\n--b--\n'
        )
    else:
        raw += f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    return parse_message(raw.encode())


def rules_with(tmp_path, routing: str):
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    for name in ("catalog.yaml", "staff.yaml", "workflows.yaml"):
        shutil.copy(SHIPPED_RULES / name, folder / name)
    (folder / "routing.yaml").write_text(routing, encoding="utf-8")
    return load_rules(folder)


def fires(tmp_path, when: str, message, fields=None, at=NOON) -> bool:
    rules = rules_with(
        tmp_path, f"rules:\n  - name: probe\n    when: {when}\n    then: {{add_tags: [hit]}}\n"
    )
    return rules.router.decide(Facts(message, fields or {}, at)).tags == ["hit"]


@pytest.mark.parametrize(
    ("when", "message", "expected"),
    [
        ("{subject_contains: [紧急]}", mail(subject="【紧急】系统无法登录"), True),
        ("{subject_contains: [URGENT]}", mail(subject="ｕｒｇｅｎｔ: login"), True),  # full-width, any case
        ("{body_contains: [down]}", mail(body="the download page"), False),  # whole English words
        ("{body_contains: [宕机]}", mail(body="服务器宕机了"), True),
        ("{text_contains: [outage]}", mail(subject="Outage", body="x"), True),
        ("{subject_matches: 'order \\d{6}'}", mail(subject="Order 123456 stuck"), True),
        ("{body_matches: '^ERR-\\d+'}", mail(body="see below\nERR-42 happened"), True),
        ("{from: '*@customer.cn'}", mail(), True),
        ("{from: [boss@customer.cn]}", mail(), False),
        ("{from_domain: customer.cn}", mail(sender="a@mail.customer.cn"), True),
        ("{from_domain: customer.cn}", mail(sender="a@notcustomer.cn"), False),
        ("{to: ['support@*']}", mail(), True),
        ("{header: {X-Priority: '^1'}}", mail(headers="X-Priority: 1 (Highest)\n"), True),
        ("{header: {X-Priority: '^1'}}", mail(), False),
        ("{language: zh}", mail(body="系统无法登录"), True),
        ("{language: [en]}", mail(body="系统无法登录"), False),
        ("{has_attachment: true}", mail(attachment="screen.png"), True),
        ("{has_attachment: ['*.log']}", mail(attachment="screen.png"), False),
        ("{type: other}", mail(), True),
        ("{priority: [medium]}", mail(), True),
        ("{any: [{from: x@y.z}, {subject_contains: hello}]}", mail(), True),
        ("{not: {subject_contains: hello}}", mail(), False),
    ],
)
def test_condition(tmp_path, when, message, expected):
    assert fires(tmp_path, when, message) is expected


def test_field_conditions(tmp_path):
    message = mail()
    assert fires(tmp_path, "{has_fields: [system_version]}", message, {"system_version": "3.2.1"})
    assert not fires(tmp_path, "{has_fields: [system_version]}", message)
    assert fires(tmp_path, "{field_matches: {system_version: '^3\\.'}}", message, {"system_version": "3.2.1"})


def test_time_between_wraps_midnight(tmp_path):
    night = datetime(2026, 11, 23, 23, 30, tzinfo=SHANGHAI)
    assert fires(tmp_path, "{time_between: '18:00-08:30'}", mail(), at=night)
    assert not fires(tmp_path, "{time_between: '18:00-08:30'}", mail(), at=NOON)
    assert fires(tmp_path, "{time_between: '09:00-18:00'}", mail(), at=NOON)


def test_actions_and_priority_scales(tmp_path):
    rules = rules_with(
        tmp_path,
        """rules:
  - name: all of them
    then:
      set_type: fault
      set_priority: high
      raise_priority: 1
      set_subcategory: 系统宕机
      set_nature: environment
      set_team: operations
      set_owner: wang.wei
      assign_level: senior
      add_collaborators: [chen.jie, li.na]
      add_tags: [vip]
      require_fields: [system_version]
""",
    )
    decision = rules.router.decide(Facts(mail(), {}, NOON))
    # 'high' is on the urgency scale; a fault reads it as the same rank on severity (severe),
    # then one level up is fatal.
    assert (decision.type, decision.priority) == ("fault", "fatal")
    # a sub-category named by its label is kept by its key (catalog.yaml)
    assert (decision.subcategory, decision.nature, decision.team) == (
        "system_down",
        "environment",
        "operations",
    )
    assert (decision.owner, decision.level) == ("wang.wei", "senior")
    assert decision.collaborators == ["chen.jie", "li.na"] and decision.tags == ["vip"]
    assert rules.router.required(decision) == ["system_version"]
    assert decision.fired[0]["rule"] == "all of them" and decision.fired[0]["source"] == "routing.yaml:2"


def test_stop_ends_the_run(tmp_path):
    rules = rules_with(
        tmp_path,
        "rules:\n  - {name: a, then: {add_tags: [a]}, stop: true}\n  - {name: b, then: {add_tags: [b]}}\n",
    )
    assert rules.router.decide(Facts(mail(), {}, NOON)).tags == ["a"]


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("系统宕机", "今天早上开始所有用户无法登录", ("fault", "fatal", "operations", "senior", None)),
        ("紧急：无法登录", "提示“验证码错误”", ("fault", "severe", "operations", "senior", None)),
        ("打印报错", "打印时提示“队列已满”", ("fault", "general", "operations", "junior", None)),
        ("Export fails", "Error 500 when exporting", ("fault", "general", "operations", "junior", None)),
        ("新功能需求", "希望增加凭证批量导出的新功能", ("development", "medium", "rnd", None, "sun.li")),
        ("申请权限", "请为我开通财务系统的审批权限", ("permission", "medium", "operations", "junior", None)),
        ("请问", "请问如何修改密码", ("consultation", "medium", "product", None, None)),
        (
            "Question",
            "How do I change my password? It is urgent",
            ("consultation", "high", "product", None, None),
        ),
    ],
)
def test_shipped_routing(subject, body, expected):
    rules = load_rules(SHIPPED_RULES)
    decision = rules.router.decide(Facts(mail(subject=subject, body=body), {}, NOON))
    assert (decision.type, decision.priority, decision.team, decision.level, decision.owner) == expected
    assert decision.fired


BROKEN = [
    (
        "rules:\n  - name: x\n    when: {subjekt_contains: [a]}\n    then: {add_tags: [t]}\n",
        3,
        "unknown condition 'subjekt_contains'",
    ),
    ("rules:\n  - name: x\n    then: {set_team: sales}\n", 3, "unknown team sales"),
    ("rules:\n  - name: x\n    then: {set_owner: nobody}\n", 3, "unknown person nobody"),
    ("rules:\n  - name: x\n    then: {set_priority: p9}\n", 3, "no scale has a level p9"),
    (
        "rules:\n  - name: x\n    when: {has_fields: [colour]}\n    then: {add_tags: [t]}\n",
        3,
        "unknown field colour",
    ),
    (
        "rules:\n  - name: x\n    when: {body_matches: '(unclosed'}\n    then: {add_tags: [t]}\n",
        3,
        "bad regular expression",
    ),
    ("rules:\n  - name: x\n    then: {sett_type: fault}\n", 3, "unknown action 'sett_type'"),
    ("rules:\n  - name: x\n    when: {type: fault}\n", 2, "then: Field required"),
    (
        "rules:\n  - name: x\n    then: {add_tags: [t]}\n    stopp: true\n",
        4,
        "stopp: Extra inputs are not permitted",
    ),
    ("rules:\n  - name: x\n    then: {add_tags: [t]\n", 4, ""),  # YAML syntax
    (
        "rules:\n  - name: x\n    when: {time_between: '25:00-08:00'}\n    then: {add_tags: [t]}\n",
        3,
        "not a time of day",
    ),
]


@pytest.mark.parametrize(("routing", "line", "message"), BROKEN)
def test_broken_rule_file_names_file_and_line(tmp_path, routing, line, message):
    with pytest.raises(ConfigError) as caught:
        rules_with(tmp_path, routing)
    [problem] = caught.value.problems
    assert problem.startswith(f"{tmp_path / 'rules' / 'routing.yaml'}:{line}:"), problem
    assert message in problem


def test_broken_staff_and_catalog(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, folder)
    staff = (folder / "staff.yaml").read_text(encoding="utf-8")
    staff = staff.replace("team: rnd, level: senior", "team: rnd2, level: senior")
    staff = staff.replace("reports_to: zhao.lei}\n  - {id: sun.li", "reports_to: zhao.leii}\n  - {id: sun.li")
    (folder / "staff.yaml").write_text(staff, encoding="utf-8")
    catalog = (folder / "catalog.yaml").read_text(encoding="utf-8")
    (folder / "catalog.yaml").write_text(
        catalog.replace("required: [scenario, expected]", "required: [scenario, expectd]")
    )
    with pytest.raises(ConfigError) as caught:
        load_rules(folder)
    problems = "\n".join(caught.value.problems)
    assert f"{folder / 'staff.yaml'}:9: chen.jie: unknown team 'rnd2'" in problems
    assert f"{folder / 'staff.yaml'}:10: emma.brown: reports to unknown person 'zhao.leii'" in problems
    assert f"{folder / 'catalog.yaml'}:" in problems and "unknown required field 'expectd'" in problems
