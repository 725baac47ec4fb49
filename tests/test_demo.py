"""`helpdesk demo` tells what the rules did in the reader's language and leaves nothing behind."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

from helpdesk.demo_story import WORDS

PRODUCT_WORDS = {"helpdesk", "demo", "keep", "config", "tickets", "show", "IMAP", "pymap", "SMTP", "GBK"}
PRODUCT_WORDS |= {"Foxmail"}


def _demo(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "helpdesk", "demo", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "160", "TMPDIR": str(tmp_path), **env},
    )


def test_the_chinese_story_names_the_rules_the_owner_and_what_was_asked(tmp_path):
    result = _demo(tmp_path, "--language", "zh")
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert re.search(r"工单 \S+「系统无法登录」，来自 李雷 <li.lei@example.cn>", out)
    assert re.search(r"命中规则：\s+故障报修 fault report（routing\.yaml:\d+）→ 类型 故障报修", out)
    assert "负责人：" in out and "王伟" in out  # the owner by name, not wang.wei
    assert re.search(r"向客户询问：\s+系统版本、操作步骤", out)  # the GBK report lacked both
    assert "识别为自动邮件，未建工单，也未回复" in out  # the out-of-office notice
    assert "│ 补充一下：出错时间是今天 9:05。" in out and "原始邮件" not in out
    assert " INFO " not in out + result.stderr  # a story, not log lines
    # Cleaned up: no --keep, so the temporary folder is gone, and the story says how to keep it.
    assert not list(tmp_path.glob("helpdesk-demo-*"))
    assert "用 helpdesk demo --keep 目录 可保留" in out


def test_the_english_story_is_chosen_by_the_locale(tmp_path):
    result = _demo(tmp_path, LANG="en_GB.UTF-8", LC_ALL="")
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(
        r"rules fired:\s+故障报修 fault report \(routing\.yaml:\d+\) → type Fault report", result.stdout
    )
    assert "asked for:" in result.stdout and "命中规则" not in result.stdout


def test_sigterm_stops_the_servers_and_removes_the_folder(tmp_path):
    with subprocess.Popen(
        [sys.executable, "-m", "helpdesk", "demo", "--language", "en"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "160", "TMPDIR": str(tmp_path)},
    ) as process:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("delivered"):
                break
        ports = [int(p) for p in re.findall(r"127\.0\.0\.1:(\d+)", "".join(lines))]
        assert len(ports) == 2 and list(tmp_path.glob("helpdesk-demo-*"))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 128 + signal.SIGTERM
        assert not list(tmp_path.glob("helpdesk-demo-*"))
        deadline = time.monotonic() + 10
        while any(_listening(port) for port in ports) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_listening(port) for port in ports)  # pymap (a child process) and the sink stopped
        assert "Traceback" not in process.stderr.read()


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_every_phrase_is_in_its_own_language():
    for key, text in _phrases(WORDS["zh"]):
        english = set(re.findall(r"[A-Za-z]+", text)) - PRODUCT_WORDS
        assert not english, (key, text)
    for key, text in _phrases(WORDS["en"]):
        assert not re.search(r"[\u4e00-\u9fff]", text.replace("李雷", "")), (key, text)
    assert WORDS["zh"].keys() == WORDS["en"].keys()


def _phrases(words: dict) -> list[tuple[str, str]]:
    found = []
    for key, value in words.items():
        items = value.items() if isinstance(value, dict) else [(key, value)]
        found += [(k, re.sub(r"\{[a-z_]+\}", "", v)) for k, v in items]
    return found
