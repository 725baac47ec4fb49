"""Queries over what goes out: the outbox, its leases and retries, SMTP outages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from helpdesk.tickets.models import (
    Outage,
    OutboxMail,
)

SUPPRESSED = "suppressed"  # the outbox status of mail decided during a first start's import: never sent
_UNSYNCED = {"synchronize_session": False}  # outbox updates by id: no loaded rows to keep in step


# Built once: the daily cap asks it for every automatic mail.
_AUTOMATIC_SINCE = select(func.count(OutboxMail.id)).where(
    OutboxMail.recipient == bindparam("to"),
    OutboxMail.automatic.is_(True),
    OutboxMail.status != SUPPRESSED,
    OutboxMail.created_at >= bindparam("since", type_=OutboxMail.created_at.type),
)


class OutboxQueries:
    """Mixed into Repository, which owns the session and the transaction."""

    session: Session

    def automatic_mails_since(self, recipient: str, since: datetime) -> int:
        return self.session.scalar(_AUTOMATIC_SINCE, {"to": recipient.lower(), "since": since}) or 0

    def claim_outbox(self, now: datetime, lease_until: datetime, limit: int) -> list[OutboxMail]:
        """Lease up to `limit` due mails to the caller until `lease_until`; commit before sending.

        One statement: PostgreSQL locks the rows it takes and skips those another sender holds
        (FOR UPDATE SKIP LOCKED); on SQLite the statement takes the write lock. A sender that dies
        holding mail gives it back when the lease ends."""
        due = (
            select(OutboxMail.id)
            .where(OutboxMail.status == "pending", OutboxMail.next_attempt_at <= now)
            .order_by(OutboxMail.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(OutboxMail)
            .where(OutboxMail.id.in_(due.scalar_subquery()))
            .values(next_attempt_at=lease_until)
            .returning(OutboxMail)
        )
        return sorted(self.session.scalars(claim, execution_options=_UNSYNCED), key=lambda row: row.id)

    def has_due_outbox(self, now: datetime) -> bool:
        due = select(OutboxMail.id).where(OutboxMail.status == "pending", OutboxMail.next_attempt_at <= now)
        return self.session.scalar(due.limit(1)) is not None

    def record_sent(self, row_id: int, at: datetime) -> None:
        """Mark a leased mail sent (a no-op if someone else already settled it)."""
        self._settle(row_id, status="sent", sent_at=at, last_error="")

    def record_attempt(self, row_id: int, error: str, retry_at: datetime | None) -> None:
        """A try the server refused: due again at `retry_at`, or failed for good when None."""
        if retry_at is None:
            self._settle(row_id, status="failed", last_error=error)
        else:
            self._settle(row_id, next_attempt_at=retry_at, last_error=error)

    def _settle(self, row_id: int, **values) -> None:
        self.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == row_id, OutboxMail.status == "pending")
            .values(attempts=OutboxMail.attempts + 1, **values),
            execution_options=_UNSYNCED,
        )

    def release_outbox(self, row_ids: list[int], lease_until: datetime, now: datetime) -> None:
        """Give back leased mails that were not tried: due now, attempts unchanged (unless the
        lease already passed to another sender)."""
        self.session.execute(
            update(OutboxMail)
            .where(
                OutboxMail.id.in_(row_ids),
                OutboxMail.status == "pending",
                OutboxMail.next_attempt_at == lease_until,
            )
            .values(next_attempt_at=now),
            execution_options=_UNSYNCED,
        )

    def outages(self) -> list[Outage]:
        return list(self.session.scalars(select(Outage).order_by(Outage.service)))

    def record_outage(self, service: str, since: datetime, at: datetime, reason: str) -> None:
        outage = self.session.get(Outage, service)
        if outage is None:
            self.session.add(Outage(service=service, since=since, tried_at=at, reason=reason))
        else:
            outage.tried_at, outage.reason = at, reason

    def clear_outage(self, service: str) -> None:
        self.session.execute(delete(Outage).where(Outage.service == service))

    def outbox(self, status: str | None = None, limit: int = 100) -> list[OutboxMail]:
        query = select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)
        if status:
            query = query.where(OutboxMail.status == status)
        return list(self.session.scalars(query))

    def retry_outbox(self, row_id: int | None, now: datetime) -> int:
        """Make failed mail due again with fresh attempts: one row (any status but sent), or every
        failed row when `row_id` is None. Returns how many rows were changed."""
        query = update(OutboxMail).values(status="pending", attempts=0, next_attempt_at=now, last_error="")
        if row_id is None:
            query = query.where(OutboxMail.status == "failed")
        else:
            query = query.where(OutboxMail.id == row_id, OutboxMail.status != "sent")
        return self.session.execute(query, execution_options=_UNSYNCED).rowcount


def day_start(now_local: datetime) -> datetime:
    """Midnight of `now_local`'s day in its own zone (for per-day caps)."""
    return now_local.replace(hour=0, minute=0, second=0, microsecond=0)
