"""What every `helpdesk` subcommand shares: the loaded config, the console, and how to print."""

from __future__ import annotations

import sys
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from helpdesk.config import Config, load_config
from helpdesk.tickets.db import make_engine, require_current, session_factory
from helpdesk.tickets.repository import Repository

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text


class Output:
    """The terminal console, made at its first use: rich (2 MiB) is imported by the commands that
    print through it, not by every process (the daemon prints nothing through it until it exits)."""

    @cached_property
    def rich(self) -> Console:
        from rich.console import Console

        return Console()

    def print(self, *objects: object, **options) -> None:
        self.rich.print(*objects, **options)

    def rule(self, title: object = "", **options) -> None:
        self.rich.rule(title, **options)


console = Output()


class State:
    """The command line's config path; loads the config and opens the database on demand."""

    def __init__(self, config_path: Path | None) -> None:
        self.config_path = config_path

    def config(self) -> Config:
        return load_config(self.config_path)

    def repository(self) -> tuple[Config, Repository]:
        config = self.config()
        engine = make_engine(config.database.url)
        require_current(engine)  # reading never migrates: `helpdesk migrate` does
        session = session_factory(engine)()
        context = click.get_current_context(silent=True)
        if context is not None:  # an open session holds its locks until closed: close it with the command
            # Click runs these last-registered-first: the session closes, then the engine goes.
            context.call_on_close(engine.dispose)
            context.call_on_close(session.close)
        return config, Repository(session)


def say(text: str) -> None:
    """Print user data literally: subjects like '[#202611-001]' are not rich markup."""
    console.print(text, highlight=False, markup=False)


def errors(problems: list[str]) -> NoReturn:
    """Print each problem on one unwrapped line (file:line: message, for people and grep), exit 1."""
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    sys.exit(1)


def plain(*cells: str | None) -> list[Text]:
    """Table cells as literal text: a subject like '[#202611-001] …' is data, not a style tag."""
    from rich.text import Text

    return [Text("-" if cell is None else str(cell)) for cell in cells]


class BarProgress:
    """An import's progress in a terminal: a bar, done/total, the rate and the time left."""

    def __init__(self, what: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            Task,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task: Task) -> Text:
                return Text(f"{task.speed:.1f} mails/s" if task.speed else "… mails/s")

        self.what = what
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            Rate(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self.task = self.bar.add_task(what, total=None)

    def start(self, total: int) -> None:
        self.bar.update(self.task, total=total, completed=0)
        self.bar.start()

    def advance(self) -> None:
        self.bar.advance(self.task)

    def finish(self) -> None:
        self.bar.stop()
