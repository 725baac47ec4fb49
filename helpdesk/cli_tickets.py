"""`helpdesk tickets list` with its filters, `helpdesk tickets show` and `attachments`, and
`helpdesk outbox retry`."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import click

from helpdesk.console import State, console, errors, plain, say
from helpdesk.outbound.attach import size_words
from helpdesk.rules.load import load_rules
from helpdesk.rules.ruleset import RuleSet
from helpdesk.tickets import views
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.record_text import RecordText
from helpdesk.tickets.record_view import ticket_record
from helpdesk.tickets.store_operator import TicketFilter

DAY = click.DateTime(["%Y-%m-%d"])


@click.command("list")
@click.option(
    "--status", multiple=True, help="Only this status: its name or label, 中文 or English (repeatable)."
)
@click.option("--type", "type_", help="Only this type: its name or label (e.g. fault, 故障).")
@click.option("--priority", help="Only this priority: its name or label (e.g. fatal, 致命).")
@click.option("--team", help="Only this team: its name or label (e.g. operations, 运维组).")
@click.option("--owner", help="Only tickets owned by this person: staff id or email address.")
@click.option(
    "--customer",
    help="Only this customer's tickets: part of the requester's address or name (e.g. example.cn), or of"
    " the company named in the report.",
)
@click.option("--overdue", is_flag=True, help="Only tickets with a deadline passed and not met.")
@click.option("--since", type=DAY, help="Created on or after this day (YYYY-MM-DD, desk time).")
@click.option("--until", type=DAY, help="Created on or before this day (YYYY-MM-DD, desk time).")
@click.option("--limit", default=50, show_default=True, help="At most this many, newest first.")
@click.option("--wide", is_flag=True, help="Also show the team, the requester and the full time.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_obj
def tickets_list(
    state: State,
    status: tuple[str, ...],
    type_: str | None,
    priority: str | None,
    team: str | None,
    owner: str | None,
    customer: str | None,
    overdue: bool,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    wide: bool,
    as_json: bool,
) -> None:
    """List the newest tickets, narrowed by any of the filters; states in the desk's language."""
    config, repo = state.repository()
    rules = load_rules(config.paths.rules)
    zone = config.zone
    filters = TicketFilter(
        statuses=tuple(_name(rules, "state", value) for value in status),
        type=_name(rules, "type", type_) if type_ else None,
        priority=_name(rules, "priority", priority) if priority else None,
        team=_name(rules, "team", team) if team else None,
        owner=_person(rules, owner) if owner else None,
        customer=customer or None,
        overdue=overdue,
        since=since.replace(tzinfo=zone) if since else None,
        until=(until.replace(tzinfo=zone) + timedelta(days=1)) if until else None,
    )
    found = repo.find_tickets(filters, datetime.now(zone), limit)
    rows = [views.ticket_summary(t, zone) for t in found]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        say("no tickets")
        return
    from rich.table import Table

    language = config.default_language
    label = rules.labels.of
    # One line per ticket (for grep): the number never wraps or shrinks, the subject takes the
    # width that is left and is cut short with "…"; --wide shows it whole, wrapped.
    table = Table(box=None, padding=(0, 2, 0, 0), pad_edge=False, expand=True, header_style="bold")
    table.add_column("number", no_wrap=True, min_width=max(len(r["number"]) for r in rows))
    table.add_column("status", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("priority", no_wrap=True)
    table.add_column("owner", no_wrap=True)
    if wide:
        table.add_column("team")
        table.add_column("requester")
    table.add_column("subject", ratio=1, no_wrap=not wide, overflow="fold" if wide else "ellipsis")
    table.add_column("created", no_wrap=True)
    for row, ticket in zip(rows, found, strict=True):
        person = rules.directory.person(row["owner"]) if row["owner"] else None
        created = ticket.created_at.astimezone(zone)
        cells = [
            row["number"],
            label("state", row["status"], language),
            label("type", row["type"], language),
            label("priority", row["priority"], language),
            person.name if person else (row["owner"] or "-"),
        ]
        if wide:
            cells += [label("team", row["team"], language), row["requester"]]
        cells += [row["subject"], f"{created:%Y-%m-%d %H:%M}" if wide else f"{created:%m-%d %H:%M}"]
        table.add_row(*plain(*cells))
    console.print(table)


def _name(rules: RuleSet, kind: str, value: str) -> str:
    """The name behind `value`: the name itself, or its Chinese or English label (any case)."""
    table = {
        "state": rules.workflows.states,
        "type": {k: v.label for k, v in rules.catalog.types.items()},
        "priority": rules.catalog.priorities,
        "team": {k: v.label for k, v in rules.staff.teams.items()},
    }[kind]
    wanted = value.strip().casefold()
    for name, labels in table.items():
        if wanted in (name.casefold(), labels.zh.casefold(), labels.en.casefold()):
            return name
    known = ", ".join(f"{name} ({labels.zh}/{labels.en})" for name, labels in table.items())
    errors([f"no {kind} {value!r}; known: {known}"])


def team_name(rules: RuleSet, value: str) -> str:
    """The team behind `value` (its name, or its Chinese or English label); exits naming the known."""
    return _name(rules, "team", value)


def _person(rules: RuleSet, value: str) -> str:
    wanted = value.strip().casefold()
    for person in rules.staff.people:
        if wanted in (person.id.casefold(), person.email.casefold()):
            return person.id
    errors([f"nobody called {value!r} in staff.yaml (give a staff id or email address)"])


@click.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts: every field, time and event.")
@click.pass_obj
def tickets_show(state: State, number: str, as_json: bool) -> None:
    """Show ticket NUMBER's whole record in the desk's language: the report fields and where each was
    read, the outcome (cause, solution, ETA planned and actual, confirmation, satisfaction, resolved,
    closed and archived), collaborators, escalations, deadlines, status history and the thread."""
    config, repo = state.repository()
    rules = load_rules(config.paths.rules)
    record = ticket_record(repo.ticket_detail(number), config.zone, rules.sensitive)
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    from rich.table import Table
    from rich.text import Text

    console.rule(Text(f"{record['number']} {record['subject']}", style="bold"))
    for section in RecordText(rules, config.default_language).sections(record):
        if not section.pairs and not section.lines:
            continue
        console.print(Text(f"\n{section.title}", style="bold"))
        if section.pairs:
            table = Table(box=None, show_header=False, padding=(0, 2, 0, 2), pad_edge=False, expand=False)
            table.add_column(no_wrap=True)
            table.add_column(overflow="fold")
            for label, value in section.pairs:
                table.add_row(*plain(label, value))
            console.print(table)
        for line in section.lines:
            say(f"  {line}")


@click.command("retry")
@click.argument("row_id", metavar="ID", type=int, required=False)
@click.option("--failed", is_flag=True, help="Every mail marked failed, instead of one ID.")
@click.pass_obj
def outbox_retry(state: State, row_id: int | None, failed: bool) -> None:
    """Send outbound mail ID (failed, or suppressed by an import) again, or every failed one with --failed.

    The mail is due at once with its attempts reset; the running daemon sends it within its poll
    interval, or `helpdesk run --once` does."""
    if (row_id is None) == (not failed):
        errors(["give one outbox ID or --failed (see `helpdesk outbox list --status failed`)"])
    _, repo = state.repository()
    changed = repo.retry_outbox(row_id, datetime.now().astimezone())
    repo.session.commit()
    if row_id is not None and not changed:
        errors([f"no outbox mail #{row_id} waiting to be retried (unknown, or already sent)"])
    say(f"queued again: {changed} mail(s)")


@click.command("attachments")
@click.argument("number")
@click.option(
    "--save",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each file into this folder (created if need be); names already there are kept.",
)
@click.pass_obj
def tickets_attachments(state: State, number: str, folder: Path | None) -> None:
    """List ticket NUMBER's attachments (which mail, name, size), or save them with --save DIR:
    what the owner's notice points to when the customer's files were too large to forward."""
    config, repo = state.repository()
    zh = config.default_language == "zh"
    blobs = BlobStore.under(config.paths.data)
    ticket = repo.ticket_detail(number)
    found = [(m, a) for m in ticket.messages for a in m.attachments]
    if not found:
        say("该工单没有附件" if zh else "no attachments on this ticket")
        return
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    for message, attachment in found:
        when = f"{message.created_at.astimezone(config.zone):%Y-%m-%d %H:%M}"
        size = size_words(attachment.size, config.default_language)
        line = f"{when} {message.sender} {attachment.filename} ({size})"
        if folder is not None:
            try:
                target = _free_name(folder, attachment.filename)
                target.write_bytes(blobs.get(attachment.sha256))
                line += f" → {target}"
            except OSError as exc:
                line += f"：未能保存（{exc.strerror}）" if zh else f": not saved ({exc.strerror})"
        say(line)


def _free_name(folder: Path, name: str) -> Path:
    """A path in `folder` for a file the mail called `name`: its last part only, without control
    characters, numbered ("report (2).pdf") when the name is taken, never outside the folder."""
    base = "".join(c for c in name.replace("\\", "/").rpartition("/")[2] if c.isprintable()).strip()
    base = base.lstrip(".") or "attachment"
    stem, dot, suffix = base.rpartition(".") if "." in base else (base, "", "")
    target, count = folder / base, 1
    while target.exists():
        count += 1
        target = folder / f"{stem} ({count}){dot}{suffix}"
    return target
