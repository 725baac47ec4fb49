"""The exception tree: every error the helpdesk raises on purpose derives from HelpdeskError."""

from __future__ import annotations


class HelpdeskError(Exception):
    """Base of every deliberate helpdesk error."""


class ConfigError(HelpdeskError):
    """Raised when a config file cannot be read or fails validation.

    `problems` lists each finding as "file:line: message", so `helpdesk check` can print
    them all rather than stopping at the first.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class ParseError(HelpdeskError):
    """Raised when raw bytes cannot be turned into an inbound message at all."""


class ProcessingError(HelpdeskError):
    """Raised when a parsed mail cannot be applied to the ticket store.

    `stage` names the pipeline step that failed (parse, thread, store, render), which is
    what the quarantine records beside the error text.
    """

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage


class TemplateError(HelpdeskError):
    """Raised when an outbound template is missing or fails to render."""


class MailboxError(HelpdeskError):
    """Raised when the IMAP server refuses an operation the ingest loop needs
    (login, selecting or creating a folder); connection drops are retried, not raised."""


class NotFound(HelpdeskError):
    """Raised when a ticket, quarantine entry or other record named by a user does not exist."""
