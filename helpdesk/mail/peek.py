"""A glance at a mail that could not be read: its Subject and From as best they can be found."""

from __future__ import annotations

from helpdesk.mail.charsets import decode_header_value
from helpdesk.mail.redact import redact_text


def peek(raw: bytes) -> tuple[str, str]:
    """Best-effort Subject and From of a mail that could not be processed, for the quarantine list:
    unfolded and decoded (RFC 2047 words, raw 8-bit bytes) as a person reads them, then masked."""
    head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    found: dict[str, str] = {}
    current = ""
    for line in head.decode("utf-8", "surrogateescape").splitlines():
        if line[:1] in (" ", "\t"):  # a folded header's next line
            if current:
                found[current] += line
            continue
        name, _, value = line.partition(":")
        current = name.lower() if name.lower() in ("subject", "from") and name.lower() not in found else ""
        if current:
            found[current] = value
    subject, sender = (decode_header_value(found.get(name, "")).strip()[:300] for name in ("subject", "from"))
    return redact_text(subject).text, redact_text(sender).text
