"""The daemon's signals, in its own process: a reload that breaks is logged and the daemon still
stops on SIGTERM; a stop asked by a signal ends the wait, whichever thread the signal reached."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent(
    """
    import logging, sys, threading
    from helpdesk.signals import Signals

    logging.basicConfig(stream=sys.stderr)
    calls = []

    def reload():
        calls.append(1)
        if len(calls) == 1:
            print("failing", flush=True)
            raise KeyError("a bug in the reload")
        print("reloaded", flush=True)

    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)  # a non-daemon worker keeps the process alive
    worker.start()
    signals = Signals(reload)
    signals.install()
    print("ready", flush=True)
    signals.serve(stop)
    worker.join()
    print("stopped", flush=True)
    """
)


def test_a_reload_that_raises_is_logged_and_sigterm_still_stops_the_process():
    command = [sys.executable, "-c", PROGRAM]
    # A missed line fails the test by pytest's timeout, not by a wait here.
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout.readline() == "ready\n"
            proc.send_signal(signal.SIGHUP)  # the reload raises
            assert proc.stdout.readline() == "failing\n"
            proc.send_signal(signal.SIGHUP)  # and the next one still runs
            assert proc.stdout.readline() == "reloaded\n"
            os.kill(proc.pid, signal.SIGTERM)
            assert proc.wait(20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.stdout.read() == "stopped\n"
        errors = proc.stderr.read()
    assert "reload failed, the rules and templates in force stay" in errors
    assert "KeyError: 'a bug in the reload'" in errors
