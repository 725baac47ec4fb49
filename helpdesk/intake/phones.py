"""Phone numbers in a report (mobiles, landlines with their area code, international numbers), masked.

A mobile is masked exactly as `helpdesk.mail.redact` masks it everywhere else (the text the
reader sees has been masked already; a raw one is masked here); any other number the same way:
its leading digits and the last four kept, the four before them starred ("010-****5678").
"""

from __future__ import annotations

import re

from helpdesk.mail.redact import redact_text

_MOBILE = r"(?:\+?86[ \-]?)?1[3-9]\d(?:[ \-]{0,2}[\d*]){8}"
# A landline shows its area code: "010-62345678", "(0571) 87654321"; after a label also "01062345678".
_LANDLINE = r"(?:\(0\d{2,3}\)\s*+|0\d{2,3}-)[2-9*][\d*]{6,7}(?:\s*+(?:-|转|ext\.?)\s*+\d{1,5})?"
_PLAIN_LANDLINE = r"0\d{2,3}[ ]?[2-9][\d]{6,7}"
_INTERNATIONAL = r"\+\d{1,3}(?:[ .\-()]{1,2}[\d*]{1,4}){2,4}"
# Never part of a longer number, an IP address or a decimal ("198.51.100.64", "137.418").
_BEFORE, _AFTER = r"(?<![\w*+.])", r"(?![\d*]|[.,]\d)"
PHONE = re.compile(rf"{_BEFORE}(?:{_MOBILE}|{_LANDLINE}|{_PLAIN_LANDLINE}|{_INTERNATIONAL}){_AFTER}", re.I)
# Without a label (a signature line) only what cannot be another number: a mobile, a landline so written.
SIGNED = re.compile(rf"{_BEFORE}(?:{_MOBILE}|{_LANDLINE}){_AFTER}", re.I)
# An international number on a signature line of its own ("+44 20 7946 0958", "M: +1 415 555 0134").
_OWN_LINE = re.compile(rf"^\s*+(?:[A-Za-z]{{1,6}}\.?\s*+[:：]?\s*+)?({_INTERNATIONAL})\s*+$")
_SHORTEST = 8


def find_phone(line: str, pattern: re.Pattern[str] = SIGNED) -> str | None:
    """The first phone number in `line`, masked; a label's value may be any shape (`PHONE`)."""
    own_line = _OWN_LINE.match(line) if pattern is SIGNED else None
    numbers = [own_line.group(1)] if own_line else [found.group(0) for found in pattern.finditer(line)]
    for number in numbers:
        if sum(char.isdigit() or char == "*" for char in number) >= _SHORTEST:
            return mask_phone(number)
    return None


def mask_phone(number: str) -> str:
    """`number` masked: a mobile by the redaction's own rule, else the four digits before the last four."""
    masked = redact_text(number)
    if "mobile" in masked.kinds or "*" in number:
        return masked.text
    places = [index for index, char in enumerate(number) if char.isdigit()]
    hidden = set(places[-8:-4])
    return "".join("*" if index in hidden else char for index, char in enumerate(number))
