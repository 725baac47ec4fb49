"""Carry out a decider's effects in the caller's transaction: rows, clocks, outbox mail and events.

This is the one place where the ticket's invariants live:
- closing stops every clock, and a closed ticket starts none;
- a new priority or type re-derives the clocks: running ones get new deadlines, ones that
  now apply start, ones that no longer apply go;
- an urgent ticket's clocks never pause for missing details;
- an ETA or a solution given meets the handling-plan clock; an ETA runs a clock of its own
  until it passes; a moved ETA is told to the owner and the first level of the escalation chain;
- only automatic mail counts against the daily cap per address;
- a person's words reach the customer only from a trusted staff mail;
- every effect refused here leaves an event saying why.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import inspect

from helpdesk import knowledge
from helpdesk.calendar import person_zone
from helpdesk.config import Config
from helpdesk.effects import (
    CLOCKS,
    PROMISED,
    Acknowledge,
    Authority,
    ChangeState,
    DropField,
    Effect,
    Notify,
    Record,
    Set,
    SetField,
    StartClocks,
    StopClock,
    UpdateClock,
)
from helpdesk.outbound.context import local_time, thread_history, ticket_context
from helpdesk.outbound.outbox import Notifier
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Duration
from helpdesk.sla.deadlines import clock_length, due_after, resumed_due
from helpdesk.sla.escalation import eta_moved
from helpdesk.tickets.models import OutboxMail, Ticket, TicketClock
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.status import CLOSED, RELEASED, REOPENED, RESOLVED
from helpdesk.tickets.store_outbox import SUPPRESSED, day_start
from helpdesk.workflow.stable import stable_end

log = logging.getLogger(__name__)


class Applier:
    """Applies effects to one ticket; holds no state between calls."""

    def __init__(self, config: Config, rules: RuleSet, notifier: Notifier) -> None:
        self.config = config
        self.rules = rules
        self.notifier = notifier

    def apply(
        self,
        repo: Repository,
        ticket: Ticket,
        effects: Iterable[Effect],
        now: datetime,
        authority: Authority | None = None,
    ) -> None:
        """Apply `effects` in order; `authority` is what the mail that caused them may speak for."""
        authority = authority or Authority()
        effects = list(effects)
        eta_before, solution_before, closed_before = ticket.eta, ticket.solution, ticket.status == CLOSED
        for effect in effects:
            match effect:
                case Set():
                    self._set(repo, ticket, effect, now)
                case SetField():
                    repo.set_field(
                        ticket, effect.name, effect.value, effect.message_id, effect.line, effect.source, now
                    )
                case DropField():
                    repo.drop_field(ticket, effect.name)
                case ChangeState():
                    self._change_state(repo, ticket, effect, now)
                case StartClocks():
                    self._start(repo, ticket, effect.names, now)
                case StopClock():
                    self._stop(repo, ticket, (effect.name,), now)
                case UpdateClock():
                    clock = repo.session.get(TicketClock, effect.clock_id)
                    for key, value in effect.changes.items():
                        setattr(clock, key, value)
                case Acknowledge():
                    self._acknowledge(repo, ticket, effect, now)
                case Notify():
                    self._notify(repo, ticket, effect, now, authority)
                case Record():
                    repo.add_event(
                        ticket, now, effect.actor, effect.kind, effect.detail, reason=effect.reason
                    )
        if ticket.eta != eta_before:
            self._eta_given(repo, ticket, eta_before, effects, now)
        if ticket.solution and ticket.solution != solution_before:
            self._stop(repo, ticket, ("plan",), now)  # a solution is a plan, and more
        if closed_before and ticket.status == CLOSED and any(isinstance(e, SetField) for e in effects):
            knowledge.archive(repo.session, ticket, now, self.rules)  # its record grew (#复盘): renew it

    # -- the ticket ------------------------------------------------------------------------

    def _set(self, repo: Repository, ticket: Ticket, effect: Set, now: datetime) -> None:
        if "status" in effect.changes:
            raise ValueError("the status changes only by ChangeState, so the clocks follow it")
        before = (ticket.priority, ticket.type)
        urgent = self._urgent(ticket)
        for key, value in effect.changes.items():
            setattr(ticket, key, list(value) if isinstance(value, tuple) else value)
        ticket.updated_at = now
        if (ticket.priority, ticket.type) != before and repo.clock_names(ticket):
            self._derive_clocks(repo, ticket, now)
        elif self._urgent(ticket) != urgent:
            self._follow_status(repo, ticket, now)

    def _change_state(self, repo: Repository, ticket: Ticket, effect: ChangeState, now: datetime) -> None:
        old, target = ticket.status, effect.target
        ticket.status, ticket.updated_at = target, now
        # Each release starts a stable period of its own; leaving released ends it.
        released = target == RELEASED
        ticket.stable_until = stable_end(self.rules, ticket.type, ticket.team, now) if released else None
        if target == RESOLVED:
            ticket.resolved_at, ticket.confirmation_reminders = now, 0
        if target == CLOSED:
            ticket.closed_at = ticket.archived_at = now
            repo.add_event(ticket, now, effect.actor, "archived", _archive(ticket))
            knowledge.archive(repo.session, ticket, now, self.rules)  # the knowledge entry, masked
        if not effect.recorded:
            repo.add_event(
                ticket, now, effect.actor, "status_changed", {"from": old, "to": target}, reason=effect.why
            )
        if target == CLOSED:
            self._stop(repo, ticket, CLOCKS, now)
        elif target == RESOLVED:
            self._stop(repo, ticket, ("resolution", "solution_feedback", "plan", "eta"), now)
        if old == "evaluating":
            self._stop(repo, ticket, ("feasibility",), now)
        if target == REOPENED:
            ticket.closed_at = ticket.archived_at = None
            self._start(repo, ticket, ("resolution",), now)
        self._follow_status(repo, ticket, now)

    # -- clocks ------------------------------------------------------------------------------

    def _start(self, repo: Repository, ticket: Ticket, names: Iterable[str], now: datetime) -> None:
        """Start each named clock the SLA gives the ticket, unless it runs already; none once closed."""
        if ticket.status == CLOSED:
            return
        running = {c.name for c in repo.open_clocks(ticket)}
        calendar = self.rules.calendars.of(ticket.team)
        for name in names:
            length = self._length(ticket, name)
            if length is None or name in running:
                continue
            repo.session.add(
                TicketClock(
                    ticket=ticket,
                    name=name,
                    working_time=length.working,
                    started_at=now,
                    due_at=due_after(calendar, now, length),
                    paused_seconds=0,
                    escalation_level=0,
                    escalated_to=[],
                )
            )
        self._follow_status(repo, ticket, now)

    def _stop(self, repo: Repository, ticket: Ticket, names: Iterable[str], now: datetime) -> None:
        wanted = set(names)
        for clock in repo.open_clocks(ticket):
            if clock.name in wanted:
                clock.met_at = now
                late = clock.breached_at is not None
                repo.add_event(ticket, now, "sla", "deadline_met", {"clock": clock.name, "late": late})

    def _follow_status(self, repo: Repository, ticket: Ticket, now: datetime) -> None:
        """Pause the clocks in the states that wait on the customer, unless the ticket is urgent;
        resume them on leaving. A promised time (the ETA) never moves."""
        waiting = ticket.status in self.rules.sla.pause_in and not self._urgent(ticket)
        calendar = self.rules.calendars.of(ticket.team)
        for clock in repo.open_clocks(ticket):
            if clock.name in PROMISED:
                continue
            if waiting and clock.paused_at is None:
                clock.paused_at = now
            elif not waiting and clock.paused_at is not None:
                clock.due_at = resumed_due(calendar, clock.working_time, clock.paused_at, clock.due_at, now)
                clock.paused_seconds += int((now - clock.paused_at).total_seconds())
                clock.paused_at = None

    def _derive_clocks(self, repo: Repository, ticket: Ticket, now: datetime) -> None:
        """After a priority or type change: new deadlines for the running clocks (from each one's
        start plus its pauses), the clocks the ticket now has but never had started, the ones it
        no longer has removed."""
        calendar = self.rules.calendars.of(ticket.team)
        for clock in repo.open_clocks(ticket):
            if clock.name in PROMISED:
                continue
            length = self._length(ticket, clock.name)
            if length is None:
                _remove(repo, ticket, clock)
                repo.add_event(ticket, now, "sla", "clock_removed", {"clock": clock.name})
                continue
            clock.working_time = length.working
            paused = timedelta(seconds=clock.paused_seconds)
            clock.due_at = due_after(calendar, clock.started_at, length) + paused
        self._start(repo, ticket, [n for n in CLOCKS if n not in repo.clock_names(ticket)], now)

    def _urgent(self, ticket: Ticket) -> bool:
        return self.rules.catalog.is_urgent(ticket.priority, ticket.tags or ())

    def _eta_given(
        self, repo: Repository, ticket: Ticket, old: datetime | None, effects: list[Effect], now: datetime
    ) -> None:
        """A new ETA is the handling plan: that clock is met, the old promise ends, the new one runs
        until it passes; a moved one is told (the decider that moved it gave the reason)."""
        self._stop(repo, ticket, ("plan",), now)
        for clock in repo.open_clocks(ticket):
            if clock.name == "eta":
                clock.met_at = now
        if ticket.eta is not None and ticket.status not in (RESOLVED, CLOSED):
            repo.session.add(
                TicketClock(
                    ticket=ticket,
                    name="eta",
                    working_time=False,
                    started_at=now,
                    due_at=ticket.eta,
                    paused_seconds=0,
                    escalation_level=0,
                    escalated_to=[],
                )
            )
        if old is None or ticket.eta is None:
            return
        told = next((e for e in effects if isinstance(e, Record) and e.kind == "command_eta"), None)
        reason = told.detail.get("reason", "") if told else ""
        mover = told.actor if told else "system"
        self.apply(repo, ticket, eta_moved(self.rules, repo.snapshot(ticket), old, reason, mover, now), now)

    def _length(self, ticket: Ticket, name: str) -> Duration | None:
        return clock_length(self.rules.sla, name, ticket.requester_email, ticket.priority, ticket.type)

    def _acknowledge(self, repo: Repository, ticket: Ticket, effect: Acknowledge, now: datetime) -> None:
        for clock in repo.open_clocks(ticket):
            if clock.acknowledged_at is None and effect.person_id in clock.escalated_to:
                clock.acknowledged_at = now
                repo.add_event(ticket, now, effect.actor, "escalation_acknowledged", {"clock": clock.name})

    # -- mail -------------------------------------------------------------------------------

    def _notify(
        self, repo: Repository, ticket: Ticket, effect: Notify, now: datetime, authority: Authority
    ) -> None:
        """Render and queue one mail, unless an invariant refuses it (an event says which)."""
        if effect.words and not authority.trusted:
            repo.add_event(
                ticket,
                now,
                "system",
                "relay_refused",
                {"template": effect.template},
                reason=f"a person's words reach the customer only from a trusted staff mail: {authority.why}",
            )
            return
        if effect.person is None:
            recipient, language = ticket.requester_email, ticket.language
        else:
            person = self.rules.directory.person(effect.person)
            if person is None:
                repo.add_event(
                    ticket,
                    now,
                    "system",
                    "mail_refused",
                    {"template": effect.template},
                    reason=f"nobody called {effect.person!r} in staff.yaml",
                )
                return
            recipient, language = person.email, person.language
        if effect.automatic and self._capped(repo, ticket, effect.template, recipient, now):
            return
        context = self._context(repo, ticket, effect, language)
        self.notifier.enqueue(
            repo,
            ticket,
            template=effect.template,
            recipient=recipient,
            language=language,
            context=context,
            automatic=effect.automatic,
        )
        if effect.person is None:
            ticket.customer_updated_at = now

    def _capped(self, repo: Repository, ticket: Ticket, template: str, recipient: str, now: datetime) -> bool:
        """Automatic answers to one address are capped per local day, so a loop with a robot we failed
        to recognise dies out instead of filling both mailboxes; people's mail is never counted."""
        limit = self.config.auto_reply_daily_limit
        if not past_daily_cap(repo, self.config, recipient, now):
            return False
        log.warning(
            "ticket %s: automatic mail %s to %s held back by the daily cap of %d",
            ticket.number,
            template,
            recipient,
            limit,
        )
        repo.add_event(
            ticket,
            now,
            "system",
            "mail_suppressed",
            {"template": template, "recipient": recipient},
            reason=f"not sent: {recipient} already had the daily cap of {limit} automatic answers today",
        )
        return True

    def _context(self, repo: Repository, ticket: Ticket, effect: Notify, language: str) -> dict:
        """Times in the reader's zone: the desk's for the customer, staff.yaml's for a staff member."""
        person = None if effect.person is None else self.rules.directory.person(effect.person)
        zone = self.config.zone if person is None else person_zone(person, self.config.zone)
        context = ticket_context(
            self.rules, zone, ticket, repo.field_values(ticket), language, list(effect.missing)
        )
        if effect.person is None:
            context |= {
                "message": effect.words,
                "solution": ticket.solution,
                "eta": local_time(ticket.eta, zone),
                "eta_reason": "",
                "customer_name": ticket.requester_name,
            }
        else:
            context["person_name"] = person.name if person else ""
        if effect.history:
            context["history"] = thread_history(ticket, zone)
        return context | effect.extra


