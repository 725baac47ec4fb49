"""The exception tree: every error the helpdesk raises on purpose derives from HelpdeskError."""

from __future__ import annotations


class HelpdeskError(Exception):
    """Base of every deliberate helpdesk error."""


class TransientError(HelpdeskError):
    """Base of the errors that say "not now": a connection, a lock, a timeout, a full disk.

    The caller retries later with backoff; nothing is lost meanwhile (the mail stays in the
    mailbox, the outbox row stays pending).
    """


class PermanentError(HelpdeskError):
    """Base of the errors that say "never like this": the input itself is at fault.

    Retrying cannot help: a mail is quarantined with the reason, a command or a config is
    refused with it.
    """


class StoreUnavailable(TransientError):
    """Raised when the database cannot take a transaction now: the connection is gone, it is
    locked past the timeout, read-only, or out of space."""


class ConfigError(PermanentError):
    """Raised when a config file cannot be read or fails validation.

    `problems` lists each finding as "file:line: message", so `helpdesk check` can print
    them all rather than stopping at the first.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class ParseError(PermanentError):
    """Raised when raw bytes cannot be turned into an inbound message at all."""


class ProcessingError(PermanentError):
    """Raised when a parsed mail cannot be applied to the ticket store.

    `stage` names the pipeline step that failed (parse, thread, store, render), which is
    what the quarantine records beside the error text.
    """

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage


class TemplateError(PermanentError):
    """Raised when an outbound template is missing or fails to render."""


class MailboxError(TransientError):
    """Raised when the IMAP server refuses an operation the ingest loop needs
    (login, selecting or creating a folder). The loop retries it with backoff, as it does a
    dropped connection: a wrong password is an outage until someone fixes it."""


class SchemaMismatch(PermanentError):
    """Raised when a command that only reads finds the database schema older or newer than this
    helpdesk; the message says how to migrate (`helpdesk migrate`) or that the helpdesk is old."""


class NotFound(PermanentError):
    """Raised when a ticket, quarantine entry or other record named by a user does not exist."""
