"""Progress updates: the customer hears how a worked-on ticket goes, at its priority's cadence.

Pure: a ticket's snapshot and the time in, effects out; and which tickets are due, as conditions
for the sweep's one read.
"""

from __future__ import annotations

from datetime import datetime, time

from helpdesk.calendar import BusinessCalendar
from helpdesk.effects import Effect, Notify, Plan
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Duration, Progress
from helpdesk.tickets.due import Among, LastHeard
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
    if cadence == "daily":
        at = _daily_at(settings, rules.calendars.of(view.team), now)
        return at is not None and last < at
    reminded = view.progress_reminded_at
    step = Duration.parse(cadence).calendar_delta()
    # After a reminder the owner gets one more step before the customer hears the status.
    start = reminded if reminded is not None and reminded >= last else last
    return now >= start + step


def _daily_at(settings: Progress, calendar: BusinessCalendar, now: datetime) -> datetime | None:
    """Today's summary time on `calendar` once it has passed on a working day, else None."""
    local = now.astimezone(calendar.zone)
    if not calendar.is_working_day(local.date()):
        return None
    hour, minute = map(int, settings.daily_at.split(":"))
    today_at = datetime.combine(local.date(), time(hour, minute), calendar.zone)
    return today_at if local >= today_at else None


def progress_due(rules: RuleSet, now: datetime) -> list[LastHeard]:
    """What `_due` asks of a ticket, as conditions on its columns for one set-based read: for each
    priority's cadence (and each team's calendar for "daily"), before when the customer was last
    heard, so the sweep reads only the tickets whose update is due. Empty: nothing is due."""
    settings = rules.sla.progress
    named = {priority: every for priority, every in settings.every.items() if priority != "default" and every}
    cadences = [(Among((priority,)), every) for priority, every in named.items()]
    if settings.every.get("default"):
        cadences.append((Among(tuple(named), others=True), settings.every["default"]))
    own = tuple(name for name in rules.sla.calendars if name != "default")
    calendars = [(Among((name,)), rules.calendars.of(name)) for name in own]
    calendars.append((Among(own, others=True), rules.calendars.of(None)))
    due: list[LastHeard] = []
    for priorities, every in cadences:
        if every != "daily":
            step = Duration.parse(every).calendar_delta()
            due.append(LastHeard(priorities, Among((), others=True), now - step, daily=False))
            continue
        for teams, calendar in calendars:
            at = _daily_at(settings, calendar, now)
            if at is not None:
                due.append(LastHeard(priorities, teams, at, daily=True))
    return due
