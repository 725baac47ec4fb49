"""What a template sees of a ticket, labelled in the reader's language: names for ids, dates for
relative times, sla.yaml's durations in words, and the wording for the ticket's type and stage."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from functools import cached_property

from sqlalchemy.orm import Session, object_session

from helpdesk.knowledge.entry import masked
from helpdesk.knowledge.similar import similar_tickets
from helpdesk.outbound import phrases
from helpdesk.outbound.attach import CustomerFiles
from helpdesk.outbound.phrases_dates import resolve
from helpdesk.rules.ruleset import RuleSet
from helpdesk.sla.deadlines import clock_length
from helpdesk.tickets.models import Ticket
from helpdesk.workflow.stable import stable_period

EXCERPT = 120  # characters of each message in an escalation's history


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
            "state": ticket.status,
            "type": label("type", ticket.type, language),
            "kind": ticket.type or "",
            "priority": label("priority", ticket.priority, language),
            "team": label("team", ticket.team, language),
            "owner": owner.name if owner else phrases.UNASSIGNED[language],
            "collaborators": [
                person.name for person in map(rules.directory.person, ticket.collaborators or []) if person
            ],
            "requester": requester(ticket, language),
            "created_local": local_time(ticket.created_at, zone),
            "description": ticket.description,
            "incomplete": ticket.incomplete,
        },
        "fields": [
            {"label": catalog[n].label.get(language), "value": _shown(rules, ticket, zone, n, v, language)}
            for n, v in fields.items()
            if n in catalog
        ],
        "missing": [
            {
                "label": catalog[n].label.get(language),
                "hint": catalog[n].hint.get(language) if catalog[n].hint else "",
            }
            for n in missing
        ],
        "people": people(rules, ticket),
        "durations": durations(rules, ticket, language),
        "next_update": next_update(rules, ticket, language),
        "resolved": phrases.resolved_words(ticket.type, language),
        "news": phrases.stage_news(ticket.status, language, ticket.type),
        "confirm": confirmation(rules, ticket, zone, language),
        "stable": stable(rules, ticket, zone, language),
        "cause": "",
        "moved": False,
        "similar": SimilarPast(rules, ticket),
        "customer_files": CustomerFiles(ticket, language),
    }


class SimilarPast(Sequence):
    """Up to three resolved tickets like this one, each {number, subject, solution} (masked, the
    solution shortened on a word boundary), for the engineer to start from the last answer.

    Looked up in the ticket's own session (the mail's transaction; read-only) only when a template
    shows them, so the mails that do not (most) cost no search; a ticket in no session has none."""

    def __init__(self, rules: RuleSet, ticket: Ticket) -> None:
        self._rules, self._ticket = rules, ticket

    @cached_property
    def _items(self) -> list[dict[str, str]]:
        session = object_session(self._ticket)
        if session is None:
            return []
        # Only other tickets, resolved or closed, are searched: the mail's unwritten rows (this
        # ticket's) cannot change the answer, so they are not flushed for it.
        with session.no_autoflush:
            return self._found(session)

    def _found(self, session: Session) -> list[dict[str, str]]:
        return [
            {
                "number": past.number,
                "subject": masked(self._rules, past.subject),
                "solution": excerpt(masked(self._rules, past.solution)),
            }
            for past in similar_tickets(session, self._ticket)
        ]

    def __getitem__(self, index):
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)


def requester(ticket: Ticket, language: str) -> str:
    """The customer as staff read them: the name, with the address to write to."""
    if not ticket.requester_name.strip():
        return ticket.requester_email
    return (
        f"{ticket.requester_name}（{ticket.requester_email}）"
        if language == "zh"
        else f"{ticket.requester_name} ({ticket.requester_email})"
    )


def people(rules: RuleSet, ticket: Ticket) -> dict[str, str]:
    """Addresses to the names shown for them: the customer and every staff member."""
    names = {p.email.lower(): p.name for p in rules.directory.people}
    if ticket.requester_name.strip():
        names[ticket.requester_email.lower()] = ticket.requester_name.strip()
    return names


def durations(rules: RuleSet, ticket: Ticket, language: str) -> dict[str, str]:
    """Each clock sla.yaml gives this ticket, its length in words ("owner_confirmation": "1小时")."""
    found = {}
    for name in rules.sla.clocks:
        length = clock_length(rules.sla, name, ticket.requester_email, ticket.priority, ticket.type)
        if length is not None:
            found[name] = phrases.duration(length, language)
    return found


def next_update(rules: RuleSet, ticket: Ticket, language: str) -> str:
    """When the customer hears from us next at the priority's cadence ("30分钟后", "in 2 hours")."""
    settings = rules.sla.progress
    cadence = settings.every.get(ticket.priority or "") or settings.every.get("default")
    if not cadence:
        return ""
    if cadence == "daily":
        return phrases.NEXT_UPDATE_DAILY[language].format(at=settings.daily_at)
    return phrases.NEXT_UPDATE_IN[language].format(duration=phrases.duration(cadence, language))


