"""Wire the helpdesk together and run it: the ingest loop and the sender, until told to stop."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import timedelta

import schedule

from helpdesk.applier import Applier
from helpdesk.clock import Clock, SystemClock
from helpdesk.config import Config
from helpdesk.ingest.backlog import BacklogMailbox, Policy, Progress, SilentNotifier, settle
from helpdesk.ingest.loop import IngestLoop
from helpdesk.metrics import Metrics, MetricsServer
from helpdesk.outbound.outbox import Notifier
from helpdesk.outbound.render import Renderer
from helpdesk.outbound.sender import DrainResult, Sender
from helpdesk.pipeline import Pipeline
from helpdesk.record import Recorder
from helpdesk.rules.load import load_rules
from helpdesk.sdnotify import SystemdNotifier
from helpdesk.sla.digest import Digests
from helpdesk.sweep import Sweeper
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.db import make_engine, session_factory, upgrade

log = logging.getLogger(__name__)

DATABASE_RETRY_MAX = 30.0  # seconds between the sender's tries while the database fails


@dataclass
class OnceResult:
    mails: int
    outbox: DrainResult


class Helpdesk:
    """The assembled application: storage, pipeline, ingest loop and sender over one config."""

    def __init__(self, config: Config, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.engine = make_engine(config.database.url)
        upgrade(self.engine)
        self.sessions = session_factory(self.engine)
        self.rules = load_rules(config.paths.rules)
        renderer = Renderer(config.paths.templates, fallback_language=config.default_language)
        notifier = Notifier(config, renderer, self.clock)
        applier = Applier(config, self.rules, notifier)
        recorder = Recorder(config, self.rules, BlobStore(config.paths.data / "attachments"), self.clock)
        self.pipeline = Pipeline(config, self.sessions, self.rules, recorder, applier, self.clock)
        # The first start's import of the mail already waiting: the same pipeline, but nothing is sent.
        silent = Applier(config, self.rules, SilentNotifier(config, renderer, self.clock))
        self.importer = Pipeline(config, self.sessions, self.rules, recorder, silent, self.clock)
        self.digests = Digests(config, self.rules, renderer, notifier, self.clock)
        self.metrics = (
            Metrics(config.metrics, self.sessions, self.clock, list(self.rules.workflows.states))
            if config.metrics.enabled
            else None
        )
        timed = self.metrics.swept if self.metrics else None
        retention = config.privacy.raw_retention_days
        self.sweeper = Sweeper(
            self.sessions,
            self.rules,
            applier,
            self.digests,
            self.clock,
            timed,
            raw_retention=timedelta(days=retention) if retention else None,
        )
        self.sender = Sender(config.smtp, config.support_address, self.sessions, self.clock)
        self._outbox_ready = threading.Event()
        self.ingest = IngestLoop(
            config.imap, self.pipeline, on_processed=self._outbox_ready.set, watcher=self.metrics
        )
        self.systemd = SystemdNotifier(os.environ)
        self._workers: list[threading.Thread] = []

    def run_once(self, backlog: Policy = "answer", progress: Progress | None = None) -> OnceResult:
        """Process all waiting mail, run the due clock work, then send all due mail; for cron and tests.

        `backlog` says what a first start does with mail already in the folder (see ingest/backlog.py);
        "ask" refuses (BacklogUndecided) when there is any."""
        try:
            self.settle_backlog(backlog, progress)
            mails = self.ingest.run_once()
        finally:
            self.ingest.mailbox.close()
        self.sweep()
        return OnceResult(mails, self.sender.drain())

    def settle_backlog(self, backlog: Policy, progress: Progress | None = None) -> None:
        """On a first start, deal with the mail already in the folder as `backlog` says."""
        if not isinstance(self.ingest.mailbox, BacklogMailbox):  # once: the loop's mailbox keeps state
            self.ingest.mailbox = BacklogMailbox(self.config.imap)
        settle(self.ingest.mailbox, self.sessions, self.importer, self.clock, backlog, progress)

    def sweep(self) -> int:
        """The clock-driven work that is due now: escalations, confirmations, digests. Runs each once."""
        return self.sweeper.run()

    def run(
        self, stop: threading.Event, backlog: Policy = "answer", progress: Progress | None = None
    ) -> None:
        """Run until `stop` is set; the mail in hand and the send in flight finish first.

        With metrics enabled, /metrics and /healthz are served meanwhile; under systemd
        (Type=notify) READY=1 is sent once the workers run, WATCHDOG=1 by the clock thread
        while every worker is alive, and STOPPING=1 when told to stop."""
        self.settle_backlog(backlog, progress)  # before any worker: a refusal starts nothing
        server = MetricsServer(self.metrics).start() if self.metrics else None
        self._workers = [
            threading.Thread(target=self.ingest.run_forever, args=(stop,), name="ingest"),
            threading.Thread(target=self._send_forever, args=(stop,), name="sender"),
            threading.Thread(target=self._clock_forever, args=(stop,), name="clock"),
        ]
        for worker in self._workers:
            worker.start()
        log.info(
            "helpdesk running: %s via IMAP %s:%d",
            self.config.support_address,
            self.config.imap.host,
            self.config.imap.port,
        )
        self.systemd.ready(f"running: {self.config.support_address}")
        stop.wait()
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
