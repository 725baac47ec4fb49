"""Several `helpdesk run` processes on one PostgreSQL database, over one mailbox or several: is every
mail handled once, and how much faster do more processes go?

Delivers N customer mails into a private Dovecot (pymap when Dovecot is absent; one mailbox only),
spread over M mailboxes (support@, billing@, … each its own IMAP account and config `mailboxes`
entry), starts D daemons at the same moment on a fresh PostgreSQL schema (a rolling restart, two
machines, a cron beside the daemon), waits until the mailboxes are empty and the outbox sent, and
prints the time and rate until every mail was recorded and until every mail was sent, mails in,
tickets, tickets opened twice, quarantined, outbound mails queued and received, duplicate deliveries.
Run: python benchmarks/daemons.py [-n 300] [--daemons 1 2 4] [--mailboxes 1 2]
     [--dsn postgresql://postgres@127.0.0.1/test]
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
from helpdesk.tickets.store_mailbox import BACKLOG_SKIPPED


def count(dsn: str, schema: str, sql: str) -> int:
    try:
        with psycopg.connect(dsn, options=f"-csearch_path={schema}") as conn:
            return conn.execute(sql).fetchone()[0]
    except psycopg.Error:  # not migrated yet
        return -1


def accounts(boxes: int) -> list[str]:
    """The IMAP accounts (and support addresses) of `boxes` mailboxes."""
    return [SUPPORT, *(f"box{index}@example.com" for index in range(1, boxes))]


def one_run(n: int, daemons: int, boxes: int, dsn: str, seed: int, timeout: float) -> None:
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix=f"helpdesk-daemons{daemons}-"))
    work.chmod(0o755)  # Dovecot's mail processes run as nobody
    imap = dovecot.Dovecot(work / "dovecot", PASSWORD).start() if dovecot.available() else None
    if imap is None and boxes > 1:
        raise SystemExit("several mailboxes need Dovecot (pymap has one account)")
    imap = imap or PymapServer(SUPPORT, PASSWORD).start()
    sink = SmtpSink().start()
    users = accounts(boxes)
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
    if boxes > 1:
        config["mailboxes"] = [
            {"name": user.partition("@")[0], "address": user, "imap": {"username": user}} for user in users
        ]
    (work / "helpdesk.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    raws = mails(n, rng)
    for index, user in enumerate(users):
        deliver(imap.port, user, raws[index::boxes])
    command = [str(Path(sys.executable).parent / "helpdesk"), "--config", "helpdesk.yaml", "run"]
    logs = [(work / f"daemon{i}.log").open("ab") for i in range(daemons)]
    began = time.monotonic()
    procs = [
        subprocess.Popen([*command, "--backlog", "answer"], cwd=work, stdout=log, stderr=log) for log in logs
    ]
    unsent = "SELECT count(*) FROM outbox WHERE status != 'sent'"
    recorded = f"SELECT count(*) FROM seen_mails WHERE uid > 0 AND outcome != '{BACKLOG_SKIPPED}'"
    deadline = time.monotonic() + timeout
    first = ingested = None
    while time.monotonic() < deadline:
        done = count(dsn, schema, recorded)
        if first is None and done > 0:
            first = time.monotonic() - began  # the daemons have started and migrated
        if ingested is None and done >= n:
            ingested = time.monotonic() - began
        if ingested is not None and count(dsn, schema, unsent) == 0:
            break
        time.sleep(0.2)
    elapsed = time.monotonic() - began
    time.sleep(2)  # the senders' last batch
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
    print(f"--- {daemons} daemon(s), {boxes} mailbox(es), {n} mails: exit codes {codes}")
    if first is not None and ingested is not None:
        rate = n / max(ingested - first, 1e-3)
        print(f"first mail recorded {first:.1f} s after the start, all {ingested:.1f} s: {rate:.1f} mails/s")
    print(f"all sent {elapsed:.1f} s after the start")
    for (kind, text), times in errors.most_common(5):
        print(f"logged {times}x: {kind}: {text}")
    left = sum(inbox_left(imap.port, user) for user in users)
    print(f"mails in: {n}; inbox left: {left}")
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
    parser.add_argument("--daemons", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument(
        "--mailboxes", type=int, nargs="+", default=[1, 2], help="mailboxes the mail is spread over"
    )
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    for boxes in args.mailboxes:
        for daemons in args.daemons:
            one_run(args.n, daemons, boxes, args.dsn, args.seed, args.timeout)


if __name__ == "__main__":
    main()
