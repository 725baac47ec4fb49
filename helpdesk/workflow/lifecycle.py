"""A development request's life by engineers' commands: the feasibility evaluation, the design
sign-off that freezes the scope and the change requests after it, each stage's owner and date,
the acceptance test, the release plan with its rollback, the review; and the gates a workflow's
`requires` sets on a state. Pure, over a Plan, like the other commands (edits.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

from helpdesk.calendar import person_zone
from helpdesk.effects import Notify, StopClock
from helpdesk.outbound.phrases import LIFECYCLE as WORDS
from helpdesk.outbound.phrases import bilingual
from helpdesk.outbound.phrases_reasons import reason
from helpdesk.rules.ruleset import RuleSet
from helpdesk.tickets.snapshot import TicketView
from helpdesk.workflow.editing import Edit, Refused, due, keyword_line, staff_first
from helpdesk.workflow.lifecycle_words import HAVE, OUTCOMES, RESULTS, STAGES, leading

# "回滚：", "回滚方案：", "rollback:", "rollback plan:", or the bare word before the plan.
_ROLLBACK = re.compile(
    r"(?:回滚(?:方案(?=\s*[:：]))?|rollback(?:\s+plan(?=\s*[:：]))?)\s*[:：]?", re.IGNORECASE
)
_SPLIT = re.compile(r"\s*[，,；;：:]\s*")


def missing(rules: RuleSet, view: TicketView, target: str) -> list[str]:
    """What the ticket's record lacks for its workflow's gate on `target` (workflows.yaml `requires`)."""
    wanted = rules.workflows.of(view.type).requires.get(target, [])
    return [item for item in wanted if not HAVE[item](view.fields)]


def gate_reason(rules: RuleSet, target: str, lacking: list[str]) -> dict:
    """The coded refusal of a move into `target` that its gate holds back, naming what is missing."""
    return reason(
        "gate_missing", target=bilingual("state", target, rules.labels), missing=[WORDS[i] for i in lacking]
    )


def _open(edit: Edit) -> None:
    if edit.plan.view.status == "closed":
        raise Refused("ticket_closed")


def _known(vocabulary: dict) -> list[dict[str, str]]:
    return [WORDS[name] for name in vocabulary]


def _allowed(edit: Edit, target: str) -> bool:
    view = edit.plan.view
    return target in edit.rules.workflows.of(view.type).transitions.get(view.status, [])


def _move(edit: Edit, target: str, why: str) -> bool:
    """Move the ticket to `target` if its workflow allows it from here and the gate lets it in."""
    plan, rules = edit.plan, edit.rules
    if not _allowed(edit, target):
        return False
    lacking = missing(rules, plan.view, target)
    if lacking:
        line = keyword_line(target, rules.labels)
        edit.outcome.rejected.append((line, gate_reason(rules, target, lacking)))
        return False
    plan.state(target, edit.person.email, why)
    edit.outcome.applied.append(reason("moved", state=bilingual("state", target, rules.labels)))
    return True


def _evaluation(edit: Edit, arg: str) -> dict:
    """`#评估 可实施 <报告>`: the outcome and the report, the feasibility clock met, the submitter told;
    feasible moves on to designing, not feasible closes the ticket, adjust waits for the submitter."""
    _open(edit)
    said = leading(arg, OUTCOMES)
    if said is None:
        raise Refused("unknown_outcome", value=arg.strip(), known=_known(OUTCOMES))
    outcome, report = said
    if not report:
        raise Refused("evaluation_needs_report")
    plan = edit.plan
    if outcome == "infeasible" and (not _allowed(edit, "closed") or missing(edit.rules, plan.view, "closed")):
        raise Refused("cannot_close", current=bilingual("state", plan.view.status, edit.rules.labels))
    edit.fill("evaluation", outcome)
    edit.fill("evaluation_report", report)
    plan.add(StopClock("feasibility"))
    edit.outcome.mails.append(("evaluation_report", {"outcome": outcome, "report": report}))
    moved = None
    if outcome == "feasible" and _move(edit, "designing", "assessed feasible (#evaluation)"):
        moved = "designing"
    elif outcome == "infeasible" and _move(edit, "closed", f"assessed not feasible: {report}"):
        moved = "closed"
    return {"outcome": outcome, "report": report, "to": moved}


def _freeze(edit: Edit, arg: str) -> dict:
    """`#范围冻结 <范围>` / `#设计确认`: the design signed off, the scope frozen; the submitter told."""
    _open(edit)
    scope = arg.strip()
    if not scope:
        raise Refused("scope_empty")
    if edit.plan.view.fields.get("scope"):
        raise Refused("already_frozen")
    edit.fill("scope", scope)
    edit.outcome.mails.append(("scope_frozen", {"scope": scope}))
    return {"scope": scope}


def _change(edit: Edit, arg: str) -> dict:
    """`#变更 <描述>`: a change request after the freeze, numbered per ticket; the submitter told."""
    _open(edit)
    fields = edit.plan.view.fields
    if not fields.get("scope"):
        raise Refused("not_frozen")
    description = arg.strip()
    if not description:
        raise Refused("change_empty")
    number = int(fields.get("changes") or 0) + 1
    edit.fill("changes", str(number))
    change = {"number": number, "description": description}
    edit.outcome.mails.append(("change_request", {"change": change, "scope": fields["scope"]}))
    return change


def _stage(edit: Edit, arg: str) -> dict:
    """`#阶段 开发 王伟 2026-12-10`: the stage's owner (a staff member) and planned date; they are told."""
    _open(edit)
    said = leading(arg, STAGES)
    if said is None:
        raise Refused("unknown_stage", value=arg.strip(), known=_known(STAGES))
    stage, rest = said
    person, when = staff_first(edit.rules, rest)
    if person is None:
        raise Refused("unknown_person", value=(rest.split() or ["-"])[0])
    if not when:
        raise Refused("stage_needs_date")
    planned = due(edit, when)
    local = planned.astimezone(person_zone(person, edit.zone))
    extra = {"stage": WORDS[stage], "due": f"{local:%Y-%m-%d %H:%M}", "asked_by": edit.person.name}
    edit.plan.add(Notify("stage_assignment", person=person.id, extra=extra))
    return {"stage": stage, "owner": person.id, "planned": planned.isoformat()}


