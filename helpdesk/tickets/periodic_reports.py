"""The weekly and monthly reports mailed to the managers and the director: which period is due at a
local moment (pure), and the job that sends each person's report once, claimed like the digest.

The sweep runs it beside the digests; the schedule is `reports` in sla.yaml (ReportSchedule.of)."""

from __future__ import annotations

import logging
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session, sessionmaker

from helpdesk.outbound.render import Rendered
from helpdesk.rules.schema import WEEKDAYS, Person, ReportsDef
from helpdesk.sla.digest import Digests
from helpdesk.sla.handling import handling
from helpdesk.tickets.figures import manager_figures
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.statistics import statistics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportSchedule:
    """When the reports go, on the desk's clock: the week's on `weekday` (0 = Monday) at `at`, for
    the week (Monday to Sunday) before; the month's on `day` of the month at `at`, for the month before.
    None switches one off."""

    weekday: int | None = 0
    day: int | None = 1
    at: time = time(9, 0)

    @classmethod
    def of(cls, reports: ReportsDef) -> ReportSchedule:
        """The schedule sla.yaml's `reports` block sets."""
        hour, minute = map(int, reports.time.split(":"))
        weekday = None if reports.weekday is None else WEEKDAYS.index(reports.weekday)
        return cls(weekday, reports.day, time(hour, minute))


@dataclass(frozen=True)
class Period:
    """One report's period: `kind` (weekly, monthly), the days [first, last] and the key it is sent
    under once per person (2026-W48, 2026-11: beside the digests' days in digests_sent)."""

    kind: str
    first: date
    last: date

    @property
    def key(self) -> str:
        if self.kind == "weekly":
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first:%Y-%m}"


def due_periods(schedule: ReportSchedule, local_now: datetime) -> list[Period]:
    """The latest periods whose moment has come by `local_now`: the full week before this week's
    moment (else the week before that), the full month before this month's moment (likewise). Older
    ones are never offered; the claim makes offering one again harmless."""
    today, zone, due = local_now.date(), local_now.tzinfo, []
    if schedule.weekday is not None:
        monday = today - timedelta(days=today.weekday())
        if local_now < datetime.combine(monday + timedelta(days=schedule.weekday), schedule.at, zone):
            monday -= timedelta(days=7)
        due.append(Period("weekly", monday - timedelta(days=7), monday - timedelta(days=1)))
    if schedule.day is not None:
        first = today.replace(day=1)
        if local_now < datetime.combine(_day_of(first, schedule.day), schedule.at, zone):
            first = (first - timedelta(days=1)).replace(day=1)
        previous = (first - timedelta(days=1)).replace(day=1)
        due.append(Period("monthly", previous, first - timedelta(days=1)))
    return due


def _day_of(first: date, day: int) -> date:
    """`day` of the month starting at `first`, or its last day for a shorter month (31 in February)."""
    return first.replace(day=min(day, monthrange(first.year, first.month)[1]))


@dataclass(frozen=True)
class PeriodicReports:
    """Sends the due reports through the digest's recipients, scopes, notifier and claim."""

    sessions: sessionmaker[Session]
    digests: Digests
    schedule: ReportSchedule

    def run(self) -> int:
        """Queue every due report not sent yet, each person's in a transaction of its own; returns
        how many were queued. Nothing before the helpdesk's first ticket is reported."""
        digests = self.digests
        now = digests.clock.now()
        periods = due_periods(self.schedule, now.astimezone(digests.config.zone))
        sent = 0
        for period in periods:
            for person in digests.recipients():
                try:
                    with self.sessions.begin() as session:
                        sent += self.send(Repository(session), person, period)
                except Exception:  # one failing report must not hold back the others
                    log.exception(
                        "%s report %s for %s failed; the others go on", period.kind, period.key, person.id
                    )
        return sent

    def send(self, repo: Repository, person: Person, period: Period) -> bool:
        """Queue `person`'s report of `period` unless it went already (or there is nothing before it)."""
        zone = self.digests.config.zone
        start = datetime.combine(period.first, time(), zone)
        end = datetime.combine(period.last + timedelta(days=1), time(), zone)
        if not repo.has_tickets_before(end):
            return False
        now = self.digests.clock.now()
        if not repo.claim_digest(self.digests.claim + person.id, period.key, now):
            return False
        rendered = self.render(repo, person, period, start, end)
        self.digests.notifier.enqueue_rendered(
            repo, rendered, recipient=person.email, kind=f"{period.kind}_report", mailbox=self.digests.sender
        )
        return True

    def render(
        self, repo: Repository, person: Person, period: Period, start: datetime, end: datetime
    ) -> Rendered:
        """The report of `person`'s teams over the period, in their language (period_report)."""
        scope = self.digests.scope(person)
        now = min(self.digests.clock.now(), end)
        figures = statistics(repo, scope, start, end, now) | manager_figures(repo, scope, start, end, now)
        return self.digests.renderer.render(
            "period_report", person.language, report_context(self.digests, person, period, figures)
        )


def report_context(digests: Digests, person: Person, period: Period, figures: dict) -> dict:
    """What the period_report template sees: the period, its counts by label, the handling times
    in words and each engineer by name, all in `person`'s language."""
    language = person.language
    summary = digests.labelled(figures, language) | {
        "escalations": len(figures["escalations"]),
        "overdue": len(figures["overdue"]),
    }
    return digests.notifier.voice(digests.sender) | {
        "person_name": person.name,
        "period": {
            "weekly": period.kind == "weekly",
            "first": period.first.isoformat(),
            "last": period.last.isoformat(),
            "month": f"{period.first:%Y-%m}",
        },
        "summary": summary,
        "handling": handling(digests.rules, figures, language),
    }
