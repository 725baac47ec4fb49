"""rules/customers.yaml: mail domains and their companies, checked by `helpdesk check` like any rule file."""

from __future__ import annotations

import shutil
from email.message import EmailMessage

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.daemon import Helpdesk
from helpdesk.errors import ConfigError
from helpdesk.rules.load import load_rules
from helpdesk.tickets.models import TicketField
from tests.conftest import SHIPPED_RULES


def rules_with(tmp_path, customers: str):
    folder = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, folder)
    (folder / "customers.yaml").write_text(customers, encoding="utf-8")
    config = tmp_path / "helpdesk.yaml"
    config.write_text("paths:\n  rules: rules\n", encoding="utf-8")
    return folder, config


def test_the_shipped_file_passes_and_is_no_routing_file():
    assert (SHIPPED_RULES / "customers.yaml").exists()
    rules = load_rules(SHIPPED_RULES)
    assert all("customers.yaml" not in rule.source for rule in rules.router.rules)


def test_a_mapping_of_domains_to_companies_loads(tmp_path):
    folder, config = rules_with(
        tmp_path, "customers:\n  huaxin-tech.cn: 华信科技有限公司\n  northwind.example: Northwind\n"
    )
    load_rules(folder)
    result = CliRunner().invoke(main, ["--config", str(config), "check"], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_check_names_each_bad_entry_with_its_line(tmp_path):
    folder, config = rules_with(
        tmp_path, "customers:\n  huaxin-tech.cn: 华信科技有限公司\n  Huaxin Tech: 华信\n  a.cn: ' '\n"
    )
    with pytest.raises(ConfigError):
        load_rules(folder)
    result = CliRunner().invoke(main, ["--config", str(config), "check"], catch_exceptions=False)
    assert result.exit_code == 1
    path = folder / "customers.yaml"
    assert f"{path}:3: customers: 'Huaxin Tech' is not a mail domain in lower case" in result.output
    assert f"{path}:4: customers: 'a.cn' names no company" in result.output


def test_an_unknown_key_is_refused(tmp_path):
    folder, _ = rules_with(tmp_path, "clients:\n  a.cn: A\n")
    with pytest.raises(ConfigError, match=r"customers\.yaml:1: clients: Extra inputs are not permitted"):
        load_rules(folder)


def test_a_new_report_from_a_listed_domain_is_recorded_as_that_company(
    make_config, sqlite_url, account, tmp_path
):
    """Through the real daemon: no company in the mail, so customers.yaml names it by the domain."""
    rules = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, rules)
    (rules / "customers.yaml").write_text(
        "customers:\n  huaxin-tech.cn: 华信科技有限公司\n", encoding="utf-8"
    )
    mail = EmailMessage()
    mail["From"] = "陈静 <chen.jing@mail.huaxin-tech.cn>"
    mail["To"] = "support@example.com"
    mail["Subject"] = "打印故障"
    mail["Message-ID"] = "<customers-map@huaxin-tech.cn>"
    mail.set_content("打印一直失败，错误码：0x80070005。\n")
    account.deliver(mail.as_bytes())
    app = Helpdesk(make_config(sqlite_url, rules=rules))
    try:
        app.run_once()
        with app.sessions() as session:
            rows = session.scalars(select(TicketField).where(TicketField.name == "company")).all()
            assert [(row.value, row.source) for row in rows] == [("华信科技有限公司", "customers")]
    finally:
        app.close()
