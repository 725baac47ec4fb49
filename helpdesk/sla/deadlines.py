"""Deadline arithmetic: which clocks sla.yaml gives a ticket, when each falls due, where a pause moves it."""

from __future__ import annotations

from datetime import datetime

from helpdesk.calendar import BusinessCalendar
from helpdesk.rules.schema import Duration, Sla

NO_CLOCK = "none"  # an sla.yaml clock entry that gives its tickets no such clock


def clock_length(
    sla: Sla, name: str, requester_email: str, priority: str | None, type_: str | None
) -> Duration | None:
    """The customer's entry ("@their-domain"), else the priority's, else the type's, else the
    default; none of them, or the first that applies says `none`: the ticket has no such clock."""
    table = sla.clocks.get(name, {})
    domain = "@" + requester_email.rpartition("@")[2]
    keys = (domain, priority or "", type_ or "", "default")
    text = next((table[key] for key in keys if table.get(key)), None)
    return None if text is None or text == NO_CLOCK else Duration.parse(text)


def due_after(calendar: BusinessCalendar, start: datetime, length: Duration) -> datetime:
    """When a clock of `length` started at `start` falls due on `calendar`."""
    if length.unit == "bd":
        return calendar.add_days(start, length.amount)
    if length.unit == "bh":
        return calendar.add(start, length.calendar_delta())
    return start + length.calendar_delta()


def resumed_due(
    calendar: BusinessCalendar, working: bool, paused_at: datetime, due_at: datetime, now: datetime
) -> datetime:
    """A paused clock resumes with the time it had left: working time on the calendar, else wall time."""
    if working:
        return calendar.add(now, calendar.working_time(paused_at, due_at))
    return now + (due_at - paused_at)
