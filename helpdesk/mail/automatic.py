"""Recognise mail written by machines (auto-replies, bounces, lists, our own) so it never moves a ticket."""

from __future__ import annotations

import re
from collections.abc import Callable

_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|autoreply|out of (the )?office|abwesenheitsnotiz"
    r"|undeliverable|undelivered mail|delivery status notification|mail delivery failed"
    r"|returned mail|automatyczna odpowied|r[ée]ponse automatique|respuesta autom[áa]tica"
    r"|risposta automatica|automatisch antwoord|delivery failure"
    r"|自动回复|自動回覆|自动答复|退信|系统退信|邮件退回"
    r"|无法投递|休假|不在办公室)",
    re.IGNORECASE,
)
_DAEMONS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|noreply|bounces?)([+@.-]|$)", re.I)
_SUPPRESS = {"all", "oof", "autoreply", "dr", "rn", "nrn"}


def automatic_reason(
    header: Callable[[str], str | None],
    content_type: str,
    sender: str | None,
    subject: str,
    own_addresses: frozenset[str],
) -> str | None:
    """Why this mail is machine-written, or None when a person wrote it.

    `header` returns a header's first decoded value; the checks follow RFC 3834
    (Auto-Submitted), Microsoft's X-Auto-Response-Suppress, Precedence, RFC 2369 list
    headers, RFC 6522 reports and the null return path, then sender and subject habits.
    """
    auto_submitted = (header("Auto-Submitted") or "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    if sender and sender.lower() in own_addresses:
        return "sent from our own address"
    if content_type == "multipart/report":
        return "delivery or read report (multipart/report)"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-AutoReply-From"):
        if header(name):
            return f"{name} header"
    suppress = {v.strip().lower() for v in (header("X-Auto-Response-Suppress") or "").split(",")}
    if suppress & _SUPPRESS:
        return "X-Auto-Response-Suppress: " + ",".join(sorted(suppress & _SUPPRESS))
    precedence = (header("Precedence") or "").strip().lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {precedence}"
    if header("List-Id") or header("List-Unsubscribe") or header("List-Post"):
        return "mailing list (List-* headers)"
    return_path = header("Return-Path")
    if return_path is not None and return_path.strip() in {"<>", ""}:
        return "null return path"
    if sender and _DAEMONS.match(sender):
        return f"system sender {sender}"
    if _SUBJECT.match(subject or ""):
        return "auto-reply subject"
    return None
