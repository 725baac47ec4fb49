"""`helpdesk init DIR`: a starter configuration that passes check as written, from anywhere."""

from __future__ import annotations

import stat

import yaml
from click.testing import CliRunner

from helpdesk.cli import main


def helpdesk(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_init_writes_a_config_that_passes_check_from_another_folder(tmp_path, monkeypatch):
    target = tmp_path / "etc" / "helpdesk"
    result = helpdesk("init", str(target))
    assert result.exit_code == 0, result.output
    assert "next:" in result.output and "check --live" in result.output

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    checked = helpdesk("--config", str(target / "helpdesk.yaml"), "check")
    assert checked.exit_code == 0, checked.output
    assert f"rules {target / 'rules'}" in " ".join(checked.output.split())
    assert list(elsewhere.iterdir()) == []  # nothing written where it was run

    secrets = target / "secrets.env"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    names = {line.split("=")[0] for line in secrets.read_text().splitlines() if "=" in line}
    assert names == {"HELPDESK_IMAP_PASSWORD", "HELPDESK_SMTP_PASSWORD"}
    assert "password:" not in (target / "helpdesk.yaml").read_text()  # secrets stay out of the config


def test_the_rules_hold_placeholders_not_the_demo_people(tmp_path):
    helpdesk("init", str(tmp_path))
    staff_text = (tmp_path / "rules" / "staff.yaml").read_text(encoding="utf-8")
    assert staff_text.startswith("# EDIT")
    staff = yaml.safe_load(staff_text)
    ids = [p["id"] for p in staff["people"]]
    assert "engineer1" in ids and "manager1" in ids and "director1" in ids
    every_rule = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "rules").glob("*.yaml"))
    for demo in ("王伟", "wang.wei", "sun.li", "chen.jie", "zhao.lei", "李雷"):
        assert demo not in every_rule
    manager = next(p for p in staff["people"] if p["id"] == "manager1")
    assert manager["reports_to"] == "director1"
    assert staff["teams"]["operations"]["manager"] == "manager1"


def test_init_refuses_to_overwrite_unless_forced(tmp_path):
    helpdesk("init", str(tmp_path))
    (tmp_path / "helpdesk.yaml").write_text("support_address: mine@example.com\n", encoding="utf-8")
    again = helpdesk("init", str(tmp_path))
    assert again.exit_code == 1
    assert f"{tmp_path / 'helpdesk.yaml'}: exists already" in again.output
    assert (tmp_path / "helpdesk.yaml").read_text() == "support_address: mine@example.com\n"
    assert helpdesk("init", "--force", str(tmp_path)).exit_code == 0
    assert "EDIT" in (tmp_path / "helpdesk.yaml").read_text()
