"""Wire the helpdesk together and run it: the ingest loop and the sender, until told to stop."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import jinja2
import schedule

from helpdesk.applier import Applier
from helpdesk.clock import Clock, SystemClock
from helpdesk.config import Config
from helpdesk.errors import ConfigError
from helpdesk.ingest.backlog import BacklogMailbox, Policy, Progress, SilentNotifier, settle
from helpdesk.ingest.loop import IngestLoop
from helpdesk.ingest.mailbox_rules import mailbox_rules
from helpdesk.metrics import Metrics, MetricsServer
from helpdesk.outbound.outbox import Notifier
from helpdesk.outbound.render import Renderer
from helpdesk.outbound.sender import DrainResult, Sender
from helpdesk.pipeline import Outcome, Pipeline
from helpdesk.record import Recorder
from helpdesk.rules.load import load_rules
from helpdesk.rules.ruleset import RuleSet
from helpdesk.sdnotify import SystemdNotifier
from helpdesk.signals import Signals
from helpdesk.sla.digest import Digests
from helpdesk.sweep import Desk, Sweeper
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.due import Among
from helpdesk.tickets.models import QuarantinedMail
from helpdesk.tickets.periodic_reports import PeriodicReports, ReportSchedule

log = logging.getLogger(__name__)

DATABASE_RETRY_MAX = 30.0  # seconds between the sender's tries while the database fails


@dataclass
class OnceResult:
    mails: int
    outbox: DrainResult


def frozen_renderer(config: Config) -> Renderer:
    """A renderer over the templates as they are now, read into memory: an edit on disk changes
    nothing until the next reload, which checks it first."""
    root = config.paths.templates
    renderer = Renderer(root, fallback_language=config.default_language)
    files = {path.relative_to(root).as_posix(): path.read_text("utf-8") for path in root.rglob("*.j2")}
    renderer.env.loader = jinja2.DictLoader(files)
    return renderer


class Helpdesk:
    """The assembled application: storage, a pipeline and an ingest loop per mailbox, and the sender.

    Each mailbox (config `mailboxes`, else the single one) has its own pipeline: its rules, its
    address (our mail on its tickets comes from it) and its name on the tickets and UID claims;
    `pipeline`, `importer` and `ingest` are the first mailbox's."""

    def __init__(self, config: Config, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.engine = make_engine(config.database.url)
        upgrade(self.engine)
        self.sessions = session_factory(self.engine)
        self._reloading = threading.Lock()
        rules = load_rules(config.paths.rules)
        self.boxes = config.watched()
        self.metrics = (
            Metrics(config.metrics, self.sessions, self.clock, list(rules.workflows.states))
            if config.metrics.enabled
            else None
        )
        self._assemble(rules, mailbox_rules(self.boxes, rules, config.paths.rules), frozen_renderer(config))
        self.sender = Sender(
            config.smtp, config.support_address, self.sessions, self.clock, BlobStore.under(config.paths.data)
        )
        self._outbox_ready = threading.Event()
        self.ingests = [
            IngestLoop(
                box.imap,
                self.pipelines[box.name],
                on_processed=self._outbox_ready.set,
                watcher=self.metrics,
                name=box.name,
            )
            for box in self.boxes
        ]
        self.ingest = self.ingests[0]
        self.systemd = SystemdNotifier(os.environ)
        self._workers: list[threading.Thread] = []

    def _assemble(self, rules: RuleSet, boxes: dict[str, RuleSet], renderer: Renderer) -> None:
        """Build everything that holds the rules or the templates, then swap it in: one mail or sweep
        in hand keeps the objects it started with, the next one takes the new. `boxes` holds each
        mailbox's rules by its name; `rules` are paths.rules'."""
        config = self.config
        notifier = Notifier(config, renderer, self.clock)
        pipelines, importers, appliers = {}, {}, {}
        blobs = BlobStore.under(config.paths.data)
        for box in self.boxes:
            own = config.for_mailbox(box) if config.mailboxes else config
            box_rules = boxes[box.name]
            recorder = Recorder(own, box_rules, blobs, self.clock, box.name)
            appliers[box.name] = Applier(own, box_rules, Notifier(own, renderer, self.clock))
            pipelines[box.name] = Pipeline(
                own, self.sessions, box_rules, recorder, appliers[box.name], self.clock
            )
            # The first start's import of the mail already waiting: the same pipeline, but nothing is sent.
            silent = Applier(own, box_rules, SilentNotifier(own, renderer, self.clock))
            importers[box.name] = Pipeline(own, self.sessions, box_rules, recorder, silent, self.clock)
        desks = self._desks(rules, boxes, appliers, Applier(config, rules, notifier), renderer)
        retention = config.privacy.raw_retention_days
        sweeper = Sweeper(
            self.sessions,
            desks,
            self.clock,
            self.metrics.swept if self.metrics else None,
            raw_retention=timedelta(days=retention) if retention else None,
        )
        self.rules, self.digests, self.sweeper = rules, desks[0].digests, sweeper
        self.pipelines, self.importers = pipelines, importers
        self.pipeline, self.importer = pipelines[self.boxes[0].name], importers[self.boxes[0].name]

    def _desks(
        self,
        rules: RuleSet,
        boxes: dict[str, RuleSet],
        appliers: dict[str, Applier],
        applier: Applier,
        renderer: Renderer,
    ) -> list[Desk]:
        """The clock's work per rules folder, paths.rules' first: each folder's tickets are those of
        the mailboxes using it (paths.rules' also those of a mailbox no longer configured); its
        managers get their digests and reports from the folder's first mailbox's address and under
        its signature (paths.rules': support_address's), claimed under that mailbox's name."""
        folders: dict[Path, list[str]] = {self.config.paths.rules: []}
        for box in self.boxes:
            folders.setdefault(box.rules, []).append(box.name)
        others = tuple(
            name for folder, names in folders.items() if folder != self.config.paths.rules for name in names
        )
        desks = []
        for folder, names in folders.items():
            main = folder == self.config.paths.rules
            within = (Among(others, others=True) if others else None) if main else Among(tuple(names))
            own = rules if main else boxes[names[0]]
            digests = Digests(
                self.config,
                own,
                renderer,
                applier.notifier,
                self.clock,
                within,
                "" if main else f"{names[0]}:",
                "" if main else names[0],
            )
            reports = PeriodicReports(self.sessions, digests, ReportSchedule.of(own.sla.reports))
            mine = {name: (boxes[name], appliers[name]) for name in names}
            desks.append(Desk(own, applier if main else appliers[names[0]], digests, reports, within, mine))
        return desks

    def reload(self, templates: list[str]) -> list[str]:
        """Read the rules folder and the templates again (SIGHUP); returns the problems found.

        Problems (each "file:line: message", as `helpdesk check` prints them) are logged and the
        old rules and templates stay in force; otherwise the new ones take over between mails."""
        with self._reloading:
            problems: list[str] = []
            try:
                renderer = frozen_renderer(self.config)
                problems += renderer.check(templates, ["zh", "en"])
                rules = load_rules(self.config.paths.rules)
                boxes = mailbox_rules(self.boxes, rules, self.config.paths.rules)
            except ConfigError as exc:
                problems += exc.problems
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"{self.config.paths.templates}: cannot read: {exc}")
            if problems:
                for problem in problems:
                    log.error("reload refused, the rules and templates in force stay: %s", problem)
                return problems
            self._assemble(rules, boxes, renderer)
            for loop in self.ingests:
                loop.pipeline = self.pipelines[loop.name]
            log.info(
                "reloaded rules %s (%d routing rules) and templates %s",
                self.config.paths.rules,
                len(rules.router.rules),
                self.config.paths.templates,
            )
            return []

    def run_once(self, backlog: Policy = "answer", progress: Progress | None = None) -> OnceResult:
        """Process all waiting mail, run the due clock work, then send all due mail; for cron and tests.

        `backlog` says what a first start does with mail already in the folder (see ingest/backlog.py);
        "ask" refuses (BacklogUndecided) when there is any."""
        try:
            self.settle_backlog(backlog, progress)
            mails = sum(loop.run_once() for loop in self.ingests)
        finally:
            for loop in self.ingests:
                loop.mailbox.close()
        self.sweep()
        return OnceResult(mails, self.sender.drain())

    def settle_backlog(self, backlog: Policy, progress: Progress | None = None) -> None:
        """On a first start of a mailbox, deal with the mail already in its folder as `backlog` says."""
        for loop in self.ingests:
            if not isinstance(loop.mailbox, BacklogMailbox):  # once: the loop's mailbox keeps state
                loop.mailbox = BacklogMailbox(loop.config, loop.name)
            settle(loop.mailbox, self.sessions, self.importers[loop.name], self.clock, backlog, progress)

    def retry(self, entry_id: int, as_person: bool = False) -> Outcome:
        """Process a held (or, `as_person`, a kept automatic) mail again through the pipeline of
        the mailbox it came to; the first mailbox's when it is not known or no longer configured."""
        with self.sessions() as session:
            entry = session.get(QuarantinedMail, entry_id)
            mailbox = entry.mailbox if entry is not None else None
        return self.pipelines.get(mailbox or "", self.pipeline).retry(entry_id, as_person)

    def folder_digests(self) -> list[Digests]:
        """Each rules folder's digests, paths.rules' first (`digests`): a manager is found in theirs."""
        return [desk.digests for desk in self.sweeper.desks]

    def sweep(self) -> int:
        """The clock-driven work that is due now: escalations, confirmations, digests. Runs each once."""
        return self.sweeper.run()

    def run(
        self,
        stop: threading.Event,
        backlog: Policy = "answer",
        progress: Progress | None = None,
        signals: Signals | None = None,
    ) -> None:
        """Run until `stop` is set or `signals` ask to stop; the mail in hand and the send in flight finish.

        With metrics enabled, /metrics and /healthz are served meanwhile; under systemd
        (Type=notify) READY=1 is sent once the workers run, WATCHDOG=1 by the clock thread
        while every worker is alive, and STOPPING=1 when told to stop."""
        self.settle_backlog(backlog, progress)  # before any worker: a refusal starts nothing
        server = MetricsServer(self.metrics).start() if self.metrics else None
        self._workers = [
            threading.Thread(target=loop.run_forever, args=(stop,), name=f"ingest {loop.name}".strip())
            for loop in self.ingests
        ] + [
            threading.Thread(target=self._send_forever, args=(stop,), name="sender"),
            threading.Thread(target=self._clock_forever, args=(stop,), name="clock"),
        ]
        for worker in self._workers:
            worker.start()
        watching = ", ".join(f"{box.label} via IMAP {box.imap.host}:{box.imap.port}" for box in self.boxes)
        log.info("helpdesk running: %s", watching)
        self.systemd.ready(f"running: {', '.join(box.address for box in self.boxes)}")
        if signals is None:
            stop.wait()
        else:
            signals.serve(stop)
        self.systemd.stopping()
        self._outbox_ready.set()
        for worker in self._workers:
            worker.join()
        if server is not None:
            server.stop()
        self.engine.dispose()
        log.info("helpdesk stopped")

    def _send_forever(self, stop: threading.Event) -> None:
        """Drain the outbox whenever woken or every poll interval; survive database outages.

        The sender waits out an SMTP outage by itself; a database error backs off here, at most
        DATABASE_RETRY_MAX seconds, so sending resumes within a minute of the database's return."""
        failing = False
        delay = self.config.smtp.poll_seconds
        while not stop.is_set():
            self._outbox_ready.clear()
            try:
                self.sender.drain(stop.is_set)
            except Exception:  # SMTP trouble is handled inside; this is the database
                if not failing:
                    log.exception("outbox drain failed; retrying with backoff")
                    failing = True
                delay = min(delay * 2, DATABASE_RETRY_MAX)
            else:
                if failing:
                    log.info("outbox drain working again")
                    failing = False
                delay = self.config.smtp.poll_seconds
            self._outbox_ready.wait(delay)

    def _clock_forever(self, stop: threading.Event) -> None:
        """The periodic jobs (the `schedule` library): the confirmation sweep every minute."""
        scheduler = schedule.Scheduler()
        scheduler.every(1).minutes.do(self._sweep)
        self._sweep()  # work that fell due while the daemon was down runs once, now
        while not stop.is_set():
            scheduler.run_pending()
            if all(worker.is_alive() for worker in self._workers):
                self.systemd.watchdog()  # a dead worker, or this thread stuck in a sweep, gets us restarted
            stop.wait(1)

    def _sweep(self) -> None:
        try:
            if self.sweep():
                self._outbox_ready.set()
        except Exception:  # a database hiccup must not end the clock
            log.exception("clock sweep failed; trying again at the next minute")

    def close(self) -> None:
        self.engine.dispose()
