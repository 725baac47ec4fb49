"""What a template sees of a ticket, labelled in the reader's language."""

from __future__ import annotations

from datetime import datetime, tzinfo

from helpdesk.rules.ruleset import RuleSet
from helpdesk.tickets.models import Ticket


def local_time(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def ticket_context(
    rules: RuleSet, zone: tzinfo, ticket: Ticket, fields: dict[str, str], language: str, missing: list[str]
) -> dict:
    """The ticket, its report fields and what is still missing, for a mail in `language`."""
    label = rules.labels.of
    owner = rules.directory.person(ticket.owner)
    catalog = rules.catalog.fields
    return {
        "ticket": {
            "number": ticket.number,
            "subject": ticket.subject,
            "status": label("state", ticket.status, language),
            "type": label("type", ticket.type, language),
            "priority": label("priority", ticket.priority, language),
            "team": label("team", ticket.team, language),
            "owner": owner.name if owner else "-",
            "requester": ticket.requester_email,
            "created_local": local_time(ticket.created_at, zone),
            "description": ticket.description,
            "incomplete": ticket.incomplete,
        },
        "fields": [
            {"label": catalog[n].label.get(language), "value": v} for n, v in fields.items() if n in catalog
        ],
        "missing": [
            {
                "label": catalog[n].label.get(language),
                "hint": catalog[n].hint.get(language) if catalog[n].hint else "",
            }
            for n in missing
        ],
    }


def thread_history(ticket: Ticket, zone: tzinfo) -> list[str]:
    """One line per message of the thread, for escalation mails: when, which way, who, what."""
    return [
        f"{m.created_at.astimezone(zone):%m-%d %H:%M} "
        f"{'←' if m.direction == 'in' else '→'} {m.sender}: {(m.new_text or m.text)[:120]}"
        for m in ticket.messages
    ]
