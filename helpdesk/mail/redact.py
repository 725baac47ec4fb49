"""Find and mask sensitive data (ID-card and bank-card numbers, mobile numbers, passwords, keys) in text.

Everything the helpdesk derives from a mail — ticket text, fields, mails to staff, digests,
CLI output, logs — is built from the masked message; only the raw bytes keep the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from helpdesk.mail.message import InboundMessage

# Numbers are written in groups: up to two spaces, dots, dashes or slashes between digits. Each
# number pattern is led by a look-ahead for its first character: most positions fail that alone.
_GAP = r"[ .\-/]{0,2}"
# An 18-digit resident ID (area, birth date, sequence, check digit: checked in code), or the
# old 15-digit form (area, YYMMDD, sequence); never part of a longer run of digits.
_ID18 = re.compile(r"(?=[1-9])(?<![0-9])[1-9](?:" + _GAP + r"\d){16}" + _GAP + r"[0-9Xx](?![0-9])")
_ID15 = re.compile(
    r"(?=[1-9])(?<![0-9])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9])"
)
# 16–19 digits, in any grouping (the Luhn check, in code, decides).
_CARD = re.compile(r"(?=\d)(?<![0-9])\d(?:" + _GAP + r"\d){15,18}(?![0-9])")
_MOBILE = re.compile(r"(?=[+81])(?<![0-9])(?:\+?86[ .\-]?)?1[3-9]\d(?:" + _GAP + r"\d){8}(?![0-9])")
# A dotted IPv4 address (198.51.100.164) has a mobile's digits but is no phone number.
_IPV4 = re.compile(
    r"(?<![0-9.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![0-9]|\.[0-9])"
)
# Full-width digits, letters and signs, and no-break spaces, read as what they look like.
_WIDTH = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
    0xFF0B: ord("+"),
    0xFF0D: ord("-"),
    0xFF0E: ord("."),
    0x00A0: ord(" "),
    0x3000: ord(" "),
}
# A secret after its label: 密码：abc, 密码是: abc, password = abc, Password - abc, 密码（abc）,
# token: abc, API key 为 abc. The value runs to the end of its words (up to four), so a
# password with a space or a comma is masked whole; masking a word too many is the safe side.
_LABEL = (
    r"(?:密码|密碼|口令|密钥|验证码|password|passwd|passcode|pwd|\bpass\b|\bpin\b|token|api[ _-]?key"
    r"|secret|access[ _-]?key)"
)
# Most text holds neither a secret's label nor a long run of digits, and is not searched for them:
# every _SECRET match holds one of these words (re.IGNORECASE also reads İ ı as i, ſ as s and the
# Kelvin sign as k), and every number pattern's match a run of 11 digits.
_LABEL_WORDS = (
    "密码",
    "密碼",
    "口令",
    "密钥",
    "验证码",
    "pass",
    "pwd",
    "pin",
    "token",
    "api",
    "secret",
    "access",
)
# Every _SECRET match starts with one of them: where a text's two characters cannot start one, the
# engine leaves the position after one test instead of trying every label.
_LABEL_START = (
    "(?=[" + "".join(sorted({w[0] for w in _LABEL_WORDS})) + "]"
    "[" + "".join(sorted({w[1] for w in _LABEL_WORDS})) + "])"
)
_SECRET = re.compile(
    _LABEL_START
    + _LABEL
    + r"(?P<sep>[ \t]{0,4}(?:(?:是|为|\bis\b)[ \t]{0,4}[:：=]?|[:：=]|[-–(（])[ \t]{0,4})"
    + r"(?P<value>[^\s，。;；、)）]{1,200}(?: [^\s，。;；、)）]{1,200}){0,3})",
    re.IGNORECASE,
)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----.{0,20000}?-----END (?:[A-Z]+ )?PRIVATE KEY-----", re.DOTALL
)
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
# Most text holds no character either table changes, and a search says so faster than translate.
_WIDE = re.compile("[" + "".join(re.escape(chr(code)) for code in _WIDTH) + "]")
_ODD_CASE = re.compile("[" + "".join(chr(code) for code in _FOLD) + "]")
_DIGIT_RUN = re.compile(r"\d(?:" + _GAP + r"\d){10}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# The headers people write in; the rest (Message-ID, Date, Received, DKIM…) are machine tokens
# whose digits only look like card numbers, and rewriting them would break threading.
_PERSON_HEADERS = frozenset(
    {"subject", "from", "to", "cc", "reply-to", "sender", "comments", "keywords", "organization"}
)


@dataclass(frozen=True)
class Redaction:
    """The masked text and the kinds of data found in it (id_card, bank_card, mobile, secret, key)."""

    text: str
    kinds: frozenset[str]


def id_checksum_ok(number: str) -> bool:
    """The GB 11643 check digit of an 18-digit resident ID."""
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def _birth_date_ok(number: str) -> bool:
    """Whether an 18-digit ID's birth date (digits 7–14) is a plausible date, 19xx or 20xx."""
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    return 1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _keep_ends(text: str, head: int, tail: int) -> str:
    """Star every digit (or X) but the first `head` and last `tail`, keeping separators."""
    positions = [i for i, c in enumerate(text) if c.isdigit() or c in "Xx"]
    hidden = set(positions[head : len(positions) - tail])
    return "".join("*" if i in hidden else c for i, c in enumerate(text))