def confirmation(rules: RuleSet, ticket: Ticket, zone: tzinfo, language: str) -> dict:
    """How long the customer has to answer before the ticket closes as confirmed, and by when."""
    timing = rules.workflows.confirmation
    asked, resolved = ticket.confirmation_asked_at, ticket.resolved_at
    if resolved is not None and (asked is None or asked < resolved):
        asked = resolved
    closes_at = asked + timedelta(hours=timing.close_after_hours) if asked else None
    return {
        "closes": timing.close_without_answer,
        "within": phrases.hours(timing.close_after_hours, language),
        "after_reminder": phrases.hours(
            max(0, timing.close_after_hours - timing.remind_after_hours), language
        ),
        "by": local_time(closes_at, zone),
    }


def stable(rules: RuleSet, ticket: Ticket, zone: tzinfo, language: str) -> dict:
    """A released request's stable period in words, and when it closes as 已闭环 if nothing comes up."""
    period = stable_period(rules.sla, ticket.type)
    return {
        "within": phrases.duration(period, language) if period else "",
        "by": local_time(ticket.stable_until, zone),
    }


def _shown(rules: RuleSet, ticket: Ticket, zone: tzinfo, name: str, value: str, language: str) -> str:
    """A field's value as staff read it: a relative time also as the date it means."""
    if rules.catalog.fields[name].kind != "datetime":
        return value
    row = next((f for f in ticket.fields if f.name == name), None)
    message = next((m for m in ticket.messages if row and m.message_id == row.message_id), None)
    written = (message.created_at if message else None) or ticket.created_at
    date = resolve(value, written.astimezone(zone)) if written else None
    if not date:
        return value
    said = phrases.label("as_written", language)
    return f"{date}（{said}：{value}）" if language == "zh" else f"{date} ({said}: {value})"


def thread_history(ticket: Ticket, zone: tzinfo) -> list[dict]:
    """The people's messages of the thread, for escalation mails: when, who (an address; the
    template's `said` filter names them from `people`), and their new words shortened on a word boundary.
    The report itself (the description beside it), our own mails and robots' are left out: they
    only repeat what the mail already says."""
    said = [m for m in ticket.messages if m.direction == "in" and not m.auto_reason]
    return [
        {
            "when": f"{m.created_at.astimezone(zone):%m-%d %H:%M}",
            "who": m.sender.lower(),
            "words": excerpt(m.new_text or m.text),
        }
        for m in said[1:]
        if (m.new_text or m.text).strip()
    ]


# Where a message may be cut: a space, Chinese punctuation, or Latin punctuation before a space
# (so "li.lei@example.cn" and "3.2.1" are never cut inside).
_BREAK = re.compile(r"\s|[，。；！？、）]|[,.;!?)](?=\s)")


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """`text` on one line, cut to about `limit` characters where a word or clause ends, with "…"."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    ends = [m.end() for m in _BREAK.finditer(flat, 0, limit) if m.end() > limit // 2]
    if ends:
        cut = flat[: ends[-1]]
    else:  # no break late enough: a Chinese run may end anywhere, a Latin word or address may not
        cut = flat[:limit]
        while len(cut) > limit // 2 and _latin(cut[-1]) and _latin(flat[len(cut)]):
            cut = cut[:-1]
    return cut.rstrip(" ，,、;；") + "…"


def _latin(char: str) -> bool:
    return char.isascii() and not char.isspace()
