"""Measure the field reader: recall and precision per field on the labelled set of realistic reports.

Reads tests/mails/extract_labelled_reports.yaml (or --set PATH, same format), builds each report
into a mail, parses, masks and reads it as the pipeline does, and prints per field how many values
were expected, found and right, with recall and precision; --misses lists every wrong or missed value.
Run: python benchmarks/extract.py [--set PATH] [--misses]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.*, when run as a script

from tests.test_extract_labelled import LABELLED, labelled_set, read_labelled, score, scored_fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=LABELLED, help="the labelled reports (YAML)")
    parser.add_argument("--misses", action="store_true", help="list every missed or wrong value")
    options = parser.parse_args()
    data = labelled_set(options.set)
    tallies = score(read_labelled(data), scored_fields(data))
    print(f"{len(data['reports'])} reports")
    print(f"{'field':<18}{'expected':>9}{'found':>7}{'right':>7}{'recall':>9}{'precision':>11}")
    for name, tally in tallies.items():
        print(
            f"{name:<18}{tally.expected:>9}{tally.found:>7}{tally.right:>7}"
            f"{tally.recall:>9.0%}{tally.precision:>11.0%}"
        )
    if options.misses:
        for name, tally in tallies.items():
            for miss in tally.misses:
                print(f"{name}: {miss}")


if __name__ == "__main__":
    main()
