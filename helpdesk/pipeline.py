"""Apply one inbound mail in one transaction: parse, then thread, store, decide and apply.

This module holds the batch loop, each mail's savepoint and its quarantine; which decider a
stored mail goes to is `mail_deciders.py`'s.

Parsing happens before the transaction, so no mail holds the database's write lock while
it is analysed. The transaction holds the raw bytes, the ticket change, the outbox rows and
the mailbox checkpoint together, so a crash anywhere either keeps all of them or none. A
mail that fails at any stage is quarantined (kept whole, with the stage and error) in that
same transaction, and the caller goes on with the next mail.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import astuple, dataclass, replace

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import sessionmaker

from helpdesk import batch_workload
from helpdesk.applier import Applier
from helpdesk.clock import Clock
from helpdesk.config import Config
from helpdesk.errors import StoreUnavailable
from helpdesk.held import hold_again, keep_automatic, quarantine
from helpdesk.intake.on_behalf import on_behalf
from helpdesk.intake.privacy import masked_notice
from helpdesk.mail.automatic import receipt_reason
from helpdesk.mail.limits import MailLimits
from helpdesk.mail.message import InboundMessage
from helpdesk.mail.parse import parse_message
from helpdesk.mail.redact import masked_message
from helpdesk.mail_deciders import MailDeciders
from helpdesk.on_behalf_held import hold
from helpdesk.record import Recorder
from helpdesk.rules.ruleset import RuleSet
from helpdesk.tickets.db import is_transient, unavailable_when_transient
from helpdesk.tickets.models import QuarantinedMail, RawMail, Ticket
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.store_mailbox import AUTOMATIC

log = logging.getLogger(__name__)


def _log(outcome: Outcome) -> None:
    """Say what became of a mail, once its transaction has committed."""
    if outcome.kind == "quarantined":
        log.warning("mail quarantined as %s", outcome.detail)
    log.info(
        "mail %s: %s%s%s",
        outcome.message_id or "(no Message-ID)",
        outcome.kind,
        f" ticket {outcome.ticket_number}" if outcome.ticket_number else "",
        f" ({outcome.detail})" if outcome.detail else "",
        extra={"ticket": outcome.ticket_number, "message_id": outcome.message_id},
    )


@dataclass(frozen=True)
class MailSource:
    """Where a mail came from: the IMAP folder, its UIDVALIDITY, the mail's UID, the mailbox's name."""

    folder: str
    uidvalidity: int
    uid: int
    mailbox: str = ""


@dataclass(frozen=True)
class Outcome:
    """What processing a mail did: created, appended, duplicate, ignored, quarantined, already.

    'ignored' is a machine's mail that joins no ticket: it opens none and is kept aside (raw
    bytes and the reason) for `helpdesk automatic list`; `kept` is that entry's id.
    """

    kind: str
    message_id: str = ""
    ticket_number: str | None = None
    detail: str = ""
    kept: int | None = None


Parsed = InboundMessage | Exception
Held = QuarantinedMail | None  # the entry a retried mail is kept as


class Pipeline:
    """Turns raw mails into ticket changes and outbox rows; one call, one transaction."""

    def __init__(
        self,
        config: Config,
        sessions: sessionmaker,
        rules: RuleSet,
        recorder: Recorder,
        applier: Applier,
        clock: Clock,
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.rules = rules
        self.recorder = recorder
        self.applier = applier
        self.clock = clock
        self.deciders = MailDeciders(config, rules)

    def process(self, raw: bytes, source: MailSource | None = None) -> Outcome:
        """Record `raw` exactly once; the returned Outcome says what became of it.

        A UID already recorded (a restart between commit and move) is reported as
        'already' and changes nothing. Outages raise StoreUnavailable (the database, or a disk
        that cannot take the attachments: AttachmentsUnavailable) and the mail stays in the
        mailbox for a retry; everything else that goes wrong with this one mail quarantines it.
        """
        return self._one(raw, self._parse(raw), source)

    def process_batch(self, mails: Sequence[tuple[bytes, MailSource]]) -> list[Outcome]:
        """Record several mails of one folder in one transaction: one commit, one checkpoint.

        Each mail is decided in its own savepoint, so one that fails is quarantined inside the
        batch as it would be alone. A batch that cannot commit whole (a UID another daemon
        recorded first, a failure outside any mail's savepoint) rolls back whole and its mails
        are then processed one transaction each, as `process` does; database outages raise.
        """
        parsed = [self._parse(raw) for raw, _ in mails]
        if len(mails) > 1:
            try:
                outcomes = self._record(list(mails), parsed)
            except StoreUnavailable:
                raise
            except Exception as exc:  # nothing of the batch is kept: each mail goes again, alone
                log.info("a batch of %d mails is recorded one by one instead (%s)", len(mails), exc)
            else:
                for outcome in outcomes:
                    _log(outcome)
                return outcomes
        return [self._one(raw, mail, source) for (raw, source), mail in zip(mails, parsed, strict=True)]

    def _one(self, raw: bytes, parsed: Parsed, source: MailSource | None) -> Outcome:
        try:
            [outcome] = self._record([(raw, source)], [parsed])
        except IntegrityError:
            if source is None or not self._seen(source):
                raise
            # Another daemon committed this UID first; ours rolled back whole, so nothing is twice.
            outcome = Outcome("already", "", None, "recorded by another daemon first")
        _log(outcome)
        return outcome

    def _record(self, mails: list[tuple[bytes, MailSource | None]], parsed: list[Parsed]) -> list[Outcome]:
        """One transaction for `mails` (all of one folder): raw bytes, ticket changes, outbox rows
        and the checkpoint. A UID already recorded (a restart between commit and move) is 'already'."""
        self.recorder.blobs.forget()  # a transaction that rolled back before waits for nothing
        with unavailable_when_transient(), self.sessions.begin() as session:
            repo = Repository(session)
            sources = [source for _, source in mails if source is not None]
            first = sources[0] if sources else MailSource("", 0, 0)  # a batch is of one folder
            seen = repo.seen_among(first.folder, first.uidvalidity, [s.uid for s in sources], first.mailbox)
            now = self.clock.now()
            rows = {
                index: RawMail(sha256=hashlib.sha256(raw).hexdigest(), data=raw, received_at=now)
                for index, (raw, source) in enumerate(mails)
                if source is None or source.uid not in seen
            }
            session.add_all(rows.values())
            session.flush()  # one INSERT for the batch's raw bytes
            outcomes, marks = [], []
            for index, ((_, source), mail) in enumerate(zip(mails, parsed, strict=True)):
                if index not in rows:
                    known = seen[source.uid]
                    outcomes.append(Outcome("already", known.message_id, None, known.outcome))
                    continue
                outcome = self._settle(repo, rows[index], mail, source)
                outcomes.append(outcome)
                if source is not None:
                    marks.append((source.uid, outcome.kind, outcome.message_id))
            if marks:
                repo.mark_seen_many(first.folder, first.uidvalidity, marks, self.clock.now(), first.mailbox)
            self.recorder.blobs.settle()  # the batch's attachments on disk before the commit names them
        return outcomes

    def _settle(self, repo: Repository, raw_row: RawMail, parsed: Parsed, source) -> Outcome:
        """What becomes of one new mail inside the caller's transaction, quarantine included."""
        outcome, stage, error = self._try_apply(repo, raw_row, parsed)
        if error is not None:
            outcome = self._quarantine(repo, raw_row, source, stage, error)
        elif outcome.kind == "ignored":
            outcome = self._keep_automatic(repo, raw_row, source, outcome)
        if outcome.kind == "duplicate":
            repo.session.delete(raw_row)  # a duplicate's bytes are already kept
        return outcome

    def _seen(self, source: MailSource) -> bool:
        with self.sessions() as session:
            return Repository(session).seen(*astuple(source)) is not None  # folder, …, mailbox

    def retry(self, entry_id: int, as_person: bool = False) -> Outcome:
        """Process a quarantined mail again (after a fix); on success the entry is released.

        With `as_person` the entry is a machine's mail kept aside, and a person has judged it
        theirs: it is processed as a person's mail (every automatic signal cleared) and so can
        open a ticket and be acknowledged. A mail that fails again stays held, with the new
        stage and error.
        """
        with self.sessions() as session:
            repo = Repository(session)
            entry = repo.automatic_entry(entry_id) if as_person else repo.quarantine_entry(entry_id)
            raw = entry.raw.data
        parsed = self._parse(raw)
        if as_person and isinstance(parsed, InboundMessage):
            parsed = replace(parsed, auto_reason=None)
        self.recorder.blobs.forget()
        with unavailable_when_transient(), self.sessions.begin() as session:
            repo = Repository(session)
            entry = repo.automatic_entry(entry_id) if as_person else repo.quarantine_entry(entry_id)
            if entry.status != (AUTOMATIC if as_person else "held"):
                return Outcome("already", "", None, f"entry #{entry_id} is {entry.status}")
            held_because = entry.error
            entry.retried_at = self.clock.now()
            # This write opens SQLite's transaction: pysqlite opens none for a SAVEPOINT, so the
            # mail's savepoint coming first would commit the mail alone when released.
            session.flush()
            outcome, stage, error = self._try_apply(repo, entry.raw, parsed, as_person, entry)
            self.recorder.blobs.settle()
            if error is not None:  # held (a machine's mail now too: a real failure), with the new error
                hold_again(entry, stage, error)
                return Outcome("quarantined", "", None, f"#{entry_id} {entry.stage}: {entry.error}")
            if outcome.kind == "quarantined":  # a #代报 still refused: hold() kept this entry held
                return outcome
            entry.status = "released"
            ticket = repo.ticket_by_number(outcome.ticket_number) if outcome.ticket_number else None
            if as_person and ticket is not None:
                repo.add_event(
                    ticket,
                    self.clock.now(),
                    "admin",
                    "automatic_released",
                    {"entry": entry_id, "message_id": outcome.message_id, "was": held_because},
                    reason=f"kept aside as a machine's mail ({held_because}); ticketed by hand",
                )
        log.info("quarantine #%d released: %s ticket %s", entry_id, outcome.kind, outcome.ticket_number)
        return outcome

    def _parse(self, raw: bytes) -> Parsed:
        """The parsed mail, or what went wrong parsing it (quarantined later, in the transaction)."""
        try:
            return parse_message(
                raw,
                self.config.own_addresses(),
                self.config.default_language,
                MailLimits(**self.config.limits.model_dump()),
            )
        except Exception as exc:  # one bad mail must harm only itself
            return exc

    def _try_apply(
        self, repo: Repository, raw_row: RawMail, parsed: Parsed, as_person: bool = False, kept: Held = None
    ) -> tuple[Outcome, str, Exception | None]:
        """Apply the mail inside a savepoint; on failure return the stage and error instead. A
        retry passes the entry the mail is `kept` as, so a refused #代报 stays that one entry."""
        if isinstance(parsed, Exception):
            return Outcome("quarantined"), "parse", parsed
        stage = ["thread"]
        try:
            with repo.session.begin_nested():
                outcome = self._apply(repo, raw_row, parsed, stage, as_person, kept)
                repo.write_events()  # the mail's events, one INSERT, inside its savepoint
            batch_workload.settled(repo.session, outcome.kind, outcome.ticket_number)
            return outcome, stage[0], None
        except StoreUnavailable:  # the attachment disk's trouble, not the mail's: it stays in the mailbox
            raise
        except DBAPIError as exc:
            if is_transient(exc):  # the database's trouble, not the mail's: it stays in the mailbox
                raise
            return Outcome("quarantined"), stage[0], exc
        except Exception as exc:  # one bad mail must harm only itself
            return Outcome("quarantined"), stage[0], exc

    def _apply(
        self,
        repo: Repository,
        raw_row: RawMail,
        mail: InboundMessage,
        stage: list[str],
        as_person: bool,
        kept: Held,
    ) -> Outcome:
        # Everything derived from the mail is built from the masked copy; only the raw bytes keep it.
        mail, masked = masked_message(mail, self.rules.sensitive)
        key = mail.message_id or f"sha256:{raw_row.sha256}"
        known = repo.message(key)
        if known is not None:
            return Outcome("duplicate", key, known.ticket.number, "Message-ID already recorded")
        ticket, named, link_reason = self.recorder.find_ticket(repo, mail)
        if ticket is not None:  # another daemon may be deciding on it: take turns
            ticket = repo.lock_ticket(ticket.id)
        if not as_person:
            why = self._machine_answer(repo, mail, joined=ticket is not None)
            if why and ticket is not None:
                mail = replace(mail, auto_reason=why)  # kept in its thread, moves nothing
            elif why or mail.is_automatic:
                return self._set_aside(repo, mail, key, why or mail.auto_reason or "", named)
        stage[0] = "store"
        now = self.clock.now()
        created = ticket is None
        taken = on_behalf(mail, self.rules.directory, self.config, created)
        if taken.refused is not None:  # a #代报 not followed opens no ticket for anyone: held, staff told
            held = hold(repo, raw_row, taken, self.applier.notifier, self.recorder.mailbox, kept)
            return Outcome("quarantined", key, None, held)
        report = taken.mail  # the customer's report, when staff took it by phone…
        if created:
            ticket = self.recorder.new_ticket(repo, report, now, named)
        message = self.recorder.store_message(repo, ticket, mail, key, raw_row)
        self.recorder.add_copied(repo, ticket, mail)
        sender = mail.sender.email
        if created:
            repo.add_event(
                ticket,
                now,
                sender,
                "created",
                {"message_id": key, "via": taken.channel.value, "language": report.language},
                reason=link_reason or "new mail to the support address",
            )
        else:
            ticket.updated_at = now
            repo.add_event(
                ticket,
                now,
                sender,
                "message_added",
                {"message_id": key, "automatic": mail.auto_reason},
                reason=(
                    f"a machine's mail: kept in the thread, moves nothing, no answer ({mail.auto_reason})"
                    if mail.is_automatic
                    else "reply in the ticket's thread"
                ),
            )
        stage[0] = "workflow"
        effects, authority = self.deciders.decide(repo, ticket, report, key, created, taken, now)
        if masked:
            told = repo.has_event(ticket, "sensitive_notice")
            effects = [*effects, *masked_notice(masked, report.sender.email == ticket.requester_email, told)]
        self.applier.apply(repo, ticket, effects, now, authority)
        return Outcome("created" if created else "appended", key, ticket.number, message.subject)

    def _machine_answer(self, repo: Repository, mail: InboundMessage, joined: bool) -> str | None:
        """Why a mail that does not say it is automatic only answers one of our automatic mails.

        A robot that does not identify itself answers our acknowledgement, often from a new
        address each time: a mail that names an automatic mail we sent to someone else, or
        whose new text reads as a receipt, opens no ticket. In a ticket's own thread only a
        receipt answering one of our automatic mails counts, so a customer's own words never do.
        """
        if mail.is_automatic:
            return mail.auto_reason
        sender = mail.sender.email
        ours = repo.automatic_outbound(mail.thread_ids)
        receipt = receipt_reason(mail.new_text or mail.text)
        if joined:
            return f"answers our {ours.kind} and {receipt}" if ours and receipt else None
        if ours is not None and ours.recipient != sender:
            return f"answers our {ours.kind} sent to {ours.recipient}, not to {sender or 'this sender'}"
        return receipt

    def _set_aside(
        self, repo: Repository, mail: InboundMessage, key: str, why: str, named: Ticket | None
    ) -> Outcome:
        """A machine's mail that joins no ticket: say so on the ticket it names; the caller keeps it."""
        ours = repo.automatic_outbound(mail.thread_ids)
        ticket = named or (ours.ticket if ours else None)
        if ticket is not None:
            repo.add_event(
                ticket,
                self.clock.now(),
                mail.sender.email,
                "automatic_kept",
                {"message_id": key, "automatic": why},
                reason=f"a machine's answer, kept aside (helpdesk automatic list): no ticket, no mail: {why}",
            )
        return Outcome("ignored", key, ticket.number if ticket else None, why)

    def _keep_automatic(self, repo: Repository, raw_row: RawMail, source, outcome: Outcome) -> Outcome:
        entry = keep_automatic(repo, raw_row, source, outcome.detail, self.clock.now())
        return replace(outcome, detail=f"kept as automatic mail #{entry.id}: {outcome.detail}", kept=entry.id)

    def _quarantine(self, repo, raw_row, source, stage: str, exc: Exception) -> Outcome:
        entry = quarantine(repo, raw_row, source, stage, exc, self.clock.now())
        return Outcome("quarantined", "", None, f"#{entry.id} {entry.stage}: {entry.error}")
