"""Sub-categories (问题分类): catalog.yaml's per type, set at intake by their keywords, matched and set
by routing rules, and every mistake in the files found with its file and line; the record's own
fields (channel, company, category…) usable in rule conditions."""

from __future__ import annotations

import shutil

import pytest

from helpdesk.errors import ConfigError
from helpdesk.intake.on_behalf import CHANNELS as SPELLED
from helpdesk.intake.record_fields import LABELS
from helpdesk.rules.conditions import Facts
from helpdesk.rules.load import load_rules
from helpdesk.rules.record_names import CHANNELS, RECORD_FIELDS
from tests.conftest import SHIPPED_RULES
from tests.test_check import check
from tests.test_rules import NOON, mail, rules_with


def decide(rules, subject: str, body: str = "详见附件", fields: dict | None = None):
    return rules.router.decide(Facts(mail(subject=subject, body=body), fields or {}, NOON))


@pytest.fixture(scope="module")
def shipped():
    return load_rules(SHIPPED_RULES)


@pytest.mark.parametrize(
    ("subject", "body", "kind", "category", "line"),
    [
        ("系统宕机了", "全公司都用不了", "fault", "system_down", 0),
        ("ERP 报错", "第一行\n两张报表的数据不一致", "fault", "data_anomaly", 2),
        ("Outage", "The portal is unreachable since 9:00.", "fault", "system_down", 0),
        ("新功能：批量导出", "希望增加按部门批量导出", "development", "new_feature", 0),
        ("需要和财务系统接口对接", "对接方式见附件", "development", "integration", 0),
        ("Feature request", "We need a webhook integration with our CRM.", "development", "new_feature", 0),
    ],
)
def test_the_mails_keywords_set_the_category_of_its_type(shipped, subject, body, kind, category, line):
    decision = decide(shipped, subject, body)
    assert (decision.type, decision.subcategory) == (kind, category)
    assert decision.category_hit[1] == line


def test_no_keyword_and_a_type_without_categories_leave_it_unset(shipped):
    assert decide(shipped, "请问如何导出报表", "谢谢").subcategory is None  # a question has none
    # English keywords are whole words: "errors" in "terrors" is none; "down" in "download" neither
    assert decide(shipped, "Fault: the download page", "terrors").subcategory is None


def test_the_category_follows_the_type_the_rules_end_with(tmp_path):
    rules = rules_with(
        tmp_path,
        """rules:
  - name: 报错 is a fault
    when: {text_contains: [报错]}
    then: {set_type: fault}
  - name: 接口 → 开发
    when: {category: module_failure, text_contains: [接口]}
    then: {set_type: development}
""",
    )
    # a fault's module_failure by 报错; then the rule makes it development, where 接口 is integration
    decision = decide(rules, "接口报错", "")
    assert (decision.type, decision.subcategory) == ("development", "integration")


def test_a_rule_sets_the_category_by_key_or_label_and_matches_on_it(tmp_path):
    rules = rules_with(
        tmp_path,
        """rules:
  - name: faults
    then: {set_type: fault}
  - name: 对账 is a data anomaly
    when: {type: fault, text_contains: [对账]}
    then: {set_category: 数据异常}
  - name: data anomalies to the data team
    when: {category: [data_anomaly]}
    then: {add_tags: [data]}
  - name: by label too
    when: {category: Data anomaly}
    then: {add_tags: [label]}
""",
    )
    decision = decide(rules, "对账报错，系统宕机", "")  # the keywords say system_down; the rule decides
    assert decision.subcategory == "data_anomaly" and decision.category_hit is None
    assert decision.tags == ["data", "label"]
    assert decision.fired[1]["set"] == {"set_category": "data_anomaly"}


def test_a_rules_category_the_final_type_lacks_gives_way_to_the_keywords(tmp_path):
    rules = rules_with(
        tmp_path,
        """rules:
  - name: wrong order
    then: {set_category: system_down, set_type: development}
""",
    )
    decision = decide(rules, "新功能", "")
    assert (decision.type, decision.subcategory) == ("development", "new_feature")


