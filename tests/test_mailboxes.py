"""Several support addresses (config `mailboxes`): each its own IMAP account, rules, team and From:."""

from __future__ import annotations

import shutil
import threading
from collections import Counter

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import TEMPLATES, main
from helpdesk.config import load_config
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.errors import ConfigError
from helpdesk.tickets.models import SeenMail, Ticket
from tests.conftest import SHIPPED_RULES, Account, use_dovecot

CATCH_ALL = (
    "  - name: 其他 → 产品组 everything else to the product team\n    then:\n      set_team: product\n"
)

pytestmark = pytest.mark.skipif(not use_dovecot(), reason="two IMAP accounts need Dovecot")


@pytest.fixture
def billing(account) -> Account:
    """A second account on the same Dovecot: the billing@ mailbox."""
    return Account(account.port, account.user.replace("support", "billing"), account.password, account.server)


def two_mailboxes(tmp_path, db: str, account: Account, billing: Account, smtp, **billing_entry) -> dict:
    """helpdesk.yaml with support@ (the shipped rules: the catch-all routes to product) and billing@
    (its own copy of them without the catch-all, team operations, its own From name)."""
    support_rules, billing_rules = tmp_path / "rules", tmp_path / "rules-billing"
    shutil.copytree(SHIPPED_RULES, support_rules)
    shutil.copytree(SHIPPED_RULES, billing_rules)
    routing = billing_rules / "routing.yaml"
    text = routing.read_text(encoding="utf-8")
    assert CATCH_ALL in text
    routing.write_text(text.replace(CATCH_ALL, ""), encoding="utf-8")
    return {
        "support_address": account.user,
        "database": {"url": db},
        "imap": {
            "host": "127.0.0.1",
            "port": account.port,
            "password": account.password,
            "poll_seconds": 0.2,
        },
        "smtp": {"host": "127.0.0.1", "port": smtp.port, "poll_seconds": 0.1},
        "paths": {"data": "var", "rules": "rules"},
        "mailboxes": [
            {"name": "support", "address": account.user, "imap": {"username": account.user}},
            {
                "name": "billing",
                "address": billing.user,
                "support_name": {"zh": "账务中心", "en": "Billing"},
                "imap": {"username": billing.user},
                "rules": "rules-billing",
                "team": "operations",
                **billing_entry,
            },
        ],
    }


def write(tmp_path, data: dict):
    path = tmp_path / "helpdesk.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def tickets(app: Helpdesk) -> dict[str, Ticket]:
    with app.sessions() as session:
        return {ticket.subject: ticket for ticket in session.scalars(select(Ticket))}


def test_each_mailbox_opens_its_tickets_with_its_team_rules_and_address(
    tmp_path, sqlite_url, account, billing, smtp
):
    app = Helpdesk(load_config(write(tmp_path, two_mailboxes(tmp_path, sqlite_url, account, billing, smtp))))
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "月度报表", "附件是本月的报表，供参考。"))
    billing.deliver(
        customer_mail("韩梅 <han.mei@example.cn>", "发票抬头", "请把发票抬头改成我们的新公司名。"),
        customer_mail(
            "Anna <anna@example.com>", "Invoices by API", "A new feature request: invoices by API."
        ),
    )
    assert app.run_once().mails == 3  # UID 1 of each account: two mails, not one taken for the other
    found = tickets(app)
    assert {subject: (t.mailbox, t.team) for subject, t in found.items()} == {
        "月度报表": ("support", "product"),  # support@'s rules: the catch-all
        "发票抬头": ("billing", "operations"),  # no billing rule names a team: the mailbox's
        "Invoices by API": ("billing", "rnd"),  # a billing rule does: it wins
    }
    acks = {r.recipients[0]: r.message for r in smtp.received}
    assert acks["li.lei@example.cn"]["From"].addresses[0].addr_spec == account.user
    assert str(acks["han.mei@example.cn"]["From"]) == f"账务中心 <{billing.user}>"
    assert acks["anna@example.com"]["From"].addresses[0].display_name == "Billing"
    assert account.count("INBOX") == billing.count("INBOX") == 0
    assert billing.count("Processed") == 2

    # A reply in each thread, to each address, joins its ticket; its answer comes from that address.
    for box, customer in (
        (account, "li.lei@example.cn"),
        (billing, "han.mei@example.cn"),
    ):
        ack = acks[customer]
        box.deliver(
            customer_mail(
                customer,
                f"Re: {ack['Subject']}",
                "补充：联系人电话请更新。",
                In_Reply_To=ack["Message-ID"],
                References=ack["Message-ID"],
            )
        )
    assert app.run_once().mails == 2
    after = tickets(app)
    assert len(after) == 3
    with app.sessions() as session:
        claims = Counter(row.mailbox for row in session.scalars(select(SeenMail)))
        for subject in ("月度报表", "发票抬头"):
            ticket = session.get(Ticket, after[subject].id)
            assert [m.direction for m in ticket.messages].count("in") == 2
            assert {m.sender for m in ticket.messages if m.direction == "out"} == {
                account.user if subject == "月度报表" else billing.user
            }
    assert claims == {"support": 2, "billing": 3}
    app.close()


