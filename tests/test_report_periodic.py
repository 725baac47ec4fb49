"""Weekly and monthly reports to the managers and the director: which period is due when, and each
person's report queued once and delivered over the real SMTP sink."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.periodic_reports import PeriodicReports, ReportSchedule, due_periods
from tests.conftest import SHIPPED_RULES

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_last_full_week_and_month_fall_due_at_their_moment():
    schedule = ReportSchedule()  # Mondays and the 1st, at 09:00
    tuesday = due_periods(schedule, datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
    assert [(p.kind, str(p.first), str(p.last), p.key) for p in tuesday] == [
        ("weekly", "2026-11-23", "2026-11-29", "2026-W48"),
        ("monthly", "2026-11-01", "2026-11-30", "2026-11"),
    ]
    early = due_periods(schedule, datetime(2026, 12, 1, 8, 59, tzinfo=SHANGHAI))
    assert [(p.kind, p.key) for p in early] == [("weekly", "2026-W48"), ("monthly", "2026-10")]
    monday = due_periods(schedule, datetime(2026, 11, 30, 8, 59, tzinfo=SHANGHAI))
    assert [(p.kind, p.key) for p in monday] == [("weekly", "2026-W47"), ("monthly", "2026-10")]
    fridays = ReportSchedule(weekday=4, day=None, at=time(17, 0))
    assert [p.key for p in due_periods(fridays, datetime(2026, 12, 4, 17, 0, tzinfo=SHANGHAI))] == [
        "2026-W48"
    ]
    assert due_periods(ReportSchedule(weekday=None, day=None), datetime(2026, 12, 4, tzinfo=SHANGHAI)) == []


def test_each_manager_gets_each_report_once(make_config, db_url, account, smtp):
    clock = ManualClock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
    app = Helpdesk(make_config(db_url, rules=SHIPPED_RULES), clock=clock)
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "打印报错", "打印提示“队列已满”。"))
    app.run_once()
    jobs = PeriodicReports(app.sessions, app.digests, ReportSchedule())
    assert jobs.run() == 0  # nothing is due yet: the week and the month are not over
    clock.advance(datetime(2026, 12, 1, 2, 0, tzinfo=UTC) - clock.now())  # Tuesday 10:00 in Shanghai
    assert jobs.run() == 4  # the week's and the month's, to the manager and the director
    assert jobs.run() == 0  # claimed: never twice
    app.run_once()
    app.close()
    sent = [
        (r.recipients, email.message_from_bytes(r.data, policy=email.policy.default)) for r in smtp.received
    ]
    reports = {
        (to[0], m["Subject"]): m for to, m in sent if "报" in m["Subject"] and "2026-11" in m["Subject"]
    }
    weekly, monthly = "技术支持周报 2026-11-23 – 2026-11-29", "技术支持月报 2026-11"
    assert {key for key in reports if "日报" not in key[1]} == {
        ("liu.yang@example.com", weekly),
        ("liu.yang@example.com", monthly),
        ("zhao.lei@example.com", weekly),
        ("zhao.lei@example.com", monthly),
    }
    body = reports[("liu.yang@example.com", monthly)].get_body(("plain",)).get_content()
    assert "共 1 张工单" in body and "首次响应：" in body and "二次处理率" in body
    assert "张敏" in body or "李娜" in body  # the engineer it went to, by name
