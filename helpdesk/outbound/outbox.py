"""Decide an outbound mail: render it, thread it, and write it to the outbox in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.clock import Clock
from helpdesk.config import Config
from helpdesk.outbound.attach import File, forwarding
from helpdesk.outbound.compose import compose
from helpdesk.outbound.render import Rendered, Renderer
from helpdesk.tickets.models import Message, OutboxMail, Ticket
from helpdesk.tickets.numbering import subject_tag
from helpdesk.tickets.repository import Repository


@dataclass(frozen=True)
class Notifier:
    """Everything needed to turn 'tell X about ticket T with template N' into an outbox row."""

    config: Config
    renderer: Renderer
    clock: Clock

    def voice(self, mailbox: str | None = None) -> dict:
        """What every template is given about us: our name and signature in each language (the
        mailbox's: a ticket's own, the digest's desk's), and how mail to customers names our
        engineers (privacy.staff_names)."""
        return {
            "support_names": self.config.sender_of(mailbox)[1].model_dump(),
            "staff_names": self.config.privacy.staff_names,
        }

    def enqueue_rendered(
        self, repo: Repository, rendered: Rendered, *, recipient: str, kind: str, mailbox: str | None = None
    ) -> OutboxMail:
        """Queue an already rendered mail that belongs to no ticket (the managers' digest), sent
        from `mailbox`'s address (None: support_address)."""
        return self._queue(
            repo, None, rendered, recipient=recipient, kind=kind, automatic=False, thread=[], mailbox=mailbox
        )

    def _queue(
        self,
        repo: Repository,
        ticket: Ticket | None,
        rendered: Rendered,
        *,
        recipient: str,
        kind: str,
        automatic: bool,
        thread: list[str],
        tag: str = "",
        files: tuple[File, ...] = (),
        mailbox: str | None = None,
    ) -> OutboxMail:
        """Compose `rendered` (threaded after `thread`) and add it to the outbox, from the ticket's
        own mailbox's address (without a ticket, `mailbox`'s)."""
        now = self.clock.now()
        address, name = self.config.sender_of(ticket.mailbox if ticket else mailbox)
        outgoing = compose(
            rendered,
            sender_name=name.of(rendered.language),
            sender_address=address,
            recipient=recipient,
            tag=tag,
            in_reply_to=thread[-1] if thread else None,
            references=thread,
            now=now,
            files=files,
        )
        row = OutboxMail(
            ticket=ticket,
            kind=kind,
            recipient=recipient.lower(),
            message_id=outgoing.message_id,
            subject=outgoing.subject,
            data=outgoing.data,
            blobs=outgoing.blobs,
            automatic=automatic,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            last_error="",
            created_at=now,
        )
        repo.session.add(row)
        return row

    def enqueue(
        self,
        repo: Repository,
        ticket: Ticket,
        *,
        template: str,
        recipient: str,
        language: str,
        context: dict,
        automatic: bool = True,
    ) -> OutboxMail:
        """Queue mail `template` to `recipient` in the ticket's thread, with its Message row and event.

        Whether it may be sent at all (the daily cap on automatic mail) is the applier's call.
        """
        now = self.clock.now()
        tag = subject_tag(self.config.numbering, ticket.number)
        context, files = forwarding(template, context, self.config)
        rendered = self.renderer.render(
            template, language, {**context, "tag": tag, **self.voice(ticket.mailbox)}
        )
        thread = repo.thread_ids(ticket)
        row = self._queue(
            repo,
            ticket,
            rendered,
            recipient=recipient,
            kind=template,
            automatic=automatic,
            thread=thread,
            tag=tag,
            files=files,
        )
        repo.session.add(
            Message(
                ticket=ticket,
                direction="out",
                message_id=row.message_id,
                in_reply_to=thread[-1] if thread else "",
                references=" ".join(thread),
                sender=self.config.sender_of(ticket.mailbox)[0],
                recipients=recipient,
                subject=row.subject,
                text=rendered.text,
                new_text=rendered.text,
                language=rendered.language,
                defects=[],
                created_at=now,
            )
        )
        repo.add_event(
            ticket,
            now,
            "system",
            "mail_queued",
            {"template": template, "recipient": recipient, "message_id": row.message_id},
        )
        return row
