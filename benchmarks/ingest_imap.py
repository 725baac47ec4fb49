"""A backlog ingested through IMAP with the server a few milliseconds away: what the round trips cost.

Delivers N mails (../shared/corpus, else synthetic) into a private Dovecot, puts benchmarks/
slow_link.py (every byte held back --delay-ms each way) between it and the helpdesk, and times
`run --once`'s loop over the backlog: mails/s, and the time spent in each IMAP command kind and
in the pipeline, and how much of the IMAP time the loop waited for (the rest overlapped the
pipeline: the next batch is fetched, and the last one moved, while one is processed).
Run: python benchmarks/ingest_imap.py [-n 500] [--delay-ms 0 5 20] [--db URL]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import CORPUS, mails
from kill9 import PASSWORD, ROOT, deliver, dovecot

from helpdesk.config import load_config
from helpdesk.daemon import Helpdesk
from helpdesk.demo import SUPPORT
from helpdesk.localservers import SmtpSink, free_port, wait_for_port


def timed(spent: dict[str, float], obj: object, name: str) -> None:
    """Replace obj.name by itself, adding its time to spent[name] (a benchmark's meter, not a test's)."""
    original = getattr(obj, name)

    def measured(*args, **kwargs):
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - began

    setattr(obj, name, measured)


def one_round(raws: list[bytes], delay_ms: float, db: str | None) -> None:
    work = Path(tempfile.mkdtemp(prefix="helpdesk-ingest-imap-"))
    work.chmod(0o755)  # Dovecot's mail processes run as nobody
    imap = dovecot.Dovecot(work / "dovecot", PASSWORD).start()
    sink = SmtpSink().start()
    port = free_port()
    link = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("slow_link.py")),
            str(port),
            str(imap.port),
            str(delay_ms),
        ]
    )
    wait_for_port(port)
    config = {
        "support_address": SUPPORT,
        "database": {"url": db or f"sqlite:///{work / 'helpdesk.db'}"},
        "imap": {"host": "127.0.0.1", "port": port, "username": SUPPORT, "password": PASSWORD},
        "smtp": {"host": "127.0.0.1", "port": sink.port},
        "paths": {"data": str(work / "var"), "rules": str(ROOT / "rules")},
    }
    (work / "helpdesk.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    deliver(imap.port, SUPPORT, raws)
    app = Helpdesk(load_config(work / "helpdesk.yaml", {}))
    try:
        app.settle_backlog("answer")
        spent: dict[str, float] = defaultdict(float)
        for name in ("pending", "sizes", "fetch", "finish"):
            timed(spent, app.ingest.mailbox, name)
        timed(spent, app.ingest.pipeline, "process_batch")
        began = time.perf_counter()
        count = app.ingest.run_once()
        total = time.perf_counter() - began
    finally:
        app.ingest.mailbox.close()
        app.close()
        link.terminate()
        link.wait(10)
        sink.stop()
        imap.stop()
        shutil.rmtree(work, ignore_errors=True)
    parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in spent.items())
    print(f"IMAP {delay_ms:g} ms away: {count} mails in {total:.1f} s, {count / total:.1f} mails/s ({parts})")
    imap_time = sum(seconds for name, seconds in spent.items() if name != "process_batch")
    waited = total - spent["process_batch"]  # the loop's time outside the pipeline: IMAP it waited for
    print(f"  IMAP commands {imap_time:.2f} s, of which the loop waited for {waited:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="mails in the backlog (default 500)")
    parser.add_argument("--delay-ms", type=float, nargs="+", default=[0, 5, 20], help="one way, per chunk")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    if not dovecot.available():
        raise SystemExit("needs Dovecot")
    corpus = mails(CORPUS)
    raws = (corpus * (args.n // len(corpus) + 1))[: args.n]
    for delay in args.delay_ms:
        one_round(raws, delay, args.db)


if __name__ == "__main__":
    main()
