"""Prometheus metrics and a health check for the running daemon, served over HTTP on /metrics and /healthz."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from sqlalchemy.orm import sessionmaker

from helpdesk.clock import Clock
from helpdesk.config import MetricsConfig
from helpdesk.errors import ConfigError
from helpdesk.outbound.sender import SERVICE as SMTP_OUTAGE
from helpdesk.pipeline import Outcome
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.store_operator import breaches_by_clock, outbox_by_status, tickets_by_state

if TYPE_CHECKING:
    from prometheus_client.core import Metric

log = logging.getLogger(__name__)

OUTCOMES = ("created", "appended", "duplicate", "ignored", "quarantined", "already")
OUTBOX_STATUSES = ("pending", "sent", "failed")
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SWEEP_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class _Reachability:
    """Whether a server answered last time, and since when (monotonic) it has not."""

    def __init__(self) -> None:
        self.up: bool | None = None  # None until the first try
        self.down_since: float | None = None

    def tell(self, up: bool) -> None:
        self.up = up
        if up:
            self.down_since = None
        elif self.down_since is None:
            self.down_since = time.monotonic()

    def down_for(self) -> float:
        return 0.0 if self.down_since is None else time.monotonic() - self.down_since


class _Store:
    """What the database says at scrape time: tickets, outbox, breaches, the SMTP outage row."""

    def __init__(self, tickets: dict[str, int], outbox: dict, breaches: dict[str, int], smtp_down: bool):
        self.tickets = tickets
        self.outbox: dict[str, tuple[int, datetime | None]] = outbox
        self.breaches = breaches
        self.smtp_down = smtp_down


class Metrics:
    """The daemon's metrics in a registry of its own; also the ingest loop's watcher (IngestWatcher).

    Counters and histograms are counted as things happen; the ticket, outbox and breach figures
    and the connection states are read from the database whenever /metrics or /healthz is asked."""

    def __init__(
        self, config: MetricsConfig, sessions: sessionmaker, clock: Clock, states: list[str]
    ) -> None:
        # prometheus_client is imported here, only when metrics are enabled (1.4 MiB a process).
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.config = config
        self.sessions = sessions
        self.clock = clock
        self.states = states
        self.registry = CollectorRegistry()
        self.imap = _Reachability()
        self.database = _Reachability()
        self._fetched = Counter(
            "helpdesk_mails_fetched", "Mails fetched from the IMAP folder", registry=self.registry
        )
        self._processed = Counter(
            "helpdesk_mails_processed",
            "Mails the pipeline finished, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        for outcome in OUTCOMES:
            self._processed.labels(outcome)
        self._latency = Histogram(
            "helpdesk_mail_processing_seconds",
            "Time to parse, decide and commit one mail",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._sweep = Histogram(
            "helpdesk_sweep_duration_seconds",
            "Time one clock sweep (deadlines, escalations, reminders, digests) took",
            buckets=SWEEP_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_StoreCollector(self))

    # -- what the loops tell us -------------------------------------------------------------

    def fetched(self) -> None:
        self._fetched.inc()

    def processed(self, outcome: Outcome, seconds: float) -> None:
        self._processed.labels(outcome.kind).inc()
        self._latency.observe(seconds)

    def reachable(self, service: str, up: bool) -> None:
        (self.imap if service == "imap" else self.database).tell(up)

    def swept(self, seconds: float) -> None:
        self._sweep.observe(seconds)

    # -- read at scrape time ----------------------------------------------------------------

    def store(self) -> _Store | None:
        """The database's figures, or None (and the database marked down) when it cannot answer."""
        try:
            with self.sessions() as session:
                outages = {outage.service for outage in Repository(session).outages()}
                found = _Store(
                    tickets_by_state(session),
                    outbox_by_status(session),
                    breaches_by_clock(session),
                    SMTP_OUTAGE in outages,
                )
        except Exception as exc:  # any database failure: reported, never raised into the scrape
            if self.database.up is not False:
                log.warning("metrics: the database cannot be read (%s)", exc)
            self.database.tell(False)
            return None
        self.database.tell(True)
        return found

    def oldest_pending_age(self, store: _Store) -> float:
        _, oldest = store.outbox.get("pending", (0, None))
        return 0.0 if oldest is None else max(0.0, (self.clock.now() - oldest).total_seconds())

    def health(self) -> tuple[bool, str]:
        """(healthy, reason): unhealthy once IMAP or the database has been unreachable, or the
        oldest pending outbox mail has waited, longer than unhealthy_after_seconds."""
        limit = self.config.unhealthy_after_seconds
        store = self.store()
        problems = []
        if self.imap.down_for() > limit:
            problems.append(f"IMAP server unreachable for {self.imap.down_for():.0f} s")
        if self.database.down_for() > limit:
            problems.append(f"database unreachable for {self.database.down_for():.0f} s")
        waiting = 0.0 if store is None else self.oldest_pending_age(store)
        if waiting > limit:
            problems.append(f"outbox stuck: the oldest pending mail has waited {waiting:.0f} s")
        return (not problems, "; ".join(problems) or "ok")


