"""Storage: migrations match the models, numbering is safe under concurrent writers, on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from helpdesk.config import NumberingConfig
from helpdesk.knowledge.schema import include_name
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.models import Base, Ticket, TicketClock, TicketField
from helpdesk.tickets.numbering import next_number, subject_tag
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.store_operator import TicketFilter

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_migrations_create_exactly_the_models(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    upgrade(engine)  # a second start applies nothing and fails nothing
    with engine.connect() as conn:
        # The search index's raw-SQL objects (FTS5, tsvector) are the migration's alone.
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"include_name": include_name}), Base.metadata
        )
    engine.dispose()
    assert diff == []


def test_numbers_are_unique_under_concurrent_writers(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    numbering = NumberingConfig()
    now = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
    numbers: list[str] = []
    lock = threading.Lock()

    def writer() -> None:
        for _ in range(10):
            with sessions.begin() as session:
                number = next_number(Repository(session), numbering, now)
            with lock:
                numbers.append(number)

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert sorted(numbers) == [f"202611-{n:03d}" for n in range(1, 61)]


def test_sequence_restarts_each_month_and_rollback_returns_the_number(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    sessions = session_factory(engine)
    numbering = NumberingConfig()
    nov = datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI)
    dec = datetime(2026, 12, 1, 0, 1, tzinfo=SHANGHAI)
    with sessions.begin() as session:
        assert next_number(Repository(session), numbering, nov) == "202611-001"
    session = sessions()
    assert next_number(Repository(session), numbering, nov) == "202611-002"
    session.rollback()
    session.close()
    with sessions.begin() as session:
        assert next_number(Repository(session), numbering, nov) == "202611-002"
        assert next_number(Repository(session), numbering, dec) == "202612-001"
    engine.dispose()


def test_configurable_formats():
    daily = NumberingConfig(format="TS{date:%Y%m%d}{seq:03d}", reset="daily", subject_tag="【{number}】")
    assert daily.format.format(date=datetime(2024, 5, 1, tzinfo=UTC), seq=1) == "TS20240501001"
    assert subject_tag(daily, "TS20240501001") == "【TS20240501001】"


def test_blob_store_is_content_addressed(tmp_path):
    store = BlobStore(tmp_path)
    digest = store.put(b"log line\n")
    assert store.put(b"log line\n") == digest
    assert store.get(digest) == b"log line\n"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [digest]


def test_ticket_filters_run_in_the_database(db_url):
    """The customer filter (address, name or company field, any case, wildcards literal) and overdue."""
    engine = make_engine(db_url)
    upgrade(engine)
    now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    with session_factory(engine).begin() as session:
        for n, (email, name, company) in enumerate(
            [("Li.Lei@Example.cn", "李雷", None), ("ann@acme.com", "Ann 100%", "华信科技有限公司")], start=1
        ):
            ticket = Ticket(
                number=f"202612-{n:03d}",
                subject="s",
                status="new",
                requester_email=email,
                requester_name=name,
                language="zh",
                created_at=now,
                updated_at=now,
            )
            session.add(ticket)
            if company:
                session.add(
                    TicketField(
                        ticket=ticket,
                        name="company",
                        value=company,
                        message_id="<m@x>",
                        line=1,
                        source="signature",
                        updated_at=now,
                    )
                )
            session.add(
                TicketClock(
                    ticket=ticket,
                    name="resolution",
                    started_at=now,
                    due_at=now + timedelta(hours=n * 2 - 3),  # the first is past due at `now`
                )
            )
    with session_factory(engine)() as session:
        repo = Repository(session)

        def numbers(**given) -> list[str]:
            return [t.number for t in repo.find_tickets(TicketFilter(**given), now)]

        assert numbers(customer="example.CN") == ["202612-001"]
        assert numbers(customer="华信") == ["202612-002"]
        assert numbers(customer="100%") == ["202612-002"] and numbers(customer="1%") == []
        assert numbers(overdue=True) == ["202612-001"]
    engine.dispose()
