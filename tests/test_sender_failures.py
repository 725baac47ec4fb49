"""Servers that fail the sender: an unusable SMTP server charges no mail, a database that stops
taking writes after the SMTP server's 250 resends nothing, and the daemon heals by itself."""

from __future__ import annotations

import contextlib
import logging
import subprocess
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from urllib.parse import parse_qs, urlsplit, urlunsplit

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.localservers import free_port
from helpdesk.outbound.sender import Sender
from helpdesk.tickets.db import make_engine, session_factory
from helpdesk.tickets.models import OutboxMail
from tests.conftest import PG_DSN
from tests.support.smtp_servers import Greeter, Sink

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def rows(app: Helpdesk) -> list[OutboxMail]:
    with app.sessions() as session:
        return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def deliveries(sink: Sink) -> Counter:
    return Counter(message_from_bytes(r.data)["Message-ID"] for r in sink.received)


def outbox_list(tmp_path) -> str:
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "helpdesk.yaml"), "outbox", "list"])
    assert result.exit_code == 0, result.output
    return result.output


def queue_mails(make_config, url: str, account, count: int, **smtp) -> tuple[Helpdesk, ManualClock]:
    """A helpdesk whose outbox holds `count` acknowledgements, sent nowhere yet."""
    clock = ManualClock(START)
    app = Helpdesk(make_config(url, smtp=smtp), clock=clock)
    account.deliver(*(customer_mail(f"c{n} <c{n}@example.com>", f"report {n}", "x") for n in range(count)))
    assert app.ingest.run_once() == count
    app.ingest.mailbox.close()
    return app, clock


TROUBLES = {
    "nobody listening": ({}, "connect failed"),
    "greeting 554": ({"greeting": "554 5.3.2 not accepting mail from you"}, "connect failed: 554"),
    "no STARTTLS": ({"security": "starttls"}, "STARTTLS failed"),
    "wrong password": ({"username": "support", "password": "wrong"}, "login failed: 535"),
    "no login at all": ({}, "530"),  # the server demands AUTH; MAIL FROM is answered 530
}


def server_for(trouble: str, greeting: str | None):
    if trouble == "nobody listening":
        return contextlib.nullcontext(None)
    if greeting:
        return Greeter(greeting)
    return Sink(password="right" if trouble in ("wrong password", "no login at all") else None)


@pytest.mark.parametrize("trouble", TROUBLES)
def test_a_server_we_cannot_use_fails_no_mail_and_says_why(
    trouble, make_config, sqlite_url, account, tmp_path, caplog
):
    smtp_section, reason = TROUBLES[trouble]
    greeting = smtp_section.pop("greeting", None)
    with server_for(trouble, greeting) as server:
        port = server.port if server else free_port()
        app, clock = queue_mails(make_config, sqlite_url, account, 3, port=port, **smtp_section)
        caplog.set_level(logging.INFO, logger="helpdesk.outbound.sender")
        for _ in range(3):  # each try after the sender's own wait, each refused the same way
            clock.advance(timedelta(minutes=10))
            result = app.sender.drain()
            assert (result.sent, result.retrying, result.failed) == (0, 0, 0)
            assert reason in result.outage
        tries = getattr(server, "connections", None), getattr(server, "logins", None)
        assert app.sender.drain().outage and app.sender.drain().outage  # waiting: no new try
        assert (getattr(server, "connections", None), getattr(server, "logins", None)) == tries
        assert [(r.status, r.attempts, r.last_error) for r in rows(app)] == [("pending", 0, "")] * 3
        assert all(r.next_attempt_at <= clock.now() for r in rows(app))  # nor pushed back
        listing = outbox_list(tmp_path)
        assert "SMTP outage since 2026-12-01 10:10:00 CST" in listing and reason in listing
        warnings = [
            r for r in caplog.records if r.levelno == logging.WARNING and r.name.startswith("helpdesk")
        ]
        assert len(warnings) == 1 and reason in warnings[0].getMessage()
        app.close()
    # Fixed (a working server, the right password) and restarted: all three go, the line goes.
    with Sink() as sink:
        fixed = Helpdesk(make_config(sqlite_url, smtp={"port": sink.port}), clock=clock)
        assert fixed.sender.drain().sent == 3
        assert [r.status for r in rows(fixed)] == ["sent"] * 3 and len(sink.received) == 3
        assert "outage" not in outbox_list(tmp_path)
        fixed.close()


def test_the_same_sender_recovers_when_the_server_comes_back(make_config, sqlite_url, account, caplog):
    port = free_port()
    app, clock = queue_mails(make_config, sqlite_url, account, 2, port=port)
    caplog.set_level(logging.INFO, logger="helpdesk.outbound.sender")
    assert app.sender.drain().outage.startswith("connect failed")
    with Sink(port) as sink:
        clock.advance(timedelta(seconds=5))
        assert app.sender.drain().sent == 2 and len(sink.received) == 2
    assert sum("usable again" in r.getMessage() for r in caplog.records) == 1
    with app.sessions() as session:
        from helpdesk.tickets.repository import Repository

        assert Repository(session).outages() == []
    app.close()


def test_a_refused_recipient_fails_that_mail_alone(make_config, sqlite_url, account):
    with Sink(refused={"c1@example.com"}) as sink:
        app, _ = queue_mails(make_config, sqlite_url, account, 3, port=sink.port)
        result = app.sender.drain()
        assert (result.sent, result.failed, result.outage) == (2, 1, "")
        assert [(r.recipient, r.status) for r in rows(app)] == [
            ("c0@example.com", "sent"),
            ("c1@example.com", "failed"),
            ("c2@example.com", "sent"),
        ]
        assert "550" in rows(app)[1].last_error
    app.close()


