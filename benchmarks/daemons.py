"""Several `helpdesk run` processes on one PostgreSQL database and one mailbox: is every mail handled once?

Delivers N customer mails into a private Dovecot (pymap when Dovecot is absent), starts D daemons
at the same moment on a fresh PostgreSQL schema (a rolling restart, two machines, a cron beside
the daemon), waits until the mailbox is empty and the outbox sent, and prints mails in, tickets,
tickets opened twice, quarantined, outbound mails queued and received, and duplicate deliveries.
Run: python benchmarks/daemons.py [-n 300] [--daemons 2 4] [--dsn postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kill9 import PASSWORD, ROOT, deliver, dovecot, inbox_left, mails

from helpdesk.demo import SUPPORT
from helpdesk.localservers import PymapServer, SmtpSink


def count(dsn: str, schema: str, sql: str) -> int:
    try:
        with psycopg.connect(dsn, options=f"-csearch_path={schema}") as conn:
            return conn.execute(sql).fetchone()[0]
    except psycopg.Error:  # not migrated yet
        return -1


def one_run(n: int, daemons: int, dsn: str, seed: int, timeout: float) -> None:
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix=f"helpdesk-daemons{daemons}-"))
    work.chmod(0o755)  # Dovecot's mail processes run as nobody
    imap = dovecot.Dovecot(work / "dovecot", PASSWORD).start() if dovecot.available() else None
    imap = imap or PymapServer(SUPPORT, PASSWORD).start()
    sink = SmtpSink().start()
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    config = {
        "support_address": SUPPORT,
        "database": {"url": f"{dsn}?options=-csearch_path%3D{schema}"},
        "imap": {
            "host": "127.0.0.1",
            "port": imap.port,
            "username": SUPPORT,
            "password": PASSWORD,
            "poll_seconds": 0.2,
            "reconnect": {"initial": 0.1, "maximum": 0.5},
        },
        "smtp": {"host": "127.0.0.1", "port": sink.port, "poll_seconds": 0.1},
        "paths": {"data": "var", "rules": str(ROOT / "rules")},
    }
    (work / "helpdesk.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    deliver(imap.port, SUPPORT, mails(n, rng))
    command = [str(Path(sys.executable).parent / "helpdesk"), "--config", "helpdesk.yaml", "run"]
    logs = [(work / f"daemon{i}.log").open("ab") for i in range(daemons)]
    began = time.monotonic()
    procs = [
        subprocess.Popen([*command, "--backlog", "answer"], cwd=work, stdout=log, stderr=log) for log in logs
    ]
    unsent = "SELECT count(*) FROM outbox WHERE status != 'sent'"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not inbox_left(imap.port, SUPPORT) and count(dsn, schema, unsent) == 0:
            break
        time.sleep(0.5)
    time.sleep(2)  # the senders' last batch
    elapsed = time.monotonic() - began
    for proc in procs:
        proc.terminate()
    codes = [proc.wait(60) for proc in procs]
    for log in logs:
        log.close()
    logged = "".join(p.read_text(errors="replace") for p in work.glob("daemon*.log"))
    errors = Counter(re.findall(r"^(\w[\w.]*(?:Error|Exception|Violation)): (.{0,90})", logged, re.MULTILINE))
    ids = Counter(
        email.message_from_bytes(r.data, policy=email.policy.compat32)["Message-ID"] for r in sink.received
    )
    tickets = count(dsn, schema, "SELECT count(*) FROM tickets")
    subjects = count(dsn, schema, "SELECT count(DISTINCT subject) FROM tickets")
    print(f"--- {daemons} daemons, {n} mails: {elapsed:.1f} s; exit codes {codes}")
    for (kind, text), times in errors.most_common(5):
        print(f"logged {times}x: {kind}: {text}")
    print(f"mails in: {n}; inbox left: {inbox_left(imap.port, SUPPORT)}")
    print(f"tickets: {tickets}; tickets opened twice for one mail: {tickets - subjects}")
    print(f"quarantined: {count(dsn, schema, 'SELECT count(*) FROM quarantine')}")
    queued = count(dsn, schema, "SELECT count(*) FROM outbox")
    print(f"outbound queued: {queued}; not sent: {count(dsn, schema, unsent)}")
    print(f"received by the sink: {len(sink.received)}; distinct Message-IDs: {len(ids)}")
    print(f"duplicate deliveries (extra copies): {sum(k - 1 for k in ids.values())}")
    sink.stop()
    imap.stop()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="mails to deliver (default 300)")
    parser.add_argument("--daemons", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    for daemons in args.daemons:
        one_run(args.n, daemons, args.dsn, args.seed, args.timeout)


if __name__ == "__main__":
    main()
