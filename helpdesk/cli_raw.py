"""The `helpdesk raw` command: the one way to read a mail as received, and every reading is recorded."""

from __future__ import annotations

import getpass
import logging
import sys
from datetime import UTC, datetime

import click

from helpdesk.console import State

log = logging.getLogger(__name__)


@click.command()
@click.argument("message_id")
@click.option("--reason", required=True, help="Why you need the mail as received (kept in the record).")
@click.option("--reader", default=None, help="Who reads it (default: your login name).")
@click.pass_obj
def raw(state: State, message_id: str, reason: str, reader: str | None) -> None:
    """Print a mail exactly as received, unmasked; the reading is an event on its ticket and a log line.

    Everything else the helpdesk shows is masked; this is the evidence, so it says who looked."""
    _config, repo = state.repository()
    try:
        who = reader or getpass.getuser()
        message = repo.message(message_id.strip("<>"))
        if message is None or message.raw_mail_id is None:
            raise click.ClickException(f"no raw mail kept for Message-ID {message_id}")
        data = repo.raw_mail(message.raw_mail_id)
        repo.add_event(
            message.ticket,
            datetime.now(UTC),
            who,
            "raw_read",
            {"message_id": message.message_id, "reader": who},
            reason=reason,
        )
        log.warning(
            "raw mail %s of ticket %s read by %s: %s", message.message_id, message.ticket.number, who, reason
        )
        repo.session.commit()
    finally:
        repo.session.close()  # a session left open holds its locks until the process ends
    sys.stdout.buffer.write(data)
