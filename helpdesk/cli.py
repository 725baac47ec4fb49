"""The `helpdesk` command: run the daemon, check the config, read tickets, the quarantine and the outbox."""

from __future__ import annotations

import json
import logging
import sys
import threading
from pathlib import Path

import click

from helpdesk import __version__, cli_automatic, cli_backup, cli_raw, cli_reports
from helpdesk.cli_init import init
from helpdesk.cli_mails import mails
from helpdesk.cli_search import search_command
from helpdesk.cli_tickets import outbox_retry, tickets_attachments, tickets_list, tickets_show
from helpdesk.config import BUNDLED
from helpdesk.console import BarProgress, State, console, errors, plain, say
from helpdesk.errors import HelpdeskError, MailboxError
from helpdesk.ingest.backlog import POLICIES
from helpdesk.outbound.render import Renderer
from helpdesk.tickets import views
from helpdesk.tickets.db import make_engine, require_current, upgrade, upgrade_sql
from helpdesk.tickets.store_outbox import SUPPRESSED

# The mails the daemon sends: every template of the shipped folder. `check` and SIGHUP reload
# check these and every other mail the configured folder holds (Renderer.check).
TEMPLATES = Renderer(BUNDLED / "templates" / "email").names()


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
@click.version_option(__version__, "--version", prog_name="helpdesk", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: bool) -> None:
    """An email-driven helpdesk: a support mailbox becomes tickets."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration, every start
    ctx.obj = State(config_path or _default_config())


@main.command()
@click.option("--once", is_flag=True, help="Process all waiting mail and outbox, then exit.")
@click.option(
    "--backlog",
    type=click.Choice(POLICIES),
    help=(
        "What a first start does with mail already in the folder: from-now leaves it untouched and"
        " handles only new mail, import makes tickets but sends nothing, answer handles it as new mail."
        " Without it such a start asks (in a terminal) or refuses."
    ),
)
@click.pass_obj
def run(state: State, once: bool, backlog: str | None) -> None:
    """Run the daemon until SIGTERM or SIGINT (or, with --once, until the queues are empty).

    SIGHUP reads the rules and templates again; if they fail `helpdesk check`, the old ones stay."""
    from helpdesk.daemon import Helpdesk
    from helpdesk.logsetup import configure
    from helpdesk.malloc import return_large_blocks
    from helpdesk.signals import Signals

    return_large_blocks()  # a big mail's memory goes back to the system once it is handled
    config = state.config()
    # The config's logging section (level, text or JSON lines); -v still means DEBUG.
    configure(config.logging, verbose=click.get_current_context().find_root().params["verbose"])
    app = Helpdesk(config)
    try:
        _settle_backlog(app, backlog)
        result = app.run_once() if once else None
    except MailboxError as exc:  # login refused, unreachable, timed out, TLS: one line, exit 1
        app.close()
        errors([str(exc)])
    if result is not None:
        app.close()
        console.print(
            f"processed {result.mails} mail(s); sent {result.outbox.sent}, "
            f"retrying {result.outbox.retrying}, failed {result.outbox.failed}"
        )
        return
    signals = Signals(reload=lambda: app.reload(TEMPLATES))
    signals.install()
    app.run(threading.Event(), signals=signals)


def _settle_backlog(app, backlog: str | None) -> None:
    """A first start on a folder holding mail: the flag's choice, else ask in a terminal, else refuse."""
    from helpdesk.ingest.backlog import BacklogUndecided

    progress = BarProgress("importing") if sys.stderr.isatty() else None
    try:
        app.settle_backlog(backlog or "ask", progress)
    except BacklogUndecided as exc:
        if backlog or not sys.stdin.isatty():
            app.close()
            errors([str(exc)])
        choice = click.prompt(f"{exc}\nwhat now?", type=click.Choice(POLICIES))
        app.settle_backlog(choice, progress)


