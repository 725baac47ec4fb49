"""The MIME tree of one mail read as body text, HTML and attachments, every text by its charset."""

from __future__ import annotations

import binascii
import contextlib
import email.utils
import mimetypes
from email.message import Message

from helpdesk.mail.charsets import WORD, codec_for, decode_bytes, decode_header_value
from helpdesk.mail.message import Attachment

_TEXT = ("text/plain", "text/html")
_MOST_HINTS = 8  # distinct charsets kept as hints: no real mail declares more


def declared_charsets(root: Message) -> tuple[str, ...]:
    """The codecs the mail declares anywhere (parts' charsets, encoded words in any header), in
    order of appearance, for reading its undeclared bytes: a Big5 body means a Big5 subject.

    UTF-8 is left out (it is always tried first); ISO-2022-JP stands for Shift_JIS, its 8-bit form.
    """
    found: dict[str, None] = {}
    for part in root.walk():
        labels = [m.group(1).partition("*")[0] for _, v in part.raw_items() for m in WORD.finditer(str(v))]
        with contextlib.suppress(LookupError, UnicodeError, ValueError):
            labels.append(part.get_content_charset() or "")
        for label in labels:
            codec = "cp932" if "2022-jp" in label.lower() else codec_for(label)
            if codec and codec != "utf-8":
                found[codec] = None
        if len(found) >= _MOST_HINTS:
            break
    return tuple(found)[:_MOST_HINTS]


def walk(root: Message, defects: list[str], hints: tuple[str, ...]) -> tuple[str, str, list[Attachment]]:
    """Collect body text (plain and HTML) and attachments from the MIME tree.

    An inline text part that carries a file name is an attachment, and the body too when the
    mail has no other text.
    """
    plains: list[str] = []
    htmls: list[str] = []
    named: list[Message] = []
    attachments: list[Attachment] = []
    stack: list[Message] = [root]  # popped from the end: children pushed in reverse keep mail order
    while stack:
        part = stack.pop()
        content_type = part.get_content_type()
        if content_type == "message/rfc822" or (
            part.is_multipart() and part.get_content_disposition() == "attachment"
        ):
            attachments.append(_attached_message(part, len(attachments), hints))
            continue
        if part.is_multipart():
            stack.extend(reversed([p for p in part.get_payload() if isinstance(p, Message)]))
            continue
        name = filename(part, hints)
        disposition = part.get_content_disposition()
        if content_type in _TEXT and disposition != "attachment":
            if not name:
                (plains if content_type == "text/plain" else htmls).append(_text_of(part, defects, hints))
                continue
            named.append(part)
        data = payload_bytes(part)
        name = name or f"part-{len(attachments) + 1}{_extension(content_type)}"
        attachments.append(Attachment(name, content_type, data, inline=disposition == "inline"))
    if not any(p.strip() for p in plains) and not any(h.strip() for h in htmls):
        for part in named:
            text = _text_of(part, defects, hints)
            (plains if part.get_content_type() == "text/plain" else htmls).append(text)
    return "\n\n".join(p for p in plains if p.strip()), "\n".join(htmls), attachments


def _attached_message(part: Message, index: int, hints: tuple[str, ...]) -> Attachment:
    inner = part.get_payload()
    body = inner[0] if isinstance(inner, list) and inner else part
    data = body.as_bytes() if isinstance(body, Message) else b""
    name = filename(part, hints) or f"message-{index + 1}.eml"
    return Attachment(name, "message/rfc822", data)


def payload_bytes(part: Message) -> bytes:
    """A leaf part's decoded bytes, as `get_payload(decode=True)` gives them; base64 is decoded
    from the part's text in one step (the stdlib splits it into lines and joins them again: for
    a 4 MB file, 25 MB at once)."""
    if str(part.get("content-transfer-encoding", "")).lower() == "base64":
        # Bad padding, 8-bit bytes, an unknown charset: the stdlib's own way, with its repairs.
        with contextlib.suppress(binascii.Error, ValueError, LookupError, UnicodeError):
            payload = part.get_payload()
            if isinstance(payload, str):
                return binascii.a2b_base64(payload)
    return part.get_payload(decode=True) or b""


def _text_of(part: Message, defects: list[str], hints: tuple[str, ...]) -> str:
    payload = payload_bytes(part)
    try:
        charset = part.get_content_charset()
    except (LookupError, UnicodeError, ValueError):
        charset = "unreadable"
    text, defect = decode_bytes(payload, charset, hints)
    if defect:
        defects.append(defect)
    return text.replace("\r\n", "\n")


def filename(part: Message, hints: tuple[str, ...] = ()) -> str:
    """The part's file name: RFC 2231 parameters, RFC 2047 words and raw 8-bit bytes all decoded,
    the raw bytes like a raw subject's (the stdlib would make them U+FFFD)."""
    for header, key in (("content-disposition", "filename"), ("content-type", "name")):
        value = _raw_param(part, header, key)
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded text)
            charset, _lang, text = value
            return decode_bytes(text.encode("latin-1", "surrogateescape"), charset, hints)[0].strip()
        raw = email.utils.unquote(value).encode("latin-1", "replace").decode("ascii", "surrogateescape")
        return decode_header_value(raw, hints)
    return ""


def _raw_param(part: Message, header: str, key: str) -> str | tuple[str, str, str] | None:
    """Parameter `key` of `header` read from the raw value, each raw byte kept as one Latin-1
    character (compat32 would hand back U+FFFD for 8-bit bytes)."""
    raw = next((str(v) for k, v in part.raw_items() if k.lower() == header), None)
    if raw is None:
        return None
    holder = Message()
    holder[header] = raw.encode("utf-8", "surrogateescape").decode("latin-1")
    return holder.get_param(key, header=header)


def _extension(content_type: str) -> str:
    return mimetypes.guess_extension(content_type) or ".bin"
