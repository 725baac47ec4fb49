"""What each engineer command does to a ticket, or why it is refused: pure, over a Plan."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from helpdesk.calendar import person_zone
from helpdesk.effects import Notify, StopClock
from helpdesk.outbound.phrases import bilingual, duration
from helpdesk.outbound.phrases_reasons import reason
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Duration, Person
from helpdesk.workflow.commands import Command
from helpdesk.workflow.editing import Edit, Refused, due, staff_person, written_time
from helpdesk.workflow.edits_record import category, judgement, retyped
from helpdesk.workflow.lifecycle import LIFECYCLE


def apply_command(edit: Edit, command: Command) -> None:
    """Plan one command line, recording the outcome in `edit.outcome` and an event on the ticket."""
    if command.name is None:
        edit.outcome.rejected.append((command.line, reason("unknown_command")))
        return
    try:
        detail = HANDLERS[command.name](edit, command.arg)
    except Refused as refused:
        edit.outcome.rejected.append((command.line, refused.reason))
        return
    except ValueError:  # a value no handler foresaw: refused, never raised out of a mail
        edit.outcome.rejected.append((command.line, reason("unreadable", value=command.arg)))
        return
    edit.outcome.applied.append(command.line)
    edit.plan.record(edit.person.email, f"command_{command.name}", detail, reason=command.line)


def _priority(edit: Edit, arg: str) -> dict:
    rules = edit.rules
    wanted = arg.strip().lower()
    names = {name: name for name in rules.catalog.priorities}
    names |= {label.zh: name for name, label in rules.catalog.priorities.items()}
    names |= {label.en.lower(): name for name, label in rules.catalog.priorities.items()}
    names |= {f"p{rank}": name for rank, name in enumerate(rules.names.scale_of(edit.plan.view.type or ""))}
    if wanted not in names:
        known = [bilingual("priority", name, rules.labels) for name in rules.catalog.priorities]
        raise Refused("unknown_priority", value=arg.strip(), known=known)
    view = edit.plan.view
    scale = rules.names.scale_of(view.type or "")
    chosen = names[wanted]
    if chosen not in scale:  # the other vocabulary: same rank on this type's scale
        other = next(s for s in rules.catalog.scales.values() if chosen in s)
        chosen = scale[min(other.index(chosen), len(scale) - 1)]
    old = view.priority
    edit.plan.set(priority=chosen)
    return {"from": old, "to": chosen}


def _assign(edit: Edit, arg: str) -> dict:
    target = staff_person(edit.rules, arg)
    if target is None:
        raise Refused("unknown_person", value=arg.strip())
    old = edit.plan.view.owner
    edit.plan.set(owner=target.id, owner_confirmed_at=None)
    edit.plan.add(Notify("assignment", person=target.id))
    return {"from": old, "to": target.id}


def _eta(edit: Edit, arg: str) -> dict:
    try:
        eta = written_time(arg, edit.person_zone)
    except ValueError:  # 2026-13-45, 25:00: the shape is right, the date is not
        raise Refused("eta_format") from None
    if eta is None:
        raise Refused("eta_format")
    old = edit.plan.view.eta
    moving = old is not None and old != eta
    outcome = edit.outcome
    if moving and not outcome.reason:
        raise Refused("eta_needs_reason")
    edit.plan.set(eta=eta)
    late = False
    if moving:
        outcome.notices.append(("eta", outcome.reason))
        late = _short_notice(edit, old, edit.now)
        if late:
            notice = {language: duration(edit.rules.sla.eta_notice, language) for language in ("zh", "en")}
            outcome.rejected.append((f"#eta {arg.strip()}", reason("eta_late", notice=notice)))
    return {
        "from": old.isoformat() if old else None,
        "to": eta.isoformat(),
        "reason": outcome.reason,
        "late": late,
    }


def _short_notice(edit: Edit, old: datetime, now: datetime) -> bool:
    """Whether an ETA moves with less notice than sla.yaml's eta_notice before the old one."""
    notice = Duration.parse(edit.rules.sla.eta_notice)
    if notice.working:
        calendar = edit.rules.calendars.of(edit.plan.view.team)
        needed = calendar.day_length * notice.amount if notice.unit == "bd" else notice.calendar_delta()
        return calendar.working_time(now, old) < needed
    return old - now < notice.calendar_delta()


def _reason(edit: Edit, arg: str) -> dict:
    if not arg.strip():
        raise Refused("reason_empty")
    edit.outcome.reason = arg.strip()
    return {"reason": edit.outcome.reason}


def _solution(edit: Edit, arg: str) -> dict:
    if not arg.strip():
        raise Refused("solution_empty")
    edit.plan.set(solution=arg.strip())
    return {"solution": arg.strip()}


def _note(edit: Edit, arg: str) -> dict:
    edit.outcome.internal = True  # this mail's words stay inside: nothing is relayed to the customer
    return {"note": arg.strip(), "internal": True}


