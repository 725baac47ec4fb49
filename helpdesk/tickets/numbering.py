"""Hand out ticket numbers (default YYYYMM-NNN, a sequence per month), safely under concurrent writers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from helpdesk.config import NumberingConfig
from helpdesk.tickets.models import TicketSequence

_SCOPES = {"daily": "%Y%m%d", "monthly": "%Y%m", "yearly": "%Y", "never": "all"}


def next_number(session: Session, numbering: NumberingConfig, local_now: datetime) -> str:
    """The next ticket number for the period containing `local_now` (the support desk's time).

    The increment is one UPDATE … RETURNING on the period's row: PostgreSQL holds that
    row's lock until commit and SQLite holds the database's, so two writers can never get
    the same number, and a rolled-back transaction gives its number back.
    """
    scope = local_now.strftime(_SCOPES[numbering.reset])
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(TicketSequence).values(scope=scope, last_value=0).on_conflict_do_nothing())
    value = session.execute(
        update(TicketSequence)
        .where(TicketSequence.scope == scope)
        .values(last_value=TicketSequence.last_value + 1)
        .returning(TicketSequence.last_value)
    ).scalar_one()
    return numbering.format.format(date=local_now, seq=value)


def subject_tag(numbering: NumberingConfig, number: str) -> str:
    """The tag every subject line of the ticket's thread carries, e.g. '[#202611-001]'."""
    return numbering.subject_tag.format(number=number)
