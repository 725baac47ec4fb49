"""The `helpdesk` command as an administrator uses it: check, run --once, tickets, quarantine, outbox."""

from __future__ import annotations

import json

from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.demo import customer_mail
from tests.conftest import MAILS, SHIPPED_RULES


def cli(config_path, *args):
    result = CliRunner().invoke(main, ["--config", str(config_path), *args], catch_exceptions=False)
    return result


def test_check_reports_file_and_line(tmp_path):
    path = tmp_path / "helpdesk.yaml"
    path.write_text("imap:\n  port: 99999\nsmtp:\n  security: ssl\n", encoding="utf-8")
    result = cli(path, "check")
    assert result.exit_code == 1
    assert f"{path}:2: imap.port" in result.output
    assert f"{path}:4: smtp.security" in result.output


def test_check_reports_broken_template(tmp_path):
    templates = tmp_path / "tpl"
    (templates / "zh").mkdir(parents=True)
    (templates / "en").mkdir()
    for lang in ("zh", "en"):
        (templates / lang / "acknowledgement.txt.j2").write_text("{% block subject %}x{% endblock %}\n")
        (templates / lang / "acknowledgement.html.j2").write_text("<p>{{ ticket.number </p>\n")
    path = tmp_path / "helpdesk.yaml"
    path.write_text("paths:\n  templates: tpl\n", encoding="utf-8")
    result = cli(path, "check")
    assert result.exit_code == 1
    assert "zh/acknowledgement.html.j2:1:" in result.output


def test_check_passes_on_defaults(tmp_path):
    path = tmp_path / "helpdesk.yaml"
    path.write_text("support_address: help@example.com\n", encoding="utf-8")
    result = cli(path, "check")
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_run_once_then_read_tickets_and_quarantine(make_config, sqlite_url, account, smtp, tmp_path):
    make_config(sqlite_url, rules=SHIPPED_RULES)
    path = tmp_path / "helpdesk.yaml"
    account.deliver(
        (MAILS / "foxmail_gbk_base64_new_report.eml").read_bytes(),
        (MAILS / "corrupt_no_headers.eml").read_bytes(),
        (MAILS / "thunderbird_rfc2231_zh_attachment.eml").read_bytes(),
    )
    result = cli(path, "run", "--once", "--backlog", "answer")  # a first start: the waiting mail is new
    assert result.exit_code == 0 and "processed 3 mail(s); sent 2" in result.output

    listed = json.loads(cli(path, "tickets", "list", "--json").output)
    assert [t["subject"] for t in listed] == ["Screenshot of the error", "报表系统打不开"]
    number = listed[1]["number"]
    assert set(listed[1]) >= {"number", "status", "type", "priority", "requester", "subject", "created"}

    shown = json.loads(cli(path, "tickets", "show", number, "--json").output)
    assert shown["requester"] == "wang.fang@example.cn"
    assert next((m["direction"], m["sender"]) for m in shown["messages"]) == ("in", "wang.fang@example.cn")
    assert (
        "镕钢分厂" in shown["messages"][0]["text"] and "发自我的华为手机" not in shown["messages"][0]["text"]
    )
    assert shown["outbox"][0]["status"] == "sent"
    assert [e["kind"] for e in shown["events"]] == [
        "created",
        "fields_read",
        "routed",
        "assigned",
        "mail_queued",
        "information_requested",
    ]
    assert (shown["type"], shown["priority"], shown["status"]) == ("fault", "general", "info_pending")
    assert shown["fields"]["error_message"]["value"] == "连接超时"

    other = json.loads(cli(path, "tickets", "show", listed[0]["number"], "--json").output)
    assert other["messages"][0]["attachments"][0] == {
        "name": "错误截图.png",
        "type": "image/png",
        "size": 72,
        "sha256": other["messages"][0]["attachments"][0]["sha256"],
    }

    table = cli(path, "tickets", "show", number).output
    assert f"[#{number}]" in table and "镕钢分厂" in table

    held = json.loads(cli(path, "quarantine", "list", "--json").output)
    assert [(q["stage"], q["status"]) for q in held] == [("parse", "held")]
    retry = cli(path, "quarantine", "retry", str(held[0]["id"]))
    assert retry.exit_code == 1 and "quarantined" in retry.output

    sent = json.loads(cli(path, "outbox", "list", "--json").output)
    assert {row["status"] for row in sent} == {"sent"} and len(sent) == 2


def test_show_unknown_ticket_is_a_clear_error(tmp_path):
    path = tmp_path / "helpdesk.yaml"
    path.write_text(f"database:\n  url: sqlite:///{tmp_path}/x.db\n", encoding="utf-8")
    CliRunner().invoke(main, ["--config", str(path), "migrate"], catch_exceptions=False)  # reading never does
    result = CliRunner().invoke(main, ["--config", str(path), "tickets", "show", "209901-999"])
    assert result.exit_code != 0
    assert "no ticket 209901-999" in str(result.exception)


def test_customer_mail_helper_is_a_real_mail():
    raw = customer_mail("A <a@example.com>", "s", "b")
    assert b"Message-ID: <" in raw and b"To: support@example.com" in raw


def test_check_reports_broken_rules_with_file_and_line(tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, rules)
    routing = (rules / "routing.yaml").read_text(encoding="utf-8").replace("set_team: rnd", "set_team: rd")
    (rules / "routing.yaml").write_text(routing, encoding="utf-8")
    path = tmp_path / "helpdesk.yaml"
    path.write_text("paths:\n  rules: rules\n", encoding="utf-8")
    result = cli(path, "check")
    assert result.exit_code == 1
    line = next(n for n, text in enumerate(routing.splitlines(), 1) if "set_team: rd" in text) - 1
    assert f"{rules / 'routing.yaml'}:{line}: rule '定制开发 → 研发组" in result.output
    assert "unknown team rd" in result.output


def test_rules_test_explains_a_mail_without_a_database(tmp_path):
    path = tmp_path / "helpdesk.yaml"
    path.write_text(f"database:\n  url: sqlite:///{tmp_path}/never.db\n", encoding="utf-8")
    result = cli(path, "rules", "test", str(MAILS / "foxmail_gbk_base64_new_report.eml"), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["type"], report["priority"], report["team"]) == ("fault", "general", "operations")
    assert report["missing"] == ["system_version", "steps"]
    assert report["fields"]["error_message"] == {"value": "连接超时", "where": "line 3"}
    assert report["owner"] == "one of zhang.min, li.na (round_robin)"
    assert report["rules"][0]["rule"] == "故障报修 fault report"
    assert not (tmp_path / "never.db").exists()
    table = cli(path, "rules", "test", str(MAILS / "foxmail_gbk_base64_new_report.eml")).output
    assert "missing: system_version, steps" in table and "operations" in table
