"""The IMAP side (imapclient): UIDs only, UIDVALIDITY read at select, IDLE when offered, moves or flags."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from helpdesk.config import ImapConfig
from helpdesk.errors import MailboxError, PermanentError

log = logging.getLogger(__name__)

# Raised by imapclient or the socket beneath it when the link drops; the loop reconnects.
CONNECTION_ERRORS = (IMAPClientError, imaplib.IMAP4.abort, imaplib.IMAP4.error, OSError)
# RFC 5530 codes that say "not now" rather than "never": such a NO is retried like an outage.
TRANSIENT_CODES = ("[UNAVAILABLE]", "[INUSE]", "[SERVERBUG]", "[LIMIT]")
# Commands that change nothing when refused, so a refused set may be tried again one UID at a time.
WHOLE_SET = ("MOVE into", "COPY into", "STORE")
_T = TypeVar("_T")


class LoginRefused(MailboxError):
    """Raised when the IMAP server rejects the username or password: the operator must fix it."""


class Refused(PermanentError):
    """Raised when the server answers NO to one command for good: no right, over quota, no folder."""

    def __init__(self, command: str, folder: str, answer: str) -> None:
        super().__init__(f"{command} {folder}: {answer}")
        self.command = command
        self.folder = folder
        self.answer = answer


class Mailbox:
    """One logged-in connection to the support folder.

    What it knows outlives a reconnect: `done_up_to` (the highest UID recorded in the
    database) and `given_up` (recorded mails the server will not let us move or flag) are
    kept while the folder's UIDVALIDITY stays the same, so such a mail is tried once per
    start, not once per cycle, and each folder problem is logged once.
    """

    def __init__(self, config: ImapConfig, name: str = "") -> None:
        self.config = config
        self.name = name  # the mailbox's name in the config ("" for a single mailbox)
        self.client: IMAPClient | None = None
        self.uidvalidity = 0
        self.done_up_to = 0
        self.given_up: set[int] = set()
        self.keywords = True  # whether the server keeps our processed_flag (PERMANENTFLAGS)
        self._reported: set[tuple[str, str]] = set()

    def connect(self) -> None:
        """Log in, create the processed and quarantine folders if missing, select the inbox folder.

        Every way of failing here raises MailboxError with one line an operator can act on
        (LoginRefused for a rejected password)."""
        cfg = self.config
        where = f"{cfg.host}:{cfg.port}"
        client = log_in(cfg, cfg.timeout_seconds)
        try:
            for folder in self._wanted():
                self._ensure(client, folder)
            selected = client.select_folder(cfg.folder)
        except CONNECTION_ERRORS as exc:
            with contextlib.suppress(*CONNECTION_ERRORS):
                client.shutdown()
            if _refusal(exc) is not None:
                raise MailboxError(f"IMAP server {where} refused to open folder {cfg.folder}: {exc}") from exc
            raise MailboxError(describe(exc, where, cfg.timeout_seconds)) from exc
        uidvalidity = int(selected[b"UIDVALIDITY"])
        if uidvalidity != self.uidvalidity:
            self.given_up.clear()
            self.done_up_to = 0
        self.uidvalidity = uidvalidity
        self.keywords = self._keeps_keyword(selected.get(b"PERMANENTFLAGS"))
        self.client = client

    def resume(self, stored_uidvalidity: int | None, last_uid: int) -> None:
        """Take the database's checkpoint for this folder; the caller has compared the UIDVALIDITY."""
        if stored_uidvalidity == self.uidvalidity:
            self.done_up_to = max(self.done_up_to, last_uid)

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
        """UIDs waiting in the folder, oldest first ( \\Seen is ignored: people read this mailbox too).

        Moving: every mail in the folder. Flagging: the server searches for the mails without
        our keyword; where it cannot keep keywords, for the UIDs above the checkpoint. A mail
        someone marked \\Deleted is theirs to expunge, never ours to take."""
        client = self._client
        if self.config.processed_action == "move":
            uids = client.search(["UNDELETED"])
        elif self.keywords:
            uids = client.search(["UNDELETED", "UNKEYWORD", self.config.processed_flag])
        else:  # "N:*" always holds the highest UID, even one below N
            above = self.done_up_to
            uids = [uid for uid in client.search(["UNDELETED", "UID", f"{above + 1}:*"]) if uid > above]
        return sorted(uid for uid in uids if uid not in self.given_up)

    def sizes(self, uids: list[int]) -> dict[int, int]:
        """Each mail's size in bytes, in one command (a mail expunged meanwhile is left out)."""
        if not uids:
            return {}
        data = self._client.fetch(uids, ["RFC822.SIZE"])
        return {uid: item[b"RFC822.SIZE"] for uid, item in data.items() if b"RFC822.SIZE" in item}

    def fetch(self, uids: list[int]) -> dict[int, bytes]:
        """The mails' raw bytes, in one command, with BODY.PEEK so reading never marks them \\Seen;
        a mail expunged by someone else meanwhile is left out."""
        data = self._client.fetch(uids, ["BODY.PEEK[]"])
        return {uid: data[uid][b"BODY[]"] for uid in uids if b"BODY[]" in data.get(uid, {})}

    def finish(self, done: dict[int, bool]) -> None:
        """Take committed mails out of the way (UID: quarantined or not): into quarantine, the
        processed folder, or flagged, with one command for each kind.

        The mails are recorded already, so a permanent NO leaves a mail where it is, done: the
        problem is logged once and the next mail goes on. A dropped connection raises."""
        if done:
            self.done_up_to = max(self.done_up_to, *done)
        for quarantined in (True, False):
            uids = [uid for uid, held in done.items() if held == quarantined]
            try:
                if uids:
                    self._take_away(uids, quarantined)
            except Refused as refusal:
                if len(uids) > 1 and refusal.command in WHOLE_SET:  # which of them? A quota may take some
                    for uid in uids:
                        self.finish({uid: quarantined})
                    continue
                self.given_up.update(uids)
                self._once(
                    (refusal.command, refusal.folder),
                    "IMAP server refused %s %s (%s): such mail is recorded as done and stays in %s; "
                    "said once, fix the folder's rights or quota and restart to tidy up",
                    refusal.command,
                    refusal.folder,
                    refusal.answer,
                    self.config.folder,
                )

    def _take_away(self, uids: list[int], quarantined: bool) -> None:
        if quarantined:
            self._move(uids, self.config.quarantine_folder)
        elif self.config.processed_action == "move":
            self._move(uids, self.config.processed_folder)
        elif self.keywords:
            flag = self.config.processed_flag
            self._checked("STORE", flag, self._client.add_flags, uids, [flag])

    def _move(self, uids: list[int], folder: str) -> None:
        client = self._client
        if client.has_capability("MOVE"):
            self._checked("MOVE into", folder, client.move, uids, folder)
            return
        self._checked("COPY into", folder, client.copy, uids, folder)
        self._checked("STORE \\Deleted in", self.config.folder, client.delete_messages, uids)
        if client.has_capability("UIDPLUS"):
            self._checked("UID EXPUNGE in", self.config.folder, client.uid_expunge, uids)
            return
        # Without UIDPLUS, EXPUNGE takes every \Deleted mail: spare the ones someone else marked.
        others = [other for other in client.search(["DELETED"]) if other not in uids]
        if others:
            client.remove_flags(others, ["\\Deleted"])
        try:
            self._checked("EXPUNGE in", self.config.folder, client.expunge)
        finally:
            if others:
                client.add_flags(others, ["\\Deleted"])

    def _checked(self, command: str, folder: str, call: Callable[..., _T], *args: object) -> _T:
        """Run one command; a permanent NO becomes Refused, anything else propagates."""
        try:
            return call(*args)
        except CONNECTION_ERRORS as exc:
            answer = _refusal(exc)
            if answer is None:
                raise
            raise Refused(command, folder, answer) from exc

    def _wanted(self) -> list[str]:
        cfg = self.config
        return [cfg.quarantine_folder] + ([cfg.processed_folder] if cfg.processed_action == "move" else [])

    def _ensure(self, client: IMAPClient, folder: str) -> None:
        """Create `folder` if missing; a refusal is logged once, and the moves into it fail later, alone."""
        if client.folder_exists(folder):
            return
        try:
            self._checked("CREATE", folder, client.create_folder, folder)
        except Refused as refusal:
            self._once(
                ("CREATE", folder),
                "IMAP server refused to create folder %s (%s): mail meant for it stays in %s",
                folder,
                refusal.answer,
                self.config.folder,
            )

    def _keeps_keyword(self, permanent: tuple[bytes, ...] | None) -> bool:
        """Whether the selected folder keeps our keyword; if not, say so once (flag mode only)."""
        if self.config.processed_action != "flag" or permanent is None:
            return True  # no PERMANENTFLAGS at all: every flag is permanent (RFC 9051)
        flag = self.config.processed_flag.encode()
        if b"\\*" in permanent or flag in permanent:
            return True
        self._once(
            ("KEYWORD", self.config.folder),
            "IMAP server keeps no keyword %s in %s (PERMANENTFLAGS %s): mails are not flagged, "
            "the UID checkpoint in the database alone says which are done",
            self.config.processed_flag,
            self.config.folder,
            b" ".join(permanent).decode(errors="replace"),
        )
        return False

    def _once(self, key: tuple[str, str], message: str, *args: object) -> None:
        if key in self._reported:
            log.debug(message, *args)
            return
        self._reported.add(key)
        log.warning(message, *args)

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


