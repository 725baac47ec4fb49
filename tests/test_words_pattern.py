"""The quick words pattern (labels, rule keywords) finds exactly what the plain alternation finds,
over the shipped labels and keywords, letters that fold case oddly, and the corpus where present."""

from __future__ import annotations

import re

import pytest

from helpdesk.intake.labels import find_labelled, report_lines
from helpdesk.intake.record_fields import LABELS
from helpdesk.rules.conditions import normalise
from helpdesk.rules.load import load_rules
from helpdesk.rules.words import words_pattern
from tests.conftest import SHIPPED_RULES
from tests.support.corpus import readable_mails

# Kelvin sign, long s, dotted capital I, full-width and ideographic space, a bar: folding and cells.
ODD = "Kelvin ſtatus İnfo ＶＥＲＳＩＯＮ Version：3.2\n版本\u3000\u30003.2 | when | 2026-03-04\nDATE: today"


def _plain(words: list[str], word_chars: str, flags: int) -> re.Pattern[str]:
    return re.compile(
        "|".join(
            rf"(?<![{word_chars}]){re.escape(w)}(?![{word_chars}])" if w.isascii() else re.escape(w)
            for w in words
        ),
        flags,
    )


def _word_lists() -> list[tuple[list[str], str, int]]:
    rules = load_rules(SHIPPED_RULES)
    lists = [(sorted(words, key=len, reverse=True), "a-z", re.I) for words in LABELS.values()]
    lists += [(f.labels, "a-z", re.I) for f in rules.catalog.fields.values() if f.labels]
    for type_def in rules.catalog.types.values():
        lists += [([normalise(w) for w in s.keywords], "a-z0-9", 0) for s in type_def.subcategories.values()]
    lists.append((["慢", "slow", "卡顿"], "a-z", re.I))  # a word of one character: the first alone
    return [entry for entry in lists if entry[0]]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    found = [ODD, ODD.upper(), ODD.lower(), normalise(ODD), "", "\n\n"]
    return found + [text for mail in readable_mails() for text in (mail.text, normalise(mail.text))]


@pytest.mark.parametrize("words, word_chars, flags", _word_lists())
def test_same_matches_as_the_plain_alternation(
    words: list[str], word_chars: str, flags: int, texts: list[str]
) -> None:
    quick, plain = words_pattern(words, word_chars, flags), _plain(words, word_chars, flags)
    for text in texts:
        expected = [(m.start(), m.group(0)) for m in plain.finditer(text)]
        assert [(m.start(), m.group(0)) for m in quick.finditer(text)] == expected


def test_a_label_found_on_the_first_last_and_a_table_line() -> None:
    pattern = words_pattern(["版本", "version"], "a-z", re.I)

    def read(rest: str, cell: bool, _lines: list[str], _number: int) -> str | None:
        if not cell and not rest.startswith((":", "：")):
            return None
        return rest.strip(" :：") or None

    assert find_labelled(pattern, report_lines("VERSION: 1.0"), read) == ("1.0", 1)
    assert find_labelled(pattern, report_lines("hello\n\nthanks\n版本：2.0"), read) == ("2.0", 4)
    assert find_labelled(pattern, report_lines("hi\n产品\t版本\t3.0\nok"), read) == ("3.0", 2)
    assert find_labelled(pattern, report_lines("versions are fine\nno label here"), read) is None


@pytest.mark.parametrize(
    "words",
    [["\U00010400\U00010401", "version"], ["a\U00010400", "ab"], ["\U0001e900x", "版本"]],
    ids=["Deseret capital first", "Deseret capital second", "Adlam capital first"],
)
def test_labels_with_a_capital_beyond_the_bmp_are_found_in_either_case(words: list[str]) -> None:
    """Python's re, ignoring case, misses an astral capital in a class beside other characters."""
    quick, plain = words_pattern(words, "a-z", re.I), _plain(words, "a-z", re.I)
    for text in [f"{word}: 3" for word in words] + [f"{word.lower()}: 3" for word in words]:
        assert quick.search(text) is not None
        assert [m.span() for m in quick.finditer(text)] == [m.span() for m in plain.finditer(text)]
