"""Guess the charset of undeclared or mislabelled bytes by how natural each reading looks.

Every candidate codec that reads the bytes without an error is scored on its text: a Han,
kana or Hangul character must be a common one (GB2312 level 1, Big5 common, KS X 1001) and
must not sit alone between Latin letters (an accented Latin byte and the ASCII letter after
it form a valid GBK pair: `Lütkebohle` read as GBK is `L黷kebohle`); accented Latin letters
come a few at a time with no case flip inside a word, Cyrillic words are Russian letters that
keep their case, and letters frequent in some language (charset-normalizer's coherence tables)
count extra; charset-normalizer's mess ratio is taken off readings that show CJK. Its own
ranked guesses join the candidates when none of ours
reads naturally (its coherence needs more text than a subject or a name gives). The message's
other declared charsets come first and yield only to a clearly better reading; otherwise an
earlier candidate keeps a near tie, so Chinese wins when both readings look natural.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

import charset_normalizer
from charset_normalizer.constant import FREQUENCIES
from charset_normalizer.md import mess_ratio

# After the message's own charsets: Chinese first (our senders), then the other CJK, then the
# single-byte charsets met most often.
DEFAULTS = ("gb18030", "cp950", "cp932", "cp949", "koi8_r", "cp1252", "cp1251", "iso8859_2")
_SAMPLE = 256 * 1024  # bytes charset-normalizer reads
_SCORED = 8_000  # characters of each reading that are scored
_MARGIN = 0.05  # how much better a later candidate must read to displace an earlier one
_HINT_MARGIN = 0.15  # … to displace a charset the message itself declares
_NATURAL = 0.9  # a reading this good needs no help from charset-normalizer's guesses
_ASCII = bytes(range(0x20, 0x7F))
_RUNS = re.compile(r"[^\x00-\x7f]+")
_CJK_TEXT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7a3]")
_CASE_FLIP = re.compile(r"[а-яёєіїґ][А-ЯЁЄІЇҐ]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ASCII_LETTERS = re.compile(r"[A-Za-z]")
# What a Cyrillic word is made of: letters of Russian and Ukrainian, and the marks glued to words.
_RUSSIAN_RUN = frozenset(map(chr, range(0x0410, 0x0450))) | frozenset("ёЁєЄіІїЇґҐ«»—–“”„…’№")
_LETTERS = "".join("".join(letters) for letters in FREQUENCIES.values())
_FREQUENT = frozenset(ch for ch in _LETTERS + _LETTERS.upper() if not ch.isascii())
_CJK_LETTERS = ((0x3400, 0x9FFF), (0xF900, 0xFAFF), (0x3040, 0x30FF), (0xAC00, 0xD7A3))  # Han, kana, Hangul


def detect(data: bytes, hints: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """(text, codec) of the most natural strict reading of `data`, or None when no codec reads it.

    `hints` are codecs the message declares elsewhere; they are tried first.
    """
    candidates = list(dict.fromkeys((*hints, *DEFAULTS)))
    best = _best(data, candidates, len(hints))
    if best is None or best[0] < _NATURAL:
        guesses = [m.encoding for m in charset_normalizer.from_bytes(data[:_SAMPLE])][:3]
        extra = [g for g in guesses if g not in candidates and _keeps_ascii(g)]
        if extra:
            found = _best(data, extra, 0)
            if found is not None and (best is None or found[0] > best[0] + _MARGIN):
                best = found
    return None if best is None else (best[1], best[2])


def _keeps_ascii(codec: str) -> bool:
    """Whether `codec` reads ASCII bytes as ASCII (UTF-16, UTF-7 and EBCDIC do not): a header's
    structure read from its text must be the one that was sent."""
    try:
        return _ASCII.decode(codec) == _ASCII.decode("ascii")
    except (UnicodeDecodeError, LookupError):
        return False


def _best(data: bytes, candidates: list[str], hinted: int) -> tuple[float, str, str] | None:
    """The most natural strict reading; the first `hinted` candidates (the message's own
    charsets) are displaced only by a clearly better one."""
    best: tuple[float, str, str] | None = None
    margin = _MARGIN
    for index, codec in enumerate(candidates):
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        score = naturalness(text)
        if best is None or score > best[0] + margin:
            best = (score, text, codecs.lookup(codec).name)
            margin = _HINT_MARGIN if index < hinted else _MARGIN
    return best


def naturalness(text: str) -> float:
    """How natural the non-ASCII characters of `text` look, about 0 (mojibake) to 1.1 (fluent)."""
    sample = text[:_SCORED]
    cyrillic = len(_CYRILLIC.findall(sample))
    weight = 1.0 if cyrillic * 4 >= len(_ASCII_LETTERS.findall(sample)) else 0.5
    common = 0.0
    counted = frequent = 0
    for run in _RUNS.finditer(sample):
        before = sample[run.start() - 1] if run.start() else " "
        after = sample[run.end()] if run.end() < len(sample) else " "
        chars = run.group(0)
        # A Cyrillic word is natural when it is all Russian letters, keeps its case and stands
        # apart from ASCII letters; weighed once per run (a run can be the whole sample).
        word = set(chars) <= _RUSSIAN_RUN and not _CASE_FLIP.search(chars)
        word_weight = weight * (word and not (_ascii_letter(before) or _ascii_letter(after)))
        for index, ch in enumerate(chars):
            verdict = _judge(ch, chars, index, before, after, word_weight)
            if verdict is None:
                continue
            counted += 1
            common += verdict
            frequent += verdict == 1 and ch in _FREQUENT
    if not counted:
        return 1.1
    # Frequent letters count only with enough of them: one "Ž" is no evidence of Czech.
    score = common / counted + 0.1 * frequent / max(counted, 5)
    # charset-normalizer's mess ratio tells one CJK reading from another (Korean read as GBK);
    # on Latin text it mistakes a run of umlauts for mess, so it weighs only where CJK shows.
    return score - mess_ratio(sample) / 2 if _CJK_TEXT.search(sample) else score


def _judge(ch: str, run: str, index: int, before: str, after: str, cyrillic: float) -> float | None:
    """1 when `ch` is natural where it stands, 0 when it looks like mojibake, None when neutral;
    a Cyrillic letter counts `cyrillic` (its word's verdict, less in a text of Latin words, where it
    is an accent misread)."""
    code = ord(ch)
    prev = run[index - 1] if index else before
    nxt = run[index + 1] if index + 1 < len(run) else after
    if any(low <= code <= high for low, high in _CJK_LETTERS):
        if _latin_neighbours(prev, nxt):
            return 0
        return 1 if common_cjk(ch) else 0.5  # GBK's rarer characters (镕) are real, if rare
    if 0xFF61 <= code <= 0xFF9F or 0x2500 <= code <= 0x259F:
        return 0  # half-width katakana or box drawing: Shift_JIS or KOI8-R reading other bytes
    category = unicodedata.category(ch)
    if category in ("Cc", "Co", "Cn", "Cs", "Mn") or ch == "\ufffd":
        return 0
    if 0x00C0 <= code <= 0x024F and category.startswith("L"):
        return float(len(run) <= 4 and not _case_flip(prev, ch, nxt))
    if 0x00A1 <= code <= 0x00BF:  # a Latin-1 sign inside a word: a CJK or Cyrillic byte read as Latin
        return 0 if prev.isalpha() or nxt.isalpha() else None
    if 0x0400 <= code <= 0x04FF:
        return cyrillic
    if category.startswith("L"):
        return float(not _latin_neighbours(prev, nxt))
    return None


def _latin_neighbours(prev: str, nxt: str) -> bool:
    """Whether a character stands next to an ASCII letter with no CJK beside it."""
    return (_ascii_letter(prev) or _ascii_letter(nxt)) and not (_cjk(prev) or _cjk(nxt))


def _case_flip(prev: str, ch: str, nxt: str) -> bool:
    """An upper-case letter right after a lower-case one (or before it: `éF`), as no word is spelt."""
    return (prev.islower() and ch.isupper()) or (ch.islower() and nxt.isupper())


def _ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7a3" or "\uff00" <= ch <= "\uffef"


def common_cjk(ch: str) -> bool:
    """Kana, a KS X 1001 Hangul syllable, or a Han character of GB2312 level 1 or Big5's common set."""
    if "\u3040" <= ch <= "\u30ff":
        return True
    if "\uac00" <= ch <= "\ud7a3":
        return len(_encodes(ch, "euc_kr") or b"") == 2  # not the 8-byte composed form
    gb = _encodes(ch, "gb2312")
    if gb is not None and 0xB0 <= gb[0] <= 0xD7:
        return True
    big5 = _encodes(ch, "big5")
    return big5 is not None and 0xA4 <= big5[0] <= 0xC6


def _encodes(ch: str, codec: str) -> bytes | None:
    try:
        return ch.encode(codec)
    except UnicodeEncodeError:
        return None
