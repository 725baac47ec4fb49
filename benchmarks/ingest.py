"""Measure ingest: mails per second to committed ticket and outbox row, beside parsing alone.

Feeds every message of ../shared/corpus (or synthetic mails when it is absent) through the
pipeline on a fresh SQLite database, several rounds, each next to a parse-only round over the
same mails in the same process, so the ratio ingest/parse is comparable across machines and
loads. Counts SQL statements and ORM flushes per mail; with Dovecot installed, one more round
goes through IMAP (`helpdesk run --once`'s loop) and counts IMAP commands per mail.
Run: make bench   (or python benchmarks/ingest.py [--db URL] [--rounds 3] [--no-imap])
"""

from __future__ import annotations

import argparse
import imaplib
import logging
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from imapclient import IMAPClient
from sqlalchemy import event

from helpdesk.config import load_config
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.ingest.loop import BATCH
from helpdesk.pipeline import MailSource

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support import dovecot  # noqa: E402  (the tests' private Dovecot, reused)

CORPUS = ROOT.parent / "shared" / "corpus"
SUPPORT = "support@example.com"


def mails(corpus: Path) -> list[bytes]:
    index = corpus / "INDEX.tsv"
    if index.exists():
        return [(corpus / line.split("\t")[0]).read_bytes() for line in index.read_text().splitlines()]
    return [
        customer_mail(f"c{n} <c{n}@example.com>", f"系统无法登录 {n}", "今天早上开始无法登录。\n" * 20)
        for n in range(800)
    ]


class Counters:
    """SQL statements and ORM flushes seen on one app's engine and sessions."""

    def __init__(self, app: Helpdesk) -> None:
        self.statements = self.flushes = 0
        event.listen(app.engine, "before_cursor_execute", self._statement)
        event.listen(app.sessions, "after_flush", self._flush)

    def _statement(self, *_args) -> None:
        self.statements += 1

    def _flush(self, *_args) -> None:
        self.flushes += 1


def make_app(root: Path, db: str | None, imap_port: int | None = None) -> Helpdesk:
    url = db or f"sqlite:///{root / 'bench.db'}"
    imap = f"imap:\n  host: 127.0.0.1\n  port: {imap_port}\n  username: {SUPPORT}\n  password: secret\n"
    (root / "helpdesk.yaml").write_text(
        f"support_address: {SUPPORT}\ndatabase:\n  url: {url}\npaths:\n  data: {root / 'var'}\n"
        + (imap if imap_port else "")
    )
    return Helpdesk(load_config(root / "helpdesk.yaml", environ={}))


def feed(app: Helpdesk, raws: list[bytes]) -> dict[str, int]:
    """All mails through the pipeline in the loop's batches; how many had each outcome."""
    outcomes: dict[str, int] = {}
    for first in range(0, len(raws), BATCH):
        chunk = raws[first : first + BATCH]
        batch = [(raw, MailSource("bench", 1, first + n + 1)) for n, raw in enumerate(chunk)]
        for outcome in app.pipeline.process_batch(batch):
            outcomes[outcome.kind] = outcomes.get(outcome.kind, 0) + 1
    return outcomes


class Timer:
    """Wall-clock and CPU seconds of this process (CPU time is what a loaded machine disturbs least)."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def ingest_round(raws: list[bytes], db: str | None) -> tuple[Timer, dict, Counters]:
    """(time, outcomes, counters) of one round on a fresh database."""
    app = make_app(Path(tempfile.mkdtemp(prefix="helpdesk-bench-")), db)
    counters = Counters(app)
    with Timer() as timer:
        outcomes = feed(app, raws)
    app.close()
    return timer, outcomes, counters


def parse_round(raws: list[bytes], parse: Callable[[bytes], object]) -> Timer:
    with Timer() as timer:
        for raw in raws:
            parse(raw)
    return timer


@contextmanager
def counting_imap() -> Iterator[list[int]]:
    """Count the IMAP commands sent (each one a round trip) while inside."""
    sent = [0]
    original = imaplib.IMAP4._command

    def command(self, name, *args):
        sent[0] += 1
        return original(self, name, *args)

    imaplib.IMAP4._command = command
    try:
        yield sent
    finally:
        imaplib.IMAP4._command = original


def imap_round(raws: list[bytes]) -> None:
    """One round over a private Dovecot: deliver, then the daemon's loop fetches, records and moves."""
    root = Path(tempfile.mkdtemp(prefix="helpdesk-bench-imap-"))
    root.chmod(0o755)  # Dovecot's mail processes run as nobody
    server = dovecot.Dovecot(root / "dovecot").start()
    try:
        client = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=30)
        client.login(SUPPORT, "secret")
        for raw in raws:
            client.append("INBOX", raw)
        client.logout()
        app = make_app(root, None, server.port)
        app.settle_backlog("answer")
        with counting_imap() as sent, Timer() as timer:
            count = app.ingest.run_once()
        app.ingest.mailbox.close()
        app.close()
        print(
            f"through IMAP (Dovecot): {count} mails in {timer.wall:.2f} s = {count / timer.wall:.0f} mails/s "
            f"(by CPU time: {count / timer.cpu:.0f}); {sent[0] / max(count, 1):.2f} IMAP commands/mail"
        )
    finally:
        server.stop()


def _rates(row: list[float]) -> str:
    return (
        f"ingest {row[0]:.0f} mails/s, parse-only {row[1]:.0f} mails/s, ratio {row[2]:.3f} "
        f"(by CPU time: {row[3]:.0f}, {row[4]:.0f}, ratio {row[5]:.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=CORPUS, help=f"mails to use (default {CORPUS})")
    parser.add_argument("--no-imap", action="store_true", help="skip the round through Dovecot")
    args = parser.parse_args()
    raws = mails(args.corpus)
    size = sum(len(r) for r in raws)
    source = "corpus" if (args.corpus / "INDEX.tsv").exists() else "synthetic"
    print(f"{len(raws)} mails, {size / 1e6:.1f} MB ({source})")
    logging.disable(logging.ERROR)  # quarantined corpus samples would flood the output
    parser_app = make_app(Path(tempfile.mkdtemp(prefix="helpdesk-bench-parse-")), args.db)
    rows = []  # (ingest, parse-only, ratio), wall clock then CPU
    for n in range(args.rounds):
        parsed = parse_round(raws, parser_app.pipeline._parse)
        ingested, outcomes, counters = ingest_round(raws, args.db)
        row = [len(raws) / ingested.wall, len(raws) / parsed.wall, parsed.wall / ingested.wall]
        row += [len(raws) / ingested.cpu, len(raws) / parsed.cpu, parsed.cpu / ingested.cpu]
        rows.append(row)
        print(f"round {n + 1}: {_rates(row)}")
        print(
            f"  {counters.statements / len(raws):.1f} statements/mail, "
            f"{counters.flushes / len(raws):.1f} flushes/mail; {outcomes}"
        )
    parser_app.close()
    print(f"median: {_rates([statistics.median(column) for column in zip(*rows, strict=True)])}")
    if not args.no_imap and dovecot.available():
        imap_round(raws)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MiB (the whole run, the {size / 1e6:.0f} MB of mails held in memory included)")


if __name__ == "__main__":
    main()
