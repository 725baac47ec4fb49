"""Drain the outbox over SMTP: lease what is due, send it, retry what failed for now, mark what never will."""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import getaddresses
from typing import TypeVar

import aiosmtplib
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import sessionmaker

from helpdesk.clock import Clock
from helpdesk.config import SmtpConfig
from helpdesk.outbound import smtp_data
from helpdesk.outbound.retry import RetryPolicy, is_permanent, is_session_trouble
from helpdesk.outbound.stored import BlobChanged, wire
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.models import OutboxMail
from helpdesk.tickets.repository import Repository

log = logging.getLogger(__name__)
T = TypeVar("T")

SERVICE = "smtp"  # the sender's row in the outages table
BATCH = 10  # mails leased at a time: a sender holds little that another could be sending


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    outage: str = ""  # why the server could not be used at all; no mail was charged for it


@dataclass(frozen=True)
class _Outcome:
    """What the server said to one mail, kept until the database has taken it."""

    row_id: int
    message_id: str
    recipient: str
    kind: str
    attempts: int  # including this one
    code: int | None = None
    error: str = ""  # empty: sent

    @property
    def permanent(self) -> bool:
        return is_permanent(self.code)


class _SessionLost(Exception):
    """The connection broke, or the server spoke of the session, while sending: no mail's fault."""


