"""The daemon as a process: a clean stop on SIGTERM; kill -9 mid-stream loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from email import message_from_bytes

from helpdesk.demo import customer_mail


def helpdesk(config_path, *args) -> list[str]:
    return [sys.executable, "-m", "helpdesk", "--config", str(config_path), *args]


def count_tickets(db_path) -> int:
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(db_path, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def wait_for(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_sigterm_stops_cleanly(make_config, sqlite_url, tmp_path, account, smtp):
    make_config(sqlite_url)
    command = helpdesk(tmp_path / "helpdesk.yaml", "run", "--backlog", "answer")
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    account.deliver(customer_mail("Anna <anna@example.com>", "first", "x"))
    wait_for(lambda: len(smtp.received) == 1)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "helpdesk stopped" in stderr


def test_kill_9_mid_stream_then_restart_loses_and_duplicates_nothing(
    make_config, sqlite_url, tmp_path, account, smtp
):
    # A short lease: the mails the killed daemon had leased go out again once it has passed.
    make_config(sqlite_url, smtp={"lease_seconds": 1})
    db_path = tmp_path / "helpdesk.db"
    total = 40
    account.deliver(*(customer_mail(f"c{n} <c{n}@example.com>", f"report {n}", "x") for n in range(total)))
    proc = subprocess.Popen(
        # The mail waiting before the first start is answered: that is what this test is about.
        helpdesk(tmp_path / "helpdesk.yaml", "run", "--backlog", "answer"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: count_tickets(db_path) >= 8)
    proc.kill()  # SIGKILL: no cleanup of any kind
    proc.wait(10)
    assert count_tickets(db_path) < total, "the kill came too late to test anything"
    time.sleep(1.5)  # the lease of whatever the killed sender held
    done = subprocess.run(
        helpdesk(tmp_path / "helpdesk.yaml", "run", "--once"), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db_path) as conn:
        subjects = [row[0] for row in conn.execute("SELECT subject FROM tickets")]
        outbox = conn.execute("SELECT count(*), count(DISTINCT recipient) FROM outbox").fetchone()
    assert sorted(subjects) == sorted(f"report {n}" for n in range(total))
    assert outbox == (total, total)
    # Every customer got an acknowledgement; a send cut between SMTP's 250 and our commit may
    # repeat, but with the same Message-ID, which clients fold into one.
    ids = {message_from_bytes(r.data)["Message-ID"] for r in smtp.received}
    assert len(ids) == total
    assert {r.recipients[0] for r in smtp.received} == {f"c{n}@example.com" for n in range(total)}
    assert account.count("INBOX") == 0 and account.count("Processed") == total


def test_demo_runs_from_a_clean_directory(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "helpdesk", "demo", "--keep", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200"},  # rich shortens table cells to fit 80 columns
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "已收到您的需求" in out and "We have received your request" in out
    assert "打印服务报错" in out  # the GBK-bodied mail, read right
    assert "补充一下：出错时间是今天 9:05。" in out and "原始邮件" not in out
    assert "wang.wei@example.com" in out and "新工单分配给您" in out  # the completed report reached its owner
    assert (tmp_path / "demo" / "helpdesk.db").exists()
