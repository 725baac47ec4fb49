"""Tell systemd how the daemon is doing (sd_notify: READY, WATCHDOG, STOPPING) over $NOTIFY_SOCKET."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping

log = logging.getLogger(__name__)


class SystemdNotifier:
    """Sends sd_notify datagrams when systemd asked for them (Type=notify); does nothing otherwise.

    The watchdog interval is half of $WATCHDOG_USEC, as sd_watchdog_enabled(3) advises, and only
    when $WATCHDOG_PID is unset or names this process."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        address = environ.get("NOTIFY_SOCKET", "")
        # "@name" is Linux's abstract namespace, a leading NUL byte on the wire.
        self.address = "\0" + address[1:] if address.startswith("@") else address
        self.watchdog_seconds = _watchdog_interval(environ)
        self._last_ping = 0.0
        self._ready = False  # no ping before READY=1: systemd counts the watchdog from there

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def ready(self, status: str) -> None:
        self.send(f"READY=1\nSTATUS={status}")
        self._ready = True

    def stopping(self) -> None:
        self.send("STOPPING=1\nSTATUS=stopping: finishing the mail in hand")

    def watchdog(self) -> None:
        """Ping the watchdog (after READY) if half its interval has passed since the last ping."""
        if not self._ready or self.watchdog_seconds is None:
            return
        if time.monotonic() - self._last_ping < self.watchdog_seconds:
            return
        self._last_ping = time.monotonic()
        self.send("WATCHDOG=1")

    def send(self, message: str) -> None:
        if not self.address:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(self.address)
                sock.sendall(message.encode())
        except OSError as exc:  # systemd gone or the socket not ours: never a reason to stop
            log.warning("cannot notify systemd at %s (%s)", self.address.replace("\0", "@"), exc)


def _watchdog_interval(environ: Mapping[str, str]) -> float | None:
    usec, pid = environ.get("WATCHDOG_USEC", ""), environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2_000_000
