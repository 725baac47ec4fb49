"""Profile ingest with cProfile: where the time of N mails through the pipeline goes.

Uses the same mails and fresh SQLite database as benchmarks/ingest.py, runs one ingest round
under cProfile and prints the functions with the most cumulative and the most own time, and
the SQL statements most often run. Writes the raw profile for snakeviz or pstats too.
With --stages, no profiler: CPU milliseconds per mail in each stage (own time, a stage inside
another counted once), measured on the real run, so the figures add up to the whole.
Run: python benchmarks/profile_ingest.py [-n 500] [--corpus DIR] [--stages] [--out FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from helpdesk import pipeline
from helpdesk.applier import Applier
from helpdesk.intake import extract
from helpdesk.intake.decide import IntakeDecider
from helpdesk.mail_deciders import MailDeciders
from helpdesk.outbound import outbox
from helpdesk.outbound.render import Renderer
from helpdesk.record import Recorder
from helpdesk.rules.routing import Router
from helpdesk.tickets.repository import Repository

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import CORPUS, feed, mails, make_app  # the benchmark's own helpers

# Where a mail's CPU time goes: (stage, owner of the function, its name).
STAGES = (
    ("parse", pipeline.Pipeline, "_parse"),
    ("mask", pipeline, "masked_message"),
    ("thread", Recorder, "find_ticket"),
    ("store", Recorder, "new_ticket"),
    ("store", Recorder, "store_message"),
    ("decide", MailDeciders, "decide"),
    ("intake", IntakeDecider, "new_ticket"),
    ("extract", extract, "extract_fields"),  # the catalog's fields
    ("record", extract, "read_record"),  # the record's own fields (company, impact, …)
    ("route", Router, "decide"),  # the routing rules (for the ticket's number too)
    ("workload", MailDeciders, "workload"),
    ("snapshot", Repository, "snapshot"),
    ("apply", Applier, "apply"),
    ("context", Applier, "_context"),
    ("render", Renderer, "render"),
    ("compose", outbox, "compose"),
    ("flush", Session, "flush"),
    ("commit", SessionTransaction, "commit"),
)


class Stages:
    """Own CPU time per stage: a stage entered inside another is taken off the outer one."""

    def __init__(self) -> None:
        self.spent: Counter[str] = Counter()
        self._stack: list[list] = []  # [stage, started, time spent in inner stages]
        for stage, owner, name in STAGES:
            setattr(owner, name, self._timed(stage, getattr(owner, name)))

    def _timed(self, stage: str, function):
        def timed(*args, **kwargs):
            frame = [stage, time.process_time(), 0.0]
            self._stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                self._stack.pop()
                spent = time.process_time() - frame[1]
                self.spent[stage] += spent - frame[2]
                if self._stack:
                    self._stack[-1][2] += spent

        return timed


def stages(raws: list[bytes]) -> None:
    app = make_app(Path(tempfile.mkdtemp(prefix="helpdesk-stages-")), None)
    timer = Stages()
    started = time.process_time()
    feed(app, raws)
    total = time.process_time() - started
    app.close()
    timer.spent["other"] = total - sum(timer.spent.values())
    print(f"{len(raws)} mails, {1000 * total / len(raws):.2f} ms/mail CPU ({len(raws) / total:.0f} mails/s)")
    for stage, spent in timer.spent.most_common():
        print(f"{stage:>8} {1000 * spent / len(raws):6.2f} ms/mail {100 * spent / total:5.1f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="mails to profile (default 500)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--stages", action="store_true", help="CPU ms/mail per stage, no profiler")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "helpdesk-ingest.prof")
    args = parser.parse_args()
    raws = mails(args.corpus)[: args.n]
    logging.disable(logging.ERROR)
    if args.stages:
        return stages(raws)
    app = make_app(Path(tempfile.mkdtemp(prefix="helpdesk-profile-")), None)
    statements: Counter[str] = Counter()
    event.listen(
        app.engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: statements.update([sql[:100]])
    )
    profile = cProfile.Profile()
    profile.enable()
    feed(app, raws)
    profile.disable()
    app.close()
    profile.dump_stats(args.out)
    stats = pstats.Stats(profile).strip_dirs()
    print(f"{len(raws)} mails; profile written to {args.out}")
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    print(f"{sum(statements.values()) / len(raws):.1f} statements/mail; the most frequent, per mail:")
    for sql, count in statements.most_common(25):
        print(f"{count / len(raws):6.2f}  {' '.join(sql.split())}")


if __name__ == "__main__":
    main()
