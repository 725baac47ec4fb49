"""A report taken by staff (a phone call, a visit): a trusted staff member mails the support address
with `#代报 李雷 <li.lei@example.cn> 电话` (or `#on-behalf Anna Smith <anna@example.com> phone`) as the
first line of the new text, and the rest is the customer's report.

The ticket then opens as the customer's: the named customer is the requester, the report's own
text is what intake reads, and the channel is recorded. Only the first line of the mail's new text
counts (a command quoted in history is history); from anyone else than a trusted staff member the
line is plain text of an ordinary ticket. A command that cannot be followed opens no ticket at all
(not the customer's, nor one in the staff member's name): the mail is held and a receipt says why
(helpdesk/on_behalf_held.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from helpdesk.config import Config
from helpdesk.intake.labels import Found
from helpdesk.mail.addresses import parse_address_list
from helpdesk.mail.language import detect_language
from helpdesk.mail.message import Address, InboundMessage
from helpdesk.outbound.phrases_reasons import reason
from helpdesk.rules.directory import StaffDirectory
from helpdesk.rules.schema import Person
from helpdesk.workflow.authentication import staff_authority

WORDS = ("#代报", "#on-behalf")
CHANNELS = {
    "phone": "phone",
    "电话": "phone",
    "onsite": "onsite",
    "on-site": "onsite",
    "现场": "onsite",
    "account_manager": "account_manager",
    "account-manager": "account_manager",
    "客户经理": "account_manager",
    "mail": "mail",
    "email": "mail",
    "邮件": "mail",
}
MAIL = Found("mail", 0, "mail")  # an ordinary mail: the channel is the mail itself


@dataclass(frozen=True)
class Command:
    """The command as read: the customer, the channel, the report's lines (the command's blanked)."""

    customer: Address
    channel: str
    report: str
    line: int
    written: str  # the command line as written


@dataclass(frozen=True)
class Refused:
    """A command line that cannot be followed, and why (a coded reason for the receipt)."""

    line: str
    why: dict


@dataclass(frozen=True)
class OnBehalf:
    """What a mail opens: the mail as its ticket opens (the customer's for a staff member's
    command), the channel, the staff member who took it; `refused` when the command cannot be
    followed, and then the mail opens no ticket."""

    mail: InboundMessage
    channel: Found
    staff: Person | None
    refused: Refused | None = None


def read_command(new_text: str) -> Command | Refused | None:
    """The command on the first non-blank line of `new_text`, or None when that line is none."""
    lines = new_text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if index is None:
        return None
    line = lines[index].strip()
    said = "#" + line[1:] if line.startswith("＃") else line  # a Chinese keyboard's ＃
    word = next((w for w in WORDS if _starts(said, w)), None)
    if word is None and said.lower() not in WORDS:
        return None
    parts = said[len(word or said) :].rsplit(None, 1)  # any space, a full-width one too
    head, last = ["", "", *parts][-2:]
    channel = CHANNELS.get(last.lower())
    if channel is None:
        return Refused(line, reason("on_behalf_channel", value=last))
    found = parse_address_list(head.strip())
    if len(found.addresses) != 1 or found.problems or "@" not in found.addresses[0].email:
        return Refused(line, reason("on_behalf_address", value=head.strip()))
    report = "\n".join(["" if i <= index else text for i, text in enumerate(lines)])
    if not report.strip():
        return Refused(line, reason("on_behalf_empty"))
    return Command(found.addresses[0], channel, report, index + 1, line)


def on_behalf(mail: InboundMessage, directory: StaffDirectory, config: Config, new: bool) -> OnBehalf:
    """What a mail opens: a new one from a staff member with the command, the customer's ticket
    (or none, refused with why); any other, itself, by mail."""
    person = directory.by_email(mail.sender.email)
    command = read_command(mail.new_text) if new and person is not None else None
    if person is None or command is None:
        return OnBehalf(mail, MAIL, None)
    authority = staff_authority(mail, person, config.commands)
    if isinstance(command, Command) and not authority.trusted:
        command = Refused(command.written, reason("unverified", detail=authority.why))
    if isinstance(command, Command) and (
        directory.by_email(command.customer.email) or command.customer.email in config.own_addresses()
    ):
        command = Refused(command.written, reason("on_behalf_staff", value=command.customer.email))
    if isinstance(command, Refused):
        return OnBehalf(mail, MAIL, person, command)
    customer = replace(
        mail,
        sender=command.customer,
        text=command.report,
        new_text=command.report,
        reply_to=(),
        language=detect_language(f"{mail.subject}\n{command.report}", mail.language),
    )
    return OnBehalf(customer, Found(command.channel, command.line, "command"), person)


def _starts(line: str, word: str) -> bool:
    """`line` begins with the command `word`, then a space."""
    return line.lower().startswith(word) and line[len(word) : len(word) + 1].isspace()
