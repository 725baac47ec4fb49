"""Whether a staff mail really comes from its sender's domain: our receiving server's DKIM/DMARC verdict."""

from __future__ import annotations

import authres

from helpdesk.config import CommandsConfig
from helpdesk.effects import Authority
from helpdesk.mail.message import InboundMessage
from helpdesk.rules.schema import Person

# The identifiers a verdict names its domain by: DKIM's signing domain (d=, else i=), DMARC's From.
_DOMAIN_PROPERTIES = {"dkim": ("d", "i"), "dmarc": ("from",)}


def verified(mail: InboundMessage, authserv_id: str) -> tuple[bool, str]:
    """(passed, why) from the topmost Authentication-Results that our own server (`authserv_id`)
    stamped: dkim=pass aligned with the From domain, or dmarc=pass for it.

    A sender can write such a header too (RFC 8601 §5): our server adds its own above the
    ones that came with the mail, so only the topmost one with our id counts, and the mail
    server must strip incoming ones carrying our id (see the README's trust model).
    """
    domain = mail.sender.email.rpartition("@")[2]
    stamp = next((h for h in _stamps(mail) if h.authserv_id.lower() == authserv_id.lower()), None)
    if stamp is None:
        return False, f"no Authentication-Results from {authserv_id}"
    for result in stamp.results:
        method = str(result.method).lower()
        if method not in _DOMAIN_PROPERTIES or str(result.result).lower() != "pass":
            continue
        names = _DOMAIN_PROPERTIES[method]
        signed = [p.value.rpartition("@")[2].lower() for p in result.properties if p.name in names]
        if any(_aligned(signer, domain) for signer in signed if signer):
            return True, f"{method}=pass for {domain}"
    return False, f"no DKIM or DMARC pass for {domain} from {authserv_id}"


def _stamps(mail: InboundMessage) -> list[authres.AuthenticationResultsHeader]:
    """The mail's Authentication-Results headers that parse, topmost first."""
    found = []
    for name, value in mail.headers:
        if name.lower() != "authentication-results":
            continue
        try:
            found.append(authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {value}"))
        except authres.AuthResError:
            continue  # a header we cannot read vouches for nothing
    return found


def _aligned(signer: str, domain: str) -> bool:
    """Relaxed alignment: the signer is the From domain or a parent of it."""
    return signer == domain or domain.endswith("." + signer)


def staff_authority(mail: InboundMessage, person: Person, commands: CommandsConfig) -> Authority:
    """What a mail from staff member `person` may do: everything when authentication is off,
    else only when our server's DKIM/DMARC verdict passes for the sender's domain."""
    if not commands.require_authentication:
        return Authority(person.id, True, "authentication is off (commands.require_authentication)")
    passed, why = verified(mail, commands.authserv_id)
    return Authority(person.id, passed, why)
