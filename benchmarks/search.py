"""Search quality on a labelled set, and search speed at 100,000 tickets, on SQLite and PostgreSQL.

Quality: the tickets and queries of tests/mails/search_labelled.yaml (Chinese and English); for
each query the top five results are judged against the tickets labelled relevant: precision (the
share of results that are relevant), precision at 1, recall. Speed: N tickets made from the same
topics mixed with filler words, inserted in bulk, indexed in bulk, then each query timed (median
and 95th percentile over the query set, with and without a filter), and one incremental refresh.
Run: python benchmarks/search.py [-n 100000] [--dsn postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import yaml
from sqlalchemy import insert
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from helpdesk import knowledge  # noqa: E402
from helpdesk.knowledge.backend import SearchFilter  # noqa: E402
from helpdesk.knowledge.documents import ticket_document  # noqa: E402
from helpdesk.rules.load import load_rules  # noqa: E402
from helpdesk.tickets.db import make_engine, session_factory, upgrade  # noqa: E402
from helpdesk.tickets.models import Ticket  # noqa: E402
from helpdesk.tickets.models_knowledge import SearchDocument  # noqa: E402

LABELLED = ROOT / "tests" / "mails" / "search_labelled.yaml"
RULES = ROOT / "rules"
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TOP = 5


def labelled() -> dict:
    return yaml.safe_load(LABELLED.read_text(encoding="utf-8"))


def _ticket(number: str, spec: dict, at: datetime, email: str) -> Ticket:
    language = "zh" if any("\u4e00" <= c <= "\u9fff" for c in spec["subject"]) else "en"
    return Ticket(
        number=number,
        subject=spec["subject"],
        status=spec["status"],
        type=spec["type"],
        description=spec["description"],
        solution=spec["solution"],
        requester_email=email,
        requester_name="",
        language=language,
        created_at=at,
        updated_at=at,
        collaborators=[],
        tags=[],
        required_fields=[],
    )


def load_labelled(session: Session, rules, email: str = "customer@example.com") -> dict[str, Ticket]:
    """The labelled tickets, stored and indexed (closed ones archived, as the applier does)."""
    tickets = {}
    for position, (key, spec) in enumerate(labelled()["tickets"].items()):
        at = START + timedelta(hours=position)
        ticket = _ticket(f"202611-{position + 1:03d}", spec, at, email)
        ticket.closed_at = ticket.archived_at = at if spec["status"] == "closed" else None
        session.add(ticket)
        tickets[key] = ticket
    session.flush()
    knowledge.refresh(session, rules)
    for ticket in tickets.values():
        if ticket.status == "closed":
            knowledge.archive(session, ticket, ticket.archived_at, rules)
    return tickets


def evaluate(session: Session, tickets: dict[str, Ticket]) -> dict:
    """Precision, precision at 1 and recall of the top results over the labelled queries."""
    numbers = {ticket.number: key for key, ticket in tickets.items()}
    precision, first, recall, empty = [], [], [], []
    for item in labelled()["queries"]:
        found = [numbers[hit.number] for hit in knowledge.search(session, item["query"], limit=TOP)]
        relevant = set(item["relevant"])
        if not found:
            empty.append(item["query"])
            precision.append(0.0)
            first.append(0.0)
        else:
            precision.append(sum(key in relevant for key in found) / len(found))
            first.append(float(found[0] in relevant))
        recall.append(len(relevant & set(found)) / len(relevant))
    return {
        "queries": len(precision),
        "precision": statistics.mean(precision),
        "precision_at_1": statistics.mean(first),
        "recall": statistics.mean(recall),
        "no_result": empty,
    }


FILLER_ZH = ("请", "帮忙", "看", "一下", "今天", "上午", "我们", "部门", "的", "同事", "反馈", "这个", "问题")
FILLER_EN = ("please", "have", "a", "look", "today", "our", "team", "colleagues", "report", "this", "issue")


def _bulk_rows(count: int, topics: list[dict], seed: int = 7) -> list[dict]:
    draw = random.Random(seed)
    rows = []
    for n in range(count):
        spec = topics[n % len(topics)]
        zh = any("\u4e00" <= c <= "\u9fff" for c in spec["subject"])
        filler = FILLER_ZH if zh else FILLER_EN
        noise = ("" if zh else " ").join(draw.choices(filler, k=12))
        at = START - timedelta(minutes=count - n)
        rows.append(
            {
                "id": n + 1,
                "number": f"B{n + 1:07d}",
                "subject": spec["subject"],
                "status": draw.choice(["closed", "closed", "resolved", "in_progress", "new"]),
                "type": spec["type"],
                "description": f"{noise} {spec['description']} {noise}",
                "solution": spec["solution"],
                "requester_email": f"user{n % 5000}@customer{n % 300}.example",
                "requester_name": "",
                "language": "zh" if zh else "en",
                "created_at": at,
                "updated_at": at,
                "collaborators": [],
                "tags": [],
                "required_fields": [],
            }
        )
    return rows


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def bulk(count: int, rules) -> tuple[list[dict], list[dict], float]:
    """`count` ticket rows and their search documents, made once for both databases, and the
    seconds the documents took (analysis and masking, the CPU side of an index build)."""
    rows = _bulk_rows(count, list(labelled()["tickets"].values()))
    started = time.perf_counter()
    documents = [ticket_document(Ticket(**row), rules) for row in rows]
    return rows, documents, time.perf_counter() - started


def speed(url: str, rows: list[dict], documents: list[dict], rules) -> dict:
    """Insert the rows and documents in bulk, then time searches, similar tickets and a refresh."""
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    figures = {}
    for name, model, items in (("tickets_s", Ticket, rows), ("documents_s", SearchDocument, documents)):
        started = time.perf_counter()
        with sessions.begin() as session:
            for at in range(0, len(items), 5000):
                session.execute(insert(model), items[at : at + 5000])
        figures[name] = round(time.perf_counter() - started, 1)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:  # what autovacuum does after a bulk load
            connection.exec_driver_sql("ANALYZE")
    queries = [item["query"] for item in labelled()["queries"]]
    with sessions() as session:
        for query in queries:  # warm the page cache, as a database in use is
            knowledge.search(session, query)
        plain = [_best(lambda q=q: knowledge.search(session, q)) for q in queries]
        narrowed = SearchFilter(states=("closed",), customer="customer7.example")
        filtered = [_best(lambda q=q: knowledge.search(session, q, narrowed)) for q in queries]
        count = len(rows)
        new = [session.get(Ticket, n) for n in (count // 2, count // 3, count // 4)]
        similar = [_best(lambda t=t: knowledge.similar_tickets(session, t)) for t in new]
    with sessions.begin() as session:
        for ticket_id in range(1, 101):
            session.get(Ticket, ticket_id).updated_at = START + timedelta(seconds=ticket_id)
    with sessions.begin() as session:
        figures["refresh_100_ms"] = round(_timed(lambda: knowledge.refresh(session, rules)))
    engine.dispose()
    figures["search_ms"] = _spread(plain)
    figures["filtered_ms"] = _spread(filtered)
    figures["similar_ms"] = _spread(similar)
    return figures


def _best(run) -> float:
    """The median of three runs: on a shared machine one run says more about the neighbours."""
    return statistics.median(_timed(run) for _ in range(3))


def _spread(times: list[float]) -> str:
    ordered = sorted(times)
    tail = (
        f"p95 {ordered[int(len(ordered) * 0.95) - 1]:.1f}" if len(ordered) >= 20 else f"max {ordered[-1]:.1f}"
    )
    return f"median {statistics.median(ordered):.1f}, {tail}"


def quality(url: str, rules) -> dict:
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine).begin() as session:
        result = evaluate(session, load_labelled(session, rules))
    engine.dispose()
    return result


def trigram_quality() -> dict:
    """The labelled set on the design not taken, for comparison: SQLite FTS5's trigram tokenizer over
    the raw text, each space-separated query word matched as a substring (MATCH from three
    characters, LIKE below), ranked by words matched, then bm25."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(key UNINDEXED, title, body, tokenize='trigram')")
    for key, spec in labelled()["tickets"].items():
        body = f"{spec['description']}\n{spec['solution']}"
        connection.execute("INSERT INTO t VALUES (?, ?, ?)", (key, spec["subject"], body))
    precision, first, recall = [], [], []
    for item in labelled()["queries"]:
        score: dict[str, list[float]] = {}
        for word in item["query"].split():
            if len(word) >= 3:
                phrase = '"' + word.replace('"', '""') + '"'
                rows = connection.execute("SELECT key, bm25(t, 4.0, 1.0) FROM t WHERE t MATCH ?", (phrase,))
            else:
                rows = connection.execute("SELECT key, 0 FROM t WHERE title || body LIKE ?", (f"%{word}%",))
            for key, rank in rows:
                score.setdefault(key, [0, 0.0])
                score[key][0] -= 1
                score[key][1] += rank
        found = sorted(score, key=lambda k: tuple(score[k]))[:TOP]
        relevant = set(item["relevant"])
        precision.append(sum(k in relevant for k in found) / len(found) if found else 0.0)
        first.append(float(bool(found) and found[0] in relevant))
        recall.append(len(relevant & set(found)) / len(relevant))
    connection.close()
    return {
        "precision": statistics.mean(precision),
        "precision_at_1": statistics.mean(first),
        "recall": statistics.mean(recall),
    }


def _pg_schema(dsn: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema, f"{dsn}?options=-csearch_path%3D{schema}"


def _drop(dsn: str, schema: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="tickets for the speed test")
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    rules = load_rules(RULES)
    print(f"sqlite trigram, for comparison (not used): {trigram_quality()}", flush=True)
    rows, documents, analysed = bulk(args.n, rules)
    print(f"{args.n} search documents made (analysed and masked) in {analysed:.1f} s", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="search-bench-"))
    for name in ("sqlite", "postgresql"):
        if name == "sqlite":
            urls = [f"sqlite:///{folder / 'quality.db'}", f"sqlite:///{folder / 'speed.db'}"]
            schemas = []
        else:
            schemas = [_pg_schema(args.dsn), _pg_schema(args.dsn)]
            urls = [url for _, url in schemas]
        try:
            print(f"{name} quality: {quality(urls[0], rules)}", flush=True)
            print(f"{name} speed at {args.n} tickets: {speed(urls[1], rows, documents, rules)}", flush=True)
        finally:
            for schema, _ in schemas:
                _drop(args.dsn, schema)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
