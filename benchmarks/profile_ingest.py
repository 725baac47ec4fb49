"""Profile ingest with cProfile: where the time of N mails through the pipeline goes.

Uses the same mails and fresh SQLite database as benchmarks/ingest.py, runs one ingest round
under cProfile and prints the functions with the most cumulative and the most own time, and
the SQL statements most often run. Writes the raw profile for snakeviz or pstats too.
Run: python benchmarks/profile_ingest.py [-n 500] [--corpus DIR] [--sort cumulative] [--out FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import sys
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import CORPUS, feed, mails, make_app  # the benchmark's own helpers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="mails to profile (default 500)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "helpdesk-ingest.prof")
    args = parser.parse_args()
    raws = mails(args.corpus)[: args.n]
    logging.disable(logging.ERROR)
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
