"""How much of one mail the parser reads, so a hostile mail costs bounded time and memory."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.errors import ParseError


@dataclass(frozen=True)
class MailLimits:
    """Hard limits on one mail (the config's `limits` section; these defaults are its defaults).

    Over `max_message_bytes` or `max_header_bytes` a mail is not parsed at all; over
    `max_mime_depth` or `max_parts` parsing stops. Either way it is quarantined whole. Text over
    `max_body_chars` and HTML over `max_html_bytes` are cut before they are analysed or
    converted, and the message carries a defect saying so.
    """

    max_message_bytes: int = 25 * 1024 * 1024
    max_header_bytes: int = 256 * 1024
    max_mime_depth: int = 20
    max_parts: int = 500
    max_body_chars: int = 200_000
    max_html_bytes: int = 512 * 1024


class LimitExceeded(ParseError):
    """Raised when a mail is over one of the MailLimits that keep it from being parsed."""
