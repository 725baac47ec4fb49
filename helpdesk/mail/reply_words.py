"""The words of every language's quote marks, read once from `attribution/*.yaml` into matchers.

Each file names what one language's mail clients write around quoted history (see the folder's
README): attribution verbs, header field names, "Original Message" phrases, mobile signatures. The
tables hold words only; the shapes they fill (a whole line, a colon after a field name) live here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

_FOLDER = Path(__file__).with_name("attribution")
_KEYS = frozenset(
    {"wrote", "wrote_then_name", "opening", "self", "from", "date", "headers"}
    | {"separators", "forwards", "signatures", "cards"}
)
# A phone or app name in a signature line: a few words, no sentence punctuation ("Outlook.com"
# has a dot, "my desk. It is" a full stop).
_DEVICE = r"\s*+[^\s,.;!?，。；！？:：](?:[^,.;!?，。；！？:：]|\.(?=\S)){0,39}?\s*+"
_FIELD_END = r"\s*+\**+\s*+[:：]"  # "From:", "*From:*", "De :", "发件人："


@dataclass(frozen=True)
class Words:
    """Every language's quote words, merged: a mail may mix a French client with English headers."""

    wrote: re.Pattern[str]  # matched on the reversed, lower-cased line: the verb that ends it
    endings: frozenset[str]  # the last characters an attribution line can end with
    wrote_then_name: tuple[str, ...]
    opening: tuple[str, ...]
    self_words: frozenset[str]  # "I", "ich": a whole word right before the verb
    self_endings: tuple[str, ...]  # "我", "私": Chinese and Japanese need no space before the verb
    field: re.Pattern[str]  # a header line; group 1 is the field name
    table_field: re.Pattern[str]  # NetEase MailMaster's "| 发件人 | … |" rows
    kinds: dict[str, str]  # squeezed field name -> "from", "date" or "other"
    sender_field: re.Pattern[str]  # "From:", "Von:", "发件人：" anywhere in a text, after a space
    dated_field: re.Pattern[str]  # "Sent:", "Gesendet:", "发送时间：" likewise
    separators: frozenset[str]  # lower-case phrases, forwards included
    forwards: frozenset[str]
    signature: re.Pattern[str]
    card: re.Pattern[str]


@functools.cache
def words() -> Words:
    """The merged tables of the shipped `attribution/*.yaml`, read once."""
    return load_words(_FOLDER)


def load_words(folder: Path) -> Words:
    """The merged tables of `folder`'s `*.yaml`; a file with an unknown key or a value that is not
    a list of words is a ValueError naming the file."""
    merged: dict[str, set[str]] = {key: set() for key in _KEYS}
    for path in sorted(folder.glob("*.yaml")):
        try:
            table = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise ValueError(f"{path.name}: {error}") from error
        if not isinstance(table, dict):
            raise ValueError(f"{path.name}: a mapping of word lists is expected")
        unknown = set(table) - _KEYS
        if unknown:
            raise ValueError(f"{path.name}: unknown keys {sorted(unknown)}")
        for key, values in table.items():
            if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
                raise ValueError(f"{path.name}: {key} must be a list of words")
            merged[key].update(v.strip() for v in values)
    kinds = {squeezed(name): kind for kind in ("other", "date", "from") for name in merged[_table(kind)]}
    names = _alternation({n.lower() for kind in ("other", "date", "from") for n in merged[_table(kind)]})
    return Words(
        wrote=_reversed_ending(merged["wrote"]),
        endings=frozenset({v[-1].lower() for v in merged["wrote"]} | set(":：>)]-—*=~")),
        wrote_then_name=_longest_first(merged["wrote_then_name"]),
        opening=_longest_first(merged["opening"]),
        self_words=frozenset(w.lower() for w in merged["self"]),
        self_endings=tuple(w for w in merged["self"] if ord(w[0]) >= 0x2E80),
        field=re.compile(rf"\**+\s*+({names}){_FIELD_END}", re.I),
        table_field=re.compile(rf"\|\s*+({names})\s*+\|", re.I),
        kinds=kinds,
        sender_field=_anywhere(merged["from"]),
        dated_field=_anywhere(merged["date"]),
        separators=frozenset(p.lower() for p in merged["separators"] | merged["forwards"]),
        forwards=frozenset(p.lower() for p in merged["forwards"]),
        signature=_lines(merged["signatures"]),
        card=_lines(merged["cards"]),
    )


def squeezed(name: str) -> str:
    """A field name as `Words.kinds` keys it: lower case, without spaces ("主　题" is "主题")."""
    return re.sub(r"\s+", "", name.lower())


def _table(kind: str) -> str:
    return {"other": "headers", "date": "date", "from": "from"}[kind]


def _longest_first(values: set[str]) -> tuple[str, ...]:
    return tuple(sorted((v.lower() for v in values), key=lambda v: (-len(v), v)))


def _anywhere(names: set[str]) -> re.Pattern[str]:
    return re.compile(rf"(?:^|\s)\**+(?:{_alternation({n.lower() for n in names})}){_FIELD_END}", re.I)


def _reversed_ending(verbs: set[str]) -> re.Pattern[str]:
    """Read backwards, a line's last word is found in time bounded by the verbs' length, not the line's.

    A verb in an alphabetic script must start a word ("wrote", not "rewrote"); in Chinese,
    Japanese or Korean it may follow anything ("技术支持写道").
    """
    shapes = (
        re.escape(v[::-1]) + ("(?![^\\W_])" if v[0].isalpha() and ord(v[0]) < 0x2E80 else "")
        for v in _longest_first(verbs)
    )
    return re.compile("|".join(shapes) or "(?!)")


def _alternation(values: set[str]) -> str:
    # Spaces inside a name match any run of spaces (Chinese clients pad "主　题" with U+3000).
    escaped = (re.escape(v).replace(r"\ ", r"\s*+") for v in _longest_first(values))
    return "|".join(escaped) or "(?!)"


def _lines(phrases: set[str]) -> re.Pattern[str]:
    """A whole line holding one of `phrases`, `{device}` filled by a short name."""
    shapes = sorted(
        (re.escape(p).replace(r"\{device\}", _DEVICE).replace(r"\ ", r"\s*+") for p in phrases),
        key=lambda s: (-len(s), s),
    )
    return re.compile(rf"(?:{'|'.join(shapes) or '(?!)'})", re.I)