def test_rules_match_the_channel_and_the_records_own_fields(tmp_path):
    rules = rules_with(
        tmp_path,
        """rules:
  - name: 宕机 is a fault
    when: {text_contains: [宕机]}
    then: {set_type: fault}
  - name: phone reports
    when: {channel: phone}
    then: {add_tags: [phone]}
  - name: a known company
    when: {field_matches: {company: 'ACME'}, has_fields: [channel, category]}
    then: {add_tags: [acme]}
  - name: faults start to be verified
    when: {field_matches: {judgement: pending_verification, category: system_down}}
    then: {add_tags: [judged]}
""",
    )
    fields = {"channel": "phone", "company": "ACME 有限公司"}
    assert decide(rules, "系统宕机", "", fields).tags == ["phone", "acme", "judged"]
    assert decide(rules, "系统宕机", "", {"channel": "mail"}).tags == ["judged"]
    assert decide(rules, "请问怎么导出", "", {"company": "ACME"}).tags == []  # no channel, no category


@pytest.mark.parametrize(
    ("rule", "said"),
    [
        ("when: {channel: fax}", "unknown channel fax (known: account_manager"),
        ("when: {category: crashed}", "unknown sub-category crashed (known: data_"),
        ("then: {set_category: 宕掉}", "set_category: unknown sub-category 宕掉"),
        ("when: {has_fields: [chanel]}", "unknown field chanel"),
    ],
)
def test_a_rule_naming_an_unknown_channel_or_category_fails_with_its_line(tmp_path, rule, said):
    other = "when: {type: fault}" if rule.startswith("then") else "then: {add_tags: [x]}"
    with pytest.raises(ConfigError) as caught:
        rules_with(
            tmp_path,
            f"rules:\n  - name: first\n    then: {{add_tags: [a]}}\n  - name: bad\n    {rule}\n    {other}\n",
        )
    [problem] = caught.value.problems
    assert "routing.yaml:5: rule 'bad'" in problem and said in problem  # the line of the bad part


def catalog_with(tmp_path, old: str, new: str) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, folder)
    catalog = folder / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    assert old in text
    catalog.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def line_of(folder, words: str, after: int = 0) -> int:
    lines = (folder / "catalog.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if i > after and words in line)


def test_a_sub_category_written_twice_is_an_error_at_the_second(tmp_path):
    twice = "      data_anomaly:\n        label: {zh: 数据问题, en: Data problem}\n"
    folder = catalog_with(tmp_path, "      module_failure:\n", twice + "      module_failure:\n")
    with pytest.raises(ConfigError) as caught:
        load_rules(folder)
    second = line_of(folder, "data_anomaly:", after=line_of(folder, "data_anomaly:"))
    assert f"catalog.yaml:{second}: 'data_anomaly' is written twice in one mapping" in "\n".join(
        caught.value.problems
    )


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("{zh: 数据异常, en: Data anomaly}", "{zh: 系统宕机, en: Data anomaly}", "'系统宕机' names both"),
        ("[数据异常, 数据不一致", "[数据异常, 宕机, 数据不一致", "keyword '宕机' sets both 'system_down'"),
        ("[数据异常, 数据不一致", "['', 数据不一致", "data_anomaly: an empty keyword"),
    ],
)
def test_an_ambiguous_label_or_keyword_is_an_error_with_its_line(tmp_path, old, new, said):
    folder = catalog_with(tmp_path, old, new)
    with pytest.raises(ConfigError) as caught:
        load_rules(folder)
    [problem] = caught.value.problems
    assert problem.startswith(f"{folder / 'catalog.yaml'}:{line_of(folder, new)}:") and said in problem


def test_helpdesk_check_names_the_file_and_line(tmp_path):
    folder = catalog_with(tmp_path, "[数据异常, 数据不一致", "[数据异常, 宕机, 数据不一致")
    config = tmp_path / "helpdesk.yaml"
    config.write_text("paths:\n  rules: rules\n", encoding="utf-8")
    result = check("--config", str(config))
    assert result.exit_code == 1
    assert (
        f"catalog.yaml:{line_of(folder, '宕机, 数据不一致')}: type 'fault': keyword '宕机'" in result.output
    )


def test_the_names_rules_know_cover_what_intake_records():
    assert set(LABELS) <= RECORD_FIELDS  # every record field intake reads, a rule may name
    assert set(SPELLED.values()) == CHANNELS  # every #代报 channel, a rule may match
