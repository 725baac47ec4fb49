"""Whether a staff mail really comes from its sender's domain: our receiving server's DKIM/DMARC verdict."""

from __future__ import annotations

import re

from helpdesk.config import CommandsConfig
from helpdesk.effects import Authority
from helpdesk.mail.message import InboundMessage
from helpdesk.rules.schema import Person

_RESULT = re.compile(r"\b(dkim|dmarc)\s*=\s*(\w+)([^;]*)", re.IGNORECASE)
_DOMAIN = re.compile(r"header\.(?:d|i|from)\s*=\s*@?([\w.-]+)", re.IGNORECASE)


def verified(mail: InboundMessage, authserv_id: str) -> tuple[bool, str]:
    """(passed, why). Only Authentication-Results stamped by our own server (`authserv_id`)
    count; anyone can write such a header into a mail, so others are ignored (RFC 8601 §5)."""
    if mail.sender is None:
        return False, "the mail has no sender"
    domain = mail.sender.email.rpartition("@")[2]
    stamps = [
        value
        for name, value in mail.headers
        if name.lower() == "authentication-results"
        and value.split(";", 1)[0].strip().split()[0:1] == [authserv_id]
    ]
    if not stamps:
        return False, f"no Authentication-Results from {authserv_id}"
    for stamp in stamps:
        for method, result, properties in _RESULT.findall(stamp):
            signed = _DOMAIN.search(properties)
            if result.lower() == "pass" and signed and _aligned(signed.group(1).lower(), domain):
                return True, f"{method.lower()}=pass for {domain}"
    return False, f"no DKIM or DMARC pass for {domain} from {authserv_id}"


def _aligned(signer: str, domain: str) -> bool:
    return signer == domain or domain.endswith("." + signer)


def staff_authority(mail: InboundMessage, person: Person, commands: CommandsConfig) -> Authority:
    """What a mail from staff member `person` may do: everything when authentication is off,
    else only when our server's DKIM/DMARC verdict passes for the sender's domain."""
    if not commands.require_authentication:
        return Authority(person.id, True, "authentication is off (commands.require_authentication)")
    passed, why = verified(mail, commands.authserv_id)
    return Authority(person.id, passed, why)
