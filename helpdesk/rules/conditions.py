"""Rule conditions: each a named parser that checks its YAML argument and returns a test on the facts."""

from __future__ import annotations

import fnmatch
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from helpdesk.mail.message import InboundMessage
from helpdesk.rules.record_names import CATEGORY, CHANNEL, CHANNELS, JUDGEMENT, PENDING, RECORD_FIELDS
from helpdesk.rules.words import words_pattern


@dataclass(frozen=True)
class Names:
    """What rule arguments may name; anything else is an error at load time."""

    types: frozenset[str]
    priorities: frozenset[str]
    fields: frozenset[str]
    teams: frozenset[str]
    people: frozenset[str]
    scales: dict[str, list[str]] = field(default_factory=dict)
    type_scale: dict[str, str] = field(default_factory=dict)
    # Every type's sub-category (catalog.yaml) by its key, or by a label only one of them has.
    categories: dict[str, str] = field(default_factory=dict)
    judged: frozenset[str] = frozenset()  # the types whose record carries an initial judgement

    def categories_named(self, arg: Any) -> set[str]:
        """The sub-categories a rule argument names (keys or labels); raises ValueError for others."""
        words = expect_words(arg)
        unknown = sorted(w for w in words if normalise(w) not in self.categories)
        if unknown:
            known = ", ".join(sorted(set(self.categories.values()))) or "none in catalog.yaml"
            raise ValueError(f"unknown sub-category {', '.join(unknown)} (known: {known})")
        return {self.categories[normalise(w)] for w in words}

    def scale_of(self, type_name: str) -> list[str]:
        return self.scales.get(self.type_scale.get(type_name, ""), [])

    def rank(self, word: str | None) -> int | None:
        """A priority's rank on its own scale (0 the most pressing): a P-level (P0–P3) or a name."""
        if not word:
            return None
        found = _P_LEVEL.match(word.strip())
        if found:
            return int(found.group(1))
        scale = next((s for s in self.scales.values() if word in s), [])
        return scale.index(word) if scale else None


_P_LEVEL = re.compile(r"^[Pp]([0-9])$")


# The report field holding the priority the customer wrote themselves (intake/record_fields.py).
STATED = "customer_priority"


@dataclass(frozen=True)
class Facts:
    """What the rules look at: the mail, the fields extracted so far, the desk's local time."""

    mail: InboundMessage
    fields: dict[str, str]
    local_time: datetime

    @functools.cached_property
    def subject_folded(self) -> str:
        """The subject, width and case folded (`normalise`): folded once, read by every rule."""
        return normalise(self.mail.subject)

    @functools.cached_property
    def body_folded(self) -> str:
        """The new words (else the whole text), width and case folded."""
        return normalise(self.mail.new_text or self.mail.text)


@dataclass
class Decision:
    """What the rules decided; `fired` lists each rule that matched and what it set."""

    type: str
    priority: str | None = None
    subcategory: str | None = None  # the record's category: a rule's, else the keywords'
    category_hit: tuple[str, int] | None = None  # (keyword, line) when the keywords set it
    nature: str | None = None
    team: str | None = None
    owner: str | None = None
    level: str | None = None
    collaborators: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    required: list[str] | None = None
    fired: list[dict] = field(default_factory=list)


Check = Callable[[Facts, Decision], bool]
Parser = Callable[[Any, Names], Check]
CONDITIONS: dict[str, Parser] = {}


def condition(name: str) -> Callable[[Parser], Parser]:
    def register(parser: Parser) -> Parser:
        CONDITIONS[name] = parser
        return parser

    return register


def parse_conditions(when: dict, names: Names) -> Check:
    """All conditions of a mapping must hold. Raises ValueError naming the bad condition."""
    checks = []
    for key, arg in when.items():
        parser = CONDITIONS.get(key)
        if parser is None:
            raise ValueError(f"unknown condition {key!r} (known: {', '.join(sorted(CONDITIONS))})")
        try:
            checks.append(parser(arg, names))
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from exc
    return lambda facts, decision: all(check(facts, decision) for check in checks)


def normalise(text: str) -> str:
    """Width- and case-insensitive form: full-width 【ＡＢＣ】 reads as [abc]."""
    return unicodedata.normalize("NFKC", text).casefold()


def expect_words(arg: Any) -> list[str]:
    """A rule argument that must be one word or a non-empty list of words."""
    values = [arg] if isinstance(arg, str) else arg
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        raise ValueError("expects a word or a list of words")
    return values


