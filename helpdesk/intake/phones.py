"""Phone numbers in a report (mobiles, landlines with their area code, international numbers), masked.

A mobile is masked exactly as `helpdesk.mail.redact` masks it everywhere else (the text the
reader sees has been masked already; a raw one is masked here); any other number the same way:
its leading digits and the last four kept, the four before them starred ("010-****5678").
"""

from __future__ import annotations

import re

from helpdesk.mail.redact import redact_text

_MOBILE = r"(?:\+?86[ .\-]?)?1[3-9]\d(?:[ .\-/]{0,2}[\d*]){8}"
_LANDLINE = r"\(?0\d{2,3}\)?[ .\-]?[2-9*][\d*]{6,7}(?:\s*+(?:-|转|ext\.?)\s*+\d{1,5})?"
_INTERNATIONAL = r"\+\d{1,3}(?:[ .\-()]{1,2}[\d*]{1,4}){2,4}"
PHONE = re.compile(rf"(?<![\w*+])(?:{_MOBILE}|{_LANDLINE}|{_INTERNATIONAL})(?![\d*])", re.IGNORECASE)


def find_phone(line: str) -> str | None:
    """The first phone number in `line`, masked."""
    found = PHONE.search(line)
    return mask_phone(found.group(0)) if found else None


def mask_phone(number: str) -> str:
    """`number` masked: a mobile by the redaction's own rule, else the four digits before the last four."""
    masked = redact_text(number)
    if "mobile" in masked.kinds or "*" in number:
        return masked.text
    places = [index for index, char in enumerate(number) if char.isdigit()]
    hidden = set(places[-8:-4])
    return "".join("*" if index in hidden else char for index, char in enumerate(number))
