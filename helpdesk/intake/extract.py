"""Find a report's fields in the customer's own words: labelled values, dates, versions, errors, steps.

Each kind has a value pattern. A label ("版本", "Version", "错误提示") followed by a value of
the right shape counts wherever it stands in a line, so "版本 3.2.1，出错时间今天 9:05" gives
two fields. Without a label, dates, version numbers, quoted error messages and numbered
steps are recognised on their own; a field we asked for is read more generously.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from helpdesk.mail.message import InboundMessage
from helpdesk.rules.schema import FieldDef

_PERIOD = r"(?:上午|下午|晚上|早上|中午|凌晨|傍晚|夜里)"
_CLOCK = (
    rf"(?:\s*+{_PERIOD}?\s*+\d{{1,2}}(?:[:：]\d{{2}}(?::\d{{2}})?|[点时](?:\d{{1,2}}分?|半)?)"
    r"(?:\s*+[ap]\.?m\.?)?)"
)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATETIME = re.compile(
    "|".join(
        [
            rf"\d{{4}}\s*+[-/.年]\s*+\d{{1,2}}\s*+[-/.月]\s*+\d{{1,2}}\s*+[日号]?{_CLOCK}?",
            rf"\d{{1,2}}\s*+月\s*+\d{{1,2}}\s*+[日号]{_CLOCK}?",
            rf"(?:今天|昨天|前天|今早|今晚|昨晚|刚才|刚刚|上周[一二三四五六日天]?|周[一二三四五六日天]"
            rf"|星期[一二三四五六日天])(?:\s*+{_PERIOD})?{_CLOCK}?",
            rf"{_PERIOD}{_CLOCK}",
            rf"\b{_MONTHS}\s++\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s++\d{{4}})?"
            r"(?:,?\s*+(?:at\s++)?\d{1,2}[:.]\d{2}\s*+(?:[ap]m)?)?",
            rf"\b\d{{1,2}}\s++{_MONTHS}\s++\d{{4}}",
            r"\b(?:today|yesterday|this morning|this afternoon|this evening|last night|tonight)"
            r"(?:\s++(?:at|around)\s++\d{1,2}(?::\d{2})?\s*+(?:[ap]m)?)?",
            r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*+[ap]\.?m\.?)?",
        ]
    ),
    re.IGNORECASE,
)
# A full stop may end the sentence after a version ("Version 4.1."), but not another digit group.
VERSION = re.compile(r"(?<![\w.])[vV]?\d+(?:\.\d+){1,3}(?:[-_.]?(?:beta|rc|build|sp)\s*+\d*)?(?!\w|\.\d)")
_THREE_PART = re.compile(
    r"(?<![\w.])[vV]?\d+\.\d+\.\d+(?:[-.]\w+)?(?![\w.])|(?<![\w.])v\d+(?:\.\d+)+(?![\w.])"
)
_IPV4 = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
# The text between quotes cannot hold a closing quote, so giving characters back never helps: possessive.
_QUOTED = re.compile(r"[“\"「『‘']([^”\"」』’'\n]{2,300}+)[”\"」』’']")
_ERROR_WORDS = re.compile(
    r"提示|报错|错误|出错|失败|异常|显示|弹出|error|fail|exception|denied|invalid|timeout", re.I
)
_ERROR_TEXT = re.compile(
    r"\b\w*(?:Exception|Error)\b(?:\s*+\d{3})?\s*+[:：]\s*+\S.*"
    r"|\b(?:HTTP\s*+)?(?:4\d\d|5\d\d)\s++[A-Z][\w ]+|"
    r"\b(?:ORA|ERR|E)-?\d{3,}\b.*",
)
_STEP = re.compile(
    r"^\s*+(?:\d{1,2}\s*+[.、)）]|[（(]\d{1,2}[)）]|第[一二三四五六七八九十]++步|步骤\s*+\d+|step\s*+\d+\s*+[:.：]?)\s*+\S",
    re.IGNORECASE,
)
_NEXT_LABEL = re.compile(r"^\s*+[^\s:：]{1,16}\s*+[:：]")
# Possessive spaces: "版本" followed by 40,000 spaces is read once, not once per way of splitting them.
_SEPARATOR = r"\s*+(?:[:：]|是|为|在)?\s*+"
_AFTER_COLON = re.compile(r"\s*+[:：]\s*+(.*)$")
_LABELLED_VERSION = re.compile(_SEPARATOR + r"(" + VERSION.pattern + r")")
_LABELLED_DATETIME = re.compile(_SEPARATOR + r"(?:是|在|为)?\s*+(" + DATETIME.pattern + r")", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """A field value and where it came from: the line of the text (1-based), or an attachment."""

    value: str
    line: int
    source: str = "text"


def extract_fields(
    fields: dict[str, FieldDef],
    text: str,
    attachment_names: list[str],
    asked: frozenset[str] = frozenset(),
) -> dict[str, Found]:
    """Every field of `fields` that `text` (the customer's new words) or an attachment gives."""
    lines = text.replace("\r\n", "\n").split("\n")
    found: dict[str, Found] = {}
    for name, field in fields.items():
        hit = _labelled(field, lines) or _unlabelled(field, lines, name in asked)
        if hit is None:
            hit = _attachment(field, attachment_names)
        if hit is not None:
            found[name] = hit
    missing_asked = [name for name in asked if name not in found]
    if len(missing_asked) == 1 and len(asked) == 1 and text.strip() and len(text) <= 500:
        # One question, one short answer without a label: the answer is the whole reply.
        name = missing_asked[0]
        if fields[name].kind in ("text", "error", "steps"):
            found[name] = Found(text.strip(), 1)
    return found


def _label_pattern(field: FieldDef) -> re.Pattern | None:
    if not field.labels:
        return None
    labels = sorted(field.labels, key=len, reverse=True)
    words = "|".join(
        rf"(?<![a-z]){re.escape(label)}(?![a-z])" if label.isascii() else re.escape(label) for label in labels
    )
    return re.compile(rf"(?:{words})", re.IGNORECASE)


def _labelled(field: FieldDef, lines: list[str]) -> Found | None:
    pattern = _label_pattern(field)
    if pattern is None:
        return None
    for number, line in enumerate(lines, 1):
        for match in pattern.finditer(line):
            value = _value_after_label(field, line, match.end(), lines, number)
            if value:
                return Found(value, number)
    return None


def _value_after_label(field: FieldDef, line: str, at: int, lines: list[str], number: int) -> str | None:
    """The value right after a label ending at `at` in `line` (matched in place: never copied per label)."""
    if field.kind == "version":
        found = _LABELLED_VERSION.match(line, at)
        return found.group(1) if found else None
    if field.kind == "datetime":
        found = _LABELLED_DATETIME.match(line, at)
        return found.group(1).strip() if found else None
    colon = _AFTER_COLON.match(line, at)
    if colon is None:
        return None
    value = colon.group(1).strip()
    if field.kind in ("text", "steps") and not value:
        # The value is the block below the label: numbered lines for steps; for text, lines
        # up to a blank one or the next "label: value" line.
        block = []
        for following in lines[number:]:
            ends = not following.strip() or (
                _STEP.match(following) is None if field.kind == "steps" else _NEXT_LABEL.match(following)
            )
            if ends:
                break
            block.append(following.strip())
        value = "\n".join(block)
    if field.kind == "error":
        quoted = _QUOTED.search(value)
        value = quoted.group(1) if quoted else value
    return value.strip(" 。.;；") or None


def _unlabelled(field: FieldDef, lines: list[str], asked: bool) -> Found | None:
    for number, line in enumerate(lines, 1):
        value = None
        if field.kind == "datetime":
            found = DATETIME.search(line)
            value = found.group(0).strip() if found else None
        elif field.kind == "version":
            found = (VERSION if asked else _THREE_PART).search(line)
            value = found.group(0) if found and not _IPV4.match(found.group(0)) else None
        elif field.kind == "error":
            value = _error_in(line)
        if value:
            return Found(value, number)
    if field.kind == "steps":
        return _numbered_steps(lines)
    return None


def _error_in(line: str) -> str | None:
    quoted = _QUOTED.search(line)
    if quoted and _ERROR_WORDS.search(line):
        return quoted.group(1).strip()
    found = _ERROR_TEXT.search(line)
    return found.group(0).strip(" 。.") if found else None


def _numbered_steps(lines: list[str]) -> Found | None:
    """Two or more consecutive numbered lines ("1. 打开月报", "2、点击导出")."""
    start, run = 0, []
    for number, line in enumerate(lines, 1):
        if _STEP.match(line):
            if not run:
                start = number
            run.append(line.strip())
        elif run and line.strip():
            if len(run) >= 2:
                break
            run = []
    return Found("\n".join(run), start) if len(run) >= 2 else None


def _attachment(field: FieldDef, names: list[str]) -> Found | None:
    matches = [n for n in names if any(fnmatch.fnmatch(n.lower(), g.lower()) for g in field.attachments)]
    return Found(", ".join(matches), 0, "attachment") if matches else None


def read_report(
    fields: dict[str, FieldDef], mail: InboundMessage, asked: frozenset[str] = frozenset()
) -> dict[str, Found]:
    """The fields a mail gives: its sender's new text (never the quoted history) and attachments."""
    return extract_fields(fields, mail.new_text or mail.text, [a.filename for a in mail.attachments], asked)