def log_in(cfg: ImapConfig, timeout: float) -> IMAPClient:
    """Connect, STARTTLS where configured, and log in; MailboxError (LoginRefused for a rejected
    password) says in one line why not."""
    where = f"{cfg.host}:{cfg.port}"
    try:
        client = IMAPClient(
            cfg.host, port=cfg.port, ssl=cfg.security == "tls", timeout=timeout, ssl_context=cfg.tls_context()
        )
    except CONNECTION_ERRORS as exc:
        raise MailboxError(describe(exc, where, timeout)) from exc
    if not logging.getLogger("imapclient.imaplib").isEnabledFor(logging.DEBUG):
        # imapclient sets imaplib's debug level to 5, and imaplib then formats the repr of every
        # response for that log, each fetched mail's bytes included, logged or not: two passing
        # copies of a mail, 12 MiB for a 5.5 MiB one. Kept where that log is on (-v).
        client._imap.debug = 0
    try:
        if cfg.security == "starttls":
            client.starttls(cfg.tls_context())
        client.login(cfg.username, cfg.password)
    except LoginError as exc:
        client.shutdown()
        raise LoginRefused(f"IMAP login refused for {cfg.username} by {where}: {exc}") from exc
    except CONNECTION_ERRORS as exc:
        with contextlib.suppress(*CONNECTION_ERRORS):
            client.shutdown()
        raise MailboxError(describe(exc, where, timeout)) from exc
    return client


