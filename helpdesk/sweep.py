"""The clock-driven work: deadline warnings, escalations, progress updates, confirmation and
information reminders, released requests closed as 已闭环, digests, weekly and monthly reports.

Each job finds its candidate tickets with one read, then decides and applies each ticket
in a transaction of its own, so one failing ticket delays only itself. Each rules folder is a Desk:
its rules say which of its mailboxes' tickets are due, each is decided and applied with its own
mailbox's rules and applier, and the folder's managers get the digests and reports of its tickets.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import sessionmaker

from helpdesk.applier import Applier
from helpdesk.clock import Clock
from helpdesk.effects import Effect
from helpdesk.intake.decide import unanswered
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Duration
from helpdesk.sla.digest import Digests
from helpdesk.sla.escalation import escalate, warn
from helpdesk.sla.progress import progress, progress_due
from helpdesk.tickets.due import Among
from helpdesk.tickets.periodic_reports import PeriodicReports
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.snapshot import TicketView
from helpdesk.tickets.status import INFO_PENDING
from helpdesk.workflow.confirmation import confirmation_due
from helpdesk.workflow.stable import stable_due

log = logging.getLogger(__name__)
Decide = Callable[[RuleSet, TicketView, datetime], list[Effect]]


@dataclass(frozen=True)
class Desk:
    """One rules folder's clock work: `rules` say which tickets of the mailboxes `within` (None:
    every ticket) are due; each is decided and applied with its mailbox's rules and applier
    (`boxes`, by name; `rules` and `applier` for a mailbox no longer configured)."""

    rules: RuleSet
    applier: Applier
    digests: Digests
    reports: PeriodicReports
    within: Among | None = None
    boxes: Mapping[str, tuple[RuleSet, Applier]] = field(default_factory=dict)

    def of(self, mailbox: str) -> tuple[RuleSet, Applier]:
        return self.boxes.get(mailbox, (self.rules, self.applier))


class Sweeper:
    """Runs every due clock job once per call, for each desk; returns how many tickets, digests and
    reports it acted on."""

    def __init__(
        self,
        sessions: sessionmaker,
        desks: list[Desk],
        clock: Clock,
        timed: Callable[[float], None] | None = None,
        raw_retention: timedelta | None = None,
    ) -> None:
        self.sessions = sessions
        self.desks = desks
        self.clock = clock
        self.timed = timed  # told how long each run took, failed runs included (for metrics)
        self.raw_retention = raw_retention  # None: mails as received are kept forever

    def run(self) -> int:
        started = time.perf_counter()
        try:
            return self._run()
        finally:
            if self.timed is not None:
                self.timed(time.perf_counter() - started)

    def _run(self) -> int:
        now = self.clock.now()
        done = 0
        for desk in self.desks:
            for name, candidates, decide in self._jobs(desk, now):
                for ticket_id in candidates:
                    done += self._one(desk, name, ticket_id, decide, now)
            done += self._digests(desk.digests) + desk.reports.run()
        return done + self._purge(now)

    def _purge(self, now: datetime) -> int:
        """Delete the mails as received that are older than the retention (the masked text stays)."""
        if self.raw_retention is None:
            return 0
        with self.sessions.begin() as session:
            purged = Repository(session).purge_raw_before(now - self.raw_retention)
        if purged:
            log.info("deleted %d raw mail(s) received more than %s ago", purged, self.raw_retention)
        return purged

    def _digests(self, digests: Digests) -> int:
        """Each manager's digest in a transaction of its own, claimed before it is written."""
        with self.sessions() as session:
            day = digests.due_day(Repository(session))
        if day is None:
            return 0
        sent = 0
        for person in digests.recipients():
            try:
                with self.sessions.begin() as session:
                    sent += digests.send(Repository(session), person, day)
            except Exception:  # one failing digest must not hold back the others
                log.exception("digest of %s for %s failed; the others go on", day, person.id)
        return sent

    def _jobs(self, desk: Desk, now: datetime) -> list[tuple[str, list[int], Decide]]:
        """(job, candidate tickets of the desk, decider) in the order they run, found in one read."""
        rules, within = desk.rules, desk.within
        sla, timing = rules.sla, rules.workflows.confirmation
        with self.sessions() as session:
            repo = Repository(session)
            lead = sla.escalation.warn_before
            until = now + Duration.parse(lead).calendar_delta() if lead else None
            warned = repo.tickets_with_clocks_due_within(now, until, within) if until else []
            overdue = repo.tickets_with_due_clocks(now, len(sla.escalation.chain), within)
            working = repo.tickets_due_for_progress(
                sla.progress.working_states, progress_due(rules, now), within
            )
            resolved = repo.confirmations_due(now, timing, within)
            asking = (
                repo.tickets_in_states([INFO_PENDING], within) if rules.catalog.information_reminder else []
            )
            stable = repo.stable_periods_ended(now, within) if sla.stable else []
        return [
            ("deadline warning", warned, warn),
            ("escalation", overdue, escalate),
            ("progress update", working, progress),
            ("confirmation", resolved, lambda own, view, at: confirmation_due(own.workflows, view, at)),
            ("information reminder", asking, unanswered),
            ("stable period", stable, stable_due),
        ]

    def _one(self, desk: Desk, job: str, ticket_id: int, decide: Decide, now: datetime) -> int:
        """Decide and apply one ticket in its own transaction, with its mailbox's rules and applier;
        1 when something was done.

        Most candidates (every ticket being worked, for the progress job) have nothing due: a
        plain read tells, and only a ticket with something to do is locked and decided again."""
        try:
            with self.sessions() as session:
                repo = Repository(session)
                ticket = repo.ticket(ticket_id)
                if ticket is None or not decide(desk.of(ticket.mailbox)[0], repo.snapshot(ticket), now):
                    return 0
            with self.sessions.begin() as session:
                repo = Repository(session)
                ticket = repo.lock_ticket(ticket_id)
                if ticket is None:
                    return 0
                rules, applier = desk.of(ticket.mailbox)
                effects = decide(rules, repo.snapshot(ticket), now)
                if effects:
                    applier.apply(repo, ticket, effects, now)
                return int(bool(effects))
        except Exception:  # one failing ticket must not hold back the others' deadlines
            log.exception("%s for ticket id %d failed; the other tickets go on", job, ticket_id)
            return 0
