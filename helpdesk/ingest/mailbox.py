"""The IMAP side (imapclient): UIDs only, UIDVALIDITY read at select, IDLE when offered, moves or flags."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import select
import socket
import threading
import time

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from helpdesk.config import ImapConfig
from helpdesk.errors import MailboxError

log = logging.getLogger(__name__)

# Raised by imapclient or the socket beneath it when the link drops; the loop reconnects.
CONNECTION_ERRORS = (IMAPClientError, imaplib.IMAP4.abort, imaplib.IMAP4.error, OSError)


class Mailbox:
    """One logged-in connection to the support folder."""

    def __init__(self, config: ImapConfig) -> None:
        self.config = config
        self.client: IMAPClient | None = None
        self.uidvalidity = 0

    def connect(self) -> None:
        """Log in, create the processed and quarantine folders if missing, select the inbox folder."""
        cfg = self.config
        client = IMAPClient(
            cfg.host,
            port=cfg.port,
            ssl=cfg.security == "tls",
            timeout=cfg.timeout_seconds,
            ssl_context=cfg.tls_context(),
        )
        try:
            if cfg.security == "starttls":
                client.starttls(cfg.tls_context())
            client.login(cfg.username, cfg.password)
        except LoginError as exc:
            client.shutdown()
            raise MailboxError(f"IMAP login as {cfg.username} refused by {cfg.host}: {exc}") from exc
        wanted = [cfg.quarantine_folder]
        if cfg.processed_action == "move":
            wanted.append(cfg.processed_folder)
        for folder in wanted:
            if not client.folder_exists(folder):
                client.create_folder(folder)
        selected = client.select_folder(cfg.folder)
        self.uidvalidity = int(selected[b"UIDVALIDITY"])
        self.client = client

    @property
    def connected(self) -> bool:
        return self.client is not None

    def close(self) -> None:
        if self.client is None:
            return
        client, self.client = self.client, None
        try:
            client.logout()
        except CONNECTION_ERRORS:
            client.shutdown()

    def abandon(self) -> None:
        """Drop a connection that failed: close the socket without a LOGOUT that could hang."""
        if self.client is None:
            return
        client, self.client = self.client, None
        with contextlib.suppress(CONNECTION_ERRORS):
            client.shutdown()

    def pending(self) -> list[int]:
        """UIDs waiting in the folder, oldest first ( \\Seen is ignored: people read this mailbox too)."""
        uids = sorted(self._client.search("ALL"))
        if self.config.processed_action == "move" or not uids:
            return uids
        flag = self.config.processed_flag.encode()
        flags = self._client.get_flags(uids)
        return [uid for uid in uids if flag not in flags.get(uid, ())]

    def fetch(self, uid: int) -> bytes | None:
        """The mail's raw bytes, fetched with BODY.PEEK so reading never marks it \\Seen."""
        data = self._client.fetch([uid], ["BODY.PEEK[]"])
        item = data.get(uid)
        return item.get(b"BODY[]") if item else None

    def finish(self, uid: int, quarantined: bool) -> None:
        """Take a committed mail out of the way: into quarantine, the processed folder, or flagged."""
        if quarantined:
            self._move(uid, self.config.quarantine_folder)
        elif self.config.processed_action == "move":
            self._move(uid, self.config.processed_folder)
        else:
            self._client.add_flags([uid], [self.config.processed_flag])

    def _move(self, uid: int, folder: str) -> None:
        client = self._client
        if client.has_capability("MOVE"):
            client.move([uid], folder)
            return
        client.copy([uid], folder)
        client.delete_messages([uid])
        if client.has_capability("UIDPLUS"):
            client.uid_expunge([uid])
        else:
            client.expunge()

    def wait(self, seconds: float, stop: threading.Event) -> None:
        """Block until new mail may have arrived, `seconds` pass, or `stop` is set.

        With IDLE the server's EXISTS wakes us within a second. A mail that arrived after
        the last search may have been announced in a response already consumed, and some
        servers do not announce it again when IDLE starts: so the folder is searched right
        before each IDLE, and IDLE lasts at most `poll_seconds` as a safety net.
        """
        client = self._client
        if not (self.config.idle and client.has_capability("IDLE")):
            stop.wait(min(seconds, self.config.poll_seconds))
            return
        if self.pending():
            return
        limit = min(seconds, self.config.idle_renew_seconds, self.config.poll_seconds)
        deadline = time.monotonic() + limit
        client.idle()
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                responses = client.idle_check(timeout=1)
                if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                    break
                if not responses and _peer_closed(client.socket()):
                    # imapclient's idle_check swallows EOF and returns nothing, again and again.
                    raise ConnectionError("the IMAP server closed the connection during IDLE")
        finally:
            client.idle_done()

    @property
    def _client(self) -> IMAPClient:
        if self.client is None:
            raise MailboxError("not connected to the IMAP server")
        return self.client


def _peer_closed(sock: socket.socket) -> bool:
    """True when the server has closed the connection (a zero-byte peek at the raw socket).

    The raw peek works under TLS too: it looks at the encrypted bytes, and only a
    closed connection reads as zero bytes.
    """
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:  # nothing waiting: the connection is quietly alive
            return False
        return socket.socket.recv(sock, 1, socket.MSG_PEEK) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except (OSError, ValueError):
        return True