class Sender:
    """Sends due outbox rows, each leased in a committed transaction before its send, so several
    senders share one outbox and a mail goes out again only when its holder never said how it went.

    A refused connection, greeting, STARTTLS or login is an outage of the server, not of the mails:
    no row changes, the sender waits (its own capped backoff) and says why in the outages table."""

    def __init__(
        self,
        config: SmtpConfig,
        envelope_from: str,
        sessions: sessionmaker,
        clock: Clock,
        blobs: BlobStore,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.blobs = blobs  # where the files of the mails carrying them by reference are
        self.envelope_from = envelope_from
        self.sessions = sessions
        self.clock = clock
        self.policy = RetryPolicy.from_config(config.retry)
        self.reconnect = RetryPolicy.reconnecting(config.reconnect)
        self.lease = timedelta(seconds=config.lease_seconds)
        self.rng = rng or random.Random()
        self._unrecorded: list[_Outcome] = []  # sent (or refused), but the database did not take it
        self._untried: tuple[list[int], datetime] | None = None
        self._outage_since: datetime | None = None
        self._outage_reason = ""
        self._outage_tries = 0
        self._retry_at: datetime | None = None
        self._stale_outage = True  # a previous run may have left its outage row behind

    def drain(self, stop: Callable[[], bool] = lambda: False) -> DrainResult:
        """Send every due mail once (until `stop()`); returns the counts. Never raises for SMTP
        trouble; a database error is raised after the connection pool is recycled."""
        try:
            return asyncio.run(self._drain(stop))
        except DBAPIError:
            # A connection opened while the database refused writes (a read-only SQLite file)
            # would refuse them for good: open fresh ones when it is back.
            self.sessions.kw["bind"].dispose()
            raise

    async def _drain(self, stop: Callable[[], bool]) -> DrainResult:
        result = DrainResult()
        # What the server already answered goes in first: nothing is leased, so nothing is
        # sent, until the database takes writes again.
        if self._untried:  # leased but never tried when the database failed: due again now
            self._release(result, *self._untried)
            self._untried = None
        else:
            self._write(result)
        now = self.clock.now()
        if self._retry_at is not None and now < self._retry_at:
            result.outage = self._outage_reason
            return result
        with self.sessions() as session:
            due = Repository(session).has_due_outbox(now)
        if not due and self._outage_since is None:
            return result
        smtp = aiosmtplib.SMTP(
            hostname=self.config.host,
            port=self.config.port,
            use_tls=self.config.security == "tls",
            start_tls=False,  # a step of its own: inside connect(), a failed handshake orphans the socket
            tls_context=self.config.tls_context(),
            timeout=self.config.timeout_seconds,
        )
        try:
            await self._open(smtp)
        except _SessionLost as exc:
            smtp.close()
            self._outage(str(exc), result)
            return result
        try:
            while not stop() and await self._send_batch(smtp, result):
                if not smtp.is_connected:  # a mail ended the session: the rest on a new one
                    await self._open(smtp)
            self._write(result)  # told to stop: what the last batch sent is written before we go
            self._reachable()  # a login alone proves little: a 530 to MAIL FROM is the outage too
        except _SessionLost as exc:
            self._outage(str(exc), result)
        finally:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()
        return result

    async def _open(self, smtp: aiosmtplib.SMTP) -> None:
        stage = "connect"
        try:
            await smtp.connect()
            if self.config.security == "starttls":
                stage = "STARTTLS"
                await smtp.starttls(tls_context=self.config.tls_context())
            if self.config.username:
                stage = "login"
                await smtp.login(self.config.username, self.config.password)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise _SessionLost(f"{stage} failed: {_describe(exc)}") from exc

    async def _send_batch(self, smtp: aiosmtplib.SMTP, result: DrainResult) -> bool:
        """Lease a batch (writing the answers not yet written in the same transaction) and send
        it; False when nothing was due."""
        now = self.clock.now()
        lease_until = now + self.lease
        batch = self._write(result, lambda repo: repo.claim_outbox(now, lease_until, BATCH))
        if not batch:
            return False
        for index, row in enumerate(batch):
            rest = [r.id for r in batch[index:]]
            # Past half the lease another sender may soon take what is left: give it back.
            if self.clock.now() >= now + self.lease / 2:
                self._release(result, rest, lease_until)
                return True
            try:
                outcome = await self._send_one(smtp, row)
            except _SessionLost:
                self._release(result, rest, lease_until)
                raise
            self._unrecorded.append(outcome)
            try:
                self._write(result, wait=False)  # behind another writer: with the next lease
            except DBAPIError:
                self._untried = (rest[1:], lease_until)  # given back later
                raise
            if not smtp.is_connected:  # the mail ended its session (a file changed in mid-send)
                self._release(result, rest[1:], lease_until)  # the rest: leased again, sent on
                return True  # a new connection (the drain reconnects)
        return True

    async def _send_one(self, smtp: aiosmtplib.SMTP, row: OutboxMail) -> _Outcome:
        recipients = [addr for _name, addr in getaddresses([row.recipient]) if addr]
        attempt = {
            "row_id": row.id,
            "message_id": row.message_id,
            "recipient": row.recipient,
            "kind": row.kind,
            "attempts": row.attempts + 1,
        }
        try:
            await smtp_data.sendmail(smtp, self.envelope_from, recipients, wire(row, self.blobs))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            code = max((err.code for err in exc.recipients), default=None)
            if is_session_trouble(code):
                raise _SessionLost(f"recipient refused: {_describe(exc)}") from exc
            return _Outcome(**attempt, code=code, error=_error(code, exc))
        except aiosmtplib.SMTPResponseException as exc:
            if is_session_trouble(exc.code):
                raise _SessionLost(f"sending {row.message_id}: {_describe(exc)}") from exc
            return _Outcome(**attempt, code=exc.code, error=_error(exc.code, exc))
        except (ValueError, aiosmtplib.SMTPNotSupported) as exc:  # an address no server would take
            return _Outcome(**attempt, code=550, error=_error(None, exc))
        except BlobChanged as exc:  # a file changed in mid-send: the server took nothing, tried again
            return _Outcome(**attempt, error=_error(None, exc))
        except (aiosmtplib.SMTPException, OSError) as exc:  # disconnected, timed out
            raise _SessionLost(f"connection lost sending {row.message_id}: {_describe(exc)}") from exc
        return _Outcome(**attempt)

    def _write(
        self, result: DrainResult, then: Callable[[Repository], T] | None = None, wait: bool = True
    ) -> T | None:
        """Write the server's answers not yet written, oldest first, and `then`'s change, in one
        transaction; what fails stays for the next try. Without `wait`, a database another writer
        holds is not waited for (SQLite): the answers stay for the next write."""
        written = list(self._unrecorded)
        if not written and then is None:
            return None
        now = self.clock.now()
        with (
            _waiting(self.sessions.kw["bind"], wait) as connection,
            self.sessions(bind=connection) as session,
        ):
            repo = Repository(session)
            try:
                for outcome in written:
                    if not outcome.error:
                        repo.record_sent(outcome.row_id, now)
                    elif outcome.permanent or self.policy.gives_up(outcome.attempts):
                        repo.record_attempt(outcome.row_id, outcome.error, None)
                    else:
                        retry_at = now + self.policy.delay(outcome.attempts, self.rng)
                        repo.record_attempt(outcome.row_id, outcome.error, retry_at)
                done = then(repo) if then is not None else None
                session.commit()
            except OperationalError as exc:
                if wait or not _busy(exc):
                    raise
                return None
        del self._unrecorded[: len(written)]
        for outcome in written:
            self._count(outcome, result)
        return done

    def _count(self, outcome: _Outcome, result: DrainResult) -> None:
        if not outcome.error:
            result.sent += 1
            log.info("sent %s mail %s to %s", outcome.kind, outcome.message_id, outcome.recipient)
        elif outcome.permanent or self.policy.gives_up(outcome.attempts):
            result.failed += 1
            log.error(
                "mail %s to %s failed permanently after %d attempt(s): %s",
                outcome.message_id,
                outcome.recipient,
                outcome.attempts,
                outcome.error,
            )
        else:
            result.retrying += 1
            log.warning(
                "mail %s to %s refused for now (%s); retrying with backoff",
                outcome.message_id,
                outcome.recipient,
                outcome.error,
            )

    def _release(self, result: DrainResult, row_ids: list[int], lease_until: datetime) -> None:
        self._write(result, lambda repo: repo.release_outbox(row_ids, lease_until, self.clock.now()))

    def _outage(self, reason: str, result: DrainResult) -> None:
        """The server cannot be used: wait longer each time, say why once, and keep it visible."""
        now = self.clock.now()
        if self._outage_since is None or reason != self._outage_reason:
            log.warning(
                "SMTP server %s:%d unusable (%s); mail waits, no mail is marked failed for it",
                self.config.host,
                self.config.port,
                reason,
            )
        self._outage_since = self._outage_since or now
        self._outage_reason = reason
        self._outage_tries += 1
        self._retry_at = now + self.reconnect.delay(self._outage_tries, self.rng)
        result.outage = reason
        with self.sessions.begin() as session:
            Repository(session).record_outage(SERVICE, self._outage_since, now, reason)
        self._stale_outage = True

    def _reachable(self) -> None:
        if self._outage_since is not None:
            log.info(
                "SMTP server %s:%d usable again (unusable since %s)",
                self.config.host,
                self.config.port,
                self._outage_since.isoformat(timespec="seconds"),
            )
        if self._stale_outage:
            with self.sessions.begin() as session:
                Repository(session).clear_outage(SERVICE)
        self._outage_since, self._outage_reason, self._outage_tries, self._retry_at = None, "", 0, None
        self._stale_outage = False


@contextmanager
def _waiting(engine: Engine, wait: bool) -> Iterator[Connection]:
    """A connection that waits for SQLite's write lock as long as configured, or not at all."""
    with engine.connect() as connection:
        if wait or engine.dialect.name != "sqlite":
            yield connection
            return
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        connection.exec_driver_sql("PRAGMA busy_timeout = 0")
        connection.commit()  # no transaction open: the caller's session begins and commits its own
        try:
            yield connection
        finally:
            connection.rollback()
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout)}")
            connection.commit()


def _busy(exc: OperationalError) -> bool:
    """SQLite said another connection holds the lock (SQLITE_BUSY, SQLITE_LOCKED)."""
    return getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _describe(exc: Exception) -> str:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return "; ".join(f"{err.code} {err.message}" for err in exc.recipients)
    return f"{type(exc).__name__}: {exc}"


def _error(code: int | None, exc: Exception) -> str:
    return f"{code or ''} {type(exc).__name__}: {exc}".strip()[:2000]
