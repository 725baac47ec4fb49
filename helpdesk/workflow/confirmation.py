"""A resolved ticket the customer has not confirmed: remind them once, then close it as confirmed.

The wait runs from the latest question: the resolution mail, or the one asking again after an
answer we could not read. Words from the customer after that question stop it: the ticket stays
resolved for its owner to decide, since silence is consent but unread words are not.

Pure: a ticket's snapshot and the time in, effects out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from helpdesk.effects import Effect, Notify, Plan
from helpdesk.rules.schema import Person, Workflows
from helpdesk.tickets.snapshot import TicketView
from helpdesk.tickets.status import CLOSED, RESOLVED

_UNANSWERED = {"zh": "未收到您的确认，已按已解决关闭", "en": "no answer came, so it is closed as resolved"}


def close_notice(why: dict[str, str], language: str, closure: str = "") -> Notify:
    """The customer hears that their ticket is closed, and why, and that a reply reopens it;
    `closure` names how (closed_loop: 已闭环, workflow/stable.py)."""
    return Notify("close_notice", extra={"why": why[language], "closure": closure})


def reopen_notices(
    plan: Plan, people: Iterable[Person | None], why: dict[str, str], told: dict[str, str], words: str
) -> None:
    """A reopened ticket's mails: each staff member in `people` (once) gets the customer's words and
    `why` in their own language; the customer hears `told` in theirs."""
    for person in {p.id: p for p in people if p}.values():
        extra = {"why": why[person.language], "message": words.strip()}
        plan.add(Notify("reopened", person=person.id, extra=extra))
    plan.add(Notify("reopen_notice", extra={"why": told[plan.view.language]}))


def asked_at(view: TicketView) -> datetime | None:
    """When the customer was last asked to confirm: resolved, or asked again since."""
    asked, resolved = view.confirmation_asked_at, view.resolved_at
    if resolved is None or (asked is not None and asked > resolved):
        return asked
    return resolved


def confirmation_due(workflows: Workflows, view: TicketView, now: datetime) -> list[Effect]:
    plan = Plan(view, now)
    timing = workflows.confirmation
    asked = asked_at(view)
    if view.status != RESOLVED or asked is None or asked > now - timedelta(hours=timing.remind_after_hours):
        return plan.effects
    answered = view.confirmation_answered_at
    if answered is not None and answered > asked:
        return plan.effects  # the customer wrote after the question: the owner decides (an event says so)
    if timing.close_without_answer and asked <= now - timedelta(hours=timing.close_after_hours):
        again = asked != view.resolved_at
        plan.set(confirmation="resolved")  # what the notice says; an answer stored is an earlier round's
        plan.state(
            CLOSED,
            "system",
            "no answer to the question asked again: confirmed by default"
            if again
            else "no answer from the customer: confirmed by default",
        )
        plan.add(close_notice(_UNANSWERED, view.language))
    elif view.confirmation_reminders == 0:
        plan.set(confirmation_reminders=1)
        plan.add(Notify("confirmation_reminder"))  # a promised mail: the cap never holds it back
        plan.record("system", "confirmation_reminder")
    return plan.effects
