"""`helpdesk search`: tickets and knowledge entries by their words, Chinese or English, best first."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import click
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from helpdesk.cli_tickets import DAY, _name
from helpdesk.console import State, errors, say
from helpdesk.knowledge import SearchFilter, refresh, reindex, search
from helpdesk.knowledge.entry import masked
from helpdesk.knowledge.present import WORDS, as_json, entries_of, lines
from helpdesk.rules.load import load_rules
from helpdesk.tickets.models_knowledge import KnowledgeEntry


@click.command("search")
@click.argument("query", nargs=-1)
@click.option(
    "--kind", type=click.Choice(["ticket", "knowledge"]), help="Only tickets, or only knowledge entries."
)
@click.option("--type", "type_", help="Only this type: its name or label (e.g. fault, 故障报修).")
@click.option(
    "--state", "states", multiple=True, help="Only this state: name or label, 中文 or English (repeatable)."
)
@click.option("--since", type=DAY, help="Created (an entry: archived) on or after this day (YYYY-MM-DD).")
@click.option("--until", type=DAY, help="Created (an entry: archived) on or before this day (YYYY-MM-DD).")
@click.option("--customer", help="Only this customer: part of the address or the name (e.g. @acme.cn).")
@click.option("--limit", default=10, show_default=True, help="At most this many results.")
@click.option(
    "--reindex", "rebuild", is_flag=True, help="Rebuild the whole index (after an upgrade or a restore)."
)
@click.option("--json", "as_json_", is_flag=True, help="Print JSON for scripts.")
@click.pass_obj
def search_command(
    state: State,
    query: tuple[str, ...],
    kind: str | None,
    type_: str | None,
    states: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    customer: str | None,
    limit: int,
    rebuild: bool,
    as_json_: bool,
) -> None:
    """Search tickets and knowledge entries, e.g. helpdesk search 打印机 卡纸 --type fault.

    Chinese needs no spaces; results show in the desk's language. The index first catches up with
    the tickets changed since it was last brought up to date; --reindex rebuilds it whole."""
    config, repo = state.repository()
    rules = load_rules(config.paths.rules)
    language, zone, session = config.default_language, config.zone, repo.session
    words = WORDS[language]
    if rebuild:
        tickets = reindex(session, rules, lambda *_: None)
        session.commit()
        entries = session.scalar(select(func.count()).select_from(KnowledgeEntry))
        click.echo(
            words["reindexed"].format(tickets=tickets, entries=entries), err=as_json_
        )  # JSON alone on stdout
        if not query:
            return
    text = " ".join(query).strip()
    if not text:
        errors(["give the words to search for, e.g. helpdesk search 打印机 卡纸"])
    try:
        refresh(session, rules)
        session.commit()
    except DBAPIError as exc:  # a read-only database or a busy one: search what is indexed
        session.rollback()
        click.echo(words["stale"].format(error=type(exc.orig).__name__), err=True)
    filters = SearchFilter(
        kind=kind,
        types=(_name(rules, "type", type_),) if type_ else (),
        states=tuple(_name(rules, "state", value) for value in states),
        since=since.replace(tzinfo=zone) if since else None,
        until=(until.replace(tzinfo=zone) + timedelta(days=1)) if until else None,
        customer=customer,
    )
    hits = search(session, text, filters, limit)
    entries = entries_of(session, hits)
    if as_json_:
        rows = [as_json(hit, entries.get(hit.ticket_id), rules, zone) for hit in hits]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not hits:
        say(words["none"].format(query=masked(rules, text)))
        return
    knowledge = sum(1 for hit in hits if hit.kind == "knowledge")
    say(words["found"].format(count=len(hits), entries=knowledge, tickets=len(hits) - knowledge))
    for hit in hits:
        say("")
        for line in lines(hit, entries.get(hit.ticket_id), rules, zone, language):
            say(line)
