"""The weekly and monthly reports as the sweep sends them, at the moment sla.yaml's `reports` sets,
over the real IMAP server and SMTP sink on a fixed clock: each person's once, the next one only
a period later, one even when two daemons sweep at the same moment."""

from __future__ import annotations

import email
import email.policy
import shutil
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.errors import ConfigError
from helpdesk.rules.load import load_rules
from tests.conftest import SHIPPED_RULES

# Wednesdays and the 3rd of the month at 10:00 on the desk's clock (Asia/Shanghai, UTC+8).
SCHEDULE = 'reports:\n  weekday: wed\n  day: 3\n  time: "10:00"\n'


def rules_with(tmp_path, reports: str):
    folder = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, folder)
    sla = folder / "sla.yaml"
    text = sla.read_text("utf-8")
    start = text.index("reports:")
    end = text.index("\n\n", start)
    sla.write_text(text[:start] + reports.rstrip("\n") + text[end:], encoding="utf-8")
    return folder


def reports_sent(smtp) -> Counter:
    """(recipient, subject) of every weekly or monthly report the sink received, counted."""
    found = Counter()
    for received in smtp.received:
        message = email.message_from_bytes(received.data, policy=email.policy.default)
        if "周报" in message["Subject"] or "月报" in message["Subject"]:
            found[(received.recipients[0], message["Subject"])] += 1
    return found


def at(clock: ManualClock, local: str) -> None:
    """Move the clock to `local` (YYYY-MM-DD HH:MM in Shanghai)."""
    moment = datetime.fromisoformat(local + "+08:00").astimezone(UTC)
    clock.advance(moment - clock.now())


def test_weekly_and_monthly_reports_go_at_their_configured_moment_once(
    make_config, db_url, account, smtp, tmp_path
):
    clock = ManualClock(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))  # Monday 10:00 in Shanghai
    app = Helpdesk(make_config(db_url, rules=rules_with(tmp_path, SCHEDULE)), clock=clock)
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "打印报错", "打印提示“队列已满”。"))
    app.run_once()
    week_47 = "技术支持周报 2026-11-16 – 2026-11-22"
    managers = ("liu.yang@example.com", "zhao.lei@example.com")

    at(clock, "2026-11-23 10:00")  # Monday: the shipped day, not the configured one
    app.run_once()
    at(clock, "2026-11-25 09:59")
    app.run_once()
    assert reports_sent(smtp) == {}

    at(clock, "2026-11-25 10:00")  # Wednesday at the configured time
    app.run_once()
    at(clock, "2026-11-26 10:00")
    app.run_once()
    assert reports_sent(smtp) == {(to, week_47): 1 for to in managers}

    at(clock, "2026-12-02 10:00")  # a week later: the next week's, and still not the month's (the 3rd)
    app.run_once()
    week_48 = "技术支持周报 2026-11-23 – 2026-11-29"
    assert reports_sent(smtp) == {(to, week): 1 for to in managers for week in (week_47, week_48)}

    at(clock, "2026-12-03 10:00")
    app.run_once()
    at(clock, "2026-12-04 10:00")
    app.run_once()
    app.close()
    assert reports_sent(smtp) == {
        (to, subject): 1 for to in managers for subject in (week_47, week_48, "技术支持月报 2026-11")
    }
    monthly = report(smtp, "liu.yang@example.com", "技术支持月报 2026-11")
    text = monthly.get_body(("plain",)).get_content()
    assert text.startswith("刘洋，您好") and "2026-11-01 – 2026-11-30：共 1 张工单" in text
    assert "首次响应：" in text and "二次处理率" in text and "工程师（在手 / 超时 / 期间已解决）" in text
    html = monthly.get_body(("html",)).get_content()
    assert "<pre" not in html and "<table" in html and "处理时效" in html


def report(smtp, recipient: str, subject: str) -> email.message.EmailMessage:
    for received in smtp.received:
        message = email.message_from_bytes(received.data, policy=email.policy.default)
        if received.recipients == [recipient] and message["Subject"] == subject:
            return message
    raise AssertionError(f"no {subject!r} to {recipient}")


@pytest.mark.postgres
def test_two_daemons_sweeping_at_once_send_each_report_once(make_config, pg_url, account, smtp, tmp_path):
    clock = ManualClock(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))
    config = make_config(pg_url, rules=rules_with(tmp_path, SCHEDULE))
    first, second = Helpdesk(config, clock=clock), Helpdesk(config, clock=clock)
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "打印报错", "打印提示“队列已满”。"))
    first.run_once()
    at(clock, "2026-12-03 10:00")  # both the week's and the month's are due
    start = threading.Barrier(2)

    def sweep(app: Helpdesk) -> None:
        start.wait()
        app.sweeper.run()

    threads = [threading.Thread(target=sweep, args=(app,)) for app in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first.sender.drain()
    second.sender.drain()
    first.close()
    second.close()
    subjects = ("技术支持周报 2026-11-23 – 2026-11-29", "技术支持月报 2026-11")
    managers = ("liu.yang@example.com", "zhao.lei@example.com")
    assert reports_sent(smtp) == {(to, subject): 1 for to in managers for subject in subjects}


@pytest.mark.parametrize(
    ("block", "below", "complaint"),
    [
        ('reports:\n  weekday: monday\n  day: 1\n  time: "09:00"\n', 1, "reports.weekday"),
        ('reports:\n  weekday: mon\n  day: 32\n  time: "09:00"\n', 2, "reports.day"),
        ('reports:\n  weekday: mon\n  day: 1\n  time: "25:00"\n', 3, "reports.time"),
    ],
)
def test_a_wrong_schedule_is_refused_with_its_file_and_line(tmp_path, block, below, complaint):
    folder = rules_with(tmp_path, block)
    with pytest.raises(ConfigError) as refused:
        load_rules(folder)
    (problem,) = refused.value.problems
    first = (folder / "sla.yaml").read_text("utf-8").split("\n").index("reports:") + 1
    assert problem.startswith(f"{folder / 'sla.yaml'}:{first + below}: {complaint}:"), problem


def test_a_report_switched_off_is_never_sent(make_config, sqlite_url, account, smtp, tmp_path):
    off = 'reports:\n  weekday: null\n  day: null\n  time: "09:00"\n'
    clock = ManualClock(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))
    app = Helpdesk(make_config(sqlite_url, rules=rules_with(tmp_path, off)), clock=clock)
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "打印报错", "打印提示“队列已满”。"))
    app.run_once()
    at(clock, "2026-12-03 10:00")
    app.run_once()
    app.close()
    assert reports_sent(smtp) == {}