@main.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="The config file to check (instead of the one given before the command).",
)
@click.option("--live", is_flag=True, help="Also log in to IMAP and SMTP and connect to the database.")
@click.pass_obj
def check(state: State, config_path: Path | None, live: bool) -> None:
    """Validate the config, the rules and the templates; print every problem with file and line."""
    from helpdesk.cli_check import live as live_checks
    from helpdesk.cli_check import problems_in

    path = config_path or state.config_path
    config, ruleset, problems = problems_in(path, TEMPLATES)
    if problems or config is None or ruleset is None:
        errors(problems)
    if not config.commands.require_authentication:
        click.echo(
            "warning: commands.require_authentication is off: staff authority rests on the From: "
            "header alone, which anyone can forge. A mail claiming a staff.yaml address can move "
            "tickets and speak to customers as that person. Set commands.require_authentication "
            "and commands.authserv_id (see the README's trust model).",
            err=True,
        )
    click.echo(  # one unwrapped line, for people and grep
        f"ok: {path or 'built-in defaults'}; rules {config.paths.rules}: "
        f"{len(ruleset.router.rules)} routing rules, {len(ruleset.catalog.types)} types, "
        f"{len(ruleset.directory.people)} people in {len(ruleset.directory.teams)} teams"
    )
    for box in config.watched() if config.mailboxes else []:
        team = f"; new tickets to team {box.team} unless a rule names one" if box.team else ""
        where = f"IMAP {box.imap.username}, folder {box.imap.folder}"
        click.echo(f"ok: mailbox {box.label}: {where}; rules {box.rules}{team}")
    if live:
        results = live_checks(config)
        for ok, line in results:
            click.echo(f"{'ok' if ok else 'error'}: {line}", err=not ok)
        if not all(ok for ok, _ in results):
            sys.exit(1)


@main.command()
@click.option("--sql", "as_sql", is_flag=True, help="Print the SQL the upgrade would run; change nothing.")
@click.pass_obj
def migrate(state: State, as_sql: bool) -> None:
    """Bring the database schema to this helpdesk's newest revision (the daemon does it at start)."""
    config = state.config()
    if as_sql and config.database.url.startswith("sqlite"):
        raise click.ClickException(
            "--sql needs PostgreSQL: SQLite's migrations rebuild tables from the live database. "
            "Take a `helpdesk backup` first, then `helpdesk migrate`."
        )
    engine = make_engine(config.database.url)
    try:
        if as_sql:
            click.echo(upgrade_sql(engine) or "-- the database schema is current: nothing to run")
            return
        upgrade(engine)
        require_current(engine)
    finally:
        engine.dispose()
    say("ok: the database schema is current")


@main.group()
def tickets() -> None:
    """Read tickets."""


tickets.add_command(tickets_list)
tickets.add_command(tickets_show)
tickets.add_command(tickets_attachments)


@main.group()
def quarantine() -> None:
    """Mails that could not be processed: list them and retry them."""


@quarantine.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include released entries.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_obj
def quarantine_list(state: State, show_all: bool, as_json: bool) -> None:
    """List quarantined mails with the stage and error that stopped them."""
    config, repo = state.repository()
    rows = [views.quarantine_entry(e, config.zone) for e in repo.quarantined(None if show_all else "held")]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

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
    outcome = app.retry(entry_id)
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
@click.option(
    "--status",
    type=click.Choice(["pending", "sent", "failed", SUPPRESSED]),
    help="Only mail in this state (suppressed: decided during a first start's import, never sent).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_obj
def outbox_list(state: State, status: str | None, as_json: bool) -> None:
    """List outbound mails, newest first; first, why the SMTP server cannot be used, if it cannot."""
    config, repo = state.repository()
    rows = [views.outbox_entry(r, config.zone) for r in repo.outbox(status)]
    for outage in repo.outages():
        since, tried = outage.since.astimezone(config.zone), outage.tried_at.astimezone(config.zone)
        click.echo(
            f"{outage.service.upper()} outage since {since:%Y-%m-%d %H:%M:%S %Z}"
            f" (last tried {tried:%H:%M:%S}): {outage.reason};"
            " mail waits and is not marked failed",
            err=as_json,  # --json prints the rows alone on stdout
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

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


outbox.add_command(outbox_retry)


@main.command()
@click.option("--keep", type=click.Path(path_type=Path), help="Keep the demo's files in this folder.")
@click.option(
    "--language",
    type=click.Choice(["zh", "en"]),
    help="Tell the story in Chinese or English (default: from the locale, LANG=zh_CN… is Chinese).",
)
def demo(keep: Path | None, language: str | None) -> None:
    """Run the whole product on throwaway local IMAP and SMTP servers and tell what it did."""
    from helpdesk.demo import run_demo

    run_demo(console.rich, keep, language)


for command in (
    cli_reports.rules,
    cli_reports.digest,
    cli_reports.report,
    cli_automatic.automatic,
    cli_raw.raw,
    mails,
    cli_backup.backup_command,
    cli_backup.restore_command,
):
    main.add_command(command)
main.add_command(init)
main.add_command(search_command)


def run_cli() -> None:
    try:
        main(standalone_mode=True)
    except HelpdeskError as exc:
        errors(str(exc).splitlines())
