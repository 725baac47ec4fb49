"""One regular expression for a list of literal words (labels, keywords), quick where none starts.

An alternation of words whose English ones carry look-arounds makes the regex engine try every
word at every position of a text. Led by a look-ahead for the words' first (and second)
characters (classes compiled with the same flags, so case-insensitive the same way), a position
where no word can start is left after a test or two: the same matches, several times faster.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def words_pattern(words: Iterable[str], word_chars: str, flags: int = 0) -> re.Pattern[str]:
    """`words` (escaped, in the order given) as one pattern; an ASCII word only where none of
    `word_chars` (a character class such as "a-z") stands right before or after it."""
    words = list(words)
    alternatives = "|".join(
        rf"(?<![{word_chars}]){re.escape(word)}(?![{word_chars}])" if word.isascii() else re.escape(word)
        for word in words
    )
    if not words or not all(words):
        return re.compile(rf"(?:{alternatives})", flags)
    # The first two characters where every word has two (most positions fail the pair quicker).
    firsts = {word[0] for word in words}
    seconds = {word[1] for word in words} if all(len(word) > 1 for word in words) else set()
    if any(char > _BMP_END for char in firsts | seconds):
        # Python's re, ignoring case, misses an astral capital in a class beside other characters
        # ('[\U00010400v]' does not match '\U00010400'): no guard, the plain alternation.
        return re.compile(rf"(?:{alternatives})", flags)
    guard = _chars(firsts) + (_chars(seconds) if seconds else "")
    return re.compile(rf"(?={guard})(?:{alternatives})", flags)


_BMP_END = "\uffff"


def _chars(chars: set[str]) -> str:
    return "[" + "".join(re.escape(char) for char in sorted(chars)) + "]"


def led_by(starts: str, pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`pattern`, every match of which starts with one of `starts` (a character class's contents),
    led by a look-ahead for them: the same matches, found quicker."""
    return re.compile(rf"(?=[{starts}])(?:{pattern})", flags)
