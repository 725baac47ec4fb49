"""The `helpdesk automatic` subcommands: list the machines' mails kept aside, and ticket one by hand."""

from __future__ import annotations

import json
import sys

import click

from helpdesk.console import State, console, plain
from helpdesk.tickets import views


@click.group()
def automatic() -> None:
    """Mails judged machine-written that joined no ticket: kept whole, with the reason."""


@automatic.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include the ones already turned into tickets.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_obj
def automatic_list(state: State, show_all: bool, as_json: bool) -> None:
    """List kept automatic mails: id, when, sender, subject and the signals that judged them."""
    config, repo = state.repository()
    entries = repo.kept_automatic(None if show_all else "automatic")
    rows = [views.automatic_entry(e, config.zone) for e in entries]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    table = Table("id", "when", "from", "subject", "reason", "status")
    for row in rows:
        table.add_row(
            *plain(str(row["id"]), row["when"], row["sender"], row["subject"], row["reason"], row["status"])
        )
    console.print(table if rows else "no automatic mail kept")


@automatic.command("ticket")
@click.argument("entry_id", type=int)
@click.pass_obj
def automatic_ticket(state: State, entry_id: int) -> None:
    """Process kept mail ENTRY_ID as a person's mail: it opens (or joins) a ticket and is answered."""
    from helpdesk.daemon import Helpdesk

    app = Helpdesk(state.config())
    try:
        outcome = app.retry(entry_id, as_person=True)
    finally:
        app.close()
    number = f" ticket {outcome.ticket_number}" if outcome.ticket_number else ""
    console.print(f"#{entry_id}: {outcome.kind}{number} {outcome.detail}", highlight=False)
    if outcome.kind in ("quarantined", "already"):
        sys.exit(1)
