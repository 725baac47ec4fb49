"""The whole record of one ticket as plain data (what `tickets show` prints and --json gives): the
report fields with where each was read, the outcome, the ETA as planned and as it moved, a
request's development record (record_lifecycle.py), the collaborators and escalations, the thread;
every person's text masked once more on the way out."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import object_session

from helpdesk.knowledge.similar import similar_tickets
from helpdesk.mail.redact import redact_text
from helpdesk.tickets.models import Event, Ticket
from helpdesk.tickets.record_lifecycle import development_record
from helpdesk.tickets.views import ticket_detail

# Identifiers, hashes and addresses are never a person's text: masking them would break grep and
# look-ups (13812345678@163.com is an address, and the operator needs it whole).
_IDENTIFIERS = frozenset(
    {
        "message_id",
        "sha256",
        "number",
        "related",
        "id",
        "requester",
        "sender",
        "recipient",
        "recipients",
        "actor",
        "by",
    }
)


def _time(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat(timespec="seconds") if value else None


def ticket_record(ticket: Ticket, zone: ZoneInfo, patterns: tuple[re.Pattern[str], ...] = ()) -> dict:
    """Everything known about `ticket`, in the desk's `zone`, masked with redact.py (and the catalog's
    own `patterns`): the stored text already is, this keeps older rows and display names safe too."""
    record = ticket_detail(ticket, zone)
    events = list(ticket.events)
    record |= {
        "nature": ticket.nature,
        "solution": ticket.solution or None,
        "cause": _field(ticket, "cause") or _cause(events),
        "notes": [
            {"time": _time(e.at, zone), "by": e.actor, "note": e.detail.get("note", "")}
            for e in events
            if e.kind == "command_note"
        ],
        "eta": _eta(ticket, events, zone),
        "development": development_record(events, zone),
        "confirmation": ticket.confirmation,
        "satisfaction": ticket.satisfaction,
        "owner_confirmed": _time(ticket.owner_confirmed_at, zone),
        "resolved": _time(ticket.resolved_at, zone),
        "closed": _time(ticket.closed_at, zone),
        "archived": _time(ticket.archived_at, zone),
        "collaborators": _collaborators(ticket, events, zone),
        "escalations": _escalations(ticket, events, zone),
        "reopened": sum(1 for e in events if e.kind == "status_changed" and e.detail.get("to") == "reopened"),
        "similar": _similar(ticket),
    }
    return _masked(record, patterns)


def _similar(ticket: Ticket) -> list[dict]:
    """The resolved tickets most like this one, with what solved them (knowledge/similar.py)."""
    session = object_session(ticket)
    found = similar_tickets(session, ticket) if session is not None else []
    return [
        {
            "number": past.number,
            "subject": past.subject,
            "status": past.status,
            "solution": past.solution,
            "cause": past.cause or None,
            "score": past.score,
        }
        for past in found
    ]


def _field(ticket: Ticket, name: str) -> str | None:
    return next((row.value for row in ticket.fields if row.name == name), None)


def _cause(events: list[Event]) -> str | None:
    """The latest #reason that moved no ETA: the cause an engineer gave with the solution."""
    moves = {e.detail.get("reason") for e in events if e.kind == "command_eta"}
    reasons = [e.detail.get("reason") for e in events if e.kind == "command_reason"]
    return next((reason for reason in reversed(reasons) if reason and reason not in moves), None)


def _eta(ticket: Ticket, events: list[Event], zone: ZoneInfo) -> dict:
    """Planned (the first #eta and the one standing now), each move with who, when and why, and the
    actual completion (when it was resolved)."""
    moves = [
        {
            "time": _time(e.at, zone),
            "by": e.actor,
            "from": _iso(e.detail.get("from"), zone),
            "to": _iso(e.detail.get("to"), zone),
            "reason": e.detail.get("reason") or None,
            "late_notice": bool(e.detail.get("late")),
        }
        for e in events
        if e.kind == "command_eta"
    ]
    return {
        "first_planned": moves[0]["to"] if moves else _time(ticket.eta, zone),
        "planned": _time(ticket.eta, zone),
        "changes": moves,
        "actual": _time(ticket.resolved_at, zone),
    }


def _iso(value: str | None, zone: ZoneInfo) -> str | None:
    return _time(datetime.fromisoformat(value), zone) if value else None


def _collaborators(ticket: Ticket, events: list[Event], zone: ZoneInfo) -> list[dict]:
    """Each collaborator, when and by whom they were named (the rules at intake, or a #collaborators
    mail) and the time point they owe, where the naming gave one (detail 'due': {person: ISO time})."""
    named: dict[str, dict] = {}
    for event in events:
        if event.kind != "command_collaborators":
            continue
        due = event.detail.get("due") or {}
        for person in event.detail.get("collaborators", []):
            entry = named.setdefault(person, {"added": _time(event.at, zone), "by": event.actor, "due": None})
            if isinstance(due, dict) and due.get(person):
                entry["due"] = _iso(due[person], zone)
    return [
        {
            "id": person,
            **named.get(person, {"added": _time(ticket.created_at, zone), "by": "rules", "due": None}),
        }
        for person in ticket.collaborators
    ]


def _escalations(ticket: Ticket, events: list[Event], zone: ZoneInfo) -> list[dict]:
    """Every escalation: a missed deadline passed up the chain (from the clocks' events, with whether
    the person acknowledged it), or a reopened ticket handed one level up."""
    acknowledged = {
        (clock.name, person): _time(clock.acknowledged_at, zone)
        for clock in ticket.clocks
        for person in clock.escalated_to
    }
    found = []
    for event in events:
        if event.kind != "escalated":
            continue
        detail = event.detail
        if "clock" in detail:
            found.append(
                {
                    "time": _time(event.at, zone),
                    "kind": "deadline",
                    "clock": detail["clock"],
                    "level": detail.get("level"),
                    "to": detail.get("to"),
                    "acknowledged": acknowledged.get((detail["clock"], detail.get("to"))),
                }
            )
        else:
            found.append(
                {
                    "time": _time(event.at, zone),
                    "kind": "reopened",
                    "priority": detail.get("priority"),
                    "to": detail.get("owner"),
                    "from": detail.get("previous_owner"),
                }
            )
    return found


def _masked(value, patterns: tuple[re.Pattern[str], ...], key: str = ""):
    """`value` with every string that is not an identifier masked, at any depth."""
    if isinstance(value, str):
        return value if key in _IDENTIFIERS else redact_text(value, patterns).text
    if isinstance(value, dict):
        return {k: _masked(v, patterns, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, patterns, key) for v in value]
    return value
