"""Daemons sharing one mailbox on PostgreSQL take different mails: a lock on each UID while it is worked.

Exactly once does not rest on these locks (the seen-mail row committed with the mail does): they
only keep two daemons from parsing and deciding the same mail, the loser's batch then rolled back
and done again one mail at a time. A lock is PostgreSQL's session advisory lock, held on a
connection of its own from before the fetch until the batch is committed and moved; a daemon
that dies drops its connection, and with it its locks.
"""

from __future__ import annotations

import contextlib
import zlib

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from helpdesk.tickets.db import unavailable_when_transient

TRY_LOCKS = text("SELECT u, pg_try_advisory_lock(:space, u) FROM unnest(CAST(:keys AS integer[])) AS u")


def _int4(value: int) -> int:
    """An unsigned 32-bit number (a UID, a checksum) as the signed integer PostgreSQL's locks take."""
    return value - (1 << 32) if value >= 1 << 31 else value


class Held:
    """The locks of one batch, on their connection; release() gives them up (idempotent)."""

    def __init__(self, connection: Connection | None) -> None:
        self.connection = connection

    def release(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock_all()"))
            connection.close()
        except DBAPIError:  # the server is gone, and the session with it: never reuse this connection
            with contextlib.suppress(DBAPIError):
                connection.invalidate()
                connection.close()


class Claims:
    """Per-UID locks in one folder of one mailbox (a no-op on other databases: SQLite has one writer)."""

    def __init__(self, engine: Engine, mailbox: str, folder: str) -> None:
        self.engine = engine
        self.shared = engine.dialect.name == "postgresql"
        self.mailbox = mailbox
        self.folder = folder

    def take(self, uidvalidity: int, uids: list[int]) -> tuple[Held, list[int]]:
        """Lock what no other daemon holds of `uids`; returns the locks and the UIDs locked, in order."""
        if not self.shared or not uids:
            return Held(None), uids
        space = _int4(zlib.crc32(f"{self.mailbox}\0{self.folder}\0{uidvalidity}".encode()))
        with unavailable_when_transient():
            connection = self.engine.connect()
            held = Held(connection)
            try:
                rows = connection.execute(TRY_LOCKS, {"space": space, "keys": [_int4(uid) for uid in uids]})
                got = {key for key, locked in rows if locked}
                connection.commit()  # the locks outlive the transaction: they belong to the session
            except BaseException:
                held.release()
                raise
        return held, [uid for uid in uids if _int4(uid) in got]
