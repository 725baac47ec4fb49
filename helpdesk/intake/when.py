"""Times as customers write them, found and resolved to a day (and a time) against the mail's date.

"昨天下午三点左右", "上周五", "下午两点半", "since Monday", "11/20/2026 3:45 PM", "today 10:30",
"2026年11月23日 上午9点": `WHEN` finds them; `resolve` turns what was written into
"YYYY-MM-DD HH:MM" (or "YYYY-MM-DD" when no time of day was given) against a reference moment,
the mail's Date in the desk's time zone.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_NUMERAL = "零〇一二两三四五六七八九十"
_HOUR = rf"(?:\d{{1,2}}|[{_NUMERAL}]{{1,3}})"
_PERIOD = r"(?:上午|下午|晚上|早上|早晨|中午|凌晨|傍晚|夜里|半夜|晚)"
_ABOUT = r"(?:左右|前后|多|许)?"
_AMPM = r"(?:\s*+[ap]\.?m\b\.?)"
_CLOCK = (
    rf"(?:\s*+{_PERIOD}?\s*+{_HOUR}(?:[:：]\d{{2}}(?::\d{{2}})?|\s*+[点點时時](?:\s*+(?:半|一刻|三刻|"
    rf"(?:\d{{1,2}}|[{_NUMERAL}]{{1,3}})\s*+分?))?){_ABOUT}{_AMPM}?)"
)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*+\.?"
_WEEKDAYS = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
# After a day: "at 3", "around 3:45 pm", " 10:30", " 3pm"; never a bare number ("yesterday, 3 users").
_EN_CLOCK = (
    r"(?:,?\s*+(?:(?:at|around|about|~)\s*+\d{1,2}(?:[:.]\d{2})?|\d{1,2}[:.]\d{2}(?!\d)|\d{1,2}(?=\s*+[ap]\.?m\b))"
    r"(?:\s*+[ap]\.?m\b\.?)?)"
)
_EN_PART = r"(?:\s++(?:morning|afternoon|evening|night))"
_ZH_DAY = (
    r"(?:今天|昨天|前天|今早|今晨|今晚|昨晚|昨夜|刚才|刚刚"
    r"|(?:上|本|这|下个?)?(?:周|星期|礼拜)[一二三四五六日天])"
)
# "半小时前", "两个多小时前", "三天前"; "2 hours ago", "half an hour ago".
_ZH_AGO = r"(?:\d{1,3}|[一二两三四五六七八九十半]{1,3})\s*+个?半?多?\s*+(?:分钟|小时|钟头|天|周|星期)之?前"
_EN_AGO = (
    r"\b(?:\d{1,3}|an?|one|two|three|four|five|six|half an?)\s++(?:minutes?|mins?|hours?|hrs?|days?|weeks?)"
    r"\s++ago\b"
)
# Every way of writing a time; each starts with a digit or one of _STARTS (see WHEN).
FORMS = (
    rf"\d{{4}}\s*+[-/.年]\s*+\d{{1,2}}\s*+[-/.月]\s*+\d{{1,2}}(?![\d.])\s*+[日号]?{_CLOCK}?",
    rf"\b\d{{1,2}}/\d{{1,2}}/\d{{4}}\b(?:\s*+\d{{1,2}}:\d{{2}}{_AMPM}?)?",
    rf"\d{{1,2}}\s*+月\s*+\d{{1,2}}\s*+[日号]?(?:\s*+{_PERIOD})?{_CLOCK}?",
    rf"{_ZH_DAY}(?:\s*+{_PERIOD})?{_CLOCK}?",
    rf"{_PERIOD}{_CLOCK}",
    r"(?:上个?|本|这个?)?(?:月底|月末|年底|年末)",
    _ZH_AGO,
    _EN_AGO,
    rf"\b{_MONTHS}\s++\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s++\d{{4}})?{_EN_CLOCK}?",
    rf"\b\d{{1,2}}\s++{_MONTHS}\s++\d{{4}}{_EN_CLOCK}?",
    r"\b(?:at|around|about)\s++\d{1,2}(?:[:.]\d{2})?(?:\s*+[ap]\.?m\b\.?)?\s++"
    r"(?:this (?:morning|afternoon|evening)|yesterday(?: morning| afternoon| evening)?"
    r"|today|last night|tonight)",
    rf"\b(?:today|yesterday|tonight|just now|last night|this (?:morning|afternoon|evening))"
    rf"{_EN_PART}?{_EN_CLOCK}?",
    rf"\b(?:since|on|last|this|from|after|next)\s++{_WEEKDAYS}(?:'s)?{_EN_PART}?{_EN_CLOCK}?",
    rf"\b\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?!\d){_AMPM}?",
    r"\b\d{1,2}\s*+[ap]\.?m\b\.?",
)
# The first characters of FORMS: led by a look-ahead for them, WHEN leaves most of a text's
# positions after one test instead of trying every form (the same matches, several times faster).
_STARTS = r"\d今昨前刚上本这下周星礼晚早中凌傍夜半月年一二两三四五六七八九十adfhjlmnosty"
WHEN = re.compile(rf"(?=[{_STARTS}])(?:{'|'.join(FORMS)})", re.IGNORECASE)
# Words that make a date a deadline or a wish rather than when something happened.
FUTURE = re.compile(
    r"(?:上线|完成|交付|截止|期望|希望|要求|计划|预计|之前|以前|前完成|到期|续费|最晚|最迟|不晚于|deadline"
    r"|go[- ]?live"
    r"|launch|due"
    r"|needed by|target|release|deliver)",
    re.IGNORECASE,
)

_YMD = re.compile(r"(\d{4})\s*+[-/.年]\s*+(\d{1,2})\s*+[-/.月]\s*+(\d{1,2})")
_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_MD = re.compile(r"(\d{1,2})\s*+月\s*+(\d{1,2})")
_EN_MD = re.compile(rf"({_MONTHS})\s++(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s++(\d{{4}}))?", re.I)
_EN_DM = re.compile(rf"(\d{{1,2}})\s++({_MONTHS})\s++(\d{{4}})", re.I)
_AGO = re.compile(
    r"(\d{1,3}|[一二两三四五六七八九十半]{1,3}|an?|one|two|three|four|five|six|half an?)\s*+个?(半)?多?\s*+"
    r"(分钟|小时|钟头|天|周|星期|minutes?|mins?|hours?|hrs?|days?|weeks?)",
    re.I,
)
_EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_UNIT_MINUTES = {"分钟": 1, "小时": 60, "钟头": 60, "天": 1440, "周": 10080, "星期": 10080}
_UNIT_MINUTES |= {"min": 1, "hou": 60, "hrs": 60, "hr": 60, "day": 1440, "wee": 10080}
_PERIOD_END = re.compile(r"(上个?|本|这个?)?(月底|月末|年底|年末)")
_ZH_WEEKDAY = re.compile(r"(上|本|这|下)?个?(?:周|星期|礼拜)([一二三四五六日天])")
_EN_WEEKDAY = re.compile(rf"(since|on|last|this|from|after|next)\s++({_WEEKDAYS})", re.I)
_OFFSETS = (
    (re.compile(r"前天"), -2),
    (re.compile(r"昨天|昨晚|昨夜|\byesterday\b|\blast night\b", re.I), -1),
    (
        re.compile(
            r"今天|今早|今晨|今晚|刚才|刚刚|\btoday\b|\btonight\b|\bjust now\b"
            r"|\bthis (?:morning|afternoon|evening)\b",
            re.I,
        ),
        0,
    ),
)
_NOW = re.compile(r"刚才|刚刚|\bjust now\b", re.I)
_COLON_CLOCK = re.compile(r"(\d{1,2})[:：](\d{2})")
_ZH_CLOCK = re.compile(
    rf"({_HOUR})\s*+[点點时時](?:\s*+(?:(半)|(一刻)|(三刻)|(\d{{1,2}}|[{_NUMERAL}]{{1,3}})\s*+分?))?"
)
_EN_HOUR = re.compile(r"\b(\d{1,2})(?:\.(\d{2}))?\s*+([ap])\.?m\b", re.I)
_AT_HOUR = re.compile(r"\b(?:at|around|about)\s++(\d{1,2})\b(?![:.]\d)", re.I)
_PM = re.compile(
    r"下午|傍晚|晚上|夜里|今晚|昨晚|昨夜|(?<![凌早])晚|(?<![a-z])p\.?m\b|afternoon|evening|tonight|night",
    re.I,
)
_AM = re.compile(r"(?<![a-z])a\.?m\b", re.I)
_NOON = re.compile(r"中午")
_MONTH_NUMBERS = {
    name: n
    for n, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_WEEKDAY_NUMBERS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}


def chinese_number(text: str) -> int | None:
    """'三' → 3, '十五' → 15, '二十' → 20, '两' → 2, '12' → 12; None when it is no number."""
    if text.isdigit():
        return int(text)
    digits = {c: n for n, c in enumerate("零一二三四五六七八九")} | {"两": 2, "〇": 0}
    if "十" not in text:
        return digits.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if (tens and tens not in digits) or (ones and ones not in digits):
        return None
    return (digits[tens] if tens else 1) * 10 + (digits[ones] if ones else 0)


def resolve(written: str, reference: datetime, future: bool = False) -> str | None:
    """What `written` means as "YYYY-MM-DD HH:MM" (or the day alone), against `reference` (local).

    A month and day without a year, or a time without a day, is the most recent such moment
    not after the reference (or, with `future`, the next one not before it). None when the
    text names neither a day nor a time of day.
    """
    if ago := _ago(written):
        moment = reference - ago
        return f"{moment:%Y-%m-%d %H:%M}" if ago < timedelta(days=1) else f"{moment:%Y-%m-%d}"
    day = _day(written, reference.date(), future)
    clock = _clock(written)
    if clock is None and _NOW.search(written):
        clock = (reference.hour, reference.minute)
    if day is None and clock is None:
        return None
    if day is None:
        day = reference.date()
        moment = datetime.combine(day, datetime.min.time()).replace(hour=clock[0], minute=clock[1])
        if moment > reference.replace(tzinfo=None) + timedelta(minutes=5):
            day -= timedelta(days=1)
    return f"{day:%Y-%m-%d} {clock[0]:02d}:{clock[1]:02d}" if clock else f"{day:%Y-%m-%d}"


def _ago(written: str) -> timedelta | None:
    """How long ago "半小时前" / "2 hours ago" / "三天前" says it was, or None."""
    found = _AGO.search(written)
    if found is None:
        return None
    count, half, unit = found.group(1).lower(), found.group(2), found.group(3).lower()
    if count.startswith("half") or count == "半":
        number = 0.5
    else:
        number = (_EN_NUMBERS.get(count) or chinese_number(count) or 0) + (0.5 if half else 0)  # 一个半小时
    return timedelta(minutes=number * _UNIT_MINUTES[unit[:3]])


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _nearest(month: int, day: int, today: date, future: bool) -> date | None:
    """The month-day in this year, or the one before (after, for a wish) when that is nearer."""
    found = _valid(today.year, month, day)
    if found is None:
        return None
    if not future and found > today + timedelta(days=1):
        return _valid(today.year - 1, month, day)
    if future and found < today - timedelta(days=1):
        return _valid(today.year + 1, month, day)
    return found


def _day(written: str, today: date, future: bool) -> date | None:
    if found := _YMD.search(written):
        return _valid(*(int(part) for part in found.groups()))
    if found := _US.search(written):
        month, day, year = (int(part) for part in found.groups())
        return _valid(year, month, day) or _valid(year, day, month)
    if found := _MD.search(written):
        return _nearest(int(found.group(1)), int(found.group(2)), today, future)
    if found := _EN_MD.search(written):
        month = _MONTH_NUMBERS[found.group(1)[:3].lower()]
        if found.group(3):
            return _valid(int(found.group(3)), month, int(found.group(2)))
        return _nearest(month, int(found.group(2)), today, future)
    if found := _EN_DM.search(written):
        return _valid(int(found.group(3)), _MONTH_NUMBERS[found.group(2)[:3].lower()], int(found.group(1)))
    for pattern, offset in _OFFSETS:
        if pattern.search(written):
            return today + timedelta(days=offset)
    if found := _PERIOD_END.search(written):
        return _period_end(found.group(1) or "", found.group(2), today)
    if found := _ZH_WEEKDAY.search(written):
        return _weekday(_WEEKDAY_NUMBERS[found.group(2)], found.group(1) or "", today, future)
    if found := _EN_WEEKDAY.search(written):
        number = ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(found.group(2)[:3].lower())
        which = {"this": "本", "next": "下"}.get(found.group(1).lower(), "")
        return _weekday(number, which, today, future)
    return None


def _period_end(which: str, period: str, today: date) -> date:
    """月底: the last day of this month (上个月底: of the last one); 年底: December 31st."""
    if period in ("年底", "年末"):
        return date(today.year - (1 if which.startswith("上") else 0), 12, 31)
    first = today.replace(day=1)
    if which.startswith("上"):
        return first - timedelta(days=1)
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _weekday(number: int, which: str, today: date, future: bool) -> date:
    """上周五: last week's Friday; 本周五 this week's; 下周五 next week's; 周五, since Friday: the latest."""
    monday = today - timedelta(days=today.weekday())
    if which in ("上", "下"):
        return monday + timedelta(days=(-7 if which == "上" else 7) + number)
    if which in ("本", "这"):
        return monday + timedelta(days=number)
    back = (today.weekday() - number) % 7
    return today + timedelta(days=(7 - back) % 7) if future else today - timedelta(days=back)


def _clock(written: str) -> tuple[int, int] | None:
    hour, minute = _hour_minute(written)
    if hour is None:
        return None
    if (_PM.search(written) and hour < 12) or (_NOON.search(written) and hour < 11):
        hour += 12
    elif _AM.search(written) and hour == 12:
        hour = 0
    return (hour, minute) if hour < 24 and minute < 60 else None


def _hour_minute(written: str) -> tuple[int | None, int]:
    if found := _COLON_CLOCK.search(written):
        return int(found.group(1)), int(found.group(2))
    if found := _ZH_CLOCK.search(written):
        hour = chinese_number(found.group(1))
        half, quarter, three_quarters, minutes = found.group(2, 3, 4, 5)
        minute = 30 if half else 15 if quarter else 45 if three_quarters else 0
        if minutes:
            minute = chinese_number(minutes) or 0
        return hour, minute
    if found := _EN_HOUR.search(written):
        return int(found.group(1)), int(found.group(2) or 0)
    if found := _AT_HOUR.search(written):
        return int(found.group(1)), 0
    return None, 0
