"""What every command handler shares: the refusal, the outcome of a mail's commands, the handler's
view of the mail (`Edit`), and reading the staff member and the moment a command names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from helpdesk.calendar import person_zone
from helpdesk.effects import Plan
from helpdesk.outbound.phrases import bilingual
from helpdesk.outbound.phrases_reasons import reason
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Person

_ETA = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?$")


class Refused(ValueError):
    """A command that cannot be carried out, with its coded reason (`phrases_reasons`)."""

    def __init__(self, code: str, **args: object) -> None:
        super().__init__(code)
        self.reason = reason(code, **args)


@dataclass
class CommandEffects:
    """What one mail's commands did: lines applied (as written, or a coded reason), (line, coded
    reason) refused, notices for the customer, and the customer's mails a command chose
    (template, extra): the first of them carries the engineer's words."""

    applied: list[str | dict] = field(default_factory=list)
    rejected: list[tuple[str | dict, dict]] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)
    mails: list[tuple[str, dict]] = field(default_factory=list)
    internal: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Edit:
    """What a command handler gets: the rules, the desk's time zone, the plan, who asked, the
    outcome so far, and the mail's Message-ID (where a field a command sets was read)."""

    rules: RuleSet
    zone: tzinfo
    plan: Plan
    person: Person
    outcome: CommandEffects
    message_id: str = ""

    @property
    def now(self) -> datetime:
        return self.plan.now

    @property
    def person_zone(self) -> tzinfo:
        """The zone the asking person writes times in (staff.yaml), not the desk's."""
        return person_zone(self.person, self.zone)

    def fill(self, name: str, value: str) -> None:
        """Record a field of the ticket's record as this mail's command set it."""
        self.plan.fill(name, value, self.message_id, 0, "command")


def staff_person(rules: RuleSet, text: str) -> Person | None:
    """The staff member `text` names, all of it: their id, e-mail or name, in any case."""
    person, rest = staff_first(rules, text.strip())
    return person if not rest else None


def staff_first(rules: RuleSet, text: str) -> tuple[Person | None, str]:
    """The staff member `text` starts with (id, address or name; the longest that fits) and the rest."""
    folded = text.casefold()
    found: tuple[int, Person] | None = None
    for person in rules.directory.people:
        for said in (person.id, person.email, person.name):
            size = len(said)
            # An id or Latin name ends at a word's end; a Chinese one may run into the date (陈杰12月10日).
            ends = not (said.isascii() and folded[size : size + 1].isalnum())
            fits = bool(said) and folded.startswith(said.casefold()) and ends
            if fits and (found is None or size > found[0]):
                found = (size, person)
    if found is None:
        return None, text
    return found[1], text[found[0] :].strip(" \t,，、")


def written_time(text: str, zone: tzinfo) -> datetime | None:
    """`2026-12-02 18:00`, or `2026-12-02` (18:00), in `zone`; None for text of another shape.
    ValueError for one of that shape that names no moment (2026-13-45, 25:00)."""
    found = _ETA.match(text.strip())
    if not found:
        return None
    year, month, day, hour, minute = (
        int(g) if g else 18 if i == 3 else 0 for i, g in enumerate(found.groups())
    )
    return datetime(year, month, day, hour, minute, tzinfo=zone)


_RELATIVE = re.compile(
    r"^(?:(?P<day>今天|明天|后天|today|tomorrow)\s*)?(?P<later>下午|晚上|pm\s*)?"
    r"(?:(?P<h>\d{1,2})(?:\s*[:：]\s*(?P<m>\d{2})|\s*点(?P<half>半)?)?)?\s*(?P<pm>pm)?$",
    re.IGNORECASE,
)
_AHEAD = {"今天": 0, "today": 0, "明天": 1, "tomorrow": 1, "后天": 2}


def due(edit: Edit, text: str) -> datetime:
    """The moment `text` names in the asking person's zone: `2026-12-02 18:00`, `2026-12-02` (18:00),
    `明天18:00`, `明天下午3点`, `tomorrow 6pm`, `17:30` (today); anything else is refused."""
    zone = edit.person_zone
    try:
        written = written_time(text, zone)
    except ValueError:
        raise Refused("unreadable", value=text) from None
    if written is not None:
        return written
    said = _RELATIVE.match(text.strip())
    if not said or not (said.group("day") or said.group("h")):
        raise Refused("unreadable", value=text)
    hour = int(said.group("h")) if said.group("h") else 18
    minute = 30 if said.group("half") else int(said.group("m") or 0)
    if (said.group("later") or said.group("pm")) and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        raise Refused("unreadable", value=text)
    day = edit.now.astimezone(zone).date() + timedelta(days=_AHEAD[(said.group("day") or "今天").lower()])
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def keyword_line(state: str, labels) -> dict[str, str]:
    """A subject keyword as the receipt names it, in each language ("[处理中]", "[In progress]")."""
    return {language: f"[{label}]" for language, label in bilingual("state", state, labels).items()}
