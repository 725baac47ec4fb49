"""Read a customer's confirmation (已解决 / 未解决 / 部分解决) and rating (满意 / 基本满意 / 不满意)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpdesk.rules.conditions import normalise

# Longest, negated forms first: 未解决 before 解决, 基本满意 and 不满意 before 满意.
_RESULTS = [
    ("partial", r"部分解决|部分已解决|partly resolved|partially resolved|partly solved|partially"),
    (
        "unresolved",
        r"未解决|没有解决|没解决|仍未解决|还没解决|not resolved|unresolved|not solved|not fixed|still broken",
    ),
    ("resolved", r"已解决|已经解决|解决了|resolved|solved|fixed|works now|it works"),
]
_RATINGS = [
    ("fair", r"基本满意|还算满意|一般|fairly satisfied|somewhat satisfied|quite satisfied|ok(?:ay)?"),
    ("unsatisfied", r"不满意|很不满意|非常不满意|not satisfied|unsatisfied|dissatisfied"),
    ("satisfied", r"非常满意|很满意|满意|very satisfied|satisfied|happy|great"),
]
_NUMBERS = re.compile(r"(?<!\d)([1-3])(?!\d)")
RESULT_BY_NUMBER = {"1": "resolved", "2": "unresolved", "3": "partial"}
RATING_BY_NUMBER = {"1": "satisfied", "2": "fair", "3": "unsatisfied"}


LABELS = {
    "resolved": {"zh": "已解决", "en": "resolved"},
    "unresolved": {"zh": "未解决", "en": "not resolved"},
    "partial": {"zh": "部分解决", "en": "partly resolved"},
    "satisfied": {"zh": "满意", "en": "satisfied"},
    "fair": {"zh": "基本满意", "en": "fairly satisfied"},
    "unsatisfied": {"zh": "不满意", "en": "unsatisfied"},
}


@dataclass(frozen=True)
class Feedback:
    result: str | None
    rating: str | None

    @property
    def understood(self) -> bool:
        return self.result is not None or self.rating is not None

    def describe(self, language: str) -> str:
        """The customer's answer in words, e.g. "客户反馈：未解决，不满意"."""
        said = [LABELS[v][language] for v in (self.result, self.rating) if v]
        return (
            ("客户反馈：" + "，".join(said))
            if language == "zh"
            else ("the customer says: " + ", ".join(said))
        )

    @property
    def happy(self) -> bool:
        """Resolved (or not said) and satisfied or fairly satisfied (or not said), but something said."""
        return (
            self.understood
            and self.result in (None, "resolved")
            and self.rating in (None, "satisfied", "fair")
        )


def _first(patterns: list[tuple[str, str]], text: str) -> tuple[str | None, str]:
    for name, pattern in patterns:
        found = re.search(pattern, text)
        if found:
            return name, text[: found.start()] + " " + text[found.end() :]
    return None, text


def read_feedback(text: str) -> Feedback:
    """Words first, in Chinese or English; else two numbers as the mail asked ("1 1")."""
    words = normalise(text)
    result, rest = _first(_RESULTS, words)
    rating, rest = _first(_RATINGS, rest)
    if result is None and rating is None:
        numbers = _NUMBERS.findall(words)
        if numbers:
            result = RESULT_BY_NUMBER[numbers[0]]
            rating = RATING_BY_NUMBER[numbers[1]] if len(numbers) > 1 else None
    return Feedback(result, rating)
