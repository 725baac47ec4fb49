"""Missed deadlines go up the chain (manager, then director), a level at a time, until acknowledged;
owners are warned once before a deadline, and told when their ETA passes or moves. Pure: a ticket's
snapshot and the time in, effects out."""

from __future__ import annotations

from datetime import datetime, tzinfo

from helpdesk.calendar import person_zone
from helpdesk.effects import Effect, Notify, Plan, UpdateClock
from helpdesk.outbound.phrases import clock_name
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Duration, Person
from helpdesk.tickets.snapshot import ClockView, TicketView
from helpdesk.tickets.status import CLOSED_STATES


def shown(moment: datetime, zone: tzinfo) -> str:
    """A deadline as its reader sees it: on the wall clock of the reader's own time zone."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def due_for_escalation(clock: ClockView, now: datetime, levels: int) -> bool:
    """Past due, running, unacknowledged, with a level left, and not escalated again too soon."""
    return (
        clock.paused_at is None
        and clock.acknowledged_at is None
        and clock.due_at <= now
        and clock.escalation_level < levels
        and (
            clock.breached_at is None
            or (clock.next_escalation_at is not None and clock.next_escalation_at <= now)
        )
    )


def escalate(rules: RuleSet, view: TicketView, now: datetime) -> list[Effect]:
    """Escalate each of the ticket's clocks that is due by one level of the chain."""
    plan = Plan(view, now)
    if view.status in CLOSED_STATES:  # a resolved or closed ticket is never escalated
        return plan.effects
    chain = rules.sla.escalation.chain
    interval = Duration.parse(rules.sla.escalation.interval).calendar_delta()
    desk = rules.calendars.of(view.team).zone
    for clock in sorted(view.clocks, key=lambda c: c.due_at):
        if not due_for_escalation(clock, now, len(chain)):
            continue
        changes: dict = {}
        if clock.breached_at is None:
            changes["breached_at"] = now
            plan.record("sla", "deadline_missed", {"clock": clock.name, "due": clock.due_at.isoformat()})
            if clock.name == "eta":
                _eta_passed(rules, plan, clock)
        person = _level(rules, view, chain[clock.escalation_level])
        level = clock.escalation_level + 1
        changes |= {"escalation_level": level, "next_escalation_at": now + interval}
        if person is not None and person.id not in clock.escalated_to:
            changes["escalated_to"] = [*clock.escalated_to, person.id]
            plan.record(
                "sla",
                "escalated",
                {"clock": clock.name, "level": level, "to": person.id},
                reason=f"{clock.name} was due {clock.due_at.isoformat()}",
            )
            extra = {
                "clock": clock_name(clock.name, person.language),
                "due": shown(clock.due_at, person_zone(person, desk)),
                "level": level,
            }
            plan.add(Notify("escalation", person=person.id, extra=extra, history=True))
        plan.add(UpdateClock(clock.id, changes))
    return plan.effects


def warn(rules: RuleSet, view: TicketView, now: datetime) -> list[Effect]:
    """Warn the owner once, `warn_before` (at most half the clock) ahead of a running deadline."""
    plan = Plan(view, now)
    lead_text = rules.sla.escalation.warn_before
    if not lead_text or view.status in CLOSED_STATES:
        return plan.effects
    lead = Duration.parse(lead_text).calendar_delta()
    owner = rules.directory.person(view.owner)
    desk = rules.calendars.of(view.team).zone
    for clock in view.clocks:
        if clock.paused_at is not None or clock.warned_at is not None or not now < clock.due_at <= now + lead:
            continue
        # A short deadline is warned at half its length, not the moment it starts.
        if clock.due_at - now > min(lead, (clock.due_at - clock.started_at) / 2):
            continue
        plan.add(UpdateClock(clock.id, {"warned_at": now}))
        if owner is None:
            continue
        extra = {
            "clock": clock_name(clock.name, owner.language),
            "due": shown(clock.due_at, person_zone(owner, desk)),
        }
        plan.add(Notify("deadline_warning", person=owner.id, extra=extra))
        plan.record("sla", "deadline_warning", {"clock": clock.name, "to": owner.id})
    return plan.effects


def _eta_passed(rules: RuleSet, plan: Plan, clock: ClockView) -> None:
    """The owner hears at once that the time they promised has passed unresolved."""
    owner = rules.directory.person(plan.view.owner)
    if owner is None:
        return
    desk = rules.calendars.of(plan.view.team).zone
    extra = {"due": shown(clock.due_at, person_zone(owner, desk))}
    plan.add(Notify("eta_passed", person=owner.id, extra=extra, history=True))
    plan.record("sla", "eta_passed", {"eta": clock.due_at.isoformat(), "to": owner.id})


def eta_moved(
    rules: RuleSet, view: TicketView, old: datetime, reason: str, mover: str, now: datetime
) -> list[Effect]:
    """A moved ETA is told to the owner and to the first level of the chain (not to whoever moved
    it: their receipt says so), with both times and the reason."""
    plan = Plan(view, now)
    chain = rules.sla.escalation.chain
    people = [rules.directory.person(view.owner), _level(rules, view, chain[0]) if chain else None]
    desk = rules.calendars.of(view.team).zone
    told: list[str] = []
    for person in people:
        if person is None or person.id in told or person.email.lower() == mover.lower():
            continue
        zone = person_zone(person, desk)
        extra = {"due": shown(old, zone), "eta": shown(view.eta, zone), "eta_reason": reason}
        plan.add(Notify("eta_moved", person=person.id, extra=extra))
        told.append(person.id)
    plan.record(
        "sla",
        "eta_moved",
        {"from": old.isoformat(), "to": view.eta.isoformat() if view.eta else None, "told": told},
        reason=reason or "no reason given",
    )
    return plan.effects


def _level(rules: RuleSet, view: TicketView, level: str) -> Person | None:
    directory = rules.directory
    manager = directory.manager_of(view.team, directory.person(view.owner))
    if level == "manager":
        return manager
    return directory.person(manager.reports_to) if manager else None
