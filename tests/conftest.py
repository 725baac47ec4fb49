"""Shared fixtures: a real IMAP server (Dovecot, else pymap), an SMTP sink, SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import yaml
from imapclient import IMAPClient

from helpdesk.config import Config, load_config
from helpdesk.localservers import PymapServer, SmtpSink
from tests.support import dovecot

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
MAILS = Path(__file__).resolve().parent / "mails"
MINIMAL_RULES = Path(__file__).resolve().parent / "rules" / "minimal"
SHIPPED_RULES = Path(__file__).resolve().parents[1] / "rules"
PG_DSN = os.environ.get("HELPDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SUPPORT = "support@example.com"
_users = itertools.count(1)


def use_dovecot() -> bool:
    return os.environ.get("HELPDESK_TEST_IMAP", "dovecot") == "dovecot" and dovecot.available()


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[dovecot.Dovecot]:
    # Not under pytest's 0700 tmp folder: Dovecot's mail processes run as nobody.
    root = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    server = dovecot.Dovecot(root).start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@dataclass
class Account:
    """One IMAP mailbox on the test server, and a way to put mail in it and look inside."""

    port: int
    user: str
    password: str
    server: object

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def deliver(self, *raws: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        for raw in raws:
            client.append(folder, raw)
        client.logout()

    def count(self, folder: str) -> int:
        client = self.client()
        try:
            if not client.folder_exists(folder):
                return 0
            client.select_folder(folder, readonly=True)
            return len(client.search("ALL"))
        finally:
            client.logout()


@pytest.fixture
def account(request) -> Iterator[Account]:
    if use_dovecot():
        server = request.getfixturevalue("dovecot_server")
        yield Account(server.port, f"support{next(_users)}@example.com", server.password, server)
        return
    server = PymapServer(SUPPORT, "secret").start()
    yield Account(server.port, SUPPORT, "secret", server)
    server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def postgres_available() -> bool:
    try:
        psycopg.connect(PG_DSN, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema in the PostgreSQL test database; dropped afterwards."""
    if not postgres_available():
        pytest.skip(f"PostgreSQL not reachable at {PG_DSN}")
    schema = f"hd_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{PG_DSN}?options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '20s'")  # a leaked session fails the teardown, not hangs it
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'helpdesk.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'helpdesk.db'}"


@pytest.fixture
def make_config(tmp_path, account, smtp):
    """Write a helpdesk.yaml for this test's servers and load it through the real loader."""

    def build(db: str, rules: Path = MINIMAL_RULES, **sections) -> Config:
        """Pipeline tests get rules that route nothing; intake tests pass the shipped rules."""
        data = {
            "support_address": account.user,
            "database": {"url": db},
            "imap": {
                "host": "127.0.0.1",
                "port": account.port,
                "username": account.user,
                "password": account.password,
                "poll_seconds": 0.2,
                "reconnect": {"initial": 0.1, "maximum": 0.5},
            },
            "smtp": {"host": "127.0.0.1", "port": smtp.port, "poll_seconds": 0.1},
            "paths": {"data": "var", "rules": str(rules)},
        }
        for key, value in sections.items():
            if isinstance(value, dict):
                data.setdefault(key, {}).update(value)
            else:
                data[key] = value
        path = tmp_path / "helpdesk.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return load_config(path, environ={})

    return build