def expect_names(arg: Any, known: frozenset[str], what: str) -> set[str]:
    """A rule argument naming things of one kind (types, teams, people…); each must be `known`."""
    values = set(expect_words(arg))
    unknown = values - known
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")
    return values


def keywords_pattern(words: list[str]) -> re.Pattern:
    """English words match whole words ('down' not in 'download'); Chinese words match anywhere."""
    return words_pattern([normalise(word) for word in words], "a-z0-9")


def _regex(arg: Any) -> re.Pattern:
    if not isinstance(arg, str):
        raise ValueError("expects a regular expression")
    try:
        return re.compile(arg, re.IGNORECASE | re.MULTILINE)
    except re.error as exc:
        raise ValueError(f"bad regular expression {arg!r}: {exc}") from exc


@condition("subject_contains")
def _subject_contains(arg: Any, names: Names) -> Check:
    pattern = keywords_pattern(expect_words(arg))
    return lambda facts, _: bool(pattern.search(facts.subject_folded))


@condition("body_contains")
def _body_contains(arg: Any, names: Names) -> Check:
    pattern = keywords_pattern(expect_words(arg))
    return lambda facts, _: bool(pattern.search(facts.body_folded))


@condition("text_contains")
def _text_contains(arg: Any, names: Names) -> Check:
    pattern = keywords_pattern(expect_words(arg))
    return lambda facts, _: bool(pattern.search(facts.subject_folded) or pattern.search(facts.body_folded))


@condition("subject_matches")
def _subject_matches(arg: Any, names: Names) -> Check:
    pattern = _regex(arg)
    return lambda facts, _: bool(pattern.search(facts.mail.subject))


@condition("body_matches")
def _body_matches(arg: Any, names: Names) -> Check:
    pattern = _regex(arg)
    return lambda facts, _: bool(pattern.search(facts.mail.new_text or facts.mail.text))


@condition("from")
def _from(arg: Any, names: Names) -> Check:
    globs = [g.lower() for g in expect_words(arg)]
    return lambda facts, _: bool(
        facts.mail.sender and any(fnmatch.fnmatch(facts.mail.sender.email, g) for g in globs)
    )


@condition("from_domain")
def _from_domain(arg: Any, names: Names) -> Check:
    domains = {d.lower().lstrip("@") for d in expect_words(arg)}

    def check(facts: Facts, _: Decision) -> bool:
        if not facts.mail.sender:
            return False
        domain = facts.mail.sender.email.rpartition("@")[2]
        return any(domain == d or domain.endswith("." + d) for d in domains)

    return check


@condition("to")
def _to(arg: Any, names: Names) -> Check:
    globs = [g.lower() for g in expect_words(arg)]
    return lambda facts, _: any(
        fnmatch.fnmatch(a.email, g) for a in (*facts.mail.to, *facts.mail.cc) for g in globs
    )


@condition("header")
def _header(arg: Any, names: Names) -> Check:
    if not isinstance(arg, dict) or not arg:
        raise ValueError("expects a mapping of header name to regular expression")
    patterns = {name: _regex(value) for name, value in arg.items()}
    return lambda facts, _: all(
        (value := facts.mail.header(name)) is not None and pattern.search(value)
        for name, pattern in patterns.items()
    )


@condition("language")
def _language(arg: Any, names: Names) -> Check:
    languages = expect_names(arg, frozenset({"zh", "en"}), "language")
    return lambda facts, _: facts.mail.language in languages


@condition("type")
def _type(arg: Any, names: Names) -> Check:
    types = expect_names(arg, names.types, "type")
    return lambda _, decision: decision.type in types


def expect_priorities(arg: Any, names: Names) -> tuple[set[str], set[int]]:
    """Priority names, and P-levels (P0–P3) as ranks: P0 names the first of each scale."""
    words = set(expect_words(arg))
    levels = {w for w in words if _P_LEVEL.match(w)}
    longest = max((len(s) for s in names.scales.values()), default=0)
    too_low = sorted(w for w in levels if int(w[1:]) >= longest)
    if too_low:
        raise ValueError(f"no scale has a level {', '.join(too_low)} (P0–P{longest - 1})")
    named = expect_names(list(words - levels), names.priorities, "priority") if words - levels else set()
    return named, {int(w[1:]) for w in levels}