def redact_text(text: str, extra: tuple[re.Pattern[str], ...] = ()) -> Redaction:
    """Mask what is sensitive in `text`; `extra` are the rules' own patterns (masked whole)."""
    if not text:
        return Redaction(text, frozenset())
    kinds: set[str] = set()

    def key(_found: re.Match[str]) -> str:
        kinds.add("key")
        return "-----PRIVATE KEY REMOVED-----"

    def secret(found: re.Match[str]) -> str:
        kinds.add("secret")
        return found.group(0)[: found.start("value") - found.start()] + "******"

    def id_card(found: re.Match[str]) -> str:
        number = re.sub(r"[^0-9Xx]", "", found.group(0))
        if len(number) == 18 and not (_birth_date_ok(number) and id_checksum_ok(number)):
            return found.group(0)
        kinds.add("id_card")
        return _keep_ends(found.group(0), 4, 4)

    def card(found: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", found.group(0))
        if not 16 <= len(digits) <= 19 or not luhn_ok(digits):
            return found.group(0)
        kinds.add("bank_card")
        return _keep_ends(found.group(0), 4, 4)

    def mobile(found: re.Match[str]) -> str:
        if _IPV4.fullmatch(found.group(0)):
            return found.group(0)
        kinds.add("mobile")
        return _keep_ends(found.group(0), len(re.sub(r"\D", "", found.group(0))) - 8, 4)

    masked = _PRIVATE_KEY.sub(key, text.translate(_WIDTH) if _WIDE.search(text) else text)
    folded = (masked.translate(_FOLD) if _ODD_CASE.search(masked) else masked).lower()
    if any(word in folded for word in _LABEL_WORDS):
        masked = _SECRET.sub(secret, masked)
    if _DIGIT_RUN.search(masked):
        masked = _ID18.sub(id_card, masked)
        masked = _CARD.sub(card, masked)
        masked = _ID15.sub(id_card, masked)
        masked = _MOBILE.sub(mobile, masked)
    for pattern in extra:
        masked, count = pattern.subn(lambda m: "*" * min(len(m.group(0)), 12), masked)
        if count:
            kinds.add("custom")
    return Redaction(masked, frozenset(kinds))


def masked_message(
    mail: InboundMessage, extra: tuple[re.Pattern[str], ...] = ()
) -> tuple[InboundMessage, frozenset[str]]:
    """`mail` with every derived text masked (subject, text, new text, HTML, the headers people
    write, attachment names), and the kinds found; the raw bytes are not touched."""
    kinds: set[str] = set()

    def mask(text: str) -> str:
        result = redact_text(text, extra)
        kinds.update(result.kinds)
        return result.text

    masked = replace(
        mail,
        subject=mask(mail.subject),
        text=mask(mail.text),
        new_text=mask(mail.new_text),
        html=mask(mail.html),
        headers=tuple(
            (name, mask(value) if name.lower() in _PERSON_HEADERS else value) for name, value in mail.headers
        ),
        attachments=tuple(
            replace(attachment, filename=mask(attachment.filename)) for attachment in mail.attachments
        ),
    )
    return masked, frozenset(kinds)
