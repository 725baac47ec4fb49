"""Ticket numbers (default YYYYMM-NNN, a sequence per month) and the tag subject lines carry."""

from __future__ import annotations

from datetime import datetime

from helpdesk.config import NumberingConfig
from helpdesk.tickets.repository import Repository

_SCOPES = {"daily": "%Y%m%d", "monthly": "%Y%m", "yearly": "%Y", "never": "all"}


def next_number(repo: Repository, numbering: NumberingConfig, local_now: datetime) -> str:
    """The next ticket number for the period containing `local_now` (the support desk's time);
    safe under concurrent writers (see Repository.next_in_sequence)."""
    scope = local_now.strftime(_SCOPES[numbering.reset])
    return numbering.format.format(date=local_now, seq=repo.next_in_sequence(scope))


def subject_tag(numbering: NumberingConfig, number: str) -> str:
    """The tag every subject line of the ticket's thread carries, e.g. '[#202611-001]'."""
    return numbering.subject_tag.format(number=number)
