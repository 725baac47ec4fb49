"""A first start on a mailbox that already holds mail: refuse until told, then from-now, import or answer."""

from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.ingest.backlog import BacklogUndecided
from helpdesk.tickets.models import OutboxMail, Ticket
from tests.conftest import SHIPPED_RULES

OLD = [customer_mail(f"客户{n} <old{n}@example.cn>", f"旧问题 {n}：打印机", f"报错 E{n}") for n in range(5)]
NEW = customer_mail("新客户 <new@example.cn>", "新问题：导出报表很慢", "登录报错")


class Killed(Exception):
    """The process dying between two mails, as near as a test gets."""


def cli(path, *args):
    return CliRunner().invoke(main, ["--config", str(path), *args], catch_exceptions=False)


def config_with_backlog(make_config, sqlite_url, account, tmp_path):
    make_config(sqlite_url, rules=SHIPPED_RULES)
    account.deliver(*OLD)
    return tmp_path / "helpdesk.yaml"


def tickets(path) -> list[dict]:
    return json.loads(cli(path, "tickets", "list", "--json").output)


def test_a_first_start_on_old_mail_refuses_and_touches_nothing(
    make_config, sqlite_url, account, smtp, tmp_path
):
    path = config_with_backlog(make_config, sqlite_url, account, tmp_path)
    result = cli(path, "run", "--once")
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert "INBOX already holds 5 mail(s)" in line and "--backlog from-now" in line
    assert (account.count("INBOX"), tickets(path), smtp.received) == (5, [], [])


def test_from_now_leaves_the_old_mail_in_place_and_handles_only_new_mail(
    make_config, sqlite_url, account, smtp, tmp_path
):
    path = config_with_backlog(make_config, sqlite_url, account, tmp_path)
    assert cli(path, "run", "--once", "--backlog", "from-now").exit_code == 0
    assert (account.count("INBOX"), account.count("Processed")) == (5, 0)
    assert (tickets(path), smtp.received) == ([], [])

    account.deliver(NEW)
    result = cli(path, "run", "--once")  # no longer a first start: no flag needed
    assert result.exit_code == 0 and "processed 1 mail(s); sent 1" in result.output
    assert [t["subject"] for t in tickets(path)] == ["新问题：导出报表很慢"]
    assert [r.recipients for r in smtp.received] == [["new@example.cn"]]
    assert (account.count("INBOX"), account.count("Processed")) == (5, 1)  # the old five stay untouched
    assert "processed 0 mail(s)" in cli(path, "run", "--once").output


def test_import_makes_tickets_and_sends_nothing_ever(make_config, sqlite_url, account, smtp, tmp_path):
    path = config_with_backlog(make_config, sqlite_url, account, tmp_path)
    result = cli(path, "run", "--once", "--backlog", "import")
    assert result.exit_code == 0, result.output
    assert len(tickets(path)) == 5 and smtp.received == []
    assert (account.count("INBOX"), account.count("Processed")) == (0, 5)
    outbox = json.loads(cli(path, "outbox", "list", "--json").output)
    assert outbox and {row["status"] for row in outbox} == {"suppressed"}

    number = tickets(path)[0]["number"]
    shown = "".join(cli(path, "tickets", "show", number).output.split())  # in the desk's language
    assert "未发送：首次启动时导入的旧邮件，`helpdeskoutboxretry`可发送" in shown
    assert "首次启动时从邮箱导入的旧邮件" in shown

    account.deliver(NEW)
    assert "sent 1" in cli(path, "run", "--once").output  # later mail is answered; the imported stay silent
    assert [r.recipients for r in smtp.received] == [["new@example.cn"]]


def test_answer_handles_the_old_mail_as_new(make_config, sqlite_url, account, smtp, tmp_path):
    path = config_with_backlog(make_config, sqlite_url, account, tmp_path)
    result = cli(path, "run", "--once", "--backlog", "answer")
    assert result.exit_code == 0 and "processed 5 mail(s); sent 5" in result.output
    assert sorted(r.recipients[0] for r in smtp.received) == [f"old{n}@example.cn" for n in range(5)]


def test_an_import_cut_short_is_finished_silently_at_the_next_start(make_config, sqlite_url, account, smtp):
    """The daemon, not the CLI: the import dies after two mails; the next start (told to answer) still
    imports the other three silently, because the first start's decision is in the database."""
    config = make_config(sqlite_url, rules=SHIPPED_RULES)
    account.deliver(*OLD)
    app = Helpdesk(config)

    class Dies:
        def __init__(self) -> None:
            self.done = 0

        def start(self, total: int) -> None:
            assert total == 5

        def advance(self) -> None:
            self.done += 1
            if self.done == 2:
                raise Killed

        def finish(self) -> None:
            pass

    with pytest.raises(Killed):
        app.run_once("import", Dies())
    assert account.count("INBOX") == 3
    app.run_once("answer")
    with app.sessions() as session:
        assert len(session.scalars(select(Ticket)).all()) == 5
        assert set(session.scalars(select(OutboxMail.status))) == {"suppressed"}
    assert smtp.received == [] and account.count("INBOX") == 0
    app.close()


def test_the_daemon_refuses_before_starting_any_worker(make_config, sqlite_url, account, smtp):
    config = make_config(sqlite_url, rules=SHIPPED_RULES)
    account.deliver(*OLD)
    app = Helpdesk(config)
    with pytest.raises(BacklogUndecided) as refused:
        app.run(threading.Event(), backlog="ask")
    assert refused.value.count == 5
    assert app._workers == [] and account.count("INBOX") == 5
    app.close()
