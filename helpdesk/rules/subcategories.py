"""The types' sub-categories (问题分类, catalog.yaml types.*.subcategories): each named by its key or
either label, and found at intake by its keywords in the mail's subject or body."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from helpdesk.rules.conditions import keywords_pattern, normalise
from helpdesk.rules.schema import Catalog


@dataclass(frozen=True)
class Hit:
    """A sub-category found by a keyword: the word as the mail has it (normalised) and its line,
    0 for the subject, else the body's line (1-based)."""

    key: str
    word: str
    line: int


class Subcategories:
    """Every type's sub-categories with their keywords compiled once."""

    def __init__(self, catalog: Catalog) -> None:
        self._defs = {name: t.subcategories for name, t in catalog.types.items()}
        self._patterns = {
            name: [(key, keywords_pattern(sub.keywords)) for key, sub in subs.items() if sub.keywords]
            for name, subs in self._defs.items()
        }

    def keys(self, type_name: str | None) -> list[str]:
        """The sub-categories of `type_name`, in the catalog's order."""
        return list(self._defs.get(type_name or "", {}))

    def labels(self, type_name: str | None) -> list[dict[str, str]]:
        """The labels of `type_name`'s sub-categories, {zh, en} each, in the catalog's order."""
        return [sub.label.model_dump() for sub in self._defs.get(type_name or "", {}).values()]

    def words(self) -> dict[str, str]:
        """Each key, and each label that names one key only, width and case folded, to its key."""
        named: dict[str, set[str]] = {}
        for subs in self._defs.values():
            for key, sub in subs.items():
                for word in (key, sub.label.zh, sub.label.en):
                    named.setdefault(normalise(word).strip(), set()).add(key)
        keys = {normalise(key): key for subs in self._defs.values() for key in subs}
        return {
            word: keys.get(word) or next(iter(k)) for word, k in named.items() if len(k) == 1 or word in keys
        }

    def named(self, type_name: str | None, word: str) -> str | None:
        """The sub-category of `type_name` that `word` names: its key, or its label in either
        language (width and case folded); None when it names none."""
        wanted = normalise(word).strip()
        for key, sub in self._defs.get(type_name or "", {}).items():
            if wanted in {normalise(key), normalise(sub.label.zh), normalise(sub.label.en)}:
                return key
        return None

    def found(self, type_name: str | None, subject: str, body: str) -> Hit | None:
        """The first sub-category (in the catalog's order) whose keyword the subject or body holds."""
        return self.found_folded(type_name, normalise(subject), normalise(body))

    def found_folded(self, type_name: str | None, subject: str, body: str) -> Hit | None:
        """`found` for a subject and body already folded by `normalise`."""
        for key, pattern in self._patterns.get(type_name or "", []):
            if hit := pattern.search(subject):
                return Hit(key, hit.group(0), 0)
            if hit := pattern.search(body):
                return Hit(key, hit.group(0), body.count("\n", 0, hit.start()) + 1)
        return None


def check_subcategories(catalog: Catalog, at: Callable[..., None]) -> None:
    """Within one type no label may name two sub-categories, no keyword set two, none be empty."""
    for type_name, type_def in catalog.types.items():
        labels: dict[str, str] = {}
        keywords: dict[str, str] = {}
        for key, sub in type_def.subcategories.items():
            where = ("types", type_name, "subcategories", key)
            for label in {normalise(key), normalise(sub.label.zh), normalise(sub.label.en)}:
                if labels.setdefault(label, key) != key:
                    at(
                        *where,
                        "label",
                        f"type {type_name!r}: {label!r} names both {labels[label]!r} and {key!r}",
                    )
            for index, word in enumerate(sub.keywords):
                folded = normalise(word).strip()
                if not folded:
                    at(*where, "keywords", index, f"type {type_name!r}: {key}: an empty keyword")
                elif keywords.setdefault(folded, key) != key:
                    at(
                        *where,
                        "keywords",
                        index,
                        f"type {type_name!r}: keyword {word!r} sets both {keywords[folded]!r} and {key!r}",
                    )
