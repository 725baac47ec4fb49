"""A desk for walking one seed process step by step over the real servers: mail goes in by IMAP,
the daemon's one pass (intake, workflow, sweeper, sender) runs under a hand-moved clock, and each
step hands back exactly the mails it caused, read as their recipients read them."""

from __future__ import annotations

import email
import email.policy
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.models import Ticket, TicketClock

# Words only an English template writes: a Chinese reader's mail must carry none of them.
_ENGLISH_LABELS = re.compile(
    r"\b(?:Hello|Dear|Ticket|Status|Priority|Owner|Subject|Solution|Cause|Resolved|Reply|Regards"
    r"|Technical Support|Thank you)\b"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Sent:
    """One mail the desk sent, as its recipient reads it."""

    to: str
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content().replace("\r\n", "\n")

    @property
    def language(self) -> str:
        return {"zh-CN": "zh", "en": "en"}[str(self.message["Content-Language"])]

    @property
    def files(self) -> list[str]:
        return [part.get_filename() for part in self.message.iter_attachments()]


@dataclass
class Step:
    """The mails one step caused, by recipient address."""

    sent: list[Sent] = field(default_factory=list)

    def to(self, address: str) -> list[Sent]:
        return [s for s in self.sent if s.to == address]

    def one(self, address: str, words: str = "") -> Sent:
        """The one mail to `address` (whose subject has `words`); fails if there is none or several."""
        found = [s for s in self.to(address) if words in s.subject]
        assert len(found) == 1, (address, words, [(s.to, s.subject) for s in self.sent])
        return found[0]

    def recipients(self) -> set[str]:
        return {s.to for s in self.sent}


def in_chinese(sent: Sent) -> bool:
    """A Chinese reader's mail: marked zh-CN, Chinese words, no English template label."""
    words = sent.subject + sent.text
    return sent.language == "zh" and bool(_CJK.search(words)) and not _ENGLISH_LABELS.search(words)


def in_english(sent: Sent, *own_words: str) -> bool:
    """An English reader's mail: marked en, and no Chinese once the people's `own_words` are taken out."""
    words = sent.subject + sent.text
    for own in own_words:
        words = words.replace(own, "")
    return sent.language == "en" and not _CJK.search(words)


class Desk:
    """The daemon with its servers and clock; `mail`, `reply` and `later` each return a Step."""

    def __init__(self, app: Helpdesk, account, smtp, clock: ManualClock, config_path: Path) -> None:
        self.app, self.account, self.smtp, self.clock = app, account, smtp, clock
        self.config_path = config_path
        self._seen = 0

    def _run(self) -> Step:
        self.app.run_once()
        received = self.smtp.received[self._seen :]
        self._seen = len(self.smtp.received)
        step = Step()
        for item in received:
            message = email.message_from_bytes(item.data, policy=email.policy.default)
            step.sent.extend(Sent(to, message) for to in item.recipients)
        return step

    def mail(self, sender: str, subject: str, text: str) -> Step:
        """A new mail to the support address."""
        return self.deliver(customer_mail(sender, subject, text))

    def deliver(self, raw: bytes) -> Step:
        self.account.deliver(raw)
        return self._run()

    def reply(self, to: Sent, sender: str, text: str, keyword: str = "") -> Step:
        """`sender` answers the mail `to` in its thread, `keyword` (e.g. "[已解决] ") in the subject."""
        quoted = "\n".join(f"> {line}" for line in to.text.splitlines())
        raw = customer_mail(
            sender,
            f"Re: {keyword}{to.subject}",
            f"{text}\n\n{quoted}",
            In_Reply_To=to.message["Message-ID"],
            References=to.message["Message-ID"],
        )
        return self.deliver(raw)

    def later(self, **delta: float) -> Step:
        """The clock moves on and the sweeper runs."""
        self.clock.advance(timedelta(**delta))
        return self._run()

    def at(self, moment: datetime) -> Step:
        """The clock moves on to `moment` and the sweeper runs."""
        self.clock.advance(moment - self.clock.now())
        return self._run()

    def ticket(self) -> Ticket:
        with self.app.sessions() as session:
            return session.scalars(select(Ticket).order_by(Ticket.id)).first()

    def clocks(self) -> dict[str, TicketClock]:
        """The ticket's clocks by name, the latest of each."""
        with self.app.sessions() as session:
            rows = session.scalars(select(TicketClock).order_by(TicketClock.id)).all()
        return {row.name: row for row in rows}

    def cli(self, *args: str) -> str:
        result = CliRunner().invoke(main, ["--config", str(self.config_path), *args])
        assert result.exit_code == 0, result.output
        return result.output

    def record(self, number: str) -> dict:
        """`helpdesk tickets show NUMBER --json`, as the operator reads it."""
        return json.loads(self.cli("tickets", "show", number, "--json"))
