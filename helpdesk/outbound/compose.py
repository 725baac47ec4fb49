"""Build the MIME bytes of an outbound mail: threaded, tagged, marked as automatic."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, make_msgid

from helpdesk.mail.addresses import parse_address_list
from helpdesk.mail.charsets import neutralise
from helpdesk.outbound import mime
from helpdesk.outbound.render import Rendered
from helpdesk.outbound.stored import Blob, cut_out, placeholder

_TOKEN = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")  # a content type, nothing else
SUBJECT_LIMIT = 200  # characters of the rendered subject, before the ticket tag


@dataclass(frozen=True)
class Outgoing:
    message_id: str
    subject: str
    data: bytes
    blobs: list[dict] = field(default_factory=list)  # where the referenced files go (stored.wire)


def compose(
    rendered: Rendered,
    *,
    sender_name: str,
    sender_address: str,
    recipient: str,
    tag: str,
    in_reply_to: str | None,
    references: list[str],
    now: datetime,
    files: tuple[tuple[str, str, bytes | Blob], ...] = (),
) -> Outgoing:
    """A multipart/alternative mail whose subject carries the ticket tag and whose headers thread it.

    `Auto-Submitted: auto-replied` (RFC 3834) tells well-behaved robots not to answer;
    `X-Auto-Response-Suppress` asks Exchange not to send out-of-office notices back.
    Names and the subject come from mail and config, so CR, LF and other control
    characters are neutralised before they reach a header; `recipient` must be exactly
    one address, which is the whole of `To:` (ValueError otherwise). `files` (name, content
    type, bytes or a stored Blob) are attached, making the mail multipart/mixed; a Blob's bytes
    are left out of `data`, and `blobs` says where `stored.wire` joins them in at send time.
    """
    domain = sender_address.rpartition("@")[2] or "localhost"
    message_id = make_msgid(domain=domain)
    title = _shortened(neutralise(rendered.subject))
    subject = title if tag in title else neutralise(f"{tag} {title}")
    fields = [
        mime.header("From", mime.mailbox(neutralise(sender_name), sender_address)),
        mime.header("To", [_one_address(recipient)]),
        mime.header("Subject", mime.unstructured(subject)),
        mime.header("Date", [format_datetime(now)]),
        mime.header("Message-ID", [message_id]),
    ]
    thread = [f"<{neutralise(mid).replace(' ', '')}>" for mid in references[-20:]]
    if in_reply_to:
        fields.append(mime.header("In-Reply-To", [f"<{neutralise(in_reply_to).replace(' ', '')}>"]))
    if thread:
        fields.append(mime.header("References", thread))
    fields += [
        b"Auto-Submitted: auto-replied",
        b"X-Auto-Response-Suppress: All",
        b"Content-Language: " + (b"zh-CN" if rendered.language == "zh" else b"en"),
    ]
    body = mime.multipart(
        "alternative", [mime.text_part(rendered.text, "plain"), mime.text_part(rendered.html, "html")]
    )
    parts = [_attachment(*file) for file in files]
    referenced = [
        (part, data) for part, (_, _, data) in zip(parts, files, strict=True) if isinstance(data, Blob)
    ]
    if files:
        body = mime.multipart("mixed", [body, *parts])
    data, blobs = cut_out(mime.message(fields, body), referenced)
    return Outgoing(message_id.strip("<>"), subject, data, blobs)


def _attachment(name: str, content_type: str, data: bytes | Blob) -> mime.Part:
    """The part of one file; a Blob's body is a placeholder that `cut_out` takes out again."""
    maintype, _, subtype = content_type.lower().partition("/")
    if maintype in ("multipart", "message") or not subtype or not _TOKEN.fullmatch(f"{maintype}/{subtype}"):
        maintype, subtype = "application", "octet-stream"  # carried as bytes, never re-parsed
    name, content_type = neutralise(name) or "attachment", f"{maintype}/{subtype}"
    if isinstance(data, Blob):
        return mime.attachment_headers(name, content_type), placeholder()
    return mime.attachment_part(name, content_type, data)


def _shortened(title: str) -> str:
    """A subject a client can show: a customer's 100 KB subject would make the header fold for
    seconds and help nobody, so it is cut at SUBJECT_LIMIT characters on a space where there is one."""
    if len(title) <= SUBJECT_LIMIT:
        return title
    cut = title[:SUBJECT_LIMIT]
    space = cut.rfind(" ")
    return (cut[:space] if space > SUBJECT_LIMIT // 2 else cut).rstrip() + "…"


def _one_address(recipient: str) -> str:
    """The bare mailbox `recipient` names; a name, a second address or garbage is refused."""
    found = parse_address_list(recipient)
    if found.problems or len(found.addresses) != 1:
        raise ValueError(f"an outbound mail goes to exactly one address, not {recipient!r}")
    return found.addresses[0].email
