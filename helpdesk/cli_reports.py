"""The `helpdesk` subcommands that explain and report: rules test, digest, report."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import click

from helpdesk.console import State, console, errors, plain, say
from helpdesk.rules.load import load_rules
from helpdesk.tickets.repository import Repository


@click.group()
def rules() -> None:
    """Routing rules and report fields."""


@rules.command("test")
@click.argument("mail", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_obj
def rules_test(state: State, mail: Path, as_json: bool) -> None:
    """Show what the rules make of MAIL (an .eml file), without touching any database."""
    from helpdesk.rules.explain import explain, fired_lines, verdict

    config = state.config()
    ruleset = load_rules(config.paths.rules)
    report = explain(config, ruleset, mail.read_bytes())
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    language = config.default_language  # the operator's language, whatever the mail's
    say(f"subject: {report['subject']}   from: {report['from']}   language: {report['language']}")
    say(verdict(report, language))
    console.print("\n[bold]fields found[/bold]")
    for name, item in report["fields"].items():
        say(f"  {name}: {item['value']}  ({item['where']})")
    say(f"  missing: {', '.join(report['missing']) or 'nothing'}")
    console.print("\n[bold]触发的规则[/bold]" if language == "zh" else "\n[bold]rules fired[/bold]")
    for line in fired_lines(ruleset, report, language):
        say(f"  {line}")
    console.print("\n[bold]result[/bold]")
    for key in ("type", "priority", "category", "team", "owner"):
        say(f"  {key:>8}: {report[key] or '-'}")


@click.command()
@click.option("--print", "to_print", is_flag=True, help="Render without sending (read-only).")
@click.option(
    "--send", is_flag=True, help="Queue the digest now; the daemon's sender delivers it. Once per day."
)
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day reported (default: yesterday)."
)
@click.option("--manager", help="Only this manager's digest (staff id).")
@click.option("--html", is_flag=True, help="Print the HTML part instead of the text part.")
@click.pass_obj
def digest(state: State, to_print: bool, send: bool, day, manager: str | None, html: bool) -> None:
    """Render the managers' daily digest, e.g. helpdesk digest --print --date 2026-11-22, or queue it
    with --send (each manager's digest of a day goes once, whether the sweep or this sends it)."""
    from helpdesk.daemon import Helpdesk

    if to_print == send:
        errors(["say --print (show it) or --send (queue it for the manager), not both or neither"])
    app = Helpdesk(state.config())
    when = day.date() if day else (app.clock.now().astimezone(app.config.zone).date() - timedelta(days=1))
    people = [(folder, person) for folder in app.folder_digests() for person in folder.recipients(manager)]
    if not people:
        app.close()
        errors(
            [f"no manager or director {manager!r} in staff.yaml" if manager else "nobody to send a digest to"]
        )
    if send:
        for folder, person in people:
            with app.sessions.begin() as session:
                queued = folder.send(Repository(session), person, when)
            who = f"{person.name} <{person.email}>"
            if queued:
                say(f"queued the digest of {when} for {who}; the running daemon sends it")
            else:
                say(f"the digest of {when} for {who} went already: not queued again")
        app.close()
        return
    with app.sessions() as session:
        for folder, person in people:
            rendered = folder.render(Repository(session), person, when)
            say(f"To: {person.name} <{person.email}>\nSubject: {rendered.subject}\n")
            say(rendered.html if html else rendered.text)
    app.close()


@click.command()
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (desk time).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day, included (default: today).")
@click.option(
    "--team",
    "teams",
    multiple=True,
    help="Only this team's tickets: its name or label (repeatable; default all).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts (times in seconds).")
@click.pass_obj
def report(state: State, since, until, teams: tuple[str, ...], as_json: bool) -> None:
    """Statistics for any period, in the desk's language: tickets by type, priority and team, SLA
    compliance, satisfaction, average and median first response and resolution time, the reopen
    (二次处理) rate, and each engineer's open, overdue and resolved tickets."""
    from helpdesk.cli_tickets import team_name
    from helpdesk.clock import SystemClock
    from helpdesk.tickets.figures import manager_figures
    from helpdesk.tickets.report_text import ReportText
    from helpdesk.tickets.statistics import Scope, statistics

    config, repo = state.repository()
    zone = config.zone
    start = since.replace(tzinfo=zone)
    end = (until.replace(tzinfo=zone) if until else datetime.now(zone).replace(hour=0, minute=0)) + timedelta(
        days=1
    )
    now = SystemClock().now()
    rules = load_rules(config.paths.rules)
    scope = Scope(frozenset(team_name(rules, team) for team in teams) if teams else None)
    figures = statistics(repo, scope, start, end, now) | manager_figures(repo, scope, start, end, now)
    figures["overdue"] = [o | {"due": o["due"].astimezone(zone).isoformat()} for o in figures["overdue"]]
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    text = ReportText(rules, config.default_language)
    for line in text.lines(figures, start.date(), (end - timedelta(days=1)).date()):
        say(line)
    rows = text.engineers(figures)
    if len(rows) > 1:
        from rich.table import Table

        table = Table(box=None, padding=(0, 2, 0, 2), pad_edge=False, header_style="bold")
        for position, heading in enumerate(rows[0]):
            table.add_column(heading, justify="left" if position == 0 else "right", no_wrap=True)
        for row in rows[1:]:
            table.add_row(*plain(*row))
        console.print()
        console.print(table)
