"""Assignment's workload in one transaction: read once, then kept in step with the tickets the
transaction's mails open, so a batch of new mails asks the database once instead of once a mail.

The counts are those `Repository.workload` gives: open tickets per person, and per team each
person's latest ticket. A mail that opened a ticket adds it once its savepoint has held; a mail
that changed a ticket already there (a reply, a command, a reopening) makes the next mail read
them again; a mail that failed changed nothing.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from helpdesk.tickets.models import Ticket
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.snapshot import Workload
from helpdesk.tickets.status import CLOSED_STATES

_KEY = "helpdesk.batch_workload"  # in Session.info: (owners, workload), gone with the session


def workload(repo: Repository, owners: list[str]) -> Workload:
    """The workload among `owners` as this transaction has made it."""
    kept = repo.session.info.get(_KEY)
    if kept is not None and kept[0] == owners:
        return kept[1]
    # The mail's own unwritten rows (message, events, participants) change no owner's count.
    with repo.session.no_autoflush:
        found = repo.workload(owners)
    repo.session.info[_KEY] = (owners, found)
    return found


def settled(session: Session, kind: str, number: str | None) -> None:
    """After a mail's savepoint held: count the ticket it opened, or forget what a reply changed."""
    kept = session.info.get(_KEY)
    if kept is None or kind not in ("created", "appended"):
        return
    ticket = next(
        (o for o in session.identity_map.values() if isinstance(o, Ticket) and o.number == number), None
    )
    if kind == "appended" or ticket is None or ticket.id is None:
        del session.info[_KEY]
        return
    owners, found = kept
    session.info[_KEY] = (owners, _with(found, ticket) if ticket.owner in owners else found)


def _with(found: Workload, ticket: Ticket) -> Workload:
    counts, latest = dict(found.open_counts), {team: dict(ids) for team, ids in found.latest.items()}
    if ticket.status not in CLOSED_STATES:
        counts[ticket.owner] = counts.get(ticket.owner, 0) + 1
    if ticket.team is not None:
        given = latest.setdefault(ticket.team, {})
        given[ticket.owner] = max(given.get(ticket.owner, 0), ticket.id)
    return replace(found, open_counts=counts, latest=latest)
