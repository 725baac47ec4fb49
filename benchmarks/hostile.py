"""Measure hostile and oversized mail: each one's processing time and outcome, and the run's peak memory.

Feeds every mail of tests/support/hostile.py through Pipeline.process on a fresh SQLite database
and prints, per mail, the seconds it took, what became of it and the peak RSS so far; then the
slowest mail and the run's peak RSS (resource.getrusage), and how many quarantined mails were
readable (tests/support/hostile.readable(): bad charset labels, an impossible Date) — the figure to
keep at zero. With --isolate each mail runs in its own
process, stopped after --timeout seconds, so code that backtracks for minutes still gives figures.
Run: python benchmarks/hostile.py [--isolate --timeout 60] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support, when run as a script

from helpdesk.config import load_config
from helpdesk.daemon import Helpdesk
from helpdesk.pipeline import MailSource
from tests.support.hostile import catalogue, readable


def _app() -> Helpdesk:
    root = Path(tempfile.mkdtemp(prefix="helpdesk-hostile-"))
    (root / "helpdesk.yaml").write_text("database:\n  url: sqlite:///bench.db\npaths:\n  data: var\n")
    return Helpdesk(load_config(root / "helpdesk.yaml", environ={}))


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _one(app: Helpdesk, name: str, uid: int) -> tuple[float, str]:
    raw = catalogue()[name]()
    start = time.perf_counter()
    outcome = app.pipeline.process(raw, MailSource("hostile", 1, uid))
    return time.perf_counter() - start, outcome.kind


def _child(name: str, pipe) -> None:
    app = _app()
    seconds, kind = _one(app, name, 1)
    app.close()
    pipe.send((seconds, kind, _peak_mib()))


def _isolated(name: str, timeout: float) -> tuple[float, str, float]:
    receiver, sender = multiprocessing.Pipe(duplex=False)
    started = time.perf_counter()
    child = multiprocessing.get_context("fork").Process(target=_child, args=(name, sender))
    child.start()
    if receiver.poll(timeout):
        result = receiver.recv()
        child.join()
        return result
    child.kill()
    child.join()
    return time.perf_counter() - started, f"TIMEOUT>{timeout:.0f}s", float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--isolate", action="store_true", help="one process per mail, with --timeout")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--only", nargs="*", help="names of the mails to run (default: all)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    names = args.only or list(catalogue())
    rows: list[tuple[str, float, str, float]] = []
    app = None if args.isolate else _app()
    for uid, name in enumerate(names, 1):
        if app is None:
            seconds, kind, peak = _isolated(name, args.timeout)
        else:
            seconds, kind = _one(app, name, uid)
            peak = _peak_mib()
        rows.append((name, seconds, kind, peak))
        print(f"{name:32} {seconds:8.2f} s  {kind:18} peak RSS {peak:7.1f} MiB", flush=True)
    if app is not None:
        app.close()
    slowest = max(rows, key=lambda row: row[1])
    peak = max(row[3] for row in rows if row[3] == row[3]) if any(r[3] == r[3] for r in rows) else 0.0
    print(f"\n{len(rows)} mails, total {sum(r[1] for r in rows):.1f} s")
    print(f"slowest: {slowest[0]} {slowest[1]:.2f} s ({slowest[2]})")
    print(f"peak RSS: {peak:.1f} MiB{' (largest of the per-mail processes)' if args.isolate else ''}")
    held = [row[0] for row in rows if row[2] == "quarantined"]
    wrongly = [name for name in held if name in readable()]
    print(f"quarantined: {len(held)}, of which readable: {len(wrongly)} {' '.join(wrongly)}".rstrip())


if __name__ == "__main__":
    main()
