"""Progress updates: the customer hears how a worked-on ticket goes, at its priority's cadence."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import select

from helpdesk.rules.schema import Duration
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.repository import Repository

if TYPE_CHECKING:
    from helpdesk.workflow.service import Workflow


def send_progress(flow: Workflow, repo: Repository) -> int:
    """For each ticket being worked on whose update is due: remind its owner first; if the
    customer has still heard nothing at the next turn, send them the current status."""
    progress = flow.rules.sla.progress
    if not progress.every:
        return 0
    now = flow.clock.now()
    done = 0
    tickets = repo.session.scalars(select(Ticket).where(Ticket.status.in_(progress.working_states)))
    for ticket in tickets:
        last = ticket.customer_updated_at or ticket.created_at
        if not _due(flow, ticket, last, now):
            continue
        owner = flow.rules.directory.person(ticket.owner)
        if owner is not None and (ticket.progress_reminded_at is None or ticket.progress_reminded_at < last):
            ticket.progress_reminded_at = now
            flow.intake.tell_person(repo, ticket, owner, "progress_reminder")
            repo.add_event(ticket, now, "sla", "progress_reminder", {"to": owner.id})
        else:
            flow.tell_customer(repo, ticket, "status_update", "", [])
            repo.add_event(ticket, now, "sla", "progress_update", {})
        done += 1
    return done


def _due(flow: Workflow, ticket: Ticket, last: datetime, now: datetime) -> bool:
    progress = flow.rules.sla.progress
    cadence = progress.every.get(ticket.priority or "") or progress.every.get("default")
    if not cadence:
        return False
    if cadence == "daily":
        zone = flow.rules.calendars.of(ticket.team).zone
        local = now.astimezone(zone)
        if not flow.rules.calendars.of(ticket.team).is_working_day(local.date()):
            return False
        hour, minute = map(int, progress.daily_at.split(":"))
        today_at = datetime.combine(local.date(), time(hour, minute), zone)
        return local >= today_at and last < today_at
    reminded = ticket.progress_reminded_at
    step = Duration.parse(cadence).calendar_delta()
    # After a reminder the owner gets one more step before the customer hears the status.
    start = reminded if reminded is not None and reminded >= last else last
    return now >= start + step
