"""systemd's notify protocol as the daemon speaks it: READY=1, WATCHDOG=1 while alive, STOPPING=1."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpdesk.daemon import Helpdesk
from helpdesk.sdnotify import SystemdNotifier


@pytest.fixture
def notify_socket() -> Iterator[tuple[socket.socket, str]]:
    """A datagram socket where systemd would listen; a short path (AF_UNIX allows 108 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="hd-notify-"))
    path = str(folder / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(10)
    yield sock, path
    sock.close()
    shutil.rmtree(folder, ignore_errors=True)


def received(sock: socket.socket, until: str) -> list[str]:
    """Datagrams, in order, up to and including the first that holds `until`."""
    got: list[str] = []
    while not any(until in message.splitlines() for message in got):
        got.append(sock.recv(4096).decode())
    return got


def test_the_daemon_tells_systemd_it_is_ready_alive_and_stopping(
    make_config, sqlite_url, account, smtp, notify_socket, monkeypatch
):
    sock, path = notify_socket
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")  # WatchdogSec=1: a ping every half second
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    app = Helpdesk(make_config(sqlite_url))
    stop = threading.Event()
    daemon = threading.Thread(target=app.run, args=(stop,))
    daemon.start()
    try:
        first = received(sock, "READY=1")
        assert len(first) == 1 and first[0].startswith("READY=1\nSTATUS=running: ")
        pings = received(sock, "WATCHDOG=1") + received(sock, "WATCHDOG=1")
        assert pings == ["WATCHDOG=1", "WATCHDOG=1"]  # periodic, not once
    finally:
        stop.set()
        daemon.join(30)
    assert not daemon.is_alive()
    assert received(sock, "STOPPING=1")[-1].startswith("STOPPING=1")


def test_the_abstract_namespace_is_understood():
    name = f"helpdesk-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(5)
        SystemdNotifier({"NOTIFY_SOCKET": "@" + name}).ready("running")
        assert sock.recv(4096) == b"READY=1\nSTATUS=running"


def test_no_watchdog_for_another_process_and_nothing_without_systemd(notify_socket):
    sock, path = notify_socket
    other = SystemdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"})
    assert other.enabled and other.watchdog_seconds is None
    other.ready("running")
    assert sock.recv(4096) == b"READY=1\nSTATUS=running"
    other.watchdog()
    alone = SystemdNotifier({})
    assert not alone.enabled
    alone.ready("running")  # no socket: a silent no-op, not an error
    sock.settimeout(0.2)
    with pytest.raises(TimeoutError):
        sock.recv(4096)


def test_a_vanished_socket_is_a_warning_not_a_crash(caplog, tmp_path):
    SystemdNotifier({"NOTIFY_SOCKET": str(tmp_path / "gone")}).stopping()
    assert "cannot notify systemd" in caplog.text
