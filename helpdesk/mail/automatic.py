"""Recognise mail written by machines (auto-replies, bounces, lists, our own) so it never moves a ticket.

Headers decide first: each one below is a machine's own statement (RFC 3834, RFC 2369, RFC 3464,
RFC 6522, Microsoft's and Exchange's habits). Words a person may also write — a subject that
starts "休假…" or "Undeliverable…", a no-reply sender — are weak signals: one alone never makes a
mail automatic (people report "休假申请流程报错" and "Undeliverable invoices"); two weak signals
do, where a body that reads as an auto-reply (an out-of-office notice with its return, "this is
an automatic reply", a receipt, a delivery failure) is one of them.
"""

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
_DAEMONS = re.compile(r"^(mailer-daemon|postmaster)([+@.-]|$)", re.I)
_NO_REPLY = re.compile(r"^(no-?reply|do-?not-?reply|bounces?)([+@.-]|$)", re.I)
_SUPPRESS = {"all", "oof", "autoreply", "dr", "rn", "nrn"}

# A machine says it is one, in a sentence a person writing about auto-replies does not use.
_SELF_DECLARED = re.compile(
    r"(this is an? (automatic|automated|auto-generated) (reply|response|message|notification)"
    r"|this (message|e-?mail) (is|was) (sent )?automatically|automatically generated (message|e-?mail)"
    r"|此(邮件|信|消息)(为|是)(系统)?自动(回复|发送|生成)|这是一封自动(回复|发送)|本邮件(为|由)系统自动)",
    re.I,
)
# A person asking or reporting a fault is not an out-of-office notice or a bounce, whatever words they use.
_ASKING = re.compile(
    r"(\?|？|吗|怎么|如何|请帮|帮忙|please help|how (do|can|to)|does not work|doesn't work|not working"
    r"|不生效|报错|出错)",
    re.I,
)
# An out-of-office notice says the writer is away AND when they return or answer.
_AWAY = re.compile(
    r"(out of (the )?office|on (annual |parental |sick |maternity )?leave|on vacation|on holiday"
    r"|away from (the |my )?(office|desk)|(正在|目前|现在|本人).{0,4}(休假|出差|外出|不在办公室)|休假期间)",
    re.I,
)
_RETURN = re.compile(
    r"(return|be back|back (on|in|at)|until|reply|respond|get back to you"
    r"|返回|回来|返岗|上班|回复|处理|联系)",
    re.I,
)
_BOUNCE = re.compile(
    r"(could not be delivered|couldn't be delivered|delivery has failed|delivery to the following"
    r"|permanent (error|failure)|wasn't able to deliver|无法投递到|投递失败|以下收件人)",
    re.I,
)
# A receipt: "we got your mail", which only a robot sends back to a helpdesk.
_RECEIPT = re.compile(
    r"((we|i)( have|'ve)? received your (e-?mail|mail|message|request|enquiry|inquiry|ticket)"
    r"|your (e-?mail|mail|message|request) (has been|was) received"
    r"|(您|你)的(邮件|来信|请求|需求|工单|留言)已(收到|收悉|受理)|已收到(您|你)的(邮件|来信|需求|请求|留言)"
    r"|邮件已收到|此(邮件|信)(为|是)自动回复)",
    re.I,
)
# A person who writes "received your mail, but…" is still talking: a receipt is short and asks nothing.
_STILL_TALKING = re.compile(r"(\?|？|\bbut\b|\bstill\b|\bhowever\b|但是|但|仍然|还是|报错|吗)", re.I)
_RECEIPT_LENGTH = 400


def automatic_reason(
    header: Callable[[str], str | None],
    content_type: str,
    sender: str | None,
    subject: str,
    own_addresses: frozenset[str],
    body: str = "",
) -> str | None:
    """Why this mail is machine-written (every signal found, joined by "; "), or None for a person's.

    `header` returns a header's first decoded value; `body` is the mail's new text (or whole
    text). Any header signal is enough; otherwise it takes two of: an auto-reply subject, a
    no-reply sender, a body that reads as an auto-reply.
    """
    strong = _header_signals(header, content_type, sender, own_addresses)
    weak = []
    found = _SUBJECT.match(subject or "")
    if found:
        weak.append(f"subject “{found.group(0).strip()}”")
    if sender and _NO_REPLY.match(sender):
        weak.append(f"no-reply sender {sender}")
    said = body_reason(body)
    if said:
        weak.append(said)
    if strong:
        return "; ".join(strong + weak)
    if len(weak) >= 2:
        return "; ".join(weak)
    return None


def _header_signals(
    header: Callable[[str], str | None], content_type: str, sender: str | None, own: frozenset[str]
) -> list[str]:
    signals = []
    auto_submitted = (header("Auto-Submitted") or "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        signals.append(f"Auto-Submitted: {auto_submitted}")
    if sender and sender.lower() in own:
        signals.append("sent from our own address")
    if content_type == "multipart/report":
        signals.append("delivery or read report (multipart/report)")
    signals += [f"{name} header" for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply") if header(name)]
    if header("X-Failed-Recipients"):
        signals.append("X-Failed-Recipients header (a bounce)")
    suppress = {v.strip().lower() for v in (header("X-Auto-Response-Suppress") or "").split(",")}
    if suppress & _SUPPRESS:
        signals.append("X-Auto-Response-Suppress: " + ",".join(sorted(suppress & _SUPPRESS)))
    precedence = (header("Precedence") or "").strip().lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        signals.append(f"Precedence: {precedence}")
    if header("List-Id") or header("List-Unsubscribe") or header("List-Post"):
        signals.append("mailing list (List-* headers)")
    return_path = header("Return-Path")
    if return_path is not None and return_path.strip() in {"<>", ""}:
        signals.append("null return path")
    if sender and _DAEMONS.match(sender):
        signals.append(f"system sender {sender}")
    return signals


def body_reason(body: str) -> str | None:
    """How the text reads as a machine's (a self-declared auto-reply, an out-of-office notice with its
    return, a delivery failure, a receipt), or None. Only its opening is read: that is where they say it."""
    head = (body or "")[:800]
    declared = _SELF_DECLARED.search(head)
    if declared:
        return f"body says it is automatic (“{declared.group(0)}”)"
    if not _ASKING.search(head):
        bounce = _BOUNCE.search(head)
        if bounce:
            return f"body reads as a delivery failure (“{bounce.group(0)}”)"
        away = _AWAY.search(head)
        if away and _RETURN.search(head):
            return f"body reads as an out-of-office notice (“{away.group(0)}”)"
    receipt = receipt_reason(body)
    return f"body {receipt}" if receipt else None


def receipt_reason(text: str) -> str | None:
    """Why `text` reads as a receipt, when the whole of it is a short acknowledgement that asks and
    reports nothing ("Thanks, we received your mail.", "您的邮件已收到"), else None."""
    words = " ".join((text or "").split())
    if not words or len(words) > _RECEIPT_LENGTH:
        return None
    found = _RECEIPT.search(words)
    if found is None:
        return None
    rest = words[: found.start()] + words[found.end() :]
    if _STILL_TALKING.search(rest):
        return None
    return f"reads as a receipt (“{found.group(0)}”)"