def past_daily_cap(repo: Repository, config: Config, recipient: str, now: datetime) -> bool:
    """Whether `recipient` already had the daily cap of automatic mail (the desk's local day), for
    every automatic answer we send, a ticket's or none's. Counted without flushing the mail's rows
    (they are written once, later): the database's rows plus this transaction's unwritten ones. An
    outbox row changed or deleted and not yet written (none on ingest) makes it flush first."""
    session, limit = repo.session, config.auto_reply_daily_limit
    since = day_start(now.astimezone(config.zone))
    if any(isinstance(row, OutboxMail) for row in (*session.dirty, *session.deleted)):
        return repo.automatic_mails_since(recipient, since) >= limit
    with session.no_autoflush:
        written = repo.automatic_mails_since(recipient, since)
    address = recipient.lower()
    unwritten = (
        row
        for row in session.new
        if isinstance(row, OutboxMail)
        and row.recipient == address
        and row.automatic
        and row.status != SUPPRESSED
        and row.created_at >= since
    )
    return written + sum(1 for _ in unwritten) >= limit


def _remove(repo: Repository, ticket: Ticket, clock: TicketClock) -> None:
    """Take `clock` off the ticket: deleted, or never written when it started in this transaction."""
    ticket.clocks.remove(clock)
    if inspect(clock).pending:
        repo.session.expunge(clock)
    else:
        repo.session.delete(clock)


def _archive(ticket: Ticket) -> dict:
    """What the archive keeps of a closed ticket: problem, analysis, solution and feedback."""
    return {
        "problem": ticket.description,
        # The engineers' internal notes are the analysis behind the solution.
        "analysis": [e.detail.get("note", "") for e in ticket.events if e.kind == "command_note"],
        "solution": ticket.solution,
        "confirmation": ticket.confirmation,
        "satisfaction": ticket.satisfaction,
        "type": ticket.type,
        "priority": ticket.priority,
    }
