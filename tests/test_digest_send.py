"""`helpdesk digest --send` queues a digest once, through the sweep's claim; --print queues nothing."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.daemon import Helpdesk
from helpdesk.tickets.models import OutboxMail
from tests.conftest import SHIPPED_RULES


def digest(path, *args: str):
    command = ["--config", str(path), "digest", "--date", "2026-11-23", "--manager", "liu.yang", *args]
    return CliRunner().invoke(main, command, env={"COLUMNS": "200"})


def queued(config) -> list[tuple[str, str]]:
    app = Helpdesk(config)
    with app.sessions() as session:
        rows = [(row.kind, row.recipient) for row in session.scalars(select(OutboxMail))]
    app.close()
    return rows


def test_send_queues_once_and_print_stays_read_only(make_config, sqlite_url, tmp_path, smtp):
    config = make_config(sqlite_url, rules=SHIPPED_RULES)
    path = tmp_path / "helpdesk.yaml"
    printed = digest(path, "--print")
    assert printed.exit_code == 0, printed.output
    assert queued(config) == []

    sent = digest(path, "--send")
    assert sent.exit_code == 0, sent.output
    assert "queued the digest of 2026-11-23 for 刘洋 <liu.yang@example.com>" in sent.output
    assert queued(config) == [("digest", "liu.yang@example.com")]

    again = digest(path, "--send")  # the claim the daemon's sweep takes too: never twice
    assert again.exit_code == 0 and "went already: not queued again" in again.output
    assert queued(config) == [("digest", "liu.yang@example.com")]

    both = digest(path, "--send", "--print")
    assert both.exit_code == 1 and "--print" in both.output and "--send" in both.output
