"""Measure the pipeline: mails per second and memory, parsing to committed ticket and outbox row.

Feeds every message of ../shared/corpus (or synthetic mails when it is absent) through
Pipeline.process on a fresh SQLite database, three rounds, and prints the figures.
Run: make bench   (or python benchmarks/ingest.py [--db URL])
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from helpdesk.config import load_config
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.pipeline import MailSource

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def mails() -> list[bytes]:
    index = CORPUS / "INDEX.tsv"
    if index.exists():
        return [(CORPUS / line.split("\t")[0]).read_bytes() for line in index.read_text().splitlines()]
    return [
        customer_mail(f"c{n} <c{n}@example.com>", f"系统无法登录 {n}", "今天早上开始无法登录。\n" * 20)
        for n in range(800)
    ]


def one_round(raws: list[bytes], db: str | None) -> tuple[float, dict]:
    root = Path(tempfile.mkdtemp(prefix="helpdesk-bench-"))
    url = db or "sqlite:///bench.db"
    (root / "helpdesk.yaml").write_text(f"database:\n  url: {url}\npaths:\n  data: var\n")
    app = Helpdesk(load_config(root / "helpdesk.yaml", environ={}))
    outcomes: dict[str, int] = {}
    start = time.perf_counter()
    for uid, raw in enumerate(raws, 1):
        kind = app.pipeline.process(raw, MailSource("bench", 1, uid)).kind
        outcomes[kind] = outcomes.get(kind, 0) + 1
    elapsed = time.perf_counter() - start
    app.close()
    return elapsed, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    raws = mails()
    size = sum(len(r) for r in raws)
    source = "corpus" if (CORPUS / "INDEX.tsv").exists() else "synthetic"
    print(f"{len(raws)} mails, {size / 1e6:.1f} MB ({source})")
    logging.disable(logging.ERROR)  # quarantined corpus samples would flood the output
    times = []
    for n in range(args.rounds):
        elapsed, outcomes = one_round(raws, args.db)
        times.append(elapsed)
        print(f"round {n + 1}: {elapsed:.2f} s, {len(raws) / elapsed:.0f} mails/s, {outcomes}")
    tracemalloc.start()  # a separate round: tracing slows every allocation several-fold
    one_round(raws, args.db)
    _, peak = tracemalloc.get_traced_memory()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"median {statistics.median(times):.2f} s = {len(raws) / statistics.median(times):.0f} mails/s; "
        f"per mail {1000 * statistics.median(times) / len(raws):.1f} ms"
    )
    print(f"python heap peak {peak / 1e6:.1f} MB; process max RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
