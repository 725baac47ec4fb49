"""Build the MIME bytes of an outbound mail: threaded, tagged, marked as automatic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from helpdesk.outbound.render import Rendered


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
) -> Outgoing:
    """A multipart/alternative mail whose subject carries the ticket tag and whose headers thread it.

    `Auto-Submitted: auto-replied` (RFC 3834) tells well-behaved robots not to answer;
    `X-Auto-Response-Suppress` asks Exchange not to send out-of-office notices back.
    """
    domain = sender_address.rpartition("@")[2] or "localhost"
    message_id = make_msgid(domain=domain)
    subject = rendered.subject if tag in rendered.subject else f"{tag} {rendered.subject}"
    mail = EmailMessage(policy=SMTP)
    local, _, dom = sender_address.partition("@")
    mail["From"] = HeaderAddress(display_name=sender_name, username=local, domain=dom)
    mail["To"] = recipient
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
    return Outgoing(message_id.strip("<>"), subject, mail.as_bytes())
