"""What each engineer command does to a ticket, or why it is refused."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from helpdesk.rules.schema import Duration, Person
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.repository import Repository
from helpdesk.workflow.commands import COMMANDS, Command

if TYPE_CHECKING:
    from helpdesk.workflow.service import Workflow

_ETA = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?$")


@dataclass
class CommandEffects:
    """What one mail's commands did: lines applied, (line, why) refused, notices for the customer."""

    applied: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)
    internal: bool = False
    reason: str = ""


def apply_command(
    flow: Workflow,
    repo: Repository,
    ticket: Ticket,
    command: Command,
    person: Person,
    now: datetime,
    effects: CommandEffects,
) -> None:
    """Apply one command line, recording the outcome in `effects` and an event on the ticket."""
    if command.name is None:
        known = ", ".join(f"#{name}" for name in COMMANDS)
        effects.rejected.append((command.line, f"unknown command (known: {known})"))
        return
    try:
        detail = HANDLERS[command.name](flow, repo, ticket, command.arg, person, now, effects)
    except ValueError as exc:
        effects.rejected.append((command.line, str(exc)))
        return
    effects.applied.append(command.line)
    repo.add_event(ticket, now, person.email, f"command_{command.name}", detail, reason=command.line)


def _priority(flow: Workflow, repo, ticket: Ticket, arg: str, person, now, effects) -> dict:
    rules = flow.rules
    wanted = arg.strip().lower()
    names = {name: name for name in rules.catalog.priorities}
    names |= {label.zh: name for name, label in rules.catalog.priorities.items()}
    names |= {label.en.lower(): name for name, label in rules.catalog.priorities.items()}
    if wanted not in names:
        raise ValueError(f"unknown priority {arg!r} (known: {', '.join(rules.catalog.priorities)})")
    scale = rules.names.scale_of(ticket.type or "")
    chosen = names[wanted]
    if chosen not in scale:  # the other vocabulary: same rank on this type's scale
        other = next(s for s in rules.catalog.scales.values() if chosen in s)
        chosen = scale[min(other.index(chosen), len(scale) - 1)]
    old, ticket.priority = ticket.priority, chosen
    flow.clocks.recompute(repo, ticket)
    return {"from": old, "to": chosen}


def _assign(flow: Workflow, repo, ticket: Ticket, arg: str, person, now, effects) -> dict:
    wanted = arg.strip().lower()
    target = next(
        (p for p in flow.rules.directory.people if wanted in (p.id.lower(), p.email.lower(), p.name.lower())),
        None,
    )
    if target is None:
        raise ValueError(f"nobody called {arg!r} in staff.yaml")
    old, ticket.owner, ticket.owner_confirmed_at = ticket.owner, target.id, None
    flow.intake.tell_person(repo, ticket, target, "assignment")
    return {"from": old, "to": target.id}


def _eta(flow: Workflow, repo, ticket: Ticket, arg: str, person, now, effects) -> dict:
    found = _ETA.match(arg.strip())
    if not found:
        raise ValueError("write the time as YYYY-MM-DD HH:MM")
    year, month, day, hour, minute = (
        int(g) if g else 18 if i == 3 else 0 for i, g in enumerate(found.groups())
    )
    eta = datetime(year, month, day, hour, minute, tzinfo=flow.config.zone)
    moving = ticket.eta is not None and ticket.eta != eta
    if moving and not effects.reason:
        raise ValueError("moving the ETA needs the reason on a #reason line above it")
    old, ticket.eta = ticket.eta, eta
    late = False
    if moving:
        effects.notices.append(("eta", effects.reason))
        late = _short_notice(flow, ticket, old, now)
        if late:
            effects.rejected.append(
                (
                    f"#eta {arg.strip()}",
                    f"applied, but flagged late: less than {flow.rules.sla.eta_notice} before the old ETA",
                )
            )
    return {
        "from": old.isoformat() if old else None,
        "to": eta.isoformat(),
        "reason": effects.reason,
        "late": late,
    }


def _short_notice(flow: Workflow, ticket: Ticket, old: datetime, now: datetime) -> bool:
    """Whether an ETA moves with less notice than sla.yaml's eta_notice before the old one."""
    notice = Duration.parse(flow.rules.sla.eta_notice)
    if notice.working:
        calendar = flow.rules.calendars.of(ticket.team)
        needed = calendar.day_length * notice.amount if notice.unit == "bd" else notice.calendar_delta()
        return calendar.working_time(now, old) < needed
    return old - now < notice.calendar_delta()


def _reason(flow: Workflow, repo, ticket: Ticket, arg: str, person, now, effects) -> dict:
    if not arg.strip():
        raise ValueError("#reason needs the reason after it")
    effects.reason = arg.strip()
    return {"reason": effects.reason}


def _solution(flow: Workflow, repo, ticket: Ticket, arg: str, person, now, effects) -> dict:
    if not arg.strip():
        raise ValueError("#solution needs the solution after it or below it")
    ticket.solution = arg.strip()
    return {"solution": ticket.solution}


def _note(flow: Workflow, repo, ticket: Ticket, arg: str, person, now, effects) -> dict:
    effects.internal = True  # this mail's words stay inside: nothing is relayed to the customer
    return {"note": arg.strip(), "internal": True}


def _type(flow: Workflow, repo, ticket: Ticket, arg: str, person, now, effects) -> dict:
    rules = flow.rules
    wanted = arg.strip().lower()
    names = {name: name for name in rules.catalog.types}
    names |= {t.label.zh: name for name, t in rules.catalog.types.items()}
    names |= {t.label.en.lower(): name for name, t in rules.catalog.types.items()}
    if wanted not in names:
        raise ValueError(f"unknown type {arg!r} (known: {', '.join(rules.catalog.types)})")
    old, ticket.type = ticket.type, names[wanted]
    scale = rules.names.scale_of(ticket.type)
    if ticket.priority not in scale:
        ticket.priority = rules.catalog.types[ticket.type].default_priority
    return {"from": old, "to": ticket.type}


def _collaborators(flow: Workflow, repo, ticket: Ticket, arg: str, person, now, effects) -> dict:
    wanted = [w for w in re.split(r"[\s,，、;；]+", arg.strip()) if w]
    people = {p.id.lower(): p.id for p in flow.rules.directory.people}
    people |= {p.email.lower(): p.id for p in flow.rules.directory.people}
    unknown = [w for w in wanted if w.lower() not in people]
    if not wanted or unknown:
        raise ValueError(f"not in staff.yaml: {', '.join(unknown) or '(nobody named)'}")
    ticket.collaborators = sorted({*ticket.collaborators, *(people[w.lower()] for w in wanted)})
    return {"collaborators": ticket.collaborators}


HANDLERS = {
    "priority": _priority,
    "assign": _assign,
    "eta": _eta,
    "reason": _reason,
    "solution": _solution,
    "note": _note,
    "type": _type,
    "collaborators": _collaborators,
}
