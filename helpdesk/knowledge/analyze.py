"""Text to search terms, the same on SQLite and PostgreSQL: Chinese as overlapping bigrams, other
words lower-cased and lightly stemmed.

Chinese is written without spaces and most of its words are two characters (打印, 登录, 卡纸), so
each run of CJK characters becomes its overlapping bigrams ("打印机" → 打印 印机): a two-character
query matches exactly, a longer one by most of its bigrams. A trigram index could not find a
two-character word at all. The database then indexes these space-separated terms with its plain
tokenizer (FTS5 unicode61, PostgreSQL's 'simple' configuration), so both see the same terms.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Han (with extension A and compatibility ideographs), kana and hangul: scripts without spaces.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
_ACCENTS = re.compile("[\u0300-\u036f]")  # combining accents, once NFD has split them off
# A longer run of letters and digits is a hash or an encoded blob, not a word anyone searches for
# (PostgreSQL would refuse to index it anyway).
LONGEST = 100
QUERY_LIMIT = 64  # terms of one search
# Longest first; a stem keeps at least three letters, so "bus" and "is" stay whole.
_SUFFIXES = ("tions", "tion", "ing", "ies", "es", "ed", "s")


def stem(word: str) -> str:
    """A light English stemmer, the same on both sides of a search: printers, printing, printed →
    print; dropping, drops → drop; update, updated, updating → updat; connection → connect."""
    if not word.isascii() or not word.isalpha() or len(word) < 4:
        return word
    base = word
    for suffix in _SUFFIXES:
        if not word.endswith(suffix) or len(word) - len(suffix) < 3:
            continue
        if suffix == "s" and word.endswith(("ss", "us", "is")):
            return word
        base = word[: -len(suffix)] + {"ies": "y", "tion": "t", "tions": "t"}.get(suffix, "")
        if suffix in ("ed", "ing") and len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "lsz":
            base = base[:-1]  # dropp → drop, runn → run
        break
    return base[:-1] if base.endswith("e") and len(base) >= 4 else base


def _fold(text: str) -> str:
    """Full-width forms as ASCII, accents off, lower case: ＶＰＮ, Café and cafe are one word."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    return unicodedata.normalize("NFC", _ACCENTS.sub("", decomposed)).casefold()  # NFC: hangul whole again


def _runs(text: str) -> list[str]:
    return _RUN.findall(_fold(text))


def terms(text: str) -> list[str]:
    """Every term of `text` in order, repeats kept (the index counts them)."""
    found: list[str] = []
    for run in _runs(text):
        if not _IS_CJK.match(run):
            if len(run) <= LONGEST:
                found.append(stem(run))
        elif len(run) == 1:
            found.append(run)
        else:
            found.extend(run[i : i + 2] for i in range(len(run) - 1))
    return found


def indexed(text: str) -> str:
    """`text` as the space-separated terms the database indexes."""
    return " ".join(terms(text))


@dataclass(frozen=True)
class Query:
    """What a search asks for: whole terms, and single CJK characters matched as term prefixes
    (卡 finds 卡纸 and 卡顿)."""

    words: tuple[str, ...]
    prefixes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.words and not self.prefixes

    @property
    def size(self) -> int:
        return len(self.words) + len(self.prefixes)


def parse_query(text: str) -> Query:
    """A search's terms, each once, in the order written."""
    words: list[str] = []
    prefixes: list[str] = []
    for run in _runs(text):
        if _IS_CJK.match(run) and len(run) == 1:
            prefixes.append(run)
            continue
        words.extend(terms(run))
    # A pasted page would make an OR of thousands of terms; its first ones say what it is about.
    return Query(tuple(dict.fromkeys(words))[:QUERY_LIMIT], tuple(dict.fromkeys(prefixes))[:QUERY_LIMIT])


def coverage(query: Query, document_terms: set[str]) -> float:
    """The share of the query's terms the document has (a prefix counts if any term starts with it)."""
    if query.empty:
        return 0.0
    found = sum(1 for word in query.words if word in document_terms)
    found += sum(1 for prefix in query.prefixes if any(t.startswith(prefix) for t in document_terms))
    return found / query.size
