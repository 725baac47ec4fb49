"""What an operator deploys: JSON log lines, the systemd unit and its config, the container image."""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from helpdesk.config import load_config
from helpdesk.demo import customer_mail
from helpdesk.localservers import free_port
from helpdesk.logsetup import JsonFormatter

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "helpdesk.service"
EXAMPLE = ROOT / "deploy" / "helpdesk.example.yaml"


def helpdesk(config_path: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "helpdesk", "--config", str(config_path), *args]


def run_once(folder: Path) -> subprocess.CompletedProcess:
    command = helpdesk(folder / "helpdesk.yaml", "run", "--once", "--backlog", "answer")
    return subprocess.run(command, capture_output=True, text=True)


def json_lines(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines()]


def test_run_once_with_json_logging_writes_one_object_per_line(
    make_config, sqlite_url, tmp_path, account, smtp
):
    make_config(sqlite_url, logging={"format": "json"})
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "系统无法登录", "无法登录"))
    done = run_once(tmp_path)
    assert done.returncode == 0, done.stderr
    lines = json_lines(done.stderr)  # every line parses, or this raises
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    [created] = [line for line in lines if line["logger"] == "helpdesk.pipeline"]
    assert created["level"] == "INFO" and ": created ticket " in created["message"]
    assert "系统无法登录" in created["message"]  # Chinese stays readable, not \u escapes
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", created["time"])
    assert not [line for line in lines if line["logger"].startswith("imapclient")]


def test_the_log_level_setting_hides_info_and_debug_shows_the_imap_conversation(
    make_config, sqlite_url, tmp_path, account, smtp
):
    make_config(sqlite_url, logging={"format": "json", "level": "warning"})
    account.deliver(customer_mail("Anna <anna@example.com>", "Cannot log in", "since this morning"))
    quiet = run_once(tmp_path)
    assert quiet.returncode == 0 and json_lines(quiet.stderr) == []
    make_config(sqlite_url, logging={"format": "json", "level": "DEBUG"})
    loud = run_once(tmp_path)
    wire = [line for line in json_lines(loud.stderr) if line["logger"].startswith("imapclient")]
    assert wire and account.password not in loud.stderr


def test_context_fields_passed_with_a_log_call_become_json_keys():
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("helpdesk.test_deploy")
    log.addHandler(handler)
    try:
        context = {"ticket": "202611-001", "message_id": "<a@b>"}
        log.warning("mail %s: %s", "<a@b>", "quarantined", extra=context)
        log.warning("no context")
    finally:
        log.removeHandler(handler)
    with_context, without = json_lines(out.getvalue())
    assert (with_context["ticket"], with_context["message_id"]) == ("202611-001", "<a@b>")
    assert with_context["message"] == "mail <a@b>: quarantined" and "ticket" not in without


# -- systemd ------------------------------------------------------------------------------------


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def test_the_unit_is_hardened_and_its_paths_match_the_shipped_config():
    unit = unit_settings()
    for key, value in {
        "Type": "notify",
        "DynamicUser": "yes",
        "StateDirectory": "helpdesk",
        "ConfigurationDirectory": "helpdesk",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "CapabilityBoundingSet": "",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    }.items():
        assert unit[key] == [value], key
    assert "@system-service" in unit["SystemCallFilter"] and int(unit["WatchdogSec"][0]) > 0
    assert unit["ExecReload"] == ["/bin/kill -HUP $MAINPID"]  # SIGHUP reloads rules and templates
    [check], [run] = unit["ExecStartPre"], unit["ExecStart"]
    assert check.endswith(" check") and run.endswith(" run")
    assert check.removesuffix(" check") == run.removesuffix(" run")  # the same program, the same config
    config = load_config(EXAMPLE, {})
    state = Path("/var/lib") / unit["StateDirectory"][0]
    assert unit["WorkingDirectory"] == [str(state)]
    assert config.database.url == f"sqlite:///{state}/helpdesk.db" and config.paths.data == state
    assert run.split()[2] == f"/etc/{unit['ConfigurationDirectory'][0]}/helpdesk.yaml"