def describe(exc: BaseException, where: str, timeout: float) -> str:
    """One line for an operator: what went wrong with the connection to `where`."""
    if isinstance(exc, MailboxError):
        return str(exc)
    if isinstance(exc, ssl.SSLError):  # before OSError: it is one
        return f"TLS failure with IMAP server {where}: {exc}"
    if isinstance(exc, TimeoutError):
        return f"IMAP server {where} timed out (no answer in {timeout:g} s)"
    if isinstance(exc, ConnectionRefusedError):
        return f"IMAP server {where} unreachable: {exc}"
    if isinstance(exc, (imaplib.IMAP4.abort, ConnectionError)):
        return f"IMAP connection to {where} dropped: {exc}"
    if isinstance(exc, OSError):
        return f"IMAP server {where} unreachable: {exc}"
    return f"IMAP server {where} failed: {exc}"


def _refusal(exc: BaseException) -> str | None:
    """The server's answer when `exc` is a command's permanent NO; None for a connection failure.

    imapclient raises IMAPClientError("<command> failed: <answer>") for a tagged NO; a
    dropped link is imaplib's abort or an OSError, and a BAD is imaplib's own error.
    """
    if isinstance(exc, (imaplib.IMAP4.abort, OSError, LoginError)) or not isinstance(exc, IMAPClientError):
        return None
    _, separator, answer = str(exc).partition(" failed: ")
    if not separator or any(code in answer.upper() for code in TRANSIENT_CODES):
        return None
    return answer


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