class _StoreCollector:
    """Yields the figures read from the database at each scrape."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        metrics = self.metrics
        store = metrics.store()
        up = GaugeMetricFamily(
            "helpdesk_connection_up", "1 when the server answered at the last try, else 0", labels=["service"]
        )
        tickets = GaugeMetricFamily("helpdesk_tickets", "Tickets by state", labels=["state"])
        outbox = GaugeMetricFamily("helpdesk_outbox_mails", "Outbox mails by status", labels=["status"])
        oldest = GaugeMetricFamily(
            "helpdesk_outbox_oldest_pending_age_seconds", "Age of the oldest mail waiting to be sent"
        )
        breaches = CounterMetricFamily(
            "helpdesk_deadline_breaches", "Deadlines missed, by clock", labels=["clock"]
        )
        up.add_metric(["imap"], float(bool(metrics.imap.up)))
        up.add_metric(["database"], float(store is not None))
        if store is not None:
            up.add_metric(["smtp"], float(not store.smtp_down))
            for state in dict.fromkeys([*metrics.states, *store.tickets]):
                tickets.add_metric([state], store.tickets.get(state, 0))
            for status in dict.fromkeys([*OUTBOX_STATUSES, *store.outbox]):
                outbox.add_metric([status], store.outbox.get(status, (0, None))[0])
            oldest.add_metric([], metrics.oldest_pending_age(store))
            for clock, count in sorted(store.breaches.items()):
                breaches.add_metric([clock], count)
        yield from (up, tickets, outbox, oldest, breaches)


class MetricsServer:
    """/metrics (Prometheus text format) and /healthz (200 "ok" or 503 and the reason) on one port."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        config = metrics.config
        try:
            self.httpd = ThreadingHTTPServer((config.host, config.port), _handler(metrics))
        except OSError as exc:
            raise ConfigError(
                [f"metrics: cannot listen on {config.host}:{config.port}: {exc.strerror or exc}"]
            ) from exc
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="metrics", daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def start(self) -> MetricsServer:
        self._thread.start()
        log.info("metrics on http://%s:%d/metrics, health on /healthz", self.metrics.config.host, self.port)
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join()


def _handler(metrics: Metrics) -> type[BaseHTTPRequestHandler]:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._reply(200, CONTENT_TYPE_LATEST, generate_latest(metrics.registry))
            elif path == "/healthz":
                healthy, reason = metrics.health()
                self._reply(200 if healthy else 503, "text/plain; charset=utf-8", (reason + "\n").encode())
            else:
                self._reply(404, "text/plain; charset=utf-8", b"try /metrics or /healthz\n")

        def _reply(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("metrics request: %s", self.requestline)

    return Handler
