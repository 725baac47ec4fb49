"""A customer's file that changes while its mail is on the wire (after the check, during the
send) sends nothing half-made: the connection is closed before the final dot, the mail is tried
again later, with the note in the file's place, and the server is not taken for unusable."""

from __future__ import annotations

import email
import email.policy
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from helpdesk.demo import customer_mail
from helpdesk.localservers import free_port
from helpdesk.outbound.sender import Sender
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.models import OutboxMail
from tests.test_attachments_forwarded import clock, desk
from tests.test_outbox_blobs import LIMIT, UNREADABLE, queued_notice

__all__ = ["clock"]  # the fixture


class _Rewriting:
    """An SMTP server that, when the owner's notice is addressed, rewrites the notice's first
    file: after the sender checked it and counted its size, before its bytes go out."""

    def __init__(self, path: Path, owner: str) -> None:
        self.path, self.owner = path, owner
        self.rewritten = False
        self.taken: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address == self.owner and not self.rewritten:
            self.path.write_bytes(b"the file was replaced while its mail was sent")
            self.rewritten = True
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.taken.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


@pytest.mark.parametrize("language", ["zh"])
def test_a_file_changed_in_mid_send_is_retried_with_its_note_and_is_no_outage(
    make_config, sqlite_url, clock, account, smtp, language, tmp_path
):
    app = desk(make_config, sqlite_url, clock, tmp_path, language, LIMIT)
    try:
        _number, row = queued_notice(app, account, smtp, language)
        smtp.refuse("451 4.3.0 try again later")  # mails queued after the notice, in its batch
        account.deliver(customer_mail("韩梅 <han.mei@example.cn>", "发票抬头", "请把发票抬头改成新公司名。"))
        app.run_once()
        smtp.refuse(None)
        with app.sessions() as session:
            waiting = session.scalars(select(OutboxMail).where(OutboxMail.status == "pending")).all()
            after = sorted(r.recipient for r in waiting if r.id > row.id)
        assert after  # the acknowledgement to 韩梅 at least
        server = _Rewriting(
            BlobStore.under(app.config.paths.data).path(row.blobs[0]["sha256"]), row.recipient
        )
        controller = Controller(server, hostname="127.0.0.1", port=free_port())
        controller.start()
        try:
            config = app.config.smtp.model_copy(update={"port": controller.port})
            sender = Sender(config, app.config.support_address, app.sessions, clock, app.sender.blobs)
            clock.advance(timedelta(hours=2))  # past the first refusal's backoff
            first = sender.drain()
            assert server.rewritten and first.outage == ""
            assert row.recipient not in [to for tos, _ in server.taken for to in tos]  # nothing half-made
            # The rest of the batch went in the same drain, on a new connection.
            assert set(after) <= {to for tos, _ in server.taken for to in tos}
            assert first.sent == len(waiting) - 1
            with app.sessions() as session:
                again = session.get(OutboxMail, row.id)
                assert (again.status, again.attempts) == ("pending", 2)
                assert "no longer holds the bytes" in again.last_error
                assert again.next_attempt_at > clock.now()  # a retry of this mail, not of the server

            clock.advance(timedelta(hours=2))
            second = sender.drain()
        finally:
            controller.stop()
        assert (second.outage, second.sent) == ("", 1)
        [(_, notice)] = [(tos, data) for tos, data in server.taken if row.recipient in tos]
        parsed = email.message_from_bytes(notice, policy=email.policy.default)
        notes = [part.get_content() for part in parsed.walk() if part.get_content_disposition() == "inline"]
        assert len(notes) == 1 and UNREADABLE[language] in notes[0]  # the changed file's note
        with app.sessions() as session:
            states = session.scalars(select(OutboxMail.status)).all()
        assert set(states) == {"sent"}
    finally:
        app.close()
