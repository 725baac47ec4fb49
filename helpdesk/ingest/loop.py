"""Hand every mail in the support folder to the pipeline exactly once, and survive the server going away."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from helpdesk.config import ImapConfig
from helpdesk.errors import MailboxError, StoreUnavailable
from helpdesk.ingest.claims import Claims, Held
from helpdesk.ingest.mailbox import CONNECTION_ERRORS, Mailbox, describe
from helpdesk.pipeline import MailSource, Outcome, Pipeline
from helpdesk.tickets.blobs import AttachmentsUnavailable
from helpdesk.tickets.db import unavailable_when_transient
from helpdesk.tickets.repository import Repository

log = logging.getLogger(__name__)

BATCH = 25  # mails fetched, recorded in one transaction and moved with one command
BATCH_BYTES = 4 * 1024 * 1024  # and at most this much mail in memory at once (a larger one goes alone)
SIZES_AT_ONCE = 500  # UIDs whose sizes are asked in one command (a command line has a limit)


class IngestWatcher(Protocol):
    """Told what the loop sees, for metrics and health; it must never raise or block."""

    def fetched(self) -> None:
        """A mail's bytes came from the server."""

    def processed(self, outcome: Outcome, seconds: float) -> None:
        """The pipeline finished one mail (committed) in `seconds`."""

    def reachable(self, service: str, up: bool) -> None:
        """The IMAP server ("imap") or the database ("database") answered, or did not."""


class _Unwatched:
    def fetched(self) -> None:
        pass

    def processed(self, outcome: Outcome, seconds: float) -> None:
        pass

    def reachable(self, service: str, up: bool) -> None:
        pass


def batches(mailbox: Mailbox, uids: list[int]) -> Iterator[list[int]]:
    """`uids` in order, in batches of at most BATCH mails and BATCH_BYTES."""
    for start in range(0, len(uids), SIZES_AT_ONCE):
        chunk = uids[start : start + SIZES_AT_ONCE]
        sizes = mailbox.sizes(chunk)
        batch: list[int] = []
        held = 0
        for uid in chunk:
            size = sizes.get(uid, 0)
            if batch and (len(batch) == BATCH or held + size > BATCH_BYTES):
                yield batch
                batch, held = [], 0
            batch.append(uid)
            held += size
        if batch:
            yield batch


