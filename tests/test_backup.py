"""Backup and restore as an operator runs them: a ticket and its attachment survive losing the database."""

from __future__ import annotations

import json

import psycopg
from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.daemon import Helpdesk
from helpdesk.tickets.models import AttachmentRow, Ticket
from tests.conftest import MAILS, PG_DSN


def cli(path, *args):
    return CliRunner().invoke(main, ["--config", str(path), *args], catch_exceptions=False)


def test_backup_then_restore_after_losing_everything(make_config, db_url, tmp_path, account, smtp):
    config = make_config(db_url)
    path = tmp_path / "helpdesk.yaml"
    app = Helpdesk(config)
    account.deliver((MAILS / "thunderbird_rfc2231_zh_attachment.eml").read_bytes())
    app.run_once()
    with app.sessions() as session:
        number = session.scalars(select(Ticket.number)).one()
        attachment = session.scalars(select(AttachmentRow)).first()
    blob = app.pipeline.recorder.blobs.get(attachment.sha256)
    app.close()

    made = cli(path, "backup", str(tmp_path / "backup"))
    assert made.exit_code == 0 and "backed up" in made.output
    manifest = json.loads((tmp_path / "backup" / "backup.json").read_text())
    assert manifest["schema_revision"] and manifest["database"] in ("sqlite", "postgresql")
    again = CliRunner().invoke(main, ["--config", str(path), "backup", str(tmp_path / "backup")])
    assert "is not empty" in str(again.exception)  # never over an old backup

    # Lose the database and the attachments.
    if db_url.startswith("sqlite"):
        (tmp_path / "helpdesk.db").unlink()
    else:
        schema = db_url.rsplit("%3D", 1)[1]
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
            conn.execute(f"CREATE SCHEMA {schema}")
    for stored in config.paths.data.rglob("*"):
        if stored.is_file():
            stored.unlink()

    restored = cli(path, "restore", str(tmp_path / "backup"), "--yes")
    assert restored.exit_code == 0, restored.output
    shown = cli(path, "tickets", "show", number, "--json")
    assert shown.exit_code == 0 and json.loads(shown.output)["number"] == number
    app = Helpdesk(config)
    assert app.pipeline.recorder.blobs.get(attachment.sha256) == blob
    app.close()
