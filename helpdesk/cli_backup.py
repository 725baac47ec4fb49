"""The `helpdesk backup` and `helpdesk restore` commands: the database and the data folder, together."""

from __future__ import annotations

from pathlib import Path

import click

from helpdesk.backup import Target, backup, restore
from helpdesk.console import State, say
from helpdesk.tickets.db import make_engine, require_current, schema_revision, upgrade


def _target(state: State) -> Target:
    config = state.config()
    return Target(config.database.url, config.paths.data)


@click.command("backup")
@click.argument("destination", type=click.Path(path_type=Path))
@click.pass_obj
def backup_command(state: State, destination: Path) -> None:
    """Copy the database and the data folder into DESTINATION (a new folder); the daemon may run."""
    target = _target(state)
    engine = make_engine(target.database_url)
    try:
        require_current(engine)
        revision = schema_revision(engine)
    finally:
        engine.dispose()
    manifest = backup(target, destination, revision)
    what = f"{manifest['database']} database (schema {revision}) and {target.data}"
    say(f"ok: {what} backed up to {destination}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
@click.pass_obj
def restore_command(state: State, source: Path, yes: bool) -> None:
    """Replace the database and the data folder with the backup in SOURCE; stop the daemon first."""
    target = _target(state)
    if not yes:
        click.confirm(f"Replace the database {target.database_url} with the backup in {source}?", abort=True)
    manifest = restore(target, source)
    engine = make_engine(target.database_url)
    try:
        upgrade(engine)  # a backup from an older version is brought up to date
    finally:
        engine.dispose()
    say(f"ok: restored the backup made {manifest['made_at']} into {target.database_url}")
