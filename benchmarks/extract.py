"""Measure the field reader: recall and precision per field on the labelled sets of realistic reports.

Reads tests/mails/extract_*_reports.yaml (or each --set PATH, same format), builds each report into
a mail, parses, masks and reads it as the pipeline does, and prints per set and field how many
values were expected, found and right, with recall and precision, then the sets pooled;
--misses lists every wrong or missed value.
Run: python benchmarks/extract.py [--set PATH ...] [--misses]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.*, when run as a script

from tests.test_extract_labelled import SETS, Tally, labelled_set, read_labelled, score, scored_fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, action="append", help="a labelled set (YAML); default: all")
    parser.add_argument("--misses", action="store_true", help="list every missed or wrong value")
    options = parser.parse_args()
    pooled: dict[str, Tally] = {}
    for path in options.set or SETS:
        data = labelled_set(path)
        tallies = score(read_labelled(data), scored_fields(data))
        _table(f"{path.name}: {len(data['reports'])} reports", tallies, options.misses)
        for name, tally in tallies.items():
            total = pooled.setdefault(name, Tally())
            total.expected, total.found, total.right = (
                total.expected + tally.expected,
                total.found + tally.found,
                total.right + tally.right,
            )
    if len(options.set or SETS) > 1:
        _table("all sets pooled", pooled, misses=False)


def _table(title: str, tallies: dict[str, Tally], misses: bool) -> None:
    print(f"\n{title}")
    print(f"{'field':<18}{'expected':>9}{'found':>7}{'right':>7}{'recall':>9}{'precision':>11}")
    for name, tally in tallies.items():
        print(
            f"{name:<18}{tally.expected:>9}{tally.found:>7}{tally.right:>7}"
            f"{tally.recall:>9.0%}{tally.precision:>11.0%}"
        )
    for name, tally in tallies.items() if misses else ():
        for miss in tally.misses:
            print(f"  {name}: {miss}")


if __name__ == "__main__":
    main()
