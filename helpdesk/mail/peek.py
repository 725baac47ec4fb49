"""A glance at a mail that could not be read: its Subject and From as best they can be found."""

from __future__ import annotations

from helpdesk.mail.redact import redact_text


def peek(raw: bytes) -> tuple[str, str]:
    """Best-effort Subject and From of a mail that could not be processed, for the quarantine list."""
    head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    found = {}
    for line in head.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if name.lower() in ("subject", "from") and name.lower() not in found:
            found[name.lower()] = redact_text(value.strip()[:300]).text
    return found.get("subject", ""), found.get("from", "")
