"""Whether a staff mail really comes from its sender's domain: our receiving server's DKIM/DMARC verdict."""

from __future__ import annotations

import re

import authres

from helpdesk.config import CommandsConfig
from helpdesk.effects import Authority
from helpdesk.mail.message import InboundMessage
from helpdesk.rules.schema import Person

# The methods whose pass vouches for the From domain.
_VOUCHING = ("dkim", "dmarc")


def verified(mail: InboundMessage, authserv_id: str) -> tuple[bool, str]:
    """(passed, why) from the topmost Authentication-Results that our own server (`authserv_id`)
    stamped: dkim=pass aligned with the From domain, or dmarc=pass for it.

    A sender can write such a header too (RFC 8601 §5): our server adds its own above the
    ones that came with the mail, so only the topmost one with our id counts — and if that
    one cannot be read, nothing below it is read instead. The mail server must strip
    incoming ones carrying our id (see the README's trust model).
    """
    domain = mail.sender.email.rpartition("@")[2]
    ours = _norm(authserv_id)
    value = next(
        (
            v
            for name, v in mail.headers
            if name.lower() == "authentication-results" and _norm(_authserv_of(v)) == ours
        ),
        None,
    )
    if value is None:
        return False, f"no Authentication-Results from {authserv_id}"
    try:
        stamp = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {value}")
    except authres.AuthResError:
        return False, f"the Authentication-Results from {authserv_id} cannot be read"
    for result in stamp.results:
        method = str(result.method).lower()
        if method not in _VOUCHING or str(result.result).lower() != "pass":
            continue
        if any(_aligned(signer, domain) for signer in _signers(method, result.properties)):
            return True, f"{method}=pass for {domain}"
    return False, f"no DKIM or DMARC pass for {domain} from {authserv_id}"


def _authserv_of(value: str) -> str:
    """The authserv-id a header value starts with (before any version, comment or `;`)."""
    head = re.sub(r"\([^)]*\)", " ", value.split(";", 1)[0])
    words = head.split()
    return words[0] if words else ""


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


def _signers(method: str, properties) -> list[str]:
    """The domains a pass names: DKIM's header.d (header.i only without a d=), DMARC's header.from."""
    values = {p.name.lower(): p.value for p in properties if str(p.type).lower() == "header"}
    if method == "dkim":
        signer = values.get("d") or values.get("i", "").rpartition("@")[2]
    else:
        signer = values.get("from", "")
    return [_norm(signer)] if signer else []


def _aligned(signer: str, domain: str) -> bool:
    """Relaxed alignment: the signer is the From domain or a parent of it, never a bare TLD."""
    return "." in signer and (signer == domain or domain.endswith("." + signer))


def vouched(mail: InboundMessage, commands: CommandsConfig) -> tuple[bool, str]:
    """(may speak for its From: address, why): always when authentication is off
    (commands.require_authentication), else only when our server's DKIM/DMARC verdict passes."""
    if not commands.require_authentication:
        return True, "authentication is off (commands.require_authentication)"
    return verified(mail, commands.authserv_id)


def staff_authority(mail: InboundMessage, person: Person, commands: CommandsConfig) -> Authority:
    """What a mail from staff member `person` may do: everything when its From: is vouched for."""
    return Authority(person.id, *vouched(mail, commands))
