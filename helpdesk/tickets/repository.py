"""The ticket store's queries: the only code that reads or writes rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from helpdesk.errors import NotFound
from helpdesk.tickets.models import (
    DigestSent,
    Event,
    MailboxState,
    Message,
    Outage,
    OutboxMail,
    Participant,
    QuarantinedMail,
    RawMail,
    SeenMail,
    Ticket,
    TicketClock,
    TicketField,
    TicketSequence,
)
from helpdesk.tickets.snapshot import ClockView, TicketView, Workload
from helpdesk.tickets.status import CLOSED_STATES

_UNSYNCED = {"synchronize_session": False}  # outbox updates by id: no loaded rows to keep in step
BACKLOG_SKIPPED = "backlog"  # a mail left in place at first start ("start from now")
IMPORTING, IMPORTED = "importing", "imported"  # the first start's import: under way, done
IMPORT_MARK_UID = 0
AUTOMATIC = "automatic"  # the stage and status of a machine's mail kept aside in the quarantine table


class Repository:
    """Queries over one session; the caller owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- tickets and their thread -------------------------------------------------------

    def next_in_sequence(self, scope: str) -> int:
        """The next value of the numbering sequence `scope` (e.g. "202612").

        One UPDATE … RETURNING on the scope's row: PostgreSQL holds that row's lock until
        commit and SQLite holds the database's, so two writers never get the same value, and a
        rolled-back transaction gives its value back.
        """
        insert = postgresql.insert if self.session.bind.dialect.name == "postgresql" else sqlite.insert
        self.session.execute(
            insert(TicketSequence).values(scope=scope, last_value=0).on_conflict_do_nothing()
        )
        return self.session.execute(
            update(TicketSequence)
            .where(TicketSequence.scope == scope)
            .values(last_value=TicketSequence.last_value + 1)
            .returning(TicketSequence.last_value)
        ).scalar_one()

    def lock_ticket(self, ticket_id: int) -> Ticket | None:
        """The ticket, row-locked until the transaction ends (PostgreSQL), so two daemons deciding
        on one ticket take turns; SQLite's single writer gives the same order."""
        return self.session.scalar(
            select(Ticket)
            .where(Ticket.id == ticket_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    def ticket_by_number(self, number: str) -> Ticket | None:
        return self.session.scalar(select(Ticket).where(Ticket.number == number))

    def ticket_detail(self, number: str) -> Ticket:
        """A ticket with its messages, attachments, events and outbox loaded; NotFound if absent."""
        ticket = self.session.scalar(
            select(Ticket)
            .where(Ticket.number == number)
            .options(
                selectinload(Ticket.messages).selectinload(Message.attachments),
                selectinload(Ticket.events),
                selectinload(Ticket.outbox),
                selectinload(Ticket.fields),
                selectinload(Ticket.clocks),
                selectinload(Ticket.related),
            )
        )
        if ticket is None:
            raise NotFound(f"no ticket {number}")
        return ticket

    def list_tickets(self, status: str | None = None, limit: int = 100) -> list[Ticket]:
        query = select(Ticket).order_by(Ticket.id.desc()).limit(limit)
        if status:
            query = query.where(Ticket.status == status)
        return list(self.session.scalars(query))

    def snapshot(self, ticket: Ticket) -> TicketView:
        """The plain view of `ticket` that deciders read: columns, report fields, running clocks."""
        return TicketView(
            id=ticket.id,
            number=ticket.number,
            status=ticket.status,
            requester_email=ticket.requester_email,
            requester_name=ticket.requester_name,
            language=ticket.language,
            created_at=ticket.created_at,
            type=ticket.type,
            priority=ticket.priority,
            subcategory=ticket.subcategory,
            nature=ticket.nature,
            team=ticket.team,
            owner=ticket.owner,
            owner_confirmed_at=ticket.owner_confirmed_at,
            collaborators=tuple(ticket.collaborators or ()),
            tags=tuple(ticket.tags or ()),
            required_fields=tuple(ticket.required_fields or ()),
            information_requests=ticket.information_requests or 0,
            incomplete=bool(ticket.incomplete),
            eta=ticket.eta,
            solution=ticket.solution or "",
            confirmation=ticket.confirmation,
            satisfaction=ticket.satisfaction,
            resolved_at=ticket.resolved_at,
            closed_at=ticket.closed_at,
            confirmation_reminders=ticket.confirmation_reminders or 0,
            confirmation_asked_at=ticket.confirmation_asked_at,
            confirmation_answered_at=ticket.confirmation_answered_at,
            customer_updated_at=ticket.customer_updated_at,
            progress_reminded_at=ticket.progress_reminded_at,
            fields=self.field_values(ticket),
            clocks=tuple(
                ClockView(
                    id=c.id,
                    name=c.name,
                    started_at=c.started_at,
                    due_at=c.due_at,
                    breached_at=c.breached_at,
                    paused_at=c.paused_at,
                    escalation_level=c.escalation_level,
                    next_escalation_at=c.next_escalation_at,
                    escalated_to=tuple(c.escalated_to or ()),
                    acknowledged_at=c.acknowledged_at,
                    warned_at=c.warned_at,
                )
                for c in self.open_clocks(ticket)
            ),
        )

    def workload(self, owners: list[str]) -> Workload:
        """Open tickets per person among `owners`, and each one's latest ticket per team (round robin)."""
        rows = self.session.execute(
            select(Ticket.team, Ticket.owner, func.max(Ticket.id))
            .where(Ticket.owner.in_(owners), Ticket.team.is_not(None))
            .group_by(Ticket.team, Ticket.owner)
        ).all()
        latest: dict[str, dict[str, int]] = {}
        for team, owner, ticket_id in rows:
            latest.setdefault(team, {})[owner] = ticket_id
        return Workload(open_counts=self.open_ticket_counts(owners), latest=latest)

    def open_ticket_counts(self, owners: list[str]) -> dict[str, int]:
        """How many unfinished tickets each of `owners` holds."""
        rows = self.session.execute(
            select(Ticket.owner, func.count(Ticket.id))
            .where(Ticket.owner.in_(owners), Ticket.status.not_in(CLOSED_STATES))
            .group_by(Ticket.owner)
        ).all()
        return dict(rows)

    def has_tickets_before(self, moment: datetime) -> bool:
        return self.session.scalar(select(Ticket.id).where(Ticket.created_at < moment).limit(1)) is not None

    def resolved_ids_before(self, cutoff: datetime) -> list[int]:
        """Resolved tickets still waiting for the customer's confirmation since before `cutoff` (indexed)."""
        return list(
            self.session.scalars(
                select(Ticket.id)
                .where(Ticket.status == "resolved", Ticket.resolved_at <= cutoff)
                .order_by(Ticket.id)
            )
        )

    def open_clocks(self, ticket: Ticket) -> list[TicketClock]:
        """The ticket's clocks that have not been met, oldest first."""
        return list(
            self.session.scalars(
                select(TicketClock)
                .where(TicketClock.ticket_id == ticket.id, TicketClock.met_at.is_(None))
                .order_by(TicketClock.id)
            )
        )

    def clock_names(self, ticket: Ticket) -> set[str]:
        """Every clock the ticket has ever had, met or running."""
        return set(self.session.scalars(select(TicketClock.name).where(TicketClock.ticket_id == ticket.id)))

    # -- what the clock jobs look at ----------------------------------------------------

    def tickets_with_due_clocks(self, now: datetime, levels: int) -> list[int]:
        """Tickets with a running clock past due that has an escalation level left (indexed)."""
        return list(
            self.session.scalars(
                select(TicketClock.ticket_id)
                .where(
                    TicketClock.met_at.is_(None),
                    TicketClock.paused_at.is_(None),
                    TicketClock.acknowledged_at.is_(None),
                    TicketClock.due_at <= now,
                    TicketClock.escalation_level < levels,
                    or_(
                        TicketClock.breached_at.is_(None),
                        and_(
                            TicketClock.next_escalation_at.is_not(None),
                            TicketClock.next_escalation_at <= now,
                        ),
                    ),
                )
                .group_by(TicketClock.ticket_id)
                .order_by(func.min(TicketClock.due_at))
            )
        )

    def tickets_with_clocks_due_within(self, now: datetime, until: datetime) -> list[int]:
        """Tickets with a running, unwarned clock falling due in (now, until]."""
        return list(
            self.session.scalars(
                select(TicketClock.ticket_id)
                .where(
                    TicketClock.met_at.is_(None),
                    TicketClock.paused_at.is_(None),
                    TicketClock.warned_at.is_(None),
                    TicketClock.due_at > now,
                    TicketClock.due_at <= until,
                )
                .group_by(TicketClock.ticket_id)
                .order_by(TicketClock.ticket_id)
            )
        )

    def tickets_in_states(self, states: list[str]) -> list[int]:
        return list(
            self.session.scalars(select(Ticket.id).where(Ticket.status.in_(states)).order_by(Ticket.id))
        )

    def set_field(
        self, ticket: Ticket, name: str, value: str, message_id: str, line: int, source: str, at: datetime
    ) -> None:
        """Record or replace one report field, keeping where its value was read."""
        row = self.session.scalar(
            select(TicketField).where(TicketField.ticket_id == ticket.id, TicketField.name == name)
        )
        if row is None:
            row = TicketField(ticket=ticket, name=name)
            self.session.add(row)
        row.value, row.message_id, row.line, row.source, row.updated_at = value, message_id, line, source, at

    def field_values(self, ticket: Ticket) -> dict[str, str]:
        rows = self.session.scalars(select(TicketField).where(TicketField.ticket_id == ticket.id))
        return {row.name: row.value for row in rows}

    def raw_mail(self, raw_id: int) -> bytes:
        return self.session.get(RawMail, raw_id).data

    def purge_raw_before(self, cutoff: datetime) -> int:
        """Delete the raw bytes of mails received before `cutoff`, except those a held quarantine
        entry still needs; their messages keep the masked text. Returns how many went."""
        held = select(QuarantinedMail.raw_mail_id).where(QuarantinedMail.status == "held")
        old = select(RawMail.id).where(RawMail.received_at < cutoff, RawMail.id.not_in(held))
        ids = list(self.session.scalars(old))
        if not ids:
            return 0
        self.session.execute(update(Message).where(Message.raw_mail_id.in_(ids)).values(raw_mail_id=None))
        self.session.execute(
            delete(QuarantinedMail).where(QuarantinedMail.raw_mail_id.in_(ids))
        )
        self.session.execute(delete(RawMail).where(RawMail.id.in_(ids)))
        return len(ids)

    def has_event(self, ticket: Ticket, kind: str) -> bool:
        found = self.session.scalar(
            select(Event.id).where(Event.ticket_id == ticket.id, Event.kind == kind).limit(1)
        )
        return found is not None

    def messages_from(self, sender: str) -> int:
        """How many messages `sender` wrote, in any ticket."""
        return self.session.scalar(select(func.count(Message.id)).where(Message.sender == sender)) or 0

    def message(self, message_id: str) -> Message | None:
        return self.session.scalar(select(Message).where(Message.message_id == message_id))

    def ticket_for_message_ids(self, message_ids: tuple[str, ...]) -> Ticket | None:
        """The ticket of the nearest known message among `message_ids` (nearest first)."""
        if not message_ids:
            return None
        rows = self.session.execute(
            select(Message.message_id, Message.ticket_id).where(Message.message_id.in_(message_ids))
        ).all()
        by_id = dict(rows)
        for mid in message_ids:
            if mid in by_id:
                return self.session.get(Ticket, by_id[mid])
        return None

    def is_participant(self, ticket: Ticket, email: str) -> bool:
        return (
            self.session.scalar(
                select(Participant.id).where(
                    Participant.ticket_id == ticket.id, Participant.email == email.lower()
                )
            )
            is not None
        )

    def add_participant(self, ticket: Ticket, email: str, role: str) -> None:
        if not self.is_participant(ticket, email):
            self.session.add(Participant(ticket=ticket, email=email.lower(), role=role))
            self.session.flush()

    def thread_ids(self, ticket: Ticket) -> list[str]:
        """The ticket's Message-IDs, oldest first: what a new mail's References should list."""
        return list(
            self.session.scalars(
                select(Message.message_id).where(Message.ticket_id == ticket.id).order_by(Message.id)
            )
        )

    def add_event(
        self, ticket: Ticket, at: datetime, actor: str, kind: str, detail: dict, reason: str = ""
    ) -> Event:
        event = Event(ticket=ticket, at=at, actor=actor, kind=kind, detail=detail, reason=reason)
        self.session.add(event)
        return event

    # -- the mailbox's checkpoints ------------------------------------------------------

    def seen(self, folder: str, uidvalidity: int, uid: int) -> SeenMail | None:
        return self.session.scalar(
            select(SeenMail).where(
                SeenMail.folder == folder, SeenMail.uidvalidity == uidvalidity, SeenMail.uid == uid
            )
        )

    def checkpoint(self, folder: str) -> tuple[int, int] | None:
        """The folder's stored (UIDVALIDITY, highest UID committed), or None before its first mail."""
        state = self.session.get(MailboxState, folder)
        return None if state is None else (state.uidvalidity, state.last_uid)

    def mark_seen(
        self, folder: str, uidvalidity: int, uid: int, outcome: str, message_id: str, at: datetime
    ) -> None:
        """Record the UID's outcome and move the folder's checkpoint, in the caller's transaction."""
        self.session.add(
            SeenMail(
                folder=folder,
                uidvalidity=uidvalidity,
                uid=uid,
                outcome=outcome,
                message_id=message_id,
                at=at,
            )
        )
        state = self.session.get(MailboxState, folder)
        if state is None or state.uidvalidity != uidvalidity:
            if state is not None:
                self.session.delete(state)
                self.session.flush()
            state = MailboxState(folder=folder, uidvalidity=uidvalidity, last_uid=0)
            self.session.add(state)
        state.last_uid = max(state.last_uid, uid)

    # -- outbox ---------------------------------------------------------------------------

    def automatic_mails_since(self, recipient: str, since: datetime) -> int:
        return (
            self.session.scalar(
                select(func.count(OutboxMail.id)).where(
                    OutboxMail.recipient == recipient.lower(),
                    OutboxMail.automatic.is_(True),
                    OutboxMail.created_at >= since,
                )
            )
            or 0
        )

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

    # -- digests ----------------------------------------------------------------------------

    def claim_digest(self, person_id: str, day: str, at: datetime) -> bool:
        """Record that `person_id`'s digest of `day` is being sent; False when it was already (by
        this daemon or another: the unique key decides, and waits for the other's commit)."""
        insert = postgresql.insert if self.session.bind.dialect.name == "postgresql" else sqlite.insert
        claimed = self.session.execute(
            insert(DigestSent)
            .values(person=person_id, day=day, at=at)
            .on_conflict_do_nothing()
            .returning(DigestSent.id)
        ).scalar()
        return claimed is not None

    # -- quarantine -------------------------------------------------------------------------

    def quarantined(self, status: str | None = "held") -> list[QuarantinedMail]:
        """Mails that failed; automatic mails kept aside share the table but are not failures."""
        query = select(QuarantinedMail).where(QuarantinedMail.stage != AUTOMATIC).order_by(QuarantinedMail.id)
        if status:
            query = query.where(QuarantinedMail.status == status)
        return list(self.session.scalars(query))

    def quarantine_entry(self, entry_id: int) -> QuarantinedMail:
        entry = self.session.get(QuarantinedMail, entry_id)
        if entry is None:
            raise NotFound(f"no quarantine entry {entry_id}")
        return entry

    def kept_automatic(self, status: str | None = AUTOMATIC) -> list[QuarantinedMail]:
        """Machine-written mails that joined no ticket, kept whole with the reason (stage "automatic")."""
        query = select(QuarantinedMail).where(QuarantinedMail.stage == AUTOMATIC).order_by(QuarantinedMail.id)
        if status:
            query = query.where(QuarantinedMail.status == status)
        return list(self.session.scalars(query))

    def automatic_entry(self, entry_id: int) -> QuarantinedMail:
        entry = self.session.get(QuarantinedMail, entry_id)
        if entry is None or entry.stage != AUTOMATIC:
            raise NotFound(f"no kept automatic mail {entry_id}")
        return entry

    def automatic_outbound(self, message_ids: tuple[str, ...]) -> OutboxMail | None:
        """The first of our automatic mails (acknowledgement, information request, receipt) among
        `message_ids`, nearest first: what a robot's answer names in In-Reply-To/References."""
        if not message_ids:
            return None
        rows = self.session.scalars(
            select(OutboxMail).where(OutboxMail.message_id.in_(message_ids), OutboxMail.automatic.is_(True))
        ).all()
        by_id = {row.message_id: row for row in rows}
        return next((by_id[mid] for mid in message_ids if mid in by_id), None)

    # -- first start: mail that was in the folder before the helpdesk ---------------------------

    def has_checkpoint(self, folder: str) -> bool:
        """True once this database has recorded any mail of `folder` (or a decision about its backlog)."""
        return self.session.get(MailboxState, folder) is not None

    def mark_backlog(self, folder: str, uidvalidity: int, uids: list[int], at: datetime) -> None:
        """Record `uids` as handled without processing them ("start from now"); they stay in the folder."""
        for uid in uids:
            self.mark_seen(folder, uidvalidity, uid, BACKLOG_SKIPPED, "", at)

    def skipped_backlog(self, folder: str) -> dict[int, set[int]]:
        """The UIDs left in `folder` by "start from now", per UIDVALIDITY."""
        rows = self.session.execute(
            select(SeenMail.uidvalidity, SeenMail.uid).where(
                SeenMail.folder == folder, SeenMail.outcome == BACKLOG_SKIPPED
            )
        )
        found: dict[int, set[int]] = {}
        for uidvalidity, uid in rows:
            found.setdefault(uidvalidity, set()).add(uid)
        return found

    def start_import(self, folder: str, uidvalidity: int, through: int, at: datetime) -> None:
        """Note that the backlog up to UID `through` is being imported, so a restart finishes it silently.

        The note is a seen-mail row for UID 0, which no mail has; `through` is kept in its message_id."""
        self.mark_seen(folder, uidvalidity, IMPORT_MARK_UID, IMPORTING, str(through), at)

    def unfinished_import(self, folder: str) -> SeenMail | None:
        return self.session.scalar(
            select(SeenMail).where(
                SeenMail.folder == folder, SeenMail.uid == IMPORT_MARK_UID, SeenMail.outcome == IMPORTING
            )
        )

    def finish_import(self, folder: str) -> None:
        self.session.execute(
            update(SeenMail)
            .where(SeenMail.folder == folder, SeenMail.uid == IMPORT_MARK_UID, SeenMail.outcome == IMPORTING)
            .values(outcome=IMPORTED)
        )

    # -- the operator's queries ------------------------------------------------------------------

    def find_tickets(self, filters: TicketFilter, now: datetime, limit: int = 100) -> list[Ticket]:
        """The newest tickets matching every given filter (statuses, type, ..., created between)."""
        query = select(Ticket).order_by(Ticket.id.desc()).limit(limit)
        if filters.statuses:
            query = query.where(Ticket.status.in_(filters.statuses))
        for column, value in (
            (Ticket.type, filters.type),
            (Ticket.priority, filters.priority),
            (Ticket.team, filters.team),
            (Ticket.owner, filters.owner),
        ):
            if value is not None:
                query = query.where(column == value)
        if filters.since is not None:
            query = query.where(Ticket.created_at >= filters.since)
        if filters.until is not None:
            query = query.where(Ticket.created_at < filters.until)
        if filters.overdue:
            late = select(TicketClock.ticket_id).where(
                TicketClock.met_at.is_(None), TicketClock.paused_at.is_(None), TicketClock.due_at <= now
            )
            query = query.where(Ticket.id.in_(late))
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


@dataclass(frozen=True)
class TicketFilter:
    """What `helpdesk tickets list` narrows to; None (or empty) means any."""

    statuses: tuple[str, ...] = ()
    type: str | None = None
    priority: str | None = None
    team: str | None = None
    owner: str | None = None
    overdue: bool = False
    since: datetime | None = None
    until: datetime | None = None


def day_start(now_local: datetime) -> datetime:
    """Midnight of `now_local`'s day in its own zone (for per-day caps)."""
    return now_local.replace(hour=0, minute=0, second=0, microsecond=0)


# -- metrics: counted when Prometheus scrapes, one grouped query each -----------------------


def tickets_by_state(session: Session) -> dict[str, int]:
    """How many tickets are in each state."""
    rows = session.execute(select(Ticket.status, func.count()).group_by(Ticket.status))
    return {status: count for status, count in rows}


def outbox_by_status(session: Session) -> dict[str, tuple[int, datetime | None]]:
    """Outbox rows per status (pending, sent, failed) and the oldest one's creation time."""
    rows = session.execute(
        select(OutboxMail.status, func.count(), func.min(OutboxMail.created_at)).group_by(OutboxMail.status)
    )
    return {status: (count, oldest) for status, count, oldest in rows}


def breaches_by_clock(session: Session) -> dict[str, int]:
    """Deadlines ever missed, per clock (response, resolution): rows only ever gain a breach."""
    rows = session.execute(
        select(TicketClock.name, func.count())
        .where(TicketClock.breached_at.is_not(None))
        .group_by(TicketClock.name)
    )
    return {name: count for name, count in rows}
