"""The clock-driven work: deadline warnings, escalations, progress updates, confirmation and
information reminders, released requests closed as 已闭环, digests, weekly and monthly reports.

Each job finds its candidate tickets with one read, then decides and applies each ticket
in a transaction of its own, so one failing ticket delays only itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
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
from helpdesk.tickets.periodic_reports import PeriodicReports
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.snapshot import TicketView
from helpdesk.tickets.status import INFO_PENDING
from helpdesk.workflow.confirmation import confirmation_due
from helpdesk.workflow.stable import stable_due

log = logging.getLogger(__name__)
Decide = Callable[[TicketView, datetime], list[Effect]]


class Sweeper:
    """Runs every due clock job once per call; returns how many tickets, digests and reports it
    acted on."""

    def __init__(
        self,
        sessions: sessionmaker,
        rules: RuleSet,
        applier: Applier,
        digests: Digests,
        reports: PeriodicReports,
        clock: Clock,
        timed: Callable[[float], None] | None = None,
        raw_retention: timedelta | None = None,
    ) -> None:
        self.sessions = sessions
        self.rules = rules
        self.applier = applier
        self.digests = digests
        self.reports = reports
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
        for name, candidates, decide in self._jobs(now):
            for ticket_id in candidates:
                done += self._one(name, ticket_id, decide, now)
        return done + self._digests() + self.reports.run() + self._purge(now)

    def _purge(self, now: datetime) -> int:
        """Delete the mails as received that are older than the retention (the masked text stays)."""
        if self.raw_retention is None:
            return 0
        with self.sessions.begin() as session:
            purged = Repository(session).purge_raw_before(now - self.raw_retention)
        if purged:
            log.info("deleted %d raw mail(s) received more than %s ago", purged, self.raw_retention)
        return purged

    def _digests(self) -> int:
        """Each manager's digest in a transaction of its own, claimed before it is written."""
        with self.sessions() as session:
            day = self.digests.due_day(Repository(session))
        if day is None:
            return 0
        sent = 0
        for person in self.digests.recipients():
            try:
                with self.sessions.begin() as session:
                    sent += self.digests.send(Repository(session), person, day)
            except Exception:  # one failing digest must not hold back the others
                log.exception("digest of %s for %s failed; the others go on", day, person.id)
        return sent

    def _jobs(self, now: datetime) -> list[tuple[str, list[int], Decide]]:
        """(job, candidate tickets, decider) in the order they run, found in one read."""
        sla, rules = self.rules.sla, self.rules
        timing = rules.workflows.confirmation
        with self.sessions() as session:
            repo = Repository(session)
            lead = sla.escalation.warn_before
            warned = (
                repo.tickets_with_clocks_due_within(now, now + Duration.parse(lead).calendar_delta())
                if lead
                else []
            )
            overdue = repo.tickets_with_due_clocks(now, len(sla.escalation.chain))
            working = repo.tickets_due_for_progress(sla.progress.working_states, progress_due(rules, now))
            resolved = repo.confirmations_due(now, timing)
            asking = repo.tickets_in_states([INFO_PENDING]) if rules.catalog.information_reminder else []
            stable = repo.stable_periods_ended(now) if sla.stable else []
        return [
            ("deadline warning", warned, lambda view, at: warn(rules, view, at)),
            ("escalation", overdue, lambda view, at: escalate(rules, view, at)),
            ("progress update", working, lambda view, at: progress(rules, view, at)),
            ("confirmation", resolved, lambda view, at: confirmation_due(rules.workflows, view, at)),
            ("information reminder", asking, lambda view, at: unanswered(rules, view, at)),
            ("stable period", stable, lambda view, at: stable_due(rules, view, at)),
        ]

    def _one(self, job: str, ticket_id: int, decide: Decide, now: datetime) -> int:
        """Decide and apply one ticket in its own transaction; 1 when something was done.

        Most candidates (every ticket being worked, for the progress job) have nothing due: a
        plain read tells, and only a ticket with something to do is locked and decided again."""
        try:
            with self.sessions() as session:
                repo = Repository(session)
                ticket = repo.ticket(ticket_id)
                if ticket is None or not decide(repo.snapshot(ticket), now):
                    return 0
            with self.sessions.begin() as session:
                repo = Repository(session)
                ticket = repo.lock_ticket(ticket_id)
                effects = decide(repo.snapshot(ticket), now) if ticket is not None else []
                if effects:
                    self.applier.apply(repo, ticket, effects, now)
                return int(bool(effects))
        except Exception:  # one failing ticket must not hold back the others' deadlines
            log.exception("%s for ticket id %d failed; the other tickets go on", job, ticket_id)
            return 0
