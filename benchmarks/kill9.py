"""Kill -9 the daemon ten times during a 1,000-mail ingest and count what was lost or sent twice.

Delivers N customer mails into a private Dovecot (pymap when Dovecot is absent), starts
`helpdesk run --backlog answer` with the sender on against an aiosmtpd sink that records every
delivery, SIGKILLs it at random moments while mail is still coming in (restarting it each time),
then lets it finish and prints mails in, tickets, outbound mails queued, mails the sink received,
distinct Message-IDs and duplicate deliveries (extra copies of one Message-ID).
Run: python benchmarks/kill9.py [-n 1000] [--kills 10] [--seed 1]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml
from imapclient import IMAPClient

from helpdesk.demo import SUPPORT, customer_mail
from helpdesk.localservers import PymapServer, SmtpSink

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support import dovecot  # noqa: E402  (the tests' private Dovecot, reused)

PASSWORD = "secret"
UNSENT = "SELECT count(*) FROM outbox WHERE status != 'sent'"
SUBJECTS = [
    ("紧急：OA 系统无法登录", "今天 9:05 起提示“验证码错误”。版本 3.2.1\n1. 打开登录页\n2. 输入账号密码"),
    ("报表导出失败", "导出月度报表时页面一直转圈，十分钟后报错 504。浏览器 Chrome 120。"),
    ("申请开通 VPN 账号", "新同事下周一入职，请帮忙开通 VPN 账号，部门：财务部。"),
    ("Cannot log in to the portal", "Since this morning the portal says 'invalid token'.\nVersion 3.2.1."),
    ("Feature request: CSV export", "It would help us a lot if the order list could be exported as CSV."),
    ("打印机无法连接", "三楼的打印机从昨天下午开始无法连接，其他同事也一样。"),
]


def mails(count: int, rng: random.Random) -> list[bytes]:
    out = []
    for n in range(count):
        subject, text = rng.choice(SUBJECTS)
        name = f"客户{n}" if rng.random() < 0.7 else f"Customer {n}"
        out.append(customer_mail(f"{name} <c{n}@customer{n % 37}.example.cn>", f"{subject} #{n}", text))
    return out


def deliver(port: int, user: str, raws: list[bytes]) -> None:
    client = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=30)
    client.login(user, PASSWORD)
    for raw in raws:
        client.append("INBOX", raw)
    client.logout()


def inbox_left(port: int, user: str) -> int:
    client = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=30)
    client.login(user, PASSWORD)
    client.select_folder("INBOX", readonly=True)
    left = len(client.search("ALL"))
    client.logout()
    return left


def scalar(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # not migrated yet, or the writer holds it a moment
        return -1


def start(workdir: Path, log) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "helpdesk"), "--config", "helpdesk.yaml", "run"]
    return subprocess.Popen([*command, "--backlog", "answer"], cwd=workdir, stdout=log, stderr=log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="mails to deliver (default 1000)")
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the end")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="helpdesk-kill9-"))
    work.chmod(0o755)  # Dovecot's mail processes run as nobody
    if dovecot.available():
        imap, user, server_name = dovecot.Dovecot(work / "dovecot", PASSWORD).start(), SUPPORT, "Dovecot"
    else:
        imap, user, server_name = PymapServer(SUPPORT, PASSWORD).start(), SUPPORT, "pymap"
    sink = SmtpSink().start()
    db = work / "helpdesk.db"
    config = {
        "support_address": SUPPORT,
        "database": {"url": f"sqlite:///{db}"},
        "imap": {
            "host": "127.0.0.1",
            "port": imap.port,
            "username": user,
            "password": PASSWORD,
            "poll_seconds": 0.2,
            "reconnect": {"initial": 0.1, "maximum": 0.5},
        },
        # A short lease: what a killed sender had taken is sent again after 20 s, not the default 300 s.
        "smtp": {"host": "127.0.0.1", "port": sink.port, "poll_seconds": 0.1, "lease_seconds": 20},
        "paths": {"data": "var", "rules": str(ROOT / "rules")},
    }
    (work / "helpdesk.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    began = time.monotonic()
    deliver(imap.port, user, mails(args.n, rng))
    print(f"{args.n} mails delivered to {server_name} in {time.monotonic() - began:.1f} s ({work})")
    log = (work / "daemon.log").open("ab")
    daemon = start(work, log)
    began = time.monotonic()
    kills = 0
    try:
        # Killed during its first migration, the SQLite schema is left half made: wait for the ingest.
        while scalar(db, "SELECT count(*) FROM tickets") < 1 and daemon.poll() is None:
            time.sleep(0.1)
        while kills < args.kills and daemon.poll() is None:
            time.sleep(rng.uniform(0.3, 2.5))
            left = inbox_left(imap.port, user)
            if left == 0:
                print(f"ingest finished after {kills} kills; not enough mail left to kill during")
                break
            daemon.send_signal(signal.SIGKILL)
            daemon.wait()
            kills += 1
            print(
                f"kill {kills}: {args.n - left} mails taken from INBOX, "
                f"{scalar(db, 'SELECT count(*) FROM tickets')} tickets, {len(sink.received)} mails out"
            )
            daemon = start(work, log)
        deadline = time.monotonic() + args.timeout
        while (inbox_left(imap.port, user) or scalar(db, UNSENT)) and time.monotonic() < deadline:
            if daemon.poll() is not None:
                print(f"the daemon exited with {daemon.returncode}: see {work / 'daemon.log'}")
                break
            time.sleep(0.5)
        time.sleep(2)  # the sender's last batch
        elapsed = time.monotonic() - began
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(60)
    finally:
        if daemon.poll() is None:
            daemon.kill()
        log.close()
    received = sink.received
    ids = Counter(
        email.message_from_bytes(r.data, policy=email.policy.compat32)["Message-ID"] for r in received
    )
    print(f"run: {elapsed:.1f} s with {kills} kill -9; inbox left: {inbox_left(imap.port, user)}")
    print(f"mails in: {args.n}")
    print(f"tickets: {scalar(db, 'SELECT count(*) FROM tickets')}")
    print(f"quarantined: {scalar(db, 'SELECT count(*) FROM quarantine')}")
    print(f"outbound mails queued: {scalar(db, 'SELECT count(*) FROM outbox')}")
    print(f"outbound not sent: {scalar(db, UNSENT)}")
    print(f"mails received by the sink: {len(received)}")
    print(f"distinct Message-IDs: {len(ids)}")
    print(f"duplicate deliveries (extra copies): {sum(n - 1 for n in ids.values())}")
    sink.stop()
    imap.stop()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
