"""SMTP servers that misbehave on purpose, on loopback: a fixed greeting, a login that always fails,
recipients refused, and a sink that runs a callback (a failing database, say) after accepting a mail."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from helpdesk.localservers import Received, free_port


@dataclass
class _Handler:
    refused: set[str] = field(default_factory=set)  # recipients answered "550 no such user"
    after_accept: Callable[[int], None] | None = None  # called with the count, after the 250 is decided
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refused:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
            count = len(self.received)
        if self.after_accept:
            self.after_accept(count)
        return "250 OK"


class Sink:
    """An aiosmtpd sink; with `password`, it demands a login and refuses every other password (535)."""

    def __init__(self, port: int | None = None, password: str | None = None, **handler) -> None:
        self.port = port or free_port()
        self.handler = _Handler(**handler)
        self.logins = 0
        options: dict = {}
        if password is not None:
            options.update(
                auth_required=True, auth_require_tls=False, authenticator=self._authenticator(password)
            )
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)

    def _authenticator(self, password: str) -> Callable:
        def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
            self.logins += 1
            return AuthResult(success=auth_data.password.decode() == password, handled=False)  # 535 if not

        return check

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def __enter__(self) -> Sink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


class Greeter:
    """A server that greets every connection with one fixed reply (e.g. a 554) and says nothing more."""

    def __init__(self, greeting: str) -> None:
        self.greeting = greeting.encode() + b"\r\n"
        self.connections = 0
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.sendall(self.greeting)
                conn.settimeout(2)
                try:
                    while conn.recv(1024):
                        pass
                except OSError:
                    pass

    def __enter__(self) -> Greeter:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.socket.close()
        self.thread.join(5)