def test_two_daemons_on_postgresql_over_two_mailboxes_take_each_mail_once(
    tmp_path, pg_url, account, billing, smtp
):
    config = load_config(write(tmp_path, two_mailboxes(tmp_path, pg_url, account, billing, smtp)))
    mails = 12
    account.deliver(
        *(customer_mail(f"c{n} <c{n}@example.cn>", f"support {n}", "报表供参考。") for n in range(mails))
    )
    billing.deliver(
        *(customer_mail(f"b{n} <b{n}@example.cn>", f"billing {n}", "发票供参考。") for n in range(mails))
    )
    apps = [Helpdesk(config), Helpdesk(config)]
    start = threading.Barrier(len(apps))
    done = [0] * len(apps)

    def run(index: int) -> None:
        start.wait()
        done[index] = apps[index].run_once().mails

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(apps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    found = tickets(apps[0])
    assert len(found) == 2 * mails
    assert Counter(t.mailbox for t in found.values()) == {"support": mails, "billing": mails}
    assert all(t.mailbox == t.subject.split()[0] for t in found.values())
    customers = [r.recipients[0] for r in smtp.received if r.recipients[0].endswith(".cn")]
    assert Counter(customers) == {  # one acknowledgement each; the staff get their notices besides
        **{f"c{n}@example.cn": 1 for n in range(mails)},
        **{f"b{n}@example.cn": 1 for n in range(mails)},
    }
    assert account.count("INBOX") == billing.count("INBOX") == 0
    for app in apps:
        app.close()


def test_a_mailbox_team_its_rules_do_not_know_fails_the_check_with_its_line(
    tmp_path, sqlite_url, account, billing, smtp
):
    path = write(tmp_path, two_mailboxes(tmp_path, sqlite_url, account, billing, smtp, team="finance"))
    result = CliRunner().invoke(main, ["--config", str(path), "check"])
    assert result.exit_code != 0
    assert f"{path}:" in result.output and "mailbox billing: team 'finance' is not a team of" in result.output
    line = int(result.output.split(f"{path}:")[1].split(":")[0])
    assert path.read_text(encoding="utf-8").splitlines()[line - 1].lstrip().startswith("- name: billing")
    with pytest.raises(ConfigError, match="finance"):
        Helpdesk(load_config(path))


def test_two_mailboxes_of_one_name_or_address_are_refused_with_file_and_line(
    tmp_path, sqlite_url, account, billing, smtp
):
    data = two_mailboxes(tmp_path, sqlite_url, account, billing, smtp)
    data["mailboxes"][1]["name"] = "support"
    data["mailboxes"][1]["address"] = account.user.upper()
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    for problem, key in zip(caught.value.problems, ("name", "address"), strict=True):
        assert problem.startswith(f"{path}:") and f"mailboxes.1.{key}:" in problem
        number = int(problem.split(":")[1])
        assert lines[number - 1].lstrip(" -").startswith(f"{key}:")


def test_a_reload_reads_each_mailboxs_rules_again_and_refuses_a_broken_one(
    tmp_path, sqlite_url, account, billing, smtp
):
    app = Helpdesk(load_config(write(tmp_path, two_mailboxes(tmp_path, sqlite_url, account, billing, smtp))))
    routing = tmp_path / "rules-billing" / "routing.yaml"
    routing.write_text(
        routing.read_text(encoding="utf-8") + "  - name: broken\n    then: {set_team: nobody}\n"
    )
    problems = app.reload(TEMPLATES)
    assert problems and all("rules-billing" in p for p in problems)
    routing.write_text(
        routing.read_text(encoding="utf-8").replace(
            "  - name: broken\n    then: {set_team: nobody}\n", CATCH_ALL
        )
    )
    assert app.reload(TEMPLATES) == []
    billing.deliver(customer_mail("韩梅 <han.mei@example.cn>", "发票抬头", "请把发票抬头改成新公司名。"))
    app.run_once()
    assert (
        tickets(app)["发票抬头"].team == "product"
    )  # billing's new catch-all: a rule, over the mailbox's team
    app.close()


def test_a_mailboxs_password_comes_from_its_environment_variable_and_logs_in(
    tmp_path, sqlite_url, account, billing, smtp
):
    data = two_mailboxes(tmp_path, sqlite_url, account, billing, smtp)
    data["imap"]["password"] = "wrong"
    data["mailboxes"][0]["name"] = "support-cn"
    environ = {
        "HELPDESK_MAILBOX_SUPPORT_CN_PASSWORD": account.password,
        "HELPDESK_MAILBOX_BILLING_PASSWORD": "x",
    }
    config = load_config(write(tmp_path, data), environ)
    assert [box.imap.password for box in config.watched()] == [account.password, "x"]
    app = Helpdesk(config)
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "月度报表", "附件是本月的报表。"))
    assert app.ingest.run_once() == 1  # support-cn logged in with its own password
    app.ingest.mailbox.close()
    app.close()


def test_check_names_each_mailbox_with_its_account_rules_and_team(
    tmp_path, sqlite_url, account, billing, smtp
):
    path = write(tmp_path, two_mailboxes(tmp_path, sqlite_url, account, billing, smtp))
    result = CliRunner().invoke(main, ["--config", str(path), "check"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("ok: mailbox")]
    support, billing_rules = tmp_path / "rules", tmp_path / "rules-billing"
    assert lines == [
        f"ok: mailbox support <{account.user}>: IMAP {account.user}, folder INBOX; rules {support}",
        f"ok: mailbox billing <{billing.user}>: IMAP {billing.user}, folder INBOX; rules {billing_rules}"
        "; new tickets to team operations unless a rule names one",
    ]