@condition("priority")
def _priority(arg: Any, names: Names) -> Check:
    """The decision's priority, by name or by P-level on its type's scale (P0: 致命 or 紧急)."""
    priorities, ranks = expect_priorities(arg, names)

    def check(_: Facts, decision: Decision) -> bool:
        scale = names.scale_of(decision.type)
        rank = scale.index(decision.priority) if decision.priority in scale else None
        return decision.priority in priorities or rank in ranks

    return check


@condition("stated_priority")
def _stated_priority(arg: Any, names: Names) -> Check:
    """The priority the customer wrote ("期望优先级：P1", "优先级：紧急"), compared by rank: P1
    matches P1, 高 and 严重 alike."""
    priorities, ranks = expect_priorities(arg, names)
    wanted = ranks | {rank for p in priorities if (rank := names.rank(p)) is not None}
    return lambda facts, _: names.rank(facts.fields.get(STATED)) in wanted


def record_fields(facts: Facts, decision: Decision, names: Names) -> dict[str, str]:
    """The fields as a rule sees them: those read from the mail (the channel among them), the
    category as decided so far, and the judgement a type that carries one starts with."""
    seen = dict(facts.fields)
    if decision.subcategory:
        seen[CATEGORY] = decision.subcategory
    if decision.type in names.judged:
        seen.setdefault(JUDGEMENT, PENDING)
    return seen


@condition("has_fields")
def _has_fields(arg: Any, names: Names) -> Check:
    """Fields of the catalog or of the record (company, channel, category…) that have a value."""
    wanted = expect_names(arg, names.fields | RECORD_FIELDS, "field")
    return lambda facts, decision: wanted <= record_fields(facts, decision, names).keys()


@condition("field_matches")
def _field_matches(arg: Any, names: Names) -> Check:
    if not isinstance(arg, dict) or not arg:
        raise ValueError("expects a mapping of field name to regular expression")
    expect_names(list(arg), names.fields | RECORD_FIELDS, "field")
    patterns = {name: _regex(value) for name, value in arg.items()}

    def check(facts: Facts, decision: Decision) -> bool:
        seen = record_fields(facts, decision, names)
        return all(name in seen and pattern.search(seen[name]) for name, pattern in patterns.items())

    return check


@condition("category")
def _category(arg: Any, names: Names) -> Check:
    """The sub-category so far: set by a rule, else by its keywords for the type decided so far."""
    wanted = names.categories_named(arg)
    return lambda _, decision: decision.subcategory in wanted


@condition("channel")
def _channel(arg: Any, names: Names) -> Check:
    """How the report came: mail, or the channel a staff member's #代报 named (phone, onsite…)."""
    wanted = expect_names(arg, CHANNELS, "channel")
    return lambda facts, _: facts.fields.get(CHANNEL, "mail") in wanted


@condition("has_attachment")
def _has_attachment(arg: Any, names: Names) -> Check:
    if isinstance(arg, bool):
        return lambda facts, _: bool(facts.mail.attachments) == arg
    globs = [g.lower() for g in expect_words(arg)]
    return lambda facts, _: any(
        fnmatch.fnmatch(a.filename.lower(), g) for a in facts.mail.attachments for g in globs
    )


@condition("time_between")
def _time_between(arg: Any, names: Names) -> Check:
    """'18:00-08:30' in the desk's local time; a range may wrap past midnight."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", str(arg))
    if not match:
        raise ValueError("expects 'HH:MM-HH:MM'")
    h1, m1, h2, m2 = map(int, match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"not a time of day: {arg!r}")
    start, end = time(h1, m1), time(h2, m2)

    def check(facts: Facts, _: Decision) -> bool:
        now = facts.local_time.time()
        return start <= now < end if start <= end else (now >= start or now < end)

    return check


@condition("any")
def _any(arg: Any, names: Names) -> Check:
    if not isinstance(arg, list) or not arg or not all(isinstance(item, dict) for item in arg):
        raise ValueError("expects a list of condition mappings")
    checks = [parse_conditions(item, names) for item in arg]
    return lambda facts, decision: any(check(facts, decision) for check in checks)


@condition("not")
def _not(arg: Any, names: Names) -> Check:
    if not isinstance(arg, dict) or not arg:
        raise ValueError("expects a condition mapping")
    check = parse_conditions(arg, names)
    return lambda facts, decision: not check(facts, decision)
