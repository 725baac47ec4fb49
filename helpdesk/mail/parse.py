"""Turn raw mail bytes into an InboundMessage: MIME first, then every text decoded by its charset."""

from __future__ import annotations

import email
import email.utils
import re
from email.feedparser import BytesFeedParser
from email.message import Message
from email.policy import Policy, compat32

from helpdesk.errors import ParseError
from helpdesk.mail.addresses import AddressList, parse_address_headers, quoted_name
from helpdesk.mail.automatic import automatic_reason
from helpdesk.mail.charsets import decode_header_value
from helpdesk.mail.html import html_to_text, without_quotes
from helpdesk.mail.language import detect_language
from helpdesk.mail.limits import LimitExceeded, MailLimits
from helpdesk.mail.message import Address, InboundMessage
from helpdesk.mail.parts import declared_charsets, walk
from helpdesk.mail.reply import split_reply

_MSGID = re.compile(r"<([^<>\s]+)>")
# Shown decoded as whole strings, these would let an encoded name read as an address.
_ADDRESS_HEADERS = frozenset(
    {"from", "sender", "reply-to", "to", "cc", "bcc"}
    | {"resent-from", "resent-sender", "resent-to", "resent-cc"}
)
DEFAULT_LIMITS = MailLimits()
_OBSOLETE_NAME = re.compile(rb"^([!-9;-~]+)[ \t]+:", re.MULTILINE)
_INDENTED_FIRST = re.compile(rb"\A[ \t]+(?=[!-9;-~]+[ \t]*:)")
# The parser is fed the body this much at a time: fed whole, the stdlib's line buffer (a StringIO,
# four bytes per character) peaks at eight times the mail's size.
_FEED = 64 * 1024


def parse_message(
    raw: bytes,
    own_addresses: frozenset[str] = frozenset(),
    default_language: str = "zh",
    limits: MailLimits = DEFAULT_LIMITS,
) -> InboundMessage:
    """Parse `raw` (never decoded before MIME parsing) into an immutable InboundMessage.

    Raises ParseError when the bytes are not a mail at all, or when `From:` does not name
    exactly one readable address (the mail is then nobody's, never someone else's); broken
    parts, charsets and other headers become defects on the message instead. A mail over the
    size, header, depth or part limits raises LimitExceeded (a ParseError) before or while
    its MIME tree is built; text and HTML over their limits are cut, with a defect.
    """
    _check_size(raw, limits)
    if not raw or raw.isspace():
        raise ParseError("empty message")
    try:
        return _parse(raw, own_addresses, default_language, limits)
    except RecursionError as exc:
        raise ParseError("MIME parts nested too deeply to read") from exc


def _check_size(raw: bytes, limits: MailLimits) -> None:
    """Refuse, unread, a mail or a header block over its limit."""
    if len(raw) > limits.max_message_bytes:
        raise LimitExceeded(
            f"the mail is {len(raw)} bytes, over the limit of {limits.max_message_bytes}"
            " (limits.max_message_bytes); kept unparsed"
        )
    window = limits.max_header_bytes + 3
    ends = [found for found in (raw.find(b"\n\n", 0, window), raw.find(b"\n\r\n", 0, window)) if found >= 0]
    if not ends and len(raw) > limits.max_header_bytes:
        raise LimitExceeded(
            f"the header block is over the limit of {limits.max_header_bytes} bytes"
            " (limits.max_header_bytes); kept unparsed"
        )


def _mime_tree(raw: bytes, limits: MailLimits) -> Message:
    """The MIME tree of `raw`, fed to the parser a slice at a time after its mended header block;
    the body is never copied whole."""
    parser = BytesFeedParser(_Budget(limits).factory, policy=compat32)
    start = len(raw) - len(raw.removeprefix(b"\xef\xbb\xbf"))
    ends = [found for found in (raw.find(b"\n\n", start), raw.find(b"\n\r\n", start)) if found >= 0]
    end = min(ends) if ends else len(raw)
    parser.feed(_repair_head(raw[start:end]))
    for at in range(end, len(raw), _FEED):
        parser.feed(raw[at : at + _FEED])
    return parser.close()


def _repair_head(head: bytes) -> bytes:
    """The header block with its harmless damage mended: blanks before the first header go, and
    obsolete `From  :` (blanks before the colon, RFC 5322 §4.5) loses them (a UTF-8 BOM is cut
    before)."""
    return _OBSOLETE_NAME.sub(rb"\1:", _INDENTED_FIRST.sub(b"", head))


class _Budget:
    """Counts the MIME parts of one mail as the parser attaches them, and stops it at the limits."""

    def __init__(self, limits: MailLimits) -> None:
        self.limits = limits
        self.parts = 1

    def factory(self, policy: Policy = compat32) -> _Part:
        return _Part(self, policy)


class _Part(Message):
    """A MIME part that knows its depth; attaching one past a limit stops the parse."""

    def __init__(self, budget: _Budget, policy: Policy = compat32) -> None:
        super().__init__(policy)
        self.budget = budget
        self.depth = 0

    def attach(self, payload: Message) -> None:
        limits = self.budget.limits
        self.budget.parts += 1
        if self.budget.parts > limits.max_parts:
            raise LimitExceeded(f"more than {limits.max_parts} MIME parts (limits.max_parts)")
        if self.depth + 1 > limits.max_mime_depth:
            raise LimitExceeded(
                f"MIME parts nested deeper than {limits.max_mime_depth} (limits.max_mime_depth)"
            )
        if isinstance(payload, _Part):
            payload.depth = self.depth + 1
        super().attach(payload)


