"""A daemon that has handled a big mail gives its memory back: with `return_large_blocks` (what
`helpdesk run` does first), a freed block of a few MiB leaves the process, where glibc's default
keeps it once a block that large has been freed before."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    getattr(ctypes.CDLL(None), "mallopt", None) is None, reason="the C library has no mallopt (not glibc)"
)

# Two mails' worth of bytes made and dropped, small objects made in between (as parsing does):
# how much the resident set grew and stayed, in MiB.
_CHILD = """
import json, sys
from helpdesk.malloc import return_large_blocks

def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

chosen = return_large_blocks() if sys.argv[1] == "set" else None
if sys.argv[1] == "run":  # the command, its config missing: it stops with an error after setting it
    from click.testing import CliRunner
    from helpdesk.cli import main
    assert CliRunner().invoke(main, ["--config", sys.argv[2], "run", "--once"]).exit_code != 0
kept = []
before = rss()
for size in (6 << 20, 5 << 20):
    mail = bytearray(size)  # touched: resident
    kept += [str(n) for n in range(5_000)]
    del mail
print(json.dumps([chosen, rss() - before]))
"""


def _grown(how: str, *args: str, **env: str) -> tuple[bool | None, float]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, how, *args],
        capture_output=True,
        text=True,
        check=True,
        env=env or None,
    )
    return tuple(json.loads(done.stdout))


def test_a_freed_mail_leaves_the_process():
    chosen, grown = _grown("set")
    _, kept = _grown("default")
    assert chosen is True and grown < 2 < 5 < kept


@pytest.mark.parametrize(
    "setting",
    [{"MALLOC_MMAP_THRESHOLD_": "1048576"}, {"GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=1048576"}],
    ids=["MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES"],
)
def test_an_administrators_malloc_setting_stands(setting):
    chosen, _ = _grown("set", **os.environ, **setting)
    assert chosen is False


def test_helpdesk_run_sets_it_first(tmp_path):
    """`helpdesk run` itself: even with a config that fails to load, its process gives a freed
    mail back afterwards, as `return_large_blocks` makes it."""
    chosen, grown = _grown("run", str(tmp_path / "missing.yaml"))
    assert chosen is None and grown < 2
