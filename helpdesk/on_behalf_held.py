"""A staff member's #代报 / #on-behalf that cannot be followed opens no ticket: not the customer's,
and not one in the staff member's own name that would be routed and assigned as theirs. The mail
is held whole in the quarantine table (stage on_behalf, the reason in English; `helpdesk
quarantine list`, and `retry` once what stopped it is fixed), and the staff member is told why in
their own language; the caller owns the transaction."""

from __future__ import annotations

import logging

from helpdesk.applier import past_daily_cap
from helpdesk.errors import ProcessingError
from helpdesk.held import hold_again, quarantine
from helpdesk.intake.on_behalf import OnBehalf, Refused
from helpdesk.outbound.outbox import Notifier
from helpdesk.outbound.phrases_reasons import say
from helpdesk.tickets.models import QuarantinedMail, RawMail
from helpdesk.tickets.repository import Repository

log = logging.getLogger(__name__)

STAGE = "on_behalf"
TEMPLATE = "on_behalf_refused"


class OnBehalfRefused(ProcessingError):
    """Raised for no one: the error a held #代报 is listed with, naming why it was not followed."""

    def __init__(self, refused: Refused) -> None:
        super().__init__(STAGE, f"{refused.line}: not followed: {say(refused.why, 'en')}")


def hold(
    repo: Repository,
    raw_row: RawMail,
    taken: OnBehalf,
    notifier: Notifier,
    mailbox: str = "",
    kept: QuarantinedMail | None = None,
) -> str:
    """Hold the mail with why its command was refused, queue the staff member's receipt, and say
    what became of the mail ("#3 on_behalf: …", as a quarantined mail's outcome reads). The entry
    keeps `mailbox`, the mailbox the mail came to, so a retry goes through its pipeline.

    A retry passes the entry the mail is `kept` as: it stays held, with the new reason, and a
    staff member already told of a refused #代报 is not told again. The receipt is an automatic
    answer: under the daily cap, so forged mail in a staff member's name cannot flood their
    mailbox through ours; past the cap the mail is still held."""
    refused, person, now = taken.refused, taken.staff, notifier.clock.now()
    told = kept is not None and kept.status == "held" and kept.stage == STAGE
    if kept is None:
        entry = quarantine(repo, raw_row, None, STAGE, OnBehalfRefused(refused), now, mailbox)
    else:
        entry = kept
        hold_again(entry, STAGE, OnBehalfRefused(refused))
    held = f"#{entry.id} {entry.stage}: {entry.error}"
    if told:
        return held
    if past_daily_cap(repo, notifier.config, person.email, now):
        log.warning(
            "mail %s held as #%d: no receipt to %s, past the daily cap",
            taken.mail.message_id,
            entry.id,
            person.email,
            extra={"message_id": taken.mail.message_id},
        )
    else:
        context = {"person_name": person.name, "rejected": [{"line": refused.line, "why": refused.why}]}
        rendered = notifier.renderer.render(TEMPLATE, person.language, context | notifier.voice(mailbox))
        queued = notifier.enqueue_rendered(
            repo, rendered, recipient=person.email, kind=TEMPLATE, mailbox=mailbox
        )
        queued.automatic = True
    return held
