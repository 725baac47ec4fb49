"""The sender on a SQLite database another writer holds (ingest's batch): it keeps sending the
batch it leased, and writes the answers once it may, each mail sent once and recorded as sent."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes

from sqlalchemy import select

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.models import OutboxMail
from tests.support.smtp_servers import Sink


def test_a_held_write_lock_delays_the_record_not_the_sending(make_config, tmp_path, account):
    path = tmp_path / "helpdesk.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    seen_while_held: list[str] = []

    def another_writer(count: int) -> None:
        if count == 1:  # ingest begins a batch right after the first mail went out
            other.execute("BEGIN IMMEDIATE")
        if count == 3:  # and commits once the whole lease was sent
            seen_while_held.extend(row[0] for row in other.execute("SELECT status FROM outbox"))
            other.execute("COMMIT")

    with Sink(after_accept=another_writer) as sink:
        app = Helpdesk(make_config(f"sqlite:///{path}", smtp={"port": sink.port}), clock=ManualClock(START))
        account.deliver(*(customer_mail(f"c{n} <c{n}@example.com>", f"report {n}", "x") for n in range(3)))
        assert app.ingest.run_once() == 3
        app.ingest.mailbox.close()
        result = app.sender.drain()
        with app.sessions() as session:
            statuses = list(session.scalars(select(OutboxMail.status).order_by(OutboxMail.id)))
    other.close()
    app.close()
    # With the lock held, the second and third mail still went out (a sender waiting for the lock
    # after each mail would have sent nothing more until it gave up).
    assert seen_while_held.count("sent") <= 1 and len(seen_while_held) == 3
    assert result.sent == 3 and statuses == ["sent"] * 3
    assert Counter(message_from_bytes(r.data)["Message-ID"] for r in sink.received).most_common(1)[0][1] == 1
    assert len(sink.received) == 3


START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
