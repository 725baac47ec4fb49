"""A closed ticket's knowledge entry: problem, symptoms, cause, solution, review, product, version, feedback.

Built from the ticket's stored text, which is masked already (the pipeline masks each mail before
anything is derived from it); masked here again with the rules' own patterns, so an entry never
holds an ID number, a card number or a password even if a field reached the ticket another way.
"""

from __future__ import annotations

from datetime import datetime

from helpdesk.mail.redact import redact_text
from helpdesk.rules.ruleset import RuleSet
from helpdesk.tickets.models import Ticket

# An entry's texts: what went wrong, why, what fixed it, what was learnt, where.
TEXTS = ("problem", "symptoms", "cause", "solution", "review", "product", "version")


def masked(rules: RuleSet, text: str | None) -> str:
    return redact_text(text or "", rules.sensitive).text


def _fields_of_kind(rules: RuleSet, ticket: Ticket, kinds: tuple[str, ...]) -> list[str]:
    """The ticket's report fields whose catalog kind is one of `kinds`, as 'label: value' lines."""
    lines = []
    for row in ticket.fields:
        definition = rules.catalog.fields.get(row.name)
        if definition is not None and definition.kind in kinds and row.value.strip():
            lines.append(f"{definition.label.get(ticket.language)}: {row.value.strip()}")
    return lines


def _field(ticket: Ticket, name: str) -> str:
    return next((row.value.strip() for row in ticket.fields if row.name == name), "")


def attachments(ticket: Ticket, rules: RuleSet) -> list[dict]:
    """Every attachment of the thread, with the blob it is stored under and the mail it came in."""
    return [
        {
            "name": masked(rules, item.filename),
            "type": item.content_type,
            "size": item.size,
            "sha256": item.sha256,
            "message_id": message.message_id,
        }
        for message in ticket.messages
        for item in message.attachments
    ]


def notes(ticket: Ticket) -> list[str]:
    """The engineers' internal notes (#note): the analysis behind the solution. The review (复盘)
    is what was learnt after it, kept apart (the `review` field, entry column)."""
    return [e.detail["note"] for e in ticket.events if e.kind == "command_note" and e.detail.get("note")]


def entry_values(ticket: Ticket, rules: RuleSet, now: datetime) -> dict:
    """The knowledge entry's columns for `ticket`, masked."""
    versions = [line.split(": ", 1)[1] for line in _fields_of_kind(rules, ticket, ("version",))]
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "problem": masked(rules, "\n".join(p for p in (ticket.subject, ticket.description) if p)),
        "symptoms": masked(rules, "\n".join(_fields_of_kind(rules, ticket, ("error", "steps")))),
        "cause": masked(rules, "\n".join(filter(None, [_field(ticket, "cause"), *notes(ticket)]))),
        "solution": masked(rules, ticket.solution),
        "review": masked(rules, _field(ticket, "review")) or None,
        "type": ticket.type,
        "subcategory": ticket.subcategory,
        # The system the customer named; a sub-category is a kind of problem, not a product.
        "product": masked(rules, _field(ticket, "system")),
        "version": masked(rules, ", ".join(versions)),
        "tags": list(ticket.tags or []),
        "confirmation": ticket.confirmation,
        "satisfaction": ticket.satisfaction,
        "attachments": attachments(ticket, rules),
        "language": ticket.language,
        "archived_at": ticket.archived_at or now,
    }


def entry_text(values: dict) -> str:
    """The searchable body of an entry's values: what went wrong, why, what fixed it, where."""
    parts = [values[name] for name in TEXTS]
    return "\n".join(p for p in [*parts, " ".join(values["tags"])] if p)