def _type(edit: Edit, arg: str) -> dict:
    rules = edit.rules
    wanted = arg.strip().lower()
    names = {name: name for name in rules.catalog.types}
    names |= {t.label.zh: name for name, t in rules.catalog.types.items()}
    names |= {t.label.en.lower(): name for name, t in rules.catalog.types.items()}
    if wanted not in names:
        known = [bilingual("type", name, rules.labels) for name in rules.catalog.types]
        raise Refused("unknown_type", value=arg.strip(), known=known)
    old, chosen = edit.plan.view.type, names[wanted]
    if edit.plan.view.priority in rules.names.scale_of(chosen):
        edit.plan.set(type=chosen)
    else:
        edit.plan.set(type=chosen, priority=rules.catalog.types[chosen].default_priority)
    if chosen != old:
        retyped(edit)
    return {"from": old, "to": chosen}


def _collaborators(edit: Edit, arg: str) -> dict:
    """`#collaborators li.na 2026-12-02 18:00, chen.jie` / `#协作 李娜 明天18:00、陈杰`: each person
    (id, e-mail or name) may be followed by the time point they owe; each named is mailed."""
    named = _named(edit, arg)
    collaborators = sorted({*edit.plan.view.collaborators, *named})
    edit.plan.set(collaborators=tuple(collaborators))
    due = {}
    for person_id, when in named.items():
        person = edit.rules.directory.person(person_id)
        extra = {"asked_by": edit.person.name, "due": ""}
        if when is not None:
            due[person_id] = when.isoformat()
            local = when.astimezone(person_zone(person, edit.zone)) if person else when
            extra["due"] = f"{local:%Y-%m-%d %H:%M}"
        edit.plan.add(Notify("collaboration", person=person_id, extra=extra))
    return {"collaborators": collaborators, "due": due}


def _named(edit: Edit, arg: str) -> dict[str, datetime | None]:
    """Each person the argument names, with the time after their name (None when there is none)."""
    said: dict[str, list[str]] = {}
    unknown: list[str] = []
    current = None
    for word in (w for w in re.split(r"[\s,，、;；]+", arg.strip()) if w):
        person = staff_person(edit.rules, word)
        if person is not None:
            current = person.id
            said[current] = []
        elif current is None or (not any(c.isdigit() for c in word) and not _DAY_WORD.fullmatch(word)):
            unknown.append(word)
        else:
            said[current].append(word)
    if unknown:
        raise Refused("unknown_people", names=unknown)
    if not said:
        raise Refused("nobody_named")
    return {person: due(edit, " ".join(words)) if words else None for person, words in said.items()}


_DAY_WORD = re.compile(r"今天|明天|后天|today|tomorrow|下午|晚上|pm", re.IGNORECASE)


def technical_lead(rules: RuleSet, view) -> Person | None:
    """Who approves the ticket's solution: the team's manager, else the person its owner reports to."""
    return rules.directory.manager_of(view.team, rules.directory.person(view.owner))


def _decision(edit: Edit) -> Person:
    """The lead deciding on a solution that awaits approval; anyone else is refused."""
    edit.outcome.internal = True  # a verdict is between staff: none of this mail reaches the customer
    view = edit.plan.view
    if view.status != "awaiting_approval":
        raise Refused("nothing_to_approve", state=bilingual("state", view.status, edit.rules.labels))
    lead = technical_lead(edit.rules, view)
    if lead is None or lead.id != edit.person.id:
        raise Refused("not_the_lead", name=lead.name if lead else "—")
    return lead


def _approve(edit: Edit, arg: str) -> dict:
    _decision(edit)
    plan = edit.plan
    plan.state("resolved", edit.person.email, "solution approved by the technical lead")
    plan.add(
        Notify(
            "resolution", extra={"moved": True, "eta_reason": "", "cause": plan.view.fields.get("cause", "")}
        ),
        StopClock("first_response"),
    )
    if plan.view.owner and plan.view.owner != edit.person.id:  # the owner hears the verdict too
        extra = {"approved": True, "why": "", "asked_by": edit.person.name}
        plan.add(Notify("approval_request", person=plan.view.owner, extra=extra))
    return {"approved_by": edit.person.id, "solution": plan.view.solution}


def _reject(edit: Edit, arg: str) -> dict:
    _decision(edit)
    if not arg.strip():
        raise Refused("reject_needs_reason")
    plan = edit.plan
    back = edit.rules.workflows.of(plan.view.type).transitions.get("awaiting_approval", ["in_progress"])
    plan.state(
        back[0] if back else "in_progress", edit.person.email, "solution rejected by the technical lead"
    )
    if plan.view.owner:
        extra = {"why": arg.strip(), "asked_by": edit.person.name, "approved": False}
        plan.add(Notify("approval_request", person=plan.view.owner, extra=extra))
    return {"rejected_by": edit.person.id, "reason": arg.strip()}


HANDLERS: dict[str, Callable[[Edit, str], dict]] = {
    "priority": _priority,
    "assign": _assign,
    "eta": _eta,
    "reason": _reason,
    "solution": _solution,
    "note": _note,
    "type": _type,
    "collaborators": _collaborators,
    "approve": _approve,
    "reject": _reject,
    **LIFECYCLE,
    "category": category,
    "judgement": judgement,
}
