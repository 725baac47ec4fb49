"""The periodic work and the reports over a large PostgreSQL database (default 1,000,000 tickets).

Seeds N tickets two years deep into a fresh schema with set-based SQL (INSERT … SELECT
generate_series): their clocks (first response and resolution; the open tickets' resolution clock
running, some past due and escalated), events (created, status changes, reopenings, escalations),
three report fields each and two sent outbox mails each; about 2 % of the tickets are open, as on
a desk that closes what it opens. Then times each job the daemon runs, best of 3, and counts the
SQL statements each one issues:

- the candidate read of each sweep job (deadline warning, escalation, progress update,
  confirmation, information reminder) and the ticket count it returns;
- a whole sweep run, once on the seeded backlog (it acts), then best of 3 in the steady state;
- each manager's digest figures (all the digest reads; rendering them reads nothing more),
  `report --since` a year ago, and the figures /metrics shows.

Run: python benchmarks/scale.py [--tickets 1000000] [--dsn postgresql://postgres@127.0.0.1:5432/test]
     [--explain]        (EXPLAIN (ANALYZE, BUFFERS) of each job's slowest statement)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import yaml
from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from helpdesk.clock import ManualClock  # noqa: E402
from helpdesk.config import load_config  # noqa: E402
from helpdesk.daemon import Helpdesk  # noqa: E402
from helpdesk.rules.schema import Duration  # noqa: E402
from helpdesk.sla.progress import progress_due  # noqa: E402
from helpdesk.tickets.db import make_engine, upgrade  # noqa: E402
from helpdesk.tickets.figures import manager_figures  # noqa: E402
from helpdesk.tickets.repository import Repository  # noqa: E402
from helpdesk.tickets.statistics import Scope, statistics  # noqa: E402
from helpdesk.tickets.status import INFO_PENDING  # noqa: E402
from helpdesk.tickets.store_operator import breaches_by_clock, outbox_by_status, tickets_by_state  # noqa: E402

DSN = "postgresql://postgres@127.0.0.1:5432/test"
DAYS = 730  # how far back the tickets go
OPEN_DAYS = 14  # tickets younger than this are still open

# The open states, cycled over the young tickets (in_progress the most common).
OPEN = [
    *("new", "assigned", "acknowledged", "in_progress", "in_progress", "waiting", "testing"),
    *("awaiting_release", "reopened", "info_pending", "resolved", "resolved", "in_progress", "acknowledged"),
]
PRIORITIES = ["fatal", "severe", "general", "general", "minor", "urgent", "high", "medium", "medium", "low"]
KINDS = ["consultation", "development", "permission", "other"]
# Owner i % 9, so that the team (i % 3) is the owner's own.
OWNERS = [
    *("wang.wei", "chen.jie", "sun.li", "zhang.min", "emma.brown", "sun.li", "li.na", "chen.jie", "sun.li")
]
TEAMS = ["operations", "rnd", "product"]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{value}'" for value in values) + "]"


def seed_statements(n: int) -> list[tuple[str, str]]:
    """(what, SQL) to fill an empty schema with `n` tickets and their rows; :now is bound."""
    age = f"make_interval(secs => (({n} - i)::float8 * {DAYS * 86400} / {n}))"
    tickets = f"""
    INSERT INTO tickets (id, number, subject, status, type, priority, team, owner, collaborators, tags,
        required_fields, information_requests, incomplete, solution, confirmation_reminders,
        requester_email, requester_name, language, description, created_at, updated_at)
    SELECT i, 'HD-' || lpad(i::text, 8, '0'), '系统故障 ' || i || ' / login fails',
        CASE WHEN created < :now - interval '{OPEN_DAYS} days' THEN 'closed'
             ELSE ({_array(OPEN)})[1 + i % {len(OPEN)}] END,
        CASE WHEN i % 10 < 5 THEN 'fault' ELSE ({_array(KINDS)})[1 + i % 4] END,
        ({_array(PRIORITIES)})[1 + i % 10], ({_array(TEAMS)})[1 + i % 3], ({_array(OWNERS)})[1 + i % 9],
        '[]', '[]', '[]', 0, false, '', 0,
        'user' || (i % 50000) || '@customer' || (i % 700) || '.example.com', '客户 ' || (i % 50000),
        CASE WHEN i % 4 = 0 THEN 'en' ELSE 'zh' END, '登录时报错 0x8004010F, every few minutes', created,
        created
    FROM (SELECT i, :now - {age} AS created FROM generate_series(1, {n}) AS i) AS s"""
    # Resolution a day or two after creation (never in the future), closing three days later.
    lifecycle = """
    UPDATE tickets SET
        owner = CASE WHEN status = 'new' THEN NULL ELSE owner END,
        resolved_at = CASE WHEN status IN ('closed', 'resolved')
            THEN least(created_at + make_interval(hours => 4 + id % 44), :now - interval '1 hour') END,
        closed_at = CASE WHEN status = 'closed' THEN created_at + make_interval(hours => 76 + id % 44) END,
        archived_at = CASE WHEN status = 'closed' THEN created_at + make_interval(hours => 77 + id % 44) END,
        satisfaction = CASE WHEN status = 'closed' AND id % 10 < 7
            THEN (ARRAY['satisfied', 'satisfied', 'satisfied', 'unsatisfied'])[1 + id % 4] END,
        customer_updated_at = CASE WHEN status NOT IN ('closed', 'resolved', 'new')
            THEN greatest(created_at, :now - make_interval(mins => (id * 37) % 31)) END,
        progress_reminded_at = CASE WHEN status NOT IN ('closed', 'resolved', 'new') AND id % 5 = 0
            THEN greatest(created_at, :now - make_interval(mins => (id * 11) % 600)) END,
        updated_at = coalesce(created_at + make_interval(hours => 77 + id % 44), created_at)"""
    clocks = """
    INSERT INTO ticket_clocks (ticket_id, name, working_time, started_at, due_at, met_at, breached_at,
        paused_at, paused_seconds, escalation_level, next_escalation_at, escalated_to, acknowledged_at,
        warned_at)
    SELECT id, 'first_response', true, created_at, created_at + interval '2 hours',
        CASE WHEN status <> 'new' THEN created_at + make_interval(mins => 5 + id % 150) END,
        CASE WHEN status <> 'new' AND id % 150 > 115 THEN created_at + interval '2 hours' END,
        NULL::timestamp, 0, 0, NULL::timestamp, '[]'::json, NULL::timestamp, NULL::timestamp
    FROM tickets
    UNION ALL
    SELECT id, 'resolution', true, created_at, due, resolved_at,
        CASE WHEN (resolved_at IS NULL AND due <= :now) OR resolved_at > due THEN due END,
        CASE WHEN status = 'info_pending' THEN :now - interval '1 hour' END,
        0,
        CASE WHEN resolved_at IS NULL AND due <= :now THEN 1 + id % 2 ELSE 0 END,
        CASE WHEN resolved_at IS NULL AND due <= :now
            THEN :now + make_interval(mins => id % 300 - 10) END,
        CASE WHEN resolved_at IS NULL AND due <= :now THEN '["liu.yang"]'::json ELSE '[]'::json END,
        NULL,
        CASE WHEN resolved_at IS NULL AND due <= :now + interval '30 minutes' THEN due END
    FROM (SELECT *, created_at + interval '3 days' AS due FROM tickets) AS t"""
    events = """
    INSERT INTO events (ticket_id, at, actor, kind, detail, reason)
    SELECT id, created_at, requester_email, 'created', '{}'::json, '' FROM tickets
    UNION ALL
    SELECT id, created_at + interval '1 minute', 'helpdesk', 'routed',
        json_build_object('team', team, 'owner', owner), 'rule' FROM tickets
    UNION ALL
    SELECT id, created_at + interval '20 minutes', coalesce(owner, 'helpdesk'), 'status_changed',
        '{"from": "new", "to": "acknowledged"}'::json, '' FROM tickets WHERE status <> 'new'
    UNION ALL
    SELECT id, resolved_at, coalesce(owner, 'helpdesk'), 'status_changed',
        '{"from": "in_progress", "to": "resolved"}'::json, '' FROM tickets WHERE resolved_at IS NOT NULL
    UNION ALL
    SELECT id, resolved_at + interval '1 hour', requester_email, 'status_changed',
        '{"from": "resolved", "to": "reopened"}'::json, 'not fixed' FROM tickets
        WHERE resolved_at IS NOT NULL AND id % 20 = 0
    UNION ALL
    SELECT id, closed_at, 'helpdesk', 'status_changed', '{"from": "resolved", "to": "closed"}'::json, ''
        FROM tickets WHERE closed_at IS NOT NULL
    UNION ALL
    SELECT ticket_id, due_at + interval '1 minute', 'helpdesk', 'escalated',
        json_build_object('clock', name, 'level', 1, 'to', 'liu.yang'), name || ' was due'
        FROM ticket_clocks WHERE breached_at IS NOT NULL AND name = 'resolution'"""
    fields = """
    INSERT INTO ticket_fields (ticket_id, name, value, message_id, line, source, updated_at)
    SELECT t.id, f.name, f.value || (t.id % 997), '<in-' || t.id || '@customer.example.com>', f.line,
        'mail', t.created_at
    FROM tickets AS t CROSS JOIN (VALUES ('company', '客户公司 ', 2), ('system_version', 'V5.2.', 4),
        ('error_message', 'Sync error 0x', 6)) AS f (name, value, line)"""
    outbox = """
    INSERT INTO outbox (ticket_id, kind, recipient, message_id, subject, data, automatic, status, attempts,
        next_attempt_at, last_error, created_at, sent_at)
    SELECT t.id, k.kind, t.requester_email, '<out-' || t.id || '-' || k.kind || '@helpdesk.example.com>',
        '[' || t.number || '] ' || t.subject, convert_to(repeat('受理回执 receipt ', 12), 'UTF8'), true,
        'sent', 1, t.created_at + k.after, '', t.created_at + k.after, t.created_at + k.after
    FROM tickets AS t CROSS JOIN (VALUES ('acknowledgement', interval '1 minute'),
        ('resolution', interval '1 day')) AS k (kind, after)
    WHERE k.kind = 'acknowledgement' OR t.resolved_at IS NOT NULL"""
    return [
        ("tickets", tickets),
        ("lifecycle", lifecycle),
        ("clocks", clocks),
        ("events", events),
        ("fields", fields),
        ("outbox", outbox),
        (
            "sequences",
            "SELECT setval(pg_get_serial_sequence(t, 'id'), 10000000) FROM unnest(ARRAY"
            "['tickets', 'ticket_clocks', 'events', 'ticket_fields', 'outbox']) AS t",
        ),
    ]


def seed(engine, n: int, now: datetime) -> None:
    for what, sql in seed_statements(n):
        started = time.perf_counter()
        with engine.begin() as conn:
            rows = conn.execute(text(sql), {"now": now.replace(tzinfo=None)}).rowcount
        print(f"  seeded {what}: {rows:,} rows in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    print(f"  VACUUM ANALYZE in {time.perf_counter() - started:.1f} s", flush=True)


class Statements:
    """Every statement the engine sends while `recording`, with its parameters."""

    def __init__(self, engine) -> None:
        self.seen: list[tuple[str, object]] = []
        self.recording = False
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.recording:
            self.seen.append((statement, parameters))


def measure(statements: Statements, job: Callable[[], object], repeat: int) -> tuple[float, int, object]:
    """(best seconds, statements of one run, the last run's result)."""
    best, result, count = float("inf"), None, 0
    for _ in range(repeat):
        statements.seen.clear()
        statements.recording = True
        started = time.perf_counter()
        try:
            result = job()
        finally:
            statements.recording = False
        best = min(best, time.perf_counter() - started)
        count = len(statements.seen)
    return best, count, result


def explain(engine, seen: list[tuple[str, object]]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest of `seen` (each timed once more to find it)."""
    timed = []
    raw = engine.raw_connection()
    try:
        for statement, parameters in seen:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            cursor = raw.cursor()
            started = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            timed.append((time.perf_counter() - started, statement, parameters))
        if not timed:
            return
        _, statement, parameters = max(timed, key=lambda row: row[0])
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        print("    " + statement.replace("\n", " ")[:400])
        for (line,) in cursor.fetchall():
            print("      " + line)
    finally:
        raw.rollback()
        raw.close()


def write_config(folder: Path, url: str) -> Path:
    path = folder / "helpdesk.yaml"
    data = {
        "support_address": "support@example.com",
        "database": {"url": url},
        "imap": {"host": "127.0.0.1", "port": 1, "username": "support", "password": "unused"},
        "smtp": {"host": "127.0.0.1", "port": 1},
        "paths": {"data": str(folder / "var"), "rules": str(ROOT / "rules")},
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def jobs(app: Helpdesk, now: datetime) -> list[tuple[str, Callable[[], object]]]:
    """(name, job) for each candidate read the sweep makes, the digests, the report and /metrics."""
    rules, sessions = app.rules, app.sessions
    sla = rules.sla
    lead = Duration.parse(sla.escalation.warn_before).calendar_delta()

    def read(query: Callable[[Repository], object]) -> Callable[[], object]:
        def run() -> object:
            with sessions() as session:
                return query(Repository(session))

        return run

    day = (now.astimezone(app.config.zone) - timedelta(days=1)).date()
    year_ago = now - timedelta(days=365)

    def digests(repo: Repository) -> int:
        for person in app.digests.recipients():
            app.digests.figures(repo, person, day)
        return len(app.digests.recipients())

    def report(repo: Repository) -> int:
        figures = statistics(repo, Scope(), year_ago, now, now) | manager_figures(
            repo, Scope(), year_ago, now, now
        )
        return figures["tickets"]

    def metrics(repo: Repository) -> int:
        session = repo.session
        return (
            sum(tickets_by_state(session).values())
            + len(outbox_by_status(session))
            + len(breaches_by_clock(session))
        )

    def confirming(repo: Repository) -> list[int]:
        return repo.confirmations_due(now, rules.workflows.confirmation)

    def working(repo: Repository) -> list[int]:
        return repo.tickets_due_for_progress(sla.progress.working_states, progress_due(rules, now))

    return [
        (
            "deadline warning: candidates",
            read(lambda repo: repo.tickets_with_clocks_due_within(now, now + lead)),
        ),
        (
            "escalation: candidates",
            read(lambda repo: repo.tickets_with_due_clocks(now, len(sla.escalation.chain))),
        ),
        ("progress update: candidates", read(working)),
        ("confirmation: candidates", read(confirming)),
        ("information reminder: candidates", read(lambda repo: repo.tickets_in_states([INFO_PENDING]))),
        ("digest, every manager", read(digests)),
        ("report --since a year ago", read(report)),
        ("/metrics figures", read(metrics)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--dsn", default=DSN)
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) the slowest statements"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the seeded schema (printed) afterwards")
    parser.add_argument("--schema", help="measure this kept schema again (migrated first), seeding nothing")
    args = parser.parse_args()
    schema = args.schema or f"hd_scale_{uuid.uuid4().hex[:8]}"
    if not args.schema:
        with psycopg.connect(args.dsn, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    url = f"{args.dsn}?options=-csearch_path%3D{schema}"
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        engine = make_engine(url)
        started = time.perf_counter()
        upgrade(engine)
        print(f"schema {schema} migrated in {time.perf_counter() - started:.1f} s", flush=True)
        if not args.schema:
            print(f"seeding {args.tickets:,} tickets", flush=True)
            started = time.perf_counter()
            seed(engine, args.tickets, now)
            print(f"seeded in {time.perf_counter() - started:.0f} s\n", flush=True)
        engine.dispose()
        with tempfile.TemporaryDirectory() as folder:
            run(args, write_config(Path(folder), url), now, backlog=not args.schema)
    finally:
        if args.keep or args.schema:
            print(f"kept schema {schema}")
        else:
            with psycopg.connect(args.dsn, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


def run(args, config_path: Path, now: datetime, backlog: bool) -> None:
    config = load_config(config_path, environ={})
    app = Helpdesk(config, clock=ManualClock(now))
    statements = Statements(app.engine)
    rows = []
    for name, job in jobs(app, now):
        seconds, count, result = measure(statements, job, args.repeat)
        found = len(result) if isinstance(result, list) else result
        rows.append((name, seconds, count, found))
        print(f"{name:<36} {seconds * 1000:>10.1f} ms {count:>6} statements   {found:>9,}", flush=True)
        if args.explain:
            explain(app.engine, statements.seen)
    # The whole sweep: once on the seeded backlog (it acts), then in the steady state.
    runs = [("sweep run, seeded backlog", 1)] if backlog else []  # a kept schema's backlog is done
    for label, repeat in [*runs, ("sweep run, steady state", args.repeat)]:
        seconds, count, result = measure(statements, app.sweeper.run, repeat)
        rows.append((label, seconds, count, result))
        print(f"{label:<36} {seconds * 1000:>10.1f} ms {count:>6} statements   {result:>9,}", flush=True)
    app.engine.dispose()


if __name__ == "__main__":
    main()
