"""Several senders on one outbox (two machines, a rolling restart, a cron `run --once`): each mail once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage

import pytest

from helpdesk.clock import SystemClock
from helpdesk.config import SmtpConfig
from helpdesk.outbound.sender import Sender
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.models import OutboxMail
from tests.support.smtp_servers import Sink

MAILS = 200


def fill_outbox(url: str) -> list[str]:
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    ids = [f"<many-{n}@example.com>" for n in range(MAILS)]
    with session_factory(engine).begin() as session:
        for n, message_id in enumerate(ids):
            mail = EmailMessage()
            mail["From"], mail["To"], mail["Subject"], mail["Message-ID"] = (
                "support@example.com",
                f"c{n}@example.com",
                f"ack {n}",
                message_id,
            )
            mail.set_content("received")
            session.add(
                OutboxMail(
                    kind="acknowledgement",
                    recipient=f"c{n}@example.com",
                    message_id=message_id,
                    subject=f"ack {n}",
                    data=mail.as_bytes(),
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    last_error="",
                    created_at=now,
                )
            )
    engine.dispose()
    return ids


def drain_together(url: str, port: int, senders: int, blobs: BlobStore) -> list[int]:
    """`senders` senders, each with its own connection pool, start at once; returns what each sent."""
    config = SmtpConfig(port=port)
    start = threading.Barrier(senders)
    sent = [0] * senders
    engines = [make_engine(url) for _ in range(senders)]

    def run(index: int) -> None:
        sender = Sender(config, "support@example.com", session_factory(engines[index]), SystemClock(), blobs)
        start.wait()
        sent[index] = sender.drain().sent

    threads = [threading.Thread(target=run, args=(i,)) for i in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for engine in engines:
        engine.dispose()
    return sent


@pytest.mark.parametrize(
    ("database", "senders"),
    [("sqlite", 2), ("postgres", 2), ("postgres", 4)],
    ids=["sqlite-2", "pg-2", "pg-4"],
)
def test_senders_sharing_an_outbox_send_every_mail_exactly_once(database, senders, request, tmp_path):
    url = (
        f"sqlite:///{tmp_path / 'helpdesk.db'}" if database == "sqlite" else request.getfixturevalue("pg_url")
    )
    expected = fill_outbox(url)
    with Sink() as sink:
        sent = drain_together(url, sink.port, senders, BlobStore.under(tmp_path))
        copies = Counter(message_from_bytes(r.data)["Message-ID"] for r in sink.received)
    assert sorted(copies) == sorted(expected)
    assert set(copies.values()) == {1}, "a mail went out more than once"
    assert sum(sent) == MAILS and sum(1 for n in sent if n) >= 2, f"no contention: {sent}"
