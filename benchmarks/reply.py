"""Measure the reply splitter: exact matches on our labelled fixtures, plausible cuts on real texts.

Prints, per fixture group, how many new texts come out exactly as labelled (tests/test_reply.py's
layouts, tests/test_reply_languages.py's cases per language, the Chinese client mails of
tests/test_reply_layouts.py), then how many of the real body-only reply texts in ../shared/corpus
are cut where tests/test_reply_corpus.py's labels say. --against FILE measures another version of
reply.py's split_reply instead (e.g. one taken from git history), --misses lists what failed.
Run: python benchmarks/reply.py [--against /tmp/old_reply.py] [--misses]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.*, when run as a script

from helpdesk.mail.html import html_to_text, without_quotes
from helpdesk.mail.parse import parse_message
from helpdesk.mail.reply import split_reply
from tests import test_reply, test_reply_corpus, test_reply_languages, test_reply_layouts
from tests.conftest import MAILS

Split = Callable[[str], str]


def _splitter(path: str | None) -> Split:
    if path is None:
        return split_reply
    spec = importlib.util.spec_from_file_location("reply_under_test", path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.split_reply


def _unsplit(name: str) -> str:
    """The text a fixture mail's splitter reads: its plain part, or its HTML with the marked quote gone."""
    mail = parse_message((MAILS / name).read_bytes())
    if mail.html and html_to_text(mail.html) == mail.text:
        return html_to_text(without_quotes(mail.html))
    return mail.text


def _groups() -> dict[str, list[tuple[str, str, str]]]:
    """Group name -> (case name, text, expected new text)."""
    groups = {"layouts (test_reply.py)": [(n, t, e) for n, (t, e) in sorted(test_reply.LAYOUTS.items())]}
    languages = test_reply_languages
    for language in sorted(languages.LANGUAGES):
        expected = languages.LANGUAGES[language]["reply"]
        cases = sorted(languages.cases(language).items())
        groups[f"language {language}"] = [(f"{language}/{n}", t, expected) for n, t in cases]
    groups["Chinese client mails (tests/mails/reply_*.eml)"] = [
        (n, _unsplit(n), e) for n, e in sorted(test_reply_layouts.LAYOUTS.items())
    ]
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="a reply.py file whose split_reply is measured instead")
    parser.add_argument("--misses", action="store_true", help="name every case that did not come out right")
    args = parser.parse_args()
    split = _splitter(args.against)
    total = exact = 0
    for group, cases in _groups().items():
        missed = [name for name, text, expected in cases if split(text) != expected]
        total, exact = total + len(cases), exact + len(cases) - len(missed)
        print(f"{group:50} {len(cases) - len(missed):3}/{len(cases):<3} exact")
        if args.misses:
            print("".join(f"    missed {name}\n" for name in missed), end="")
    print(f"{'all labelled fixtures':50} {exact:3}/{total:<3} exact ({100 * exact / total:.1f} %)")
    if not test_reply_corpus.present():
        print("corpus: ../shared/corpus reply texts are absent")
        return
    labels = sorted(test_reply_corpus.LABELS)
    missed = [path for path in labels if not test_reply_corpus.cut_plausibly(path, split)]
    for folder in test_reply_corpus.FOLDERS:
        mine = [p for p in labels if p.startswith(f"{folder}/")]
        good = len([p for p in mine if p not in missed])
        print(f"corpus {folder:43} {good:3}/{len(mine):<3} cut at a plausible place")
        if args.misses:
            print("".join(f"    missed {p}\n" for p in missed if p in mine), end="")
    good = len(labels) - len(missed)
    print(f"{'corpus, all':50} {good:3}/{len(labels):<3} ({100 * good / len(labels):.1f} %)")


if __name__ == "__main__":
    main()
