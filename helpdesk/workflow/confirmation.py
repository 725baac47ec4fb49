"""A resolved ticket the customer has not confirmed: remind them once, then close it as confirmed.

Pure: a ticket's snapshot and the time in, effects out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from helpdesk.effects import Effect, Notify, Plan
from helpdesk.rules.schema import Workflows
from helpdesk.tickets.snapshot import TicketView
from helpdesk.tickets.status import CLOSED, RESOLVED


def confirmation_due(workflows: Workflows, view: TicketView, now: datetime) -> list[Effect]:
    plan = Plan(view, now)
    timing = workflows.confirmation
    resolved = view.resolved_at
    if (
        view.status != RESOLVED
        or resolved is None
        or resolved > now - timedelta(hours=timing.remind_after_hours)
    ):
        return plan.effects
    if timing.close_without_answer and resolved <= now - timedelta(hours=timing.close_after_hours):
        plan.set(confirmation=view.confirmation or "resolved")
        plan.state(CLOSED, "system", "no answer from the customer: confirmed by default")
    elif view.confirmation_reminders == 0:
        plan.set(confirmation_reminders=1)
        plan.add(Notify("confirmation_reminder"))  # a promised mail: the cap never holds it back
        plan.record("system", "confirmation_reminder")
    return plan.effects
