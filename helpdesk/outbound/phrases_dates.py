"""A time the customer wrote relative to their mail ("今天 9:05", "昨晚8点", "yesterday at 3pm"),
said as the date it means, so a reader days later knows which day it was."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

# The day word, how many days before the mail, and whether it means the afternoon or evening.
_DAYS = {
    "今天早上": (0, False),
    "今天上午": (0, False),
    "今天下午": (0, True),
    "今天晚上": (0, True),
    "今天": (0, None),
    "今日": (0, None),
    "今早": (0, False),
    "今晚": (0, True),
    "昨天早上": (1, False),
    "昨天上午": (1, False),
    "昨天下午": (1, True),
    "昨天晚上": (1, True),
    "昨天": (1, None),
    "昨日": (1, None),
    "昨晚": (1, True),
    "前天": (2, None),
    "this morning": (0, False),
    "this afternoon": (0, True),
    "this evening": (0, True),
    "tonight": (0, True),
    "today": (0, None),
    "yesterday": (1, None),
    "last night": (1, True),
}
_DAY = re.compile("|".join(sorted(map(re.escape, _DAYS), key=len, reverse=True)), re.IGNORECASE)
_LATER = re.compile(r"下午|晚上|傍晚|中午|pm|p\.m\.|afternoon|evening", re.IGNORECASE)
_CLOCK = re.compile(
    r"(?P<h>\d{1,2})\s*(?:[:：]\s*(?P<m>\d{2})|点\s*(?:(?P<half>半)|(?P<mm>\d{1,2})\s*分?)?|\s*(?=[ap]\.?m\b))",
    re.IGNORECASE,
)


def resolve(text: str, written: datetime) -> str | None:
    """The date (and time) `text` names, counted from `written` (the mail's local time), as
    "2026-11-23 09:05" or "2026-11-22"; None when it names no day relative to the mail."""
    day = _DAY.search(text)
    if not day:
        return None
    back, later = _DAYS[day.group(0).lower()]
    date = written.date() - timedelta(days=back)
    clock = _CLOCK.search(text, day.end()) or _CLOCK.search(text)
    if not clock:
        return date.isoformat()
    hour = int(clock.group("h"))
    minute = 30 if clock.group("half") else int(clock.group("m") or clock.group("mm") or 0)
    if (later or (later is None and _LATER.search(text))) and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        return date.isoformat()
    return f"{date.isoformat()} {hour:02d}:{minute:02d}"
