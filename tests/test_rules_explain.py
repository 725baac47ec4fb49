"""`helpdesk rules test` tells, in the operator's language, who wrote the mail and what the rules did."""

from __future__ import annotations

from click.testing import CliRunner

from helpdesk.cli import main
from tests.conftest import MAILS

REPORT = MAILS / "foxmail_gbk_base64_new_report.eml"
OUT_OF_OFFICE = MAILS / "exchange_zh_out_of_office.eml"


def rules_test(tmp_path, language: str, mail) -> str:
    path = tmp_path / "helpdesk.yaml"
    path.write_text(f"default_language: {language}\n", encoding="utf-8")
    command = ["--config", str(path), "rules", "test", str(mail)]
    result = CliRunner().invoke(main, command, env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_chinese_operator_reads_the_rules_that_fired_in_chinese_with_file_and_line(tmp_path):
    out = rules_test(tmp_path, "zh", REPORT)
    assert "人写的邮件" in out
    assert "触发的规则" in out and "rules fired" not in out
    assert "故障报修 fault report（routing.yaml:6）：需求类型设为 故障报修" in out
    assert "（routing.yaml:81）：处理组设为 运维组；按 junior 级别分派" in out
    assert "set_team" not in out and "{" not in out  # no raw action names or dicts


def test_an_english_operator_reads_them_in_english_for_a_chinese_mail(tmp_path):
    out = rules_test(tmp_path, "en", REPORT)
    assert "written by a person" in out
    assert "故障报修 fault report (routing.yaml:6): type set to Fault report" in out
    assert "team set to Operations; assigned at level junior" in out
    assert "需求类型设为" not in out and "触发的规则" not in out


def test_an_out_of_office_reply_is_named_a_machines_mail_with_the_signals(tmp_path):
    out = rules_test(tmp_path, "zh", OUT_OF_OFFICE)
    assert "机器发出的邮件（Auto-Submitted: auto-replied" in out
    assert "不会改动任何工单，也不会回复" in out
    english = rules_test(tmp_path, "en", OUT_OF_OFFICE)
    assert "written by a machine (Auto-Submitted: auto-replied" in english