class IngestLoop:
    """Fetch → process (commit) → move, a batch of mails at a time, the IMAP side of one batch while
    the next is processed; reconnect with backoff on failure."""

    def __init__(
        self,
        config: ImapConfig,
        pipeline: Pipeline,
        on_processed: Callable[[], None] = lambda: None,
        watcher: IngestWatcher | None = None,
        name: str = "",
    ) -> None:
        self.config = config
        self.pipeline = pipeline
        self.on_processed = on_processed
        self.watcher = watcher or _Unwatched()
        self.name = name  # the mailbox's name (config `mailboxes`): its key on checkpoints and claims
        self.mailbox = Mailbox(config, name)
        # Several daemons on one mailbox (PostgreSQL): each takes mails no other is working on.
        self.claims = Claims(pipeline.sessions.kw["bind"], name, config.folder)

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Process every mail waiting now; returns how many. Connection errors propagate."""
        if not self.mailbox.connected:
            self.mailbox.connect()
            log.info(
                "IMAP %s:%d connected as %s, folder %s (UIDVALIDITY %d)",
                self.config.host,
                self.config.port,
                self.config.username,
                self.config.folder,
                self.mailbox.uidvalidity,
            )
            self.watcher.reachable("imap", True)
            self._resume()
        count = 0
        holding: list[Held] = []  # the claims of the batches fetched and not yet moved
        try:
            # The connection's one user while batches flow: the next batch is fetched, and the last
            # one moved, while this one is processed; a batch moves only after its commit.
            with ThreadPoolExecutor(1, thread_name_prefix=f"imap {self.name}".strip()) as imap:
                plan = batches(self.mailbox, self.mailbox.pending())
                ahead = imap.submit(self._take, plan, holding)
                moving: Future | None = None
                while (raws := ahead.result()) is not None and not (stop is not None and stop.is_set()):
                    ahead = imap.submit(self._take, plan, holding)
                    if not raws:
                        continue
                    done = self._process(raws)
                    if moving is not None:
                        moving.result()  # the previous batch's move: a dropped connection raises here
                        holding.pop(0).release()
                    moving = imap.submit(self.mailbox.finish, done)
                    count += len(done)
                    self.on_processed()
                if moving is not None:
                    moving.result()
        finally:
            for held in holding:
                held.release()
        return count

    def _take(self, plan: Iterator[list[int]], holding: list[Held]) -> dict[int, bytes] | None:
        """The next batch's mails that no other daemon is working on (None when there is none);
        a mail expunged meanwhile is missing. Its claim is appended to `holding`."""
        uids = next(plan, None)
        if uids is None:
            return None
        held, uids = self.claims.take(self.mailbox.uidvalidity, uids)
        try:
            raws = self.mailbox.fetch(uids) if uids else {}
        except BaseException:
            held.release()
            raise
        if raws:
            holding.append(held)
        else:
            held.release()
        return raws

    def _process(self, raws: dict[int, bytes]) -> dict[int, bool]:
        """Record one batch (one transaction); returns each UID's fate for the move: quarantined or not."""
        for _ in raws:
            self.watcher.fetched()
        started = time.perf_counter()
        folder, uidvalidity = self.config.folder, self.mailbox.uidvalidity
        mails = [(raw, MailSource(folder, uidvalidity, uid, self.name)) for uid, raw in raws.items()]
        outcomes = self.pipeline.process_batch(mails)
        seconds = time.perf_counter() - started  # each mail waited for the batch's commit
        for outcome in outcomes:
            self.watcher.processed(outcome, seconds)
        self.watcher.reachable("database", True)
        return {uid: "quarantined" in (o.kind, o.detail) for uid, o in zip(raws, outcomes, strict=True)}

    def _resume(self) -> None:
        """Read the folder's checkpoint; a new UIDVALIDITY voids it, and says so."""
        with unavailable_when_transient(), self.pipeline.sessions() as session:
            stored = Repository(session).checkpoint(self.config.folder, self.name)
        if stored is None:
            return
        uidvalidity, last_uid = stored
        if uidvalidity != self.mailbox.uidvalidity:
            log.warning(
                "IMAP folder %s has a new UIDVALIDITY %d (was %d: recreated or restored): the UIDs "
                "recorded before mean nothing now, so every mail in it is considered again; a mail "
                "already recorded is known by its Message-ID and changes nothing",
                self.config.folder,
                self.mailbox.uidvalidity,
                uidvalidity,
            )
        self.mailbox.resume(uidvalidity, last_uid)

    def run_forever(self, stop: threading.Event) -> None:
        """Until `stop`: process, then wait for new mail.

        Outages (the IMAP server, the database) are logged once and retried with backoff;
        a mail whose transaction did not commit stays in the folder and is taken again.
        """
        delay = self.config.reconnect.initial
        down = False
        while not stop.is_set():
            try:
                self.run_once(stop)
                if down:
                    log.info("ingest from %s:%d working again", self.config.host, self.config.port)
                    down = False
                delay = self.config.reconnect.initial
                if not stop.is_set():
                    self.mailbox.wait(self.config.idle_renew_seconds, stop)
            except Exception as exc:  # the loop must outlive any outage
                if isinstance(exc, StoreUnavailable):
                    self.watcher.reachable("database", False)
                elif isinstance(exc, (*CONNECTION_ERRORS, MailboxError)):
                    self.watcher.reachable("imap", False)
                if not down:
                    if isinstance(exc, StoreUnavailable):
                        disk = isinstance(exc, AttachmentsUnavailable)  # its message says what failed
                        what = exc if disk else f"database unavailable ({exc})"
                        log.warning("%s; the mail in hand stays in the mailbox; retrying with backoff", what)
                    elif isinstance(exc, (*CONNECTION_ERRORS, MailboxError)):
                        where = f"{self.config.host}:{self.config.port}"
                        log.warning(
                            "%s; retrying with backoff", describe(exc, where, self.config.timeout_seconds)
                        )
                    else:
                        log.exception("ingest failed; the mail in hand stays in the mailbox for a retry")
                    down = True
                self.mailbox.abandon()
                stop.wait(delay)
                delay = min(delay * 2, self.config.reconnect.maximum)
        try:
            self.mailbox.close()
        except CONNECTION_ERRORS:
            self.mailbox.abandon()
