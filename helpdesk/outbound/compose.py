"""Build the MIME bytes of an outbound mail: threaded, tagged, marked as automatic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from helpdesk.mail.addresses import parse_address_list
from helpdesk.mail.charsets import neutralise
from helpdesk.outbound.render import Rendered

SUBJECT_LIMIT = 200  # characters of the rendered subject, before the ticket tag


@dataclass(frozen=True)
class Outgoing:
    message_id: str
    subject: str
    data: bytes


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
    files: tuple[tuple[str, str, bytes], ...] = (),
) -> Outgoing:
    """A multipart/alternative mail whose subject carries the ticket tag and whose headers thread it.

    `Auto-Submitted: auto-replied` (RFC 3834) tells well-behaved robots not to answer;
    `X-Auto-Response-Suppress` asks Exchange not to send out-of-office notices back.
    Names and the subject come from mail and config, so CR, LF and other control
    characters are neutralised before they reach a header; `recipient` must be exactly
    one address, which is the whole of `To:` (ValueError otherwise). `files` (name, content
    type, bytes) are attached, making the mail multipart/mixed.
    """
    domain = sender_address.rpartition("@")[2] or "localhost"
    message_id = make_msgid(domain=domain)
    title = _shortened(neutralise(rendered.subject))
    subject = title if tag in title else neutralise(f"{tag} {title}")
    mail = EmailMessage(policy=SMTP)
    local, _, dom = sender_address.partition("@")
    mail["From"] = HeaderAddress(display_name=neutralise(sender_name), username=local, domain=dom)
    mail["To"] = _one_address(recipient)
    mail["Subject"] = subject
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        mail["References"] = " ".join(f"<{mid}>" for mid in references[-20:])
    mail["Auto-Submitted"] = "auto-replied"
    mail["X-Auto-Response-Suppress"] = "All"
    mail["Content-Language"] = "zh-CN" if rendered.language == "zh" else "en"
    mail.set_content(rendered.text, charset="utf-8")
    mail.add_alternative(rendered.html, subtype="html", charset="utf-8")
    for name, content_type, data in files:
        maintype, _, subtype = content_type.lower().partition("/")
        if maintype in ("multipart", "message") or not subtype:  # carried as bytes, never re-parsed
            maintype, subtype = "application", "octet-stream"
        name = neutralise(name) or "attachment"
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return Outgoing(message_id.strip("<>"), subject, mail.as_bytes())


def _shortened(title: str) -> str:
    """A subject a client can show: a customer's 100 KB subject would make the header fold for
    seconds and help nobody, so it is cut at SUBJECT_LIMIT characters on a space where there is one."""
    if len(title) <= SUBJECT_LIMIT:
        return title
    cut = title[:SUBJECT_LIMIT]
    space = cut.rfind(" ")
    return (cut[:space] if space > SUBJECT_LIMIT // 2 else cut).rstrip() + "…"


def _one_address(recipient: str) -> HeaderAddress:
    """The bare mailbox `recipient` names; a name, a second address or garbage is refused."""
    found = parse_address_list(recipient)
    if found.problems or len(found.addresses) != 1:
        raise ValueError(f"an outbound mail goes to exactly one address, not {recipient!r}")
    local, _, dom = found.addresses[0].email.rpartition("@")
    return HeaderAddress(username=local, domain=dom)
