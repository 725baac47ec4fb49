"""The `helpdesk` command: run the daemon, check the config, read tickets, the quarantine and the outbox."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from helpdesk.config import Config, load_config
from helpdesk.display import plain
from helpdesk.errors import ConfigError, HelpdeskError
from helpdesk.outbound.render import Renderer
from helpdesk.tickets import views
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.repository import Repository

TEMPLATES = ["acknowledgement"]
console = Console()


class State:
    def __init__(self, config_path: Path | None) -> None:
        self.config_path = config_path

    def config(self) -> Config:
        return load_config(self.config_path)

    def repository(self) -> tuple[Config, Repository]:
        config = self.config()
        engine = make_engine(config.database.url)
        upgrade(engine)
        return config, Repository(session_factory(engine)())


def _default_config() -> Path | None:
    here = Path("helpdesk.yaml")
    return here if here.exists() else None


@click.group()
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    envvar="HELPDESK_CONFIG",
    default=None,
    help="YAML config file (default: ./helpdesk.yaml if present, else built-in defaults).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: bool) -> None:
    """An email-driven helpdesk: a support mailbox becomes tickets."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # mail-parser logs every odd part; what matters reaches us as defects on the message.
    logging.getLogger("mailparser").setLevel(logging.CRITICAL)
    ctx.obj = State(config_path or _default_config())


@main.command()
@click.option("--once", is_flag=True, help="Process all waiting mail and outbox, then exit.")
@click.pass_obj
def run(state: State, once: bool) -> None:
    """Run the daemon until SIGTERM or SIGINT (or, with --once, until the queues are empty)."""
    from helpdesk.daemon import Helpdesk

    app = Helpdesk(state.config())
    if once:
        result = app.run_once()
        app.close()
        console.print(
            f"processed {result.mails} mail(s); sent {result.outbox.sent}, "
            f"retrying {result.outbox.retrying}, failed {result.outbox.failed}"
        )
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    app.run(stop)


@main.command()
@click.pass_obj
def check(state: State) -> None:
    """Validate the config file and templates; print every problem with file and line."""
    try:
        config = state.config()
    except ConfigError as exc:
        _errors(exc.problems)
    renderer = Renderer(config.paths.templates)
    problems = renderer.check(TEMPLATES, ["zh", "en"])
    if problems:
        _errors(problems)
    console.print(f"ok: {state.config_path or 'built-in defaults'}", highlight=False)


@main.group()
def tickets() -> None:
    """Read tickets."""


