"""Progress updates: the customer hears how a worked-on ticket goes, at its priority's cadence.

Pure: a ticket's snapshot and the time in, effects out.
"""

from __future__ import annotations

from datetime import datetime, time

from helpdesk.effects import Effect, Notify, Plan
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Duration
from helpdesk.tickets.snapshot import TicketView


def progress(rules: RuleSet, view: TicketView, now: datetime) -> list[Effect]:
    """When the ticket's update is due: remind its owner first; if the customer has still heard
    nothing at the next turn, send them the current status."""
    plan = Plan(view, now)
    if view.status not in rules.sla.progress.working_states:
        return plan.effects
    last = view.customer_updated_at or view.created_at
    if not _due(rules, view, last, now):
        return plan.effects
    owner = rules.directory.person(view.owner)
    if owner is not None and (view.progress_reminded_at is None or view.progress_reminded_at < last):
        plan.set(progress_reminded_at=now)
        plan.add(Notify("progress_reminder", person=owner.id))
        plan.record("sla", "progress_reminder", {"to": owner.id})
    else:
        plan.add(Notify("status_update"))
        plan.record("sla", "progress_update")
    return plan.effects


def _due(rules: RuleSet, view: TicketView, last: datetime, now: datetime) -> bool:
    settings = rules.sla.progress
    cadence = settings.every.get(view.priority or "") or settings.every.get("default")
    if not cadence:
        return False
    calendar = rules.calendars.of(view.team)
    if cadence == "daily":
        local = now.astimezone(calendar.zone)
        if not calendar.is_working_day(local.date()):
            return False
        hour, minute = map(int, settings.daily_at.split(":"))
        today_at = datetime.combine(local.date(), time(hour, minute), calendar.zone)
        return local >= today_at and last < today_at
    reminded = view.progress_reminded_at
    step = Duration.parse(cadence).calendar_delta()
    # After a reminder the owner gets one more step before the customer hears the status.
    start = reminded if reminded is not None and reminded >= last else last
    return now >= start + step
