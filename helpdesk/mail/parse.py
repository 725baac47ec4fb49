"""Turn raw mail bytes into an InboundMessage: MIME first, then every text decoded by its charset."""

from __future__ import annotations

import email
import email.utils
import mimetypes
import re
from email.message import Message

import mailparser
from mailparser.exceptions import MailParserError

from helpdesk.errors import ParseError
from helpdesk.mail.addresses import AddressList, parse_address_headers, quoted_name
from helpdesk.mail.automatic import automatic_reason
from helpdesk.mail.charsets import decode_bytes, decode_header_value
from helpdesk.mail.html import html_to_text, without_quotes
from helpdesk.mail.language import detect_language
from helpdesk.mail.message import Address, Attachment, InboundMessage
from helpdesk.mail.reply import split_reply

_MSGID = re.compile(r"<([^<>\s]+)>")
# Shown decoded as whole strings, these would let an encoded name read as an address.
_ADDRESS_HEADERS = frozenset(
    {"from", "sender", "reply-to", "to", "cc", "bcc"}
    | {"resent-from", "resent-sender", "resent-to", "resent-cc"}
)


def parse_message(
    raw: bytes, own_addresses: frozenset[str] = frozenset(), default_language: str = "zh"
) -> InboundMessage:
    """Parse `raw` (never decoded before MIME parsing) into an immutable InboundMessage.

    Raises ParseError when the bytes are not a mail at all, or when `From:` does not name
    exactly one readable address (the mail is then nobody's, never someone else's); broken
    parts, charsets and other headers become defects on the message instead.
    """
    if not raw or not raw.strip():
        raise ParseError("empty message")
    try:
        return _parse(raw, own_addresses, default_language)
    except RecursionError as exc:
        raise ParseError("MIME parts nested too deeply to read") from exc


def _parse(raw: bytes, own_addresses: frozenset[str], default_language: str) -> InboundMessage:
    try:
        parsed = mailparser.parse_from_bytes(raw)
        root: Message = parsed.message
        defects = [str(d) for d in _flatten_defects(parsed.defects)]
    except MailParserError as exc:
        raise ParseError(f"cannot parse MIME structure: {exc}") from exc
    except (AttributeError, ValueError, TypeError, LookupError) as exc:
        # mail-parser trips over some broken epilogues; the stdlib tree is still readable.
        root = email.message_from_bytes(raw)
        defects = [f"mail-parser failed ({type(exc).__name__}: {exc}); read by the stdlib"]
    if not root.keys():
        raise ParseError("no mail headers found")
    lists = {name: _address_list(root, name) for name in _ADDRESS_HEADERS}
    sender = _sender(lists["from"])
    for name in ("reply-to", "sender", "to", "cc"):
        defects.extend(f"{name} header: {problem}" for problem in lists[name].problems)
    # Every top-level header, decoded: rules may test any of them. Address headers are shown
    # as the parsed mailboxes, each name quoted, so a name never reads as an address.
    headers = tuple(
        (name, _shown(value) if name.lower() in lists else decode_header_value(value))
        for name, value in root.raw_items()
    )

    def header(name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in headers if k.lower() == wanted), None)

    subject = header("Subject") or ""
    plain, html, attachments = _walk(root, defects)
    text = plain if plain.strip() else html_to_text(html)
    # An HTML-only reply's quote is known by its markup, which the text no longer shows.
    new_text = split_reply(plain if plain.strip() else html_to_text(without_quotes(html)))
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


def _first_id(value: str | None) -> str:
    if not value:
        return ""
    found = _MSGID.search(value)
    return found.group(1) if found else value.strip().strip("<>")


def _address_list(root: Message, name: str) -> AddressList:
    """The mailboxes of every `name` header, parsed from the raw value before any decoding."""
    return parse_address_headers([str(v) for k, v in root.raw_items() if k.lower() == name])


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


def _shown(value: str) -> str:
    return ", ".join(quoted_name(a) for a in parse_address_headers([str(value)]).addresses)


def _date(value: str | None, defects: list[str]):
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        defects.append(f"unreadable Date header: {value!r}")
        return None


def _walk(root: Message, defects: list[str]) -> tuple[str, str, list[Attachment]]:
    """Collect body text (plain and HTML) and attachments from the MIME tree."""
    plains: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    stack: list[Message] = [root]
    while stack:
        part = stack.pop(0)
        content_type = part.get_content_type()
        if content_type == "message/rfc822" or (
            part.is_multipart() and part.get_content_disposition() == "attachment"
        ):
            attachments.append(_attached_message(part, len(attachments)))
            continue
        if part.is_multipart():
            stack[0:0] = [p for p in part.get_payload() if isinstance(p, Message)]
            continue
        filename = _filename(part)
        disposition = part.get_content_disposition()
        if content_type in ("text/plain", "text/html") and not filename and disposition != "attachment":
            text = _text_of(part, defects)
            (plains if content_type == "text/plain" else htmls).append(text)
            continue
        data = part.get_payload(decode=True) or b""
        name = filename or f"part-{len(attachments) + 1}{_extension(content_type)}"
        attachments.append(Attachment(name, content_type, data, inline=disposition == "inline"))
    return "\n\n".join(p for p in plains if p.strip()), "\n".join(htmls), attachments


def _attached_message(part: Message, index: int) -> Attachment:
    inner = part.get_payload()
    body = inner[0] if isinstance(inner, list) and inner else part
    data = body.as_bytes() if isinstance(body, Message) else b""
    name = _filename(part) or f"message-{index + 1}.eml"
    return Attachment(name, "message/rfc822", data)


def _text_of(part: Message, defects: list[str]) -> str:
    payload = part.get_payload(decode=True) or b""
    text, defect = decode_bytes(payload, part.get_content_charset())
    if defect:
        defects.append(defect)
    return text.replace("\r\n", "\n")


def _filename(part: Message) -> str:
    """The part's file name: RFC 2231 parameters, RFC 2047 words and raw 8-bit all decoded."""
    for header in ("content-disposition", "content-type"):
        key = "filename" if header == "content-disposition" else "name"
        value = part.get_param(key, header=header)
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded text)
            charset, _lang, text = value
            return decode_bytes(text.encode("latin-1", "surrogateescape"), charset)[0].strip()
        return decode_header_value(email.utils.unquote(value))
    return ""


def _extension(content_type: str) -> str:
    return mimetypes.guess_extension(content_type) or ".bin"


def _flatten_defects(defects: list) -> list[str]:
    flat: list[str] = []
    for item in defects:
        if isinstance(item, dict):
            for key, values in item.items():
                flat.extend(f"{key}: {value}" for value in values)
        else:
            flat.append(str(item))
    return flat