@tickets.command("list")
@click.option("--status", help="Only tickets in this status.")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_obj
def tickets_list(state: State, status: str | None, limit: int, as_json: bool) -> None:
    """List the newest tickets."""
    config, repo = state.repository()
    rows = [views.ticket_summary(t, config.zone) for t in repo.list_tickets(status, limit)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("number", "status", "type", "priority", "requester", "subject", "created")
    for row in rows:
        table.add_row(
            *plain(
                row["number"],
                row["status"],
                row["type"] or "-",
                row["priority"] or "-",
                row["requester"],
                row["subject"],
                row["created"],
            )
        )
    console.print(table)


@tickets.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_obj
def tickets_show(state: State, number: str, as_json: bool) -> None:
    """Show one ticket: fields, the thread, attachments, events and outbound mail."""
    config, repo = state.repository()
    detail = views.ticket_detail(repo.ticket_detail(number), config.zone)
    if as_json:
        click.echo(json.dumps(detail, ensure_ascii=False, indent=2))
        return
    console.rule(f"[bold]{detail['number']}[/bold] {detail['subject']}")
    for key in ("status", "type", "priority", "requester", "language", "created", "related"):
        console.print(f"{key:>10}: {detail[key] if detail[key] is not None else '-'}", highlight=False)
    for message in detail["messages"]:
        arrow = "←" if message["direction"] == "in" else "→"
        flag = f" [yellow](automatic: {message['automatic']})[/yellow]" if message["automatic"] else ""
        console.print(f"\n{arrow} {message['time']} {message['sender']}{flag}", highlight=False)
        console.print(f"  {message['subject']}", highlight=False)
        for line in (message["text"] or "").splitlines()[:40]:
            console.print(f"  │ {line}", highlight=False, markup=False)
        for item in message["attachments"]:
            console.print(f"  📎 {item['name']} ({item['type']}, {item['size']} bytes)", highlight=False)
    console.print("\n[bold]events[/bold]")
    for event in detail["events"]:
        console.print(
            f"  {event['time']} {event['actor']} {event['kind']} {event['reason']}",
            highlight=False,
            markup=False,
        )
    console.print("\n[bold]outbound mail[/bold]")
    for row in detail["outbox"]:
        console.print(
            f"  #{row['id']} {row['kind']} → {row['recipient']}: {row['status']} "
            f"(attempts {row['attempts']}){' ' + row['last_error'] if row['last_error'] else ''}",
            highlight=False,
            markup=False,
        )


@main.group()
def quarantine() -> None:
    """Mails that could not be processed: list them and retry them."""


@quarantine.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include released entries.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def quarantine_list(state: State, show_all: bool, as_json: bool) -> None:
    """List quarantined mails with the stage and error that stopped them."""
    config, repo = state.repository()
    rows = [views.quarantine_entry(e, config.zone) for e in repo.quarantined(None if show_all else "held")]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("id", "status", "stage", "from", "subject", "error", "created")
    for row in rows:
        table.add_row(
            *plain(
                str(row["id"]),
                row["status"],
                row["stage"],
                row["sender"],
                row["subject"],
                row["error"][:120],
                row["created"],
            )
        )
    console.print(table if rows else "quarantine is empty")


@quarantine.command("retry")
@click.argument("entry_id", type=int)
@click.pass_obj
def quarantine_retry(state: State, entry_id: int) -> None:
    """Process quarantined mail ENTRY_ID again (after fixing what stopped it)."""
    from helpdesk.daemon import Helpdesk

    app = Helpdesk(state.config())
    outcome = app.pipeline.retry(entry_id)
    app.close()
    console.print(
        f"#{entry_id}: {outcome.kind}"
        f"{' ticket ' + outcome.ticket_number if outcome.ticket_number else ''} {outcome.detail}",
        highlight=False,
    )
    if outcome.kind == "quarantined":
        sys.exit(1)


@main.group()
def outbox() -> None:
    """Outbound mail: what is waiting, sent, or failed."""


@outbox.command("list")
@click.option("--status", type=click.Choice(["pending", "sent", "failed"]))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def outbox_list(state: State, status: str | None, as_json: bool) -> None:
    """List outbound mails, newest first."""
    config, repo = state.repository()
    rows = [views.outbox_entry(r, config.zone) for r in repo.outbox(status)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("id", "kind", "recipient", "status", "attempts", "subject", "last error")
    for row in rows:
        table.add_row(
            *plain(
                str(row["id"]),
                row["kind"],
                row["recipient"],
                row["status"],
                str(row["attempts"]),
                row["subject"],
                row["last_error"][:80],
            )
        )
    console.print(table if rows else "outbox is empty")


@main.command()
@click.option("--keep", type=click.Path(path_type=Path), help="Keep the demo's files in this folder.")
def demo(keep: Path | None) -> None:
    """Run the whole product on throwaway local IMAP and SMTP servers and show what it did."""
    from helpdesk.demo import run_demo

    run_demo(console, keep)


def _errors(problems: list[str]) -> None:
    """Print each problem on one unwrapped line (file:line: message, for people and grep), exit 1."""
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    sys.exit(1)


def run_cli() -> None:
    try:
        main(standalone_mode=True)
    except HelpdeskError as exc:
        _errors(str(exc).splitlines())
