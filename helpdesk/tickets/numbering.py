"""Ticket numbers (default YYYYMM-NNN, a sequence per month; per type where configured, e.g. TS… for
faults and RD… for requests) and the tag subject lines carry."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from helpdesk.config_numbering import NumberingConfig, NumberScheme
from helpdesk.intake.extract import read_report
from helpdesk.rules.conditions import Facts
from helpdesk.tickets.repository import Repository

if TYPE_CHECKING:
    from helpdesk.mail.message import InboundMessage
    from helpdesk.rules.ruleset import RuleSet

_SCOPES = {"daily": "%Y%m%d", "monthly": "%Y%m", "yearly": "%Y", "never": "all"}
_SCOPE_LENGTH = 32  # ticket_sequences.scope is VARCHAR(32)


def next_number(
    repo: Repository, numbering: NumberingConfig, local_now: datetime, ticket_type: str | None = None
) -> str:
    """The next number for a ticket of `ticket_type` in the period containing `local_now` (the
    support desk's time); safe under concurrent writers (see Repository.next_in_sequence)."""
    scheme = numbering.scheme(ticket_type)
    seq = repo.next_in_sequence(sequence_scope(numbering, scheme, local_now))
    return scheme.format.format(date=local_now, seq=seq)


def sequence_scope(numbering: NumberingConfig, scheme: NumberScheme, local_now: datetime) -> str:
    """The sequence a number is drawn from: the period alone for the default scheme (as it always
    was, so an upgrade does not start the month again), the period and the fixed text ('TS') for
    another; types sharing one scheme share its sequence."""
    period = local_now.strftime(_SCOPES[scheme.reset])
    if scheme.literal == numbering.literal:
        return period
    scope = f"{period}:{scheme.literal}"
    if len(scope) > _SCOPE_LENGTH:
        scope = f"{period}:{hashlib.sha256(scheme.literal.encode()).hexdigest()[:16]}"
    return scope


def number_for_mail(
    repo: Repository, numbering: NumberingConfig, rules: RuleSet, mail: InboundMessage, local_now: datetime
) -> str:
    """The number of the ticket a new mail opens, in the scheme of the type the rules give that mail.

    The number is given before intake decides the rest, so the rules run on the mail here too,
    but only when some type has its own scheme."""
    ticket_type = None
    if numbering.by_type:
        fields = {name: found.value for name, found in read_report(rules.catalog.fields, mail).items()}
        ticket_type = rules.router.decide(Facts(mail, fields, local_now)).type
    return next_number(repo, numbering, local_now, ticket_type)


def subject_tag(numbering: NumberingConfig, number: str) -> str:
    """The tag every subject line of the ticket's thread carries, e.g. '[#202611-001]'."""
    return numbering.subject_tag.format(number=number)
