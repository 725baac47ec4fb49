"""What the daemon's signals ask for: set by their handlers, acted on by the main thread.

A Python signal handler runs in the main thread between any two of its bytecodes, even inside
`threading.Event.wait` while that event's lock is held, so a handler that took a lock (set an
event, start a thread) could wait on itself forever. These handlers only set a flag; the main
thread, waking at least every `SLICE` seconds, does the work."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

SLICE = 0.5  # seconds: how late at most the main thread acts on a signal, whichever thread got it


class Signals:
    """SIGTERM and SIGINT ask the daemon to stop; SIGHUP asks it to reload its rules and templates."""

    def __init__(self, reload: Callable[[], object]) -> None:
        self._reload = reload
        self.stop_asked = False
        self.reload_asked = False

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._ask_stop)
        signal.signal(signal.SIGHUP, self._ask_reload)

    def _ask_stop(self, *_) -> None:
        self.stop_asked = True

    def _ask_reload(self, *_) -> None:
        self.reload_asked = True

    def serve(self, stop: threading.Event) -> None:
        """Act on what was asked until `stop` is set, by a signal or by anyone else."""
        while not stop.wait(SLICE):
            if self.reload_asked:
                self.reload_asked = False
                try:
                    self._reload()
                except Exception:  # a reload's own bug: the rules in force stay, signals still heard
                    log.exception("reload failed, the rules and templates in force stay")
            if self.stop_asked:
                stop.set()