def _parse(
    raw: bytes, own_addresses: frozenset[str], default_language: str, limits: MailLimits
) -> InboundMessage:
    root = _mime_tree(raw, limits)
    if not root.keys():
        raise ParseError("no mail headers found")
    defects = _defects(root)
    hints = declared_charsets(root)
    # Each address header's value parsed once: for the mailboxes and for the header as shown.
    read = {
        str(value): parse_address_headers([str(value)], hints)
        for name, value in root.raw_items()
        if name.lower() in _ADDRESS_HEADERS
    }
    lists = {name: _address_list(root, name, read) for name in _ADDRESS_HEADERS}
    sender = _sender(lists["from"])
    for name in ("reply-to", "sender", "to", "cc"):
        defects.extend(f"{name} header: {problem}" for problem in lists[name].problems)
    # Every top-level header, decoded: rules may test any of them. Address headers are shown
    # as the parsed mailboxes, each name quoted, so a name never reads as an address.
    headers = tuple(
        (name, _shown(read[str(value)]) if name.lower() in lists else decode_header_value(value, hints))
        for name, value in root.raw_items()
    )

    def header(name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in headers if k.lower() == wanted), None)

    subject = header("Subject") or ""
    plain, html, attachments = walk(root, defects, hints)
    plain = _cut(plain, limits.max_body_chars, "text", defects, "limits.max_body_chars")
    html = _cut_html(html, limits.max_html_bytes, defects)
    if plain.strip():
        text = new_text = plain
    else:
        # An HTML-only reply's quote is known by its markup, which the text no longer shows.
        text, new_text = html_to_text(html), html_to_text(without_quotes(html))
        text = _cut(text, limits.max_body_chars, "text of the HTML", defects, "limits.max_body_chars")
        new_text = new_text[: limits.max_body_chars]
    new_text = split_reply(new_text)
    message_id = _first_id(header("Message-ID"))
    return InboundMessage(
        message_id=message_id,
        subject=subject,
        sender=sender,
        to=lists["to"].addresses,
        cc=lists["cc"].addresses,
        reply_to=lists["reply-to"].addresses,
        date=_date(header("Date"), defects),
        in_reply_to=tuple(_MSGID.findall(header("In-Reply-To") or "")),
        references=tuple(_MSGID.findall(header("References") or "")),
        text=text.strip(),
        new_text=new_text,
        html=html,
        attachments=tuple(attachments),
        headers=headers,
        defects=tuple(defects),
        language=detect_language(f"{subject}\n{new_text or text}", default_language),
        auto_reason=automatic_reason(
            header,
            root.get_content_type(),
            sender.email,
            subject,
            own_addresses,
            body=new_text or text,
        ),
    )


def _cut(text: str, limit: int, what: str, defects: list[str], setting: str) -> str:
    """`text` cut to `limit` characters, with a defect saying so when it was longer."""
    if len(text) <= limit:
        return text
    defects.append(f"{what} cut to {limit} of {len(text)} characters ({setting}); the raw mail is kept whole")
    return text[:limit]


def _cut_html(html: str, limit: int, defects: list[str]) -> str:
    """`html` cut to at most `limit` bytes of UTF-8 (whole characters), before it is converted."""
    if len(html) <= limit // 4:  # four bytes at most per character: surely within the limit
        return html
    data = html[:limit].encode("utf-8", "surrogatepass")  # never more characters than the limit
    if len(html) <= limit and len(data) <= limit:
        return html
    defects.append(
        f"HTML of {len(html)} characters cut to {limit} bytes before conversion (limits.max_html_bytes);"
        " the raw mail is kept whole"
    )
    return data[:limit].decode("utf-8", "ignore")


def _first_id(value: str | None) -> str:
    if not value:
        return ""
    found = _MSGID.search(value)
    return found.group(1) if found else value.strip().strip("<>")


def _address_list(root: Message, name: str, read: dict[str, AddressList]) -> AddressList:
    """The mailboxes of every `name` header, from each raw value as `read` (before any decoding)."""
    found = [read[str(v)] for k, v in root.raw_items() if k.lower() == name]
    return AddressList(
        tuple(a for one in found for a in one.addresses), tuple(p for one in found for p in one.problems)
    )


def _sender(found: AddressList) -> Address:
    """The one author `From:` names; anything else is a ParseError naming the From header."""
    if found.problems:
        raise ParseError(f"unreadable From header: {'; '.join(found.problems)}")
    authors = {a.email: a for a in found.addresses}
    if not authors:
        raise ParseError("the From header is missing or names no address")
    if len(authors) > 1:
        raise ParseError(f"the From header names {len(authors)} addresses: {', '.join(authors)}")
    return found.addresses[0]


def _shown(found: AddressList) -> str:
    return ", ".join(quoted_name(a) for a in found.addresses)


def _date(value: str | None, defects: list[str]):
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):  # 99999999999: no date, as if missing
        defects.append(f"unreadable Date header: {value!r}")
        return None


def _defects(root: Message) -> list[str]:
    """What the stdlib parser found wrong in each part, as "content-type: Defect: description"."""
    return [
        f"{part.get_content_type()}: {type(defect).__name__}: {defect.__doc__}"
        for part in root.walk()
        for defect in part.defects
    ]