def test_the_shipped_config_passes_check_from_any_folder(tmp_path):
    done = subprocess.run(helpdesk(EXAMPLE, "check"), capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: ")


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_rates_the_unit_ok_or_better():
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(UNIT)], capture_output=True, text=True
    )
    found = re.search(r"Overall exposure level for helpdesk\.service: (\d+\.\d+) (\w+)", done.stdout)
    assert found, done.stdout + done.stderr
    assert float(found[1]) < 2.0 and found[2] in ("OK", "SAFE"), found[0]  # 2.0 and above is MEDIUM


# -- the container -------------------------------------------------------------------------------


def test_the_dockerfile_follows_hadolint_rules():
    text = (ROOT / "Dockerfile").read_text()
    instructions = [line.split()[0] for line in text.splitlines() if line and not line[0].isspace()]
    instructions = [word for word in instructions if word.isupper()]
    bases = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert bases and all(":" in base and not base.endswith(":latest") for base in bases)
    assert all("--no-cache-dir" in run for run in re.findall(r"pip install[^\n]*", text))
    assert instructions.index("USER") < instructions.index("ENTRYPOINT")
    assert "HEALTHCHECK" in instructions and "/healthz" in text
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".git", ".venv", ".env", "**/secrets.env"} <= set(ignored)


REQUIRED_BY_COMPOSE = (
    "HELPDESK_DB_PASSWORD",
    "HELPDESK_SUPPORT_ADDRESS",
    "HELPDESK_IMAP_HOST",
    "HELPDESK_IMAP_USERNAME",
    "HELPDESK_IMAP_PASSWORD",
    "HELPDESK_SMTP_HOST",
)


def docker_available() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


@pytest.mark.skipif(not docker_available(), reason="no docker engine reachable (docker info fails)")
def test_the_image_builds_runs_as_non_root_turns_healthy_and_answers_mail(account, smtp, tmp_path):
    tag = f"helpdesk-test:{uuid.uuid4().hex[:8]}"
    name = tag.replace(":", "-")
    subprocess.run(["docker", "build", "-t", tag, str(ROOT)], check=True, capture_output=True)
    compose = subprocess.run(
        ["docker", "compose", "-f", str(ROOT / "deploy" / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", **dict.fromkeys(REQUIRED_BY_COMPOSE, "x")},
    )
    assert compose.returncode == 0, compose.stderr
    port = free_port()
    env = {
        "HELPDESK_SUPPORT_ADDRESS": account.user,
        "HELPDESK_IMAP_PORT": account.port,
        "HELPDESK_IMAP_USERNAME": account.user,
        "HELPDESK_IMAP_PASSWORD": account.password,
        "HELPDESK_SMTP_PORT": smtp.port,
        "HELPDESK_METRICS_PORT": port,
    }
    run = ["docker", "run", "-d", "--name", name, "--network", "host"]
    for key, value in env.items():
        run += ["-e", f"{key}={value}"]
    subprocess.run([*run, tag, "run", "--backlog", "answer"], check=True, capture_output=True)
    try:
        user = subprocess.run(["docker", "exec", name, "id", "-u"], capture_output=True, text=True).stdout
        assert user.strip() not in ("", "0")
        account.deliver(customer_mail("Anna <anna@example.com>", "Cannot log in", "since this morning"))
        deadline = time.monotonic() + 120
        while len(smtp.received) < 1 or _health(name) != "healthy":
            if time.monotonic() > deadline:
                pytest.fail(subprocess.run(["docker", "logs", name], capture_output=True, text=True).stderr)
            time.sleep(1)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def _health(name: str) -> str:
    inspect = ["docker", "inspect", "--format", "{{.State.Health.Status}}", name]
    return subprocess.run(inspect, capture_output=True, text=True).stdout.strip()
