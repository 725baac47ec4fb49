"""The words of a request's life in engineers' commands: evaluation outcomes, stages, acceptance
results, each in Chinese and English; the record fields the commands keep; what a gate checks."""

from __future__ import annotations

from collections.abc import Callable

from helpdesk.rules.conditions import normalise

# name: its spellings (the labels are phrases.LIFECYCLE's).
OUTCOMES = {
    "feasible": ("可实施", "可行", "feasible"),
    "infeasible": ("暂不可实施", "不可实施", "not feasible", "infeasible"),
    "adjust": ("需调整", "需要调整", "needs adjustment", "adjust"),
}
STAGES = {
    "design": ("设计", "design"),
    "development": ("开发", "development", "develop"),
    "testing": ("测试", "testing", "test"),
    "release": ("上线", "release"),
}
RESULTS = {
    "passed": ("通过", "passed", "pass"),
    "failed": ("未通过", "不通过", "failed", "fail"),
    "partly": ("部分通过", "partly passed", "partially passed", "partly"),
}
# The state a stage's work is done in: its actual start and end are that state's.
STAGE_STATES = {
    "design": "designing",
    "development": "developing",
    "testing": "testing",
    "release": "released",
}
# The record fields the commands keep (source "command"); `tickets show` shows them in their own section.
FIELDS = frozenset(
    {"evaluation", "evaluation_report", "scope", "changes", "uat", "release_at", "rollback", "review"}
)
# What each gate item (schema.Requirement) needs among the ticket's fields.
HAVE: dict[str, Callable[[dict[str, str]], bool]] = {
    "evaluation": lambda fields: bool(fields.get("evaluation")),
    "scope_frozen": lambda fields: bool(fields.get("scope")),
    "uat": lambda fields: fields.get("uat") == "passed",
    "release_plan": lambda fields: bool(fields.get("release_at") and fields.get("rollback")),
    "review": lambda fields: bool(fields.get("review")),
}
_SEPARATORS = " \t:：,，、;；-—"


def leading(text: str, vocabulary: dict[str, tuple[str, ...]]) -> tuple[str, str] | None:
    """The vocabulary word `text` starts with (any spelling, any case or width; the longest wins)
    and the rest of `text` after it, or None. An English word must end where the text's word does."""
    text = text.strip()
    spellings = sorted(
        ((spelling, name) for name, words in vocabulary.items() for spelling in words),
        key=lambda pair: -len(pair[0]),
    )
    for spelling, name in spellings:
        head, rest = text[: len(spelling)], text[len(spelling) :]
        if normalise(head) != normalise(spelling):
            continue
        if spelling.isascii() and rest[:1].isalnum():
            continue  # "feasibleish", "testing" read as "test": not this word
        return name, rest.strip(_SEPARATORS)
    return None
