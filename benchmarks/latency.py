"""Mail delivered → acknowledgement accepted by the SMTP server, with the daemon running over IDLE.

Starts a private Dovecot (pymap when Dovecot is absent) and an aiosmtpd sink, starts `helpdesk run`
on a fresh SQLite database (or a PostgreSQL schema with --dsn), then APPENDs customer mails at
--rate mails/s for --seconds, each from its own address, and for each one measures the time from
the end of its APPEND to the moment the sink accepted the acknowledgement to that address.
Prints the rate achieved, p50/p90/p99/max, and any mail whose acknowledgement never came.
Run: python benchmarks/latency.py [--rate 20] [--seconds 180] [--dsn postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import yaml
from imapclient import IMAPClient
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kill9 import PASSWORD, ROOT, dovecot, inbox_left, mails

from helpdesk.demo import SUPPORT
from helpdesk.localservers import PymapServer, SmtpSink
from helpdesk.tickets.db import make_engine
from helpdesk.tickets.models import Message, SeenMail, Ticket


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def deliver_at_rate(port: int, raws: list[bytes], rate: float) -> tuple[list[float], float]:
    """APPEND each mail on its beat (one connection); returns when each APPEND ended, and the span."""
    client = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=30)
    client.login(SUPPORT, PASSWORD)
    delivered = []
    began = time.monotonic()
    for n, raw in enumerate(raws):
        wait = began + n / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        client.append("INBOX", raw)
        delivered.append(time.time())
    span = time.monotonic() - began
    client.logout()
    return delivered, span


def recorded(url: str) -> tuple[dict[str, float], dict[str, float]]:
    """By customer address: when the batch of its mail began (the ticket's created_at) and when it
    was about to commit (its checkpoint's time)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Ticket.requester_email, Ticket.created_at, SeenMail.at)
            .join(Message, Message.ticket_id == Ticket.id)
            .join(SeenMail, SeenMail.message_id == Message.message_id)
        ).all()
    engine.dispose()
    return {row[0]: row[1].timestamp() for row in rows}, {row[0]: row[2].timestamp() for row in rows}


def summary(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 0.5):.2f} s, p90 {percentile(values, 0.9):.2f} s,"
        f" p99 {percentile(values, 0.99):.2f} s, max {max(values):.2f} s, mean {statistics.fmean(values):.2f}"
    )


def wait_ready(log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while "helpdesk running" not in log.read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise SystemExit(f"the daemon did not start; see {log}")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="mails delivered per second (default 20)")
    parser.add_argument("--seconds", type=float, default=180.0, help="how long mail arrives (default 180)")
    parser.add_argument("--dsn", help="PostgreSQL instead of SQLite (a fresh schema, dropped after)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="helpdesk-latency-"))
    work.chmod(0o755)  # Dovecot's mail processes run as nobody
    imap = dovecot.Dovecot(work / "dovecot", PASSWORD).start() if dovecot.available() else None
    imap = imap or PymapServer(SUPPORT, PASSWORD).start()
    sink = SmtpSink().start()
    schema = f"latency_{uuid.uuid4().hex[:10]}"
    url = "sqlite:///helpdesk.db"
    if args.dsn:
        with psycopg.connect(args.dsn, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        url = f"{args.dsn}?options=-csearch_path%3D{schema}"
    config = {
        "support_address": SUPPORT,
        "database": {"url": url},
        "imap": {"host": "127.0.0.1", "port": imap.port, "username": SUPPORT, "password": PASSWORD},
        "smtp": {"host": "127.0.0.1", "port": sink.port},
        "paths": {"data": "var", "rules": str(ROOT / "rules")},
    }
    (work / "helpdesk.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    log = work / "daemon.log"
    command = [str(Path(sys.executable).parent / "helpdesk"), "--config", "helpdesk.yaml", "run"]
    with log.open("ab") as out:
        daemon = subprocess.Popen([*command, "--backlog", "answer"], cwd=work, stdout=out, stderr=out)
    try:
        wait_ready(log)
        count = int(args.rate * args.seconds)
        raws = mails(count, random.Random(args.seed))
        customers = [f"c{n}@customer{n % 37}.example.cn" for n in range(count)]
        delivered, span = deliver_at_rate(imap.port, raws, args.rate)
        deadline = time.monotonic() + 60
        wanted = set(customers)
        while time.monotonic() < deadline and len(wanted & {r.recipients[0] for r in sink.received}) < count:
            time.sleep(0.5)
    finally:
        daemon.terminate()
        daemon.wait(60)
    acked = {}
    for received in sink.received:
        acked.setdefault(received.recipients[0], received.at)  # the first mail to a customer: the ack
    latencies = [acked[c] - at for c, at in zip(customers, delivered, strict=True) if c in acked]
    database = "PostgreSQL" if args.dsn else "SQLite"
    print(f"{count} mails APPENDed at {count / span:.1f} mails/s over {span:.0f} s; over IDLE, {database}")
    print(f"acknowledged: {len(latencies)}; never acknowledged: {count - len(latencies)}")
    print(f"inbox left: {inbox_left(imap.port, SUPPORT)}; mails the sink received: {len(sink.received)}")
    if latencies:
        print(f"delivered -> acknowledgement accepted: {summary(latencies)}")
        began, ending = recorded(url if args.dsn else f"sqlite:///{work / 'helpdesk.db'}")
        steps = (
            ("delivered -> its batch began", dict(zip(customers, delivered, strict=True)), began),
            ("batch began -> about to commit", began, ending),
            ("about to commit -> acknowledgement accepted", ending, acked),
        )
        for name, start, end in steps:
            print(f"  {name}: {summary([end[c] - start[c] for c in customers if c in start and c in end])}")
    sink.stop()
    imap.stop()
    if args.dsn:
        with psycopg.connect(args.dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