def test_a_read_only_database_sends_nothing(make_config, tmp_path, account):
    """Each send is leased in a write first: while the database refuses writes, nothing goes out."""
    path = tmp_path / "helpdesk.db"
    with Sink() as sink:
        app, clock = queue_mails(make_config, f"sqlite:///{path}", account, 2, port=sink.port)
        app.close()
        read_only = session_factory(make_engine(f"sqlite:///file:{path}?mode=ro&uri=true"))
        sender = Sender(app.config.smtp, app.config.support_address, read_only, clock, app.sender.blobs)
        for _ in range(3):
            with pytest.raises(OperationalError, match="readonly"):
                sender.drain()
            clock.advance(timedelta(minutes=10))
        assert sink.received == []


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MiB tmpfs for the database, and a way to fill it up and free it again."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder) -> None:
    subprocess.run(["dd", "if=/dev/zero", f"of={folder / 'filler'}", "bs=64k"], capture_output=True)


def test_a_full_disk_after_the_250_resends_nothing_and_a_restart_at_most_once(
    make_config, small_disk, account
):
    """The issue's 14 copies while the disk was full: now the answer waits in memory (nothing is
    leased meanwhile) and is written when there is room; a sender that dies holding it leaves the
    mail to the next after the lease: one more copy at most."""
    url = f"sqlite:///{small_disk / 'helpdesk.db'}"
    with Sink(after_accept=lambda count: count == 1 and fill(small_disk)) as sink:
        app, clock = queue_mails(make_config, url, account, 3, port=sink.port)
        with pytest.raises(OperationalError, match="full"):
            app.sender.drain()
        for _ in range(5):  # the old sender sent the first mail again on each of these
            clock.advance(timedelta(minutes=10))
            with pytest.raises(OperationalError, match="full"):
                app.sender.drain()
        assert len(sink.received) == 1
        # A second sender (a restart) while the disk is full sends nothing either.
        restarted = Sender(app.config.smtp, app.config.support_address, app.sessions, clock, app.sender.blobs)
        with pytest.raises(OperationalError, match="full"):
            restarted.drain()
        (small_disk / "filler").unlink()
        assert app.sender.drain().sent == 3  # the first one's answer written at last, then two sends
        assert restarted.drain().sent == 0
        assert all(count == 1 for count in deliveries(sink).values()) and len(deliveries(sink)) == 3
        assert [r.status for r in rows(app)] == ["sent"] * 3
        app.close()


def test_a_sender_dying_between_250_and_commit_resends_that_mail_once_after_the_lease(
    make_config, small_disk, account
):
    url = f"sqlite:///{small_disk / 'helpdesk.db'}"
    with Sink(after_accept=lambda count: count == 1 and fill(small_disk)) as sink:
        app, clock = queue_mails(make_config, url, account, 2, port=sink.port)
        with pytest.raises(OperationalError):
            app.sender.drain()
        app.close()  # the process dies with the answer in memory
        (small_disk / "filler").unlink()
        successor = Sender(
            app.config.smtp,
            app.config.support_address,
            session_factory(make_engine(url)),
            clock,
            app.sender.blobs,
        )
        assert successor.drain().sent == 0  # both mails are leased to the dead sender
        clock.advance(timedelta(seconds=app.config.smtp.lease_seconds + 1))
        assert successor.drain().sent == 2
        assert sorted(deliveries(sink).values()) == [1, 2]  # the at-least-once window: one copy more


def _schema(url: str) -> str:
    return parse_qs(urlsplit(url).query)["options"][0].split("=")[-1]


def test_the_daemon_heals_after_postgresql_stops_taking_writes(make_config, pg_url, account):
    """Connections opened while the role was read-only stay read-only unless recycled."""
    role = f"hd_ro_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(PG_DSN, autocommit=True)
    admin.execute(f"CREATE ROLE {role} LOGIN")
    admin.execute(f"GRANT ALL ON SCHEMA {_schema(pg_url)} TO {role}")
    parts = urlsplit(pg_url)
    as_role = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))
    went_read_only = threading.Event()

    def read_only(count: int) -> None:
        if count == 1:
            admin.execute(f"ALTER ROLE {role} SET default_transaction_read_only = on")
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [role])
            went_read_only.set()

    stop = threading.Event()
    try:
        with Sink(after_accept=read_only) as sink:
            app = Helpdesk(make_config(as_role, smtp={"port": sink.port}))
            account.deliver(*(customer_mail(f"c{n} <c{n}@example.com>", f"r {n}", "x") for n in range(3)))
            assert app.ingest.run_once() == 3  # the outbox is full before the sender starts
            daemon = threading.Thread(target=app.run, args=(stop,))
            daemon.start()
            assert went_read_only.wait(30)
            time.sleep(3)  # writes refused for a while: the daemon keeps trying with backoff
            assert len(sink.received) == 1
            admin.execute(f"ALTER ROLE {role} RESET default_transaction_read_only")
            deadline = time.monotonic() + 60
            while len(deliveries(sink)) < 3 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(deliveries(sink)) == 3, "the daemon did not heal within a minute"
            assert max(deliveries(sink).values()) <= 2
    finally:
        stop.set()
        if "daemon" in locals():
            daemon.join(30)
            app.close()
        admin.execute(f"REASSIGN OWNED BY {role} TO postgres")
        admin.execute(f"DROP OWNED BY {role}")
        admin.execute(f"DROP ROLE {role}")
        admin.close()
