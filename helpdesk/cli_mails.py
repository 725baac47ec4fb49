"""`helpdesk mails render DIR`: every template rendered for sample tickets, for a wording review."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from helpdesk.console import State, say
from helpdesk.outbound.examples import Examples
from helpdesk.outbound.render import Renderer
from helpdesk.rules.load import load_rules


@click.group()
def mails() -> None:
    """The mails we send, as the people receiving them read them."""


@mails.command("render")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def mails_render(state: State, folder: Path) -> None:
    """Write FOLDER/zh/NAME.txt and FOLDER/en/NAME.txt: each mail's subject and text, for each kind
    of ticket, rendered with the configured rules and templates (the repository's docs/mails)."""
    config = state.config()
    examples = Examples(load_rules(config.paths.rules), Renderer(config.paths.templates), config)
    for language in ("zh", "en"):
        shutil.rmtree(folder / language, ignore_errors=True)  # a template taken away goes too
    written = examples.write(folder)
    say(f"{len(written)} files written under {folder}")
