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
from helpdesk.mail.automatic import automatic_reason
from helpdesk.mail.charsets import decode_bytes, decode_header_value
from helpdesk.mail.html import html_to_text
from helpdesk.mail.language import detect_language
from helpdesk.mail.message import Address, Attachment, InboundMessage
from helpdesk.mail.reply import split_reply

_MSGID = re.compile(r"<([^<>\s]+)>")


def parse_message(
    raw: bytes, own_addresses: frozenset[str] = frozenset(), default_language: str = "zh"
) -> InboundMessage:
    """Parse `raw` (never decoded before MIME parsing) into an immutable InboundMessage.

    Raises ParseError only when the bytes are not a mail at all; broken parts, charsets
    and headers become defects on the message instead.
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
    # Every top-level header, decoded: rules may test any of them.
    headers = tuple((name, decode_header_value(value)) for name, value in root.raw_items())

    def header(name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in headers if k.lower() == wanted), None)

    senders = _addresses(root, "From")
    sender = senders[0] if senders else None
    subject = header("Subject") or ""
    plain, html, attachments = _walk(root, defects)
    text = plain if plain.strip() else html_to_text(html)
    new_text = split_reply(text)
    message_id = _first_id(header("Message-ID"))
    return InboundMessage(
        message_id=message_id,
        subject=subject,
        sender=sender,
        to=_addresses(root, "To"),
        cc=_addresses(root, "Cc"),
        reply_to=_addresses(root, "Reply-To"),
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
            sender.email if sender else None,
            subject,
            own_addresses,
        ),
    )


def _first_id(value: str | None) -> str:
    if not value:
        return ""
    found = _MSGID.search(value)
    return found.group(1) if found else value.strip().strip("<>")


def _addresses(root: Message, name: str) -> tuple[Address, ...]:
    values = [v for k, v in root.raw_items() if k.lower() == name.lower()]
    result = []
    for display, addr in email.utils.getaddresses([decode_header_value(v) for v in values]):
        if "@" in addr:
            result.append(Address(display.strip(), addr.strip().lower()))
    return tuple(result)


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
