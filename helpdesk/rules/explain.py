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
    mail = parse_message(raw, frozenset({config.support_address.lower()}), config.default_language)
    found = read_report(rules.catalog.fields, mail)
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
        "team": decision.team,
        "level": decision.level,
        "owner": owner,
        "collaborators": decision.collaborators,
    }
