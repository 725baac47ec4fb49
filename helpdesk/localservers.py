"""Throwaway mail servers on loopback for the demo and the tests: a pymap IMAP server and an SMTP sink."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {seconds}s")


@dataclass
class Received:
    """One mail the sink accepted: the envelope, the parsed message, and when (time.time())."""

    sender: str
    recipients: list[str]
    data: bytes
    at: float = 0.0

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    reply: str | None = None  # e.g. "451 4.3.0 try later" to refuse every mail
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.reply:
            return self.reply
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content), time.time())
            )
        return "250 OK"


class SmtpSink:
    """An aiosmtpd server that records every mail; `refuse()` makes it answer with an error.

    With `tls`, it speaks TLS from the first byte ("implicit") or demands STARTTLS.
    """

    def __init__(
        self,
        port: int | None = None,
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
    ) -> None:
        self.port = port or free_port()
        self.handler = _Handler()
        options: dict = {}
        if tls and implicit_tls:
            options["ssl_context"] = tls
        elif tls:
            options.update(tls_context=tls, require_starttls=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def refuse(self, reply: str | None) -> None:
        self.handler.reply = reply

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


class PymapServer:
    """pymap's in-memory IMAP server in a child process, with one user (IDLE and MOVE supported).

    With `cert` and `key` (PEM files) it offers STARTTLS.
    """

    def __init__(
        self, user: str, password: str, port: int | None = None, cert: str = "", key: str = ""
    ) -> None:
        self.user = user
        self.password = password
        self.port = port or free_port()
        self.tls = ["--cert", cert, "--key", key] if cert else ["--no-tls"]
        self.process: subprocess.Popen | None = None

    def start(self) -> PymapServer:
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-c", "from pymap.main import main; main()"),
                *("--host", "127.0.0.1", "--port", str(self.port), *self.tls),
                *("dict", "--demo-user", self.user, "--demo-password", self.password),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
