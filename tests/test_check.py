"""`helpdesk check`: every problem in one run, templates rendered, escalation cycles, repeating
ticket numbers, the shipped example from anywhere, and --live against real servers."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.config import BUNDLED

ROOT = Path(__file__).resolve().parents[1]


def check(*args: str):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def test_the_shipped_example_passes_from_another_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = check("--config", str(ROOT / "deploy" / "helpdesk.example.yaml"))
    assert result.exit_code == 0, result.output
    assert "ok:" in result.output


def test_every_problem_in_one_run(tmp_path):
    shutil.copytree(BUNDLED / "rules", tmp_path / "rules")
    shutil.copytree(BUNDLED / "templates" / "email", tmp_path / "templates")
    staff = tmp_path / "rules" / "staff.yaml"
    # The director now reports to an engineer: wang.wei → liu.yang → zhao.lei → wang.wei.
    staff.write_text(
        staff.read_text(encoding="utf-8").replace("role: director}", "role: director, reports_to: wang.wei}"),
        encoding="utf-8",
    )
    ack = tmp_path / "templates" / "en" / "acknowledgement.txt.j2"
    ack.write_text(ack.read_text(encoding="utf-8").replace("ticket.number", "tickett.number", 1))
    # In the branch taken only when nothing is missing: found by the second, empty, sample.
    zh_ack = tmp_path / "templates" / "zh" / "acknowledgement.txt.j2"
    text = zh_ack.read_text(encoding="utf-8")
    zh_ack.write_text(text.replace("{% else %}", "{% else %}{{ eta_resaon }}", 1), encoding="utf-8")
    config = tmp_path / "helpdesk.yaml"
    config.write_text(
        "imap:\n  port: 99999\nnumbering:\n  format: 'HD-{seq:04d}'\n  reset: monthly\n"
        "paths:\n  rules: rules\n  templates: templates\n",
        encoding="utf-8",
    )
    result = check("--config", str(config))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith(f"error: {config}:2: imap.port") for line in lines)
    [numbering] = [line for line in lines if "numbering" in line]
    assert numbering.startswith(f"error: {config}:3: numbering") and "repeats its numbers" in numbering
    assert "needs the year and month" in numbering
    [typo] = [line for line in lines if "tickett" in line]
    assert typo.startswith(f"error: {ack}:") and "'tickett' is undefined" in typo
    assert any(f"{zh_ack}:" in line and "'eta_resaon' is undefined" in line for line in lines)
    [cycle] = [line for line in lines if "circle" in line]
    assert cycle.startswith(f"error: {staff}:")
    assert "wang.wei → liu.yang → zhao.lei → wang.wei" in cycle


def test_the_shipped_templates_render_clean(tmp_path):
    config = tmp_path / "helpdesk.yaml"
    config.write_text("support_address: help@example.com\n", encoding="utf-8")
    result = check("--config", str(config))
    assert result.exit_code == 0 and "error" not in result.output


def test_live_reports_each_server_on_one_line(make_config, sqlite_url, account, smtp, tmp_path):
    make_config(sqlite_url)
    config = tmp_path / "helpdesk.yaml"
    result = check("--config", str(config), "--live")
    assert result.exit_code == 0, result.output
    [imap] = [line for line in result.output.splitlines() if "IMAP" in line]
    assert imap.startswith(f"ok: IMAP {account.user} at 127.0.0.1:{account.port}: logged in; INBOX holds 0")
    assert f"ok: SMTP 127.0.0.1:{smtp.port}: connected" in result.output
    assert "database sqlite:///" in result.output and "not created yet" in result.output
    assert not (tmp_path / "helpdesk.db").exists()  # checking never creates a database

    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["imap"]["password"] = "wrong"
    data["smtp"]["port"] = 1  # nothing listens there
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = check("--config", str(config), "--live")
    assert result.exit_code == 1
    [imap] = [line for line in result.output.splitlines() if "IMAP" in line]
    assert imap.startswith("error: IMAP") and "login refused" in imap
    [smtp_line] = [line for line in result.output.splitlines() if "SMTP" in line]
    assert smtp_line.startswith("error: SMTP 127.0.0.1:1: unreachable")
    assert "Traceback" not in result.output


def test_a_scalar_where_a_list_belongs_is_named_with_file_and_line(tmp_path):
    """`required: steps, error_message` reads as one string, not two fields: check says so."""
    shutil.copytree(BUNDLED / "rules", tmp_path / "rules")
    catalog = tmp_path / "rules" / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.strip().startswith("required: ["))
    head, _, tail = text.partition("required: [")
    items, _, rest = tail.partition("]")
    catalog.write_text(f"{head}required: {items}{rest}", encoding="utf-8")
    workflows = tmp_path / "rules" / "workflows.yaml"
    wf = workflows.read_text(encoding="utf-8").replace(
        "resolved: [closed, in_progress]", "resolved: closed", 1
    )
    workflows.write_text(wf, encoding="utf-8")
    wf_line = next(n for n, row in enumerate(wf.splitlines(), 1) if row.strip() == "resolved: closed")
    config = tmp_path / "helpdesk.yaml"
    config.write_text("paths:\n  rules: rules\n", encoding="utf-8")
    result = check("--config", str(config))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(f"{catalog}:{line}:" in row and "required" in row and "valid list" in row for row in lines)
    assert any(f"{workflows}:{wf_line}:" in row and "transitions.resolved" in row for row in lines)


def test_numbering_for_a_type_the_catalog_does_not_know_is_refused(tmp_path):
    config = tmp_path / "helpdesk.yaml"
    config.write_text(
        "numbering:\n  by_type:\n    fault: {format: 'TS{date:%Y%m%d}{seq:03d}', reset: daily}\n"
        "    falut: {format: 'XX{date:%Y%m%d}{seq:03d}', reset: daily}\n",
        encoding="utf-8",
    )
    result = check("--config", str(config))
    assert result.exit_code == 1
    [line] = [row for row in result.output.splitlines() if "by_type" in row]
    assert line.startswith(f"error: {config}:4: numbering.by_type.falut: not a ticket type")
    assert "fault" in line.partition("known:")[2]


def test_every_mail_of_the_folder_is_checked_in_both_languages(tmp_path):
    """The checked mails come from the templates folder: one added since (or one the daemon sends
    but an old list forgot) is rendered too, and a mail written in one language only is named."""
    from helpdesk.cli import TEMPLATES

    for name in ("urgent_assignment", "eta_passed", "eta_moved", "reopen_notice", "close_notice"):
        assert name in TEMPLATES
    assert "information_reminder" in TEMPLATES and not any(n.startswith("_") for n in TEMPLATES)
    templates = tmp_path / "templates"
    shutil.copytree(BUNDLED / "templates" / "email", templates)
    urgent = templates / "en" / "urgent_assignment.txt.j2"
    urgent.write_text(urgent.read_text(encoding="utf-8").replace("ticket.subject", "ticket.subjetc", 1))
    (templates / "zh" / "holiday_notice.txt.j2").write_text(
        '{% extends "_layout.txt.j2" %}\n{% block subject %}假期安排{% endblock %}\n'
        "{% block body %}\n假期期间我们照常处理工单。\n{% endblock %}\n",
        encoding="utf-8",
    )
    (templates / "en" / "assignment.html.j2").unlink()
    config = tmp_path / "helpdesk.yaml"
    config.write_text("paths:\n  templates: templates\n", encoding="utf-8")
    result = check("--config", str(config))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith(f"error: {urgent}:") and "subjetc" in line for line in lines)
    [holiday] = [line for line in lines if "holiday_notice" in line]
    assert holiday.startswith(f"error: {templates / 'en' / 'holiday_notice.txt.j2'}: missing")
    assert "zh/holiday_notice.txt.j2 exists" in holiday
    [html] = [line for line in lines if "assignment.html" in line]
    assert html.startswith(f"error: {templates / 'en' / 'assignment.html.j2'}: missing")
    assert "zh/assignment.html.j2 exists" in html
    assert not any("_layout" in line or "_bars" in line for line in lines)  # partials are no mails
