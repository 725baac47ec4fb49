"""Drain the outbox over SMTP: send what is due, retry what failed for now, mark what never will."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from email.utils import getaddresses

import aiosmtplib
from sqlalchemy.orm import sessionmaker

from helpdesk.clock import Clock
from helpdesk.config import SmtpConfig
from helpdesk.outbound.retry import RetryPolicy, is_permanent
from helpdesk.tickets.models import OutboxMail
from helpdesk.tickets.repository import Repository

log = logging.getLogger(__name__)


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


class Sender:
    """Sends due outbox rows; each row's outcome is committed right after its attempt."""

    def __init__(
        self,
        config: SmtpConfig,
        envelope_from: str,
        sessions: sessionmaker,
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.envelope_from = envelope_from
        self.sessions = sessions
        self.clock = clock
        self.policy = RetryPolicy.from_config(config.retry)
        self.rng = rng or random.Random()
        self._outage_logged = False

    def drain(self) -> DrainResult:
        """Try every due mail once; returns the counts. Never raises for SMTP trouble."""
        return asyncio.run(self._drain())

    async def _drain(self) -> DrainResult:
        result = DrainResult()
        with self.sessions() as session:
            due = [row.id for row in Repository(session).due_outbox(self.clock.now())]
        if not due:
            return result
        # STARTTLS is a step of its own: inside connect(), a failed handshake orphans the socket.
        smtp = aiosmtplib.SMTP(
            hostname=self.config.host,
            port=self.config.port,
            use_tls=self.config.security == "tls",
            start_tls=False,
            tls_context=self.config.tls_context(),
            timeout=self.config.timeout_seconds,
        )
        try:
            await smtp.connect()
            if self.config.security == "starttls":
                await smtp.starttls(tls_context=self.config.tls_context())
            if self.config.username:
                await smtp.login(self.config.username, self.config.password)
        except (aiosmtplib.SMTPException, OSError) as exc:
            smtp.close()
            for row_id in due:
                self._record_failure(row_id, exc, getattr(exc, "code", None), result)
            return result
        if self._outage_logged:
            log.info("SMTP server %s:%d reachable again", self.config.host, self.config.port)
            self._outage_logged = False
        try:
            for row_id in due:
                await self._send_one(smtp, row_id, result)
        finally:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()
        return result

    async def _send_one(self, smtp: aiosmtplib.SMTP, row_id: int, result: DrainResult) -> None:
        with self.sessions() as session:
            row = session.get(OutboxMail, row_id)
            data, recipient = row.data, row.recipient
        recipients = [addr for _name, addr in getaddresses([recipient]) if addr]
        try:
            _errors, _reply = await smtp.sendmail(self.envelope_from, recipients, data)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [err.code for err in exc.recipients]
            self._record_failure(row_id, exc, max(codes) if codes else None, result)
            return
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPException, OSError) as exc:
            self._record_failure(row_id, exc, getattr(exc, "code", None), result)
            return
        with self.sessions.begin() as session:
            row = session.get(OutboxMail, row_id)
            row.status = "sent"
            row.attempts += 1
            row.sent_at = self.clock.now()
            row.last_error = ""
        result.sent += 1
        log.info("sent %s mail %s to %s", row.kind, row.message_id, recipient)

    def _record_failure(self, row_id: int, exc: Exception, code: int | None, result) -> None:
        now = self.clock.now()
        with self.sessions.begin() as session:
            row = session.get(OutboxMail, row_id)
            row.attempts += 1
            row.last_error = f"{code or ''} {type(exc).__name__}: {exc}".strip()[:2000]
            if is_permanent(code) or self.policy.gives_up(row.attempts):
                row.status = "failed"
                result.failed += 1
                log.error(
                    "mail %s to %s failed permanently after %d attempt(s): %s",
                    row.message_id,
                    row.recipient,
                    row.attempts,
                    row.last_error,
                )
            else:
                row.next_attempt_at = now + self.policy.delay(row.attempts, self.rng)
                result.retrying += 1
                if not self._outage_logged:
                    log.warning(
                        "SMTP trouble sending %s (%s); retrying with backoff",
                        row.message_id,
                        row.last_error,
                    )
                    self._outage_logged = True
