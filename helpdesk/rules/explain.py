"""What the rules make of one mail, for `helpdesk rules test`: fields, missing, rules fired, outcome."""

from __future__ import annotations

from datetime import UTC, datetime

from helpdesk.config import Config
from helpdesk.intake.extract import read_report
from helpdesk.mail.parse import parse_message
from helpdesk.rules.conditions import Facts
from helpdesk.rules.ruleset import RuleSet


def explain(config: Config, rules: RuleSet, raw: bytes, now: datetime | None = None) -> dict:
    """Decide `raw` as intake would, minus the database: the owner is a rule's choice or the candidates."""
    mail = parse_message(raw, config.own_addresses(), config.default_language)
    found = read_report(rules.catalog.fields, mail, customers=rules.customers)
    local = (now or datetime.now(UTC)).astimezone(config.zone)
    decision = rules.router.decide(Facts(mail, {name: hit.value for name, hit in found.items()}, local))
    if decision.owner:
        owner = decision.owner
    elif decision.team:
        strategy = rules.directory.teams[decision.team].assignment
        candidates = ", ".join(p.id for p in rules.directory.members(decision.team, decision.level))
        owner = f"one of {candidates} ({strategy})"
    else:
        owner = None
    return {
        "subject": mail.subject,
        "from": mail.sender.email if mail.sender else None,
        "language": mail.language,
        "automatic": mail.auto_reason,
        "fields": {
            name: {
                "value": hit.value,
                "where": "attachment" if hit.source == "attachment" else f"line {hit.line}",
            }
            for name, hit in found.items()
        },
        "missing": [name for name in rules.router.required(decision) if name not in found],
        "rules": decision.fired,
        "type": decision.type,
        "priority": decision.priority,
        "category": decision.subcategory,
        "team": decision.team,
        "level": decision.level,
        "owner": owner,
        "collaborators": decision.collaborators,
    }


_WORDS = {
    "zh": {
        "machine": "机器发出的邮件（{reason}）：不会改动任何工单，也不会回复",
        "person": "人写的邮件：按下面的规则建单或回复",
        "none": "没有规则触发",
        "join": "；",
        "set_type": "需求类型设为 {}",
        "set_priority": "紧急程度设为 {}",
        "set_team": "处理组设为 {}",
        "set_owner": "负责人设为 {}",
        "assign_level": "按 {} 级别分派",
        "add_collaborators": "加协作人 {}",
        "add_tags": "加标签 {}",
        "set_subcategory": "问题分类设为 {}",
        "set_category": "问题分类设为 {}",
        "set_nature": "性质设为 {}",
    },
    "en": {
        "machine": "written by a machine ({reason}): it moves no ticket and is not answered",
        "person": "written by a person: the rules below open or answer a ticket",
        "none": "no rule fired",
        "join": "; ",
        "set_type": "type set to {}",
        "set_priority": "priority set to {}",
        "set_team": "team set to {}",
        "set_owner": "owner set to {}",
        "assign_level": "assigned at level {}",
        "add_collaborators": "collaborators added: {}",
        "add_tags": "tags added: {}",
        "set_subcategory": "sub-category set to {}",
        "set_category": "sub-category set to {}",
        "set_nature": "nature set to {}",
    },
}
_LABELLED = {"set_type": "type", "set_priority": "priority", "set_team": "team"}
_LABELLED |= {"set_category": "category", "set_subcategory": "category"}


def verdict(report: dict, language: str) -> str:
    """Whether `explain`'s mail is a machine's and why, in `language`."""
    words = _WORDS[language]
    return words["machine"].format(reason=report["automatic"]) if report["automatic"] else words["person"]


def fired_lines(rules: RuleSet, report: dict, language: str) -> list[str]:
    """Each rule that fired, with its file:line and what it set, in `language` with the rules' labels."""
    words = _WORDS[language]
    lines = []
    for fired in report["rules"]:
        changes = []
        for key, value in fired["set"].items():
            shown = ", ".join(value) if isinstance(value, list | tuple) else str(value)
            if key in _LABELLED:
                shown = rules.labels.of(_LABELLED[key], value, language)
            changes.append(words[key].format(shown) if key in words else f"{key}: {shown}")
        where = f"（{fired['source']}）：" if language == "zh" else f" ({fired['source']}): "
        lines.append(f"{fired['rule']}{where}{words['join'].join(changes)}")
    return lines or [words["none"]]
