"""Every command and every option of `helpdesk` explains itself in --help; shell completion works."""

from __future__ import annotations

import click
from click.testing import CliRunner

from helpdesk.cli import main


def commands(group: click.Group, path: tuple[str, ...] = ()):
    yield path, group
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


def test_every_option_of_every_command_has_help_text():
    missing = [
        f"helpdesk {' '.join(path)} {'/'.join(param.opts)}"
        for path, command in commands(main)
        for param in command.params
        if isinstance(param, click.Option) and not (param.help or "").strip() and "--help" not in param.opts
    ]
    assert missing == []
    undocumented = [" ".join(path) for path, command in commands(main) if not (command.help or "").strip()]
    assert undocumented == []


def test_every_help_page_renders():
    for path, _ in commands(main):
        result = CliRunner().invoke(main, [*path, "--help"], prog_name="helpdesk")
        assert result.exit_code == 0, (path, result.output)
        assert "Usage: helpdesk" in result.output


def test_bash_completion_script_and_completions():
    script = CliRunner().invoke(main, [], prog_name="helpdesk", env={"_HELPDESK_COMPLETE": "bash_source"})
    assert "_helpdesk_completion" in script.output and "complete -o nosort -F" in script.output
    words = CliRunner().invoke(
        main,
        [],
        prog_name="helpdesk",
        env={"_HELPDESK_COMPLETE": "bash_complete", "COMP_WORDS": "helpdesk tick", "COMP_CWORD": "1"},
    )
    assert "plain,tickets" in words.output