def _uat(edit: Edit, arg: str) -> dict:
    """`#验收 通过 王芳 [说明]`: the acceptance result, who accepted (anyone, by name) and the notes."""
    _open(edit)
    said = leading(arg, RESULTS)
    if said is None:
        raise Refused("unknown_result", value=arg.strip(), known=_known(RESULTS))
    result, rest = said
    accepted_by, notes = _acceptor(edit.rules, rest)
    if not accepted_by:
        raise Refused("uat_needs_person")
    edit.fill("uat", result)
    return {"result": result, "accepted_by": accepted_by, "notes": notes}


def _acceptor(rules: RuleSet, text: str) -> tuple[str, str]:
    """Who accepted, and the notes after them: up to a comma or colon when there is one; else a
    staff member's name, a name in capitals ("Anna Smith"), or the first word ("王芳")."""
    parts = _SPLIT.split(text, maxsplit=1)
    if len(parts) == 2:
        return parts[0].strip(), parts[1].strip()
    person, after = staff_first(rules, text)
    if person is not None:
        return person.name, after
    words = text.split()
    size = next((i for i, w in enumerate(words) if not (w[:1].isascii() and w[:1].isupper())), len(words))
    size = min(max(size, 1), 3)
    return " ".join(words[:size]), " ".join(words[size:])


def _release(edit: Edit, arg: str) -> dict:
    """`#上线计划 2026-12-20 22:00 回滚：<方案>`: the planned release time and the rollback plan; the
    time alone when the record keeps a rollback plan (a release sent back by a problem keeps it)."""
    _open(edit)
    found = _ROLLBACK.search(arg)
    rollback = arg[found.end() :].strip() if found else ""
    kept = edit.plan.view.fields.get("rollback", "")
    if not (rollback or kept):
        raise Refused("release_needs_rollback")
    when = (arg[: found.start()] if found else arg).strip()
    if not when:
        raise Refused("release_needs_time")
    at = due(edit, when)
    edit.fill("release_at", at.isoformat())
    if rollback:
        edit.fill("rollback", rollback)
    return {"planned_at": at.isoformat(), "rollback": rollback or kept}


def _review(edit: Edit, arg: str) -> dict:
    """`#复盘 <text>`: the review, kept with the archive (a closed ticket takes it too); internal."""
    text = arg.strip()
    if not text:
        raise Refused("review_empty")
    edit.outcome.internal = True  # a review is between staff: this mail's words stay inside
    before = edit.plan.view.fields.get("review", "")
    edit.fill("review", f"{before}\n{text}" if before else text)
    return {"review": text}


LIFECYCLE: dict[str, Callable[[Edit, str], dict]] = {
    "evaluation": _evaluation,
    "freeze": _freeze,
    "change": _change,
    "stage": _stage,
    "uat": _uat,
    "release": _release,
    "review": _review,
}
