"""SIGHUP reloads rules and templates between mails; rules or templates failing the check are refused."""

from __future__ import annotations

import ctypes
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import threading

import pytest

from helpdesk.cli import TEMPLATES
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from tests.conftest import SHIPPED_RULES
from tests.test_process import helpdesk, wait_for
from tests.test_workflow import body, mails_to

TGKILL = {"x86_64": 234, "aarch64": 131}  # the syscall's number per architecture
CATCH_ALL = "      set_team: product\n"  # the last routing rule: everything else to the product team
TEMPLATES_DIR = SHIPPED_RULES.parent / "templates" / "email"


def teams(db_path) -> list[str | None]:
    with sqlite3.connect(db_path, timeout=5) as conn:
        return [row[0] for row in conn.execute("SELECT team FROM tickets ORDER BY id")]


def ticket_count(db_path) -> int:
    try:
        return len(teams(db_path))
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def edit_routing(rules, old: str, new: str) -> None:
    path = rules / "routing.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def plain_mail(n: int) -> bytes:
    return customer_mail(f"客户{n} <c{n}@example.com>", f"本月报表 {n}", "附件是本月的报表，供参考。")


def test_sighup_takes_new_rules_for_the_next_mail_and_refuses_broken_ones(
    make_config, sqlite_url, tmp_path, account, smtp
):
    rules = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, rules)
    make_config(sqlite_url, rules=rules)
    db = tmp_path / "helpdesk.db"
    with (tmp_path / "stderr.log").open("w", encoding="utf-8") as log:
        command = helpdesk(tmp_path / "helpdesk.yaml", "run", "--backlog", "answer")
        proc = subprocess.Popen(command, stderr=log)
    try:
        account.deliver(plain_mail(1))
        wait_for(lambda: ticket_count(db) == 1)
        assert teams(db) == ["product"]

        edit_routing(rules, CATCH_ALL, "      set_team: rnd\n")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reloaded rules" in (tmp_path / "stderr.log").read_text(encoding="utf-8"))
        account.deliver(plain_mail(2))
        wait_for(lambda: ticket_count(db) == 2)
        assert teams(db) == ["product", "rnd"]

        edit_routing(rules, "      set_team: rnd\n", "      set_team: nowhere\n")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload refused" in (tmp_path / "stderr.log").read_text(encoding="utf-8"))
        account.deliver(plain_mail(3))
        wait_for(lambda: ticket_count(db) == 3)
        assert teams(db) == ["product", "rnd", "rnd"]  # the rules in force stayed
        assert proc.poll() is None  # a bad reload never stops the daemon
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    output = (tmp_path / "stderr.log").read_text(encoding="utf-8")
    assert f"{rules / 'routing.yaml'}:107: rule '其他 → 产品组" in output
    assert "unknown team nowhere" in output
    assert proc.returncode == 0


def acknowledgement_to(smtp, n: int) -> str:
    (mail,) = mails_to(smtp, f"c{n}@example.com")
    return body(mail)


def test_templates_reload_in_a_running_daemon_and_a_typo_keeps_the_old_ones(
    make_config, sqlite_url, tmp_path, account, smtp
):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    app = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES, paths={"templates": str(templates)}))
    stop = threading.Event()
    daemon = threading.Thread(target=app.run, args=(stop,), kwargs={"backlog": "answer"})
    daemon.start()
    acknowledgement = templates / "zh" / "acknowledgement.txt.j2"
    text = acknowledgement.read_text(encoding="utf-8")
    try:
        account.deliver(plain_mail(1))
        wait_for(lambda: mails_to(smtp, "c1@example.com"))
        assert "工单编号：" in acknowledgement_to(smtp, 1)

        acknowledgement.write_text(text.replace("ticket.number", "tickett.number"), "utf-8")
        problems = app.reload(TEMPLATES)
        assert problems and all(p.startswith(f"{acknowledgement}:") for p in problems)
        assert any("tickett" in p for p in problems)
        account.deliver(plain_mail(2))
        wait_for(lambda: mails_to(smtp, "c2@example.com"))
        number = numbers(tmp_path / "helpdesk.db")[1]
        assert f"工单编号：{number}" in acknowledgement_to(smtp, 2)  # the old templates still answer

        acknowledgement.write_text(text.replace("已收到您的需求，", "您的需求已登记，"), "utf-8")
        assert app.reload(TEMPLATES) == []
        account.deliver(plain_mail(3))
        wait_for(lambda: mails_to(smtp, "c3@example.com"))
        assert "您的需求已登记，" in acknowledgement_to(smtp, 3)
    finally:
        stop.set()
        daemon.join(30)


def numbers(db_path) -> list[str]:
    with sqlite3.connect(db_path, timeout=5) as conn:
        return [row[0] for row in conn.execute("SELECT number FROM tickets ORDER BY id")]


def signal_every_worker_thread(pid: int, signum: int) -> int:
    """Send `signum` to each thread of `pid` but its main one (tgkill), as the kernel may choose."""
    libc = ctypes.CDLL(None, use_errno=True)
    tids = [int(tid) for tid in os.listdir(f"/proc/{pid}/task") if int(tid) != pid]
    for tid in tids:
        assert libc.syscall(TGKILL[platform.machine()], pid, tid, signum) == 0, os.strerror(
            ctypes.get_errno()
        )
    return len(tids)


def test_a_signal_the_kernel_hands_to_a_worker_thread_still_reaches_the_daemon(
    make_config, sqlite_url, tmp_path, account, smtp
):
    """A process-wide SIGHUP or SIGTERM may land on any thread; the main one must still act on it."""
    if platform.machine() not in TGKILL:
        pytest.skip(f"tgkill's number on {platform.machine()} is not known here")
    make_config(sqlite_url, rules=SHIPPED_RULES)
    stderr = tmp_path / "stderr.log"
    with stderr.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            helpdesk(tmp_path / "helpdesk.yaml", "run", "--backlog", "answer"), stderr=log
        )
    try:
        account.deliver(plain_mail(1))
        wait_for(lambda: ticket_count(tmp_path / "helpdesk.db") == 1)
        assert signal_every_worker_thread(proc.pid, signal.SIGHUP) >= 3  # ingest, sender, clock
        wait_for(lambda: "reloaded rules" in stderr.read_text(encoding="utf-8"), seconds=20)
        signal_every_worker_thread(proc.pid, signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "helpdesk stopped" in stderr.read_text(encoding="utf-8")
