"""Daemons starting at once on a fresh database: exactly one migrates, the others wait and find it done."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text

from helpdesk.cli import main
from helpdesk.tickets.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
MIGRATE = (
    "import sys; from helpdesk.tickets.db import make_engine, upgrade; upgrade(make_engine(sys.argv[1]))"
)


def test_many_processes_migrate_a_fresh_database_at_once(db_url):
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, db_url],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(6)
    ]
    results = [(p.wait(timeout=120), p.stderr.read().decode()[-600:]) for p in starters]
    for process in starters:
        process.stdout.close()
        process.stderr.close()
    assert [code for code, _ in results] == [0] * len(starters), [err for code, err in results if code]
    engine = make_engine(db_url)
    assert "tickets" in inspect(engine).get_table_names()
    engine.dispose()


def test_reading_never_migrates_and_says_how_to(tmp_path):
    url = f"sqlite:///{tmp_path / 'helpdesk.db'}"
    path = tmp_path / "helpdesk.yaml"
    path.write_text(f"database:\n  url: {url}\n", encoding="utf-8")
    runner = CliRunner()
    listed = runner.invoke(main, ["--config", str(path), "tickets", "list"])
    assert listed.exit_code != 0 and "run `helpdesk migrate`" in str(listed.exception)
    engine = make_engine(url)
    assert "tickets" not in inspect(engine).get_table_names()  # the reader created nothing
    migrated = runner.invoke(main, ["--config", str(path), "migrate"], catch_exceptions=False)
    assert migrated.exit_code == 0 and "schema is current" in migrated.output
    assert (
        runner.invoke(main, ["--config", str(path), "tickets", "list"], catch_exceptions=False).exit_code == 0
    )
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    newer = runner.invoke(main, ["--config", str(path), "outbox", "list"])
    assert "newer than this helpdesk knows" in str(newer.exception)
    engine.dispose()


@pytest.mark.postgres
def test_migrate_sql_prints_the_upgrade_and_changes_nothing(pg_url, tmp_path):
    path = tmp_path / "helpdesk.yaml"
    path.write_text(f"database:\n  url: '{pg_url}'\n", encoding="utf-8")
    shown = CliRunner().invoke(main, ["--config", str(path), "migrate", "--sql"], catch_exceptions=False)
    assert shown.exit_code == 0 and "CREATE TABLE tickets" in shown.output
    engine = make_engine(pg_url)
    assert inspect(engine).get_table_names() == []  # a dry run
    engine.dispose()
    assert CliRunner().invoke(main, ["--config", str(path), "migrate"]).exit_code == 0
    again = CliRunner().invoke(main, ["--config", str(path), "migrate", "--sql"], catch_exceptions=False)
    assert "CREATE TABLE" not in again.output


def test_migrate_sql_on_sqlite_says_why_not_and_creates_nothing(tmp_path):
    path = tmp_path / "helpdesk.yaml"
    path.write_text(f"database:\n  url: sqlite:///{tmp_path / 'helpdesk.db'}\n", encoding="utf-8")
    refused = CliRunner().invoke(main, ["--config", str(path), "migrate", "--sql"])
    assert refused.exit_code != 0 and "needs PostgreSQL" in refused.output
    assert not (tmp_path / "helpdesk.db").exists()


KILLED_MID_MIGRATION = """
import os, signal, sys
from sqlalchemy import event
from helpdesk.tickets.db import make_engine, upgrade
engine = make_engine(sys.argv[1])
created = []

@event.listens_for(engine, "after_cursor_execute")
def kill_after_some_tables(conn, cursor, statement, *args):
    if statement.lstrip().upper().startswith("CREATE TABLE"):
        created.append(statement)
        if len(created) == 4:
            os.kill(os.getpid(), signal.SIGKILL)  # kill -9 in the middle of the first migration

upgrade(engine)
"""


def test_kill_9_during_the_first_migration_leaves_a_database_that_starts(tmp_path):
    url = f"sqlite:///{tmp_path / 'helpdesk.db'}"
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_MIGRATION, url], cwd=ROOT, capture_output=True)
    assert killed.returncode == -9
    again = subprocess.run([sys.executable, "-c", MIGRATE, url], cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-800:]
    engine = make_engine(url)
    assert "tickets" in inspect(engine).get_table_names()
    engine.dispose()
