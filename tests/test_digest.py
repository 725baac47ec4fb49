"""The managers' digest and the report, for a seeded day, sent once even across a restart."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.repository import Repository
from tests.conftest import SHIPPED_RULES
from tests.test_sla import staff_reply

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=SH))


@pytest.fixture
def config(make_config, sqlite_url):
    return make_config(sqlite_url, rules=SHIPPED_RULES)


def seed(app: Helpdesk, account, clock) -> None:
    """Three tickets on DAY: a fatal fault that escalates, a general fault, a question."""
    account.deliver(
        customer_mail(
            "A <a@example.cn>",
            "系统宕机",
            "今天 9:05 起系统宕机，所有用户无法登录，提示“503”。版本 3.2.1\n1. 打开\n2. 登录",
        ),
        customer_mail("B <b@example.cn>", "打印报错", "打印提示“队列已满”。"),
        customer_mail("C <c@example.cn>", "请问", "请问如何修改密码？"),
    )
    app.run_once()
    clock.advance(timedelta(minutes=20))
    app.run_once()  # the fatal ticket's first response is missed: escalated to the manager


def digests(smtp, day: str = "2026-11-23") -> list[email.message.EmailMessage]:
    """The digests sent for `day` (seeding at 10:00 already sent the previous day's)."""
    found = [email.message_from_bytes(r.data, policy=email.policy.default) for r in smtp.received]
    return [m for m in found if ("日报" in m["Subject"] or "digest" in m["Subject"]) and day in m["Subject"]]


def test_digest_figures_for_a_seeded_day(config, account, smtp, clock):
    app = Helpdesk(config, clock=clock)
    seed(app, account, clock)
    director = app.rules.directory.person("zhao.lei")
    with app.sessions() as session:
        figures = app.digests.figures(Repository(session), director, DAY)
        text = app.digests.render(Repository(session), director, DAY).text
    day = figures["day"]
    assert day["tickets"] == 3
    assert day["by_type"] == {"fault": 2, "consultation": 1}
    assert day["by_priority"] == {"fatal": 1, "general": 1, "medium": 1}
    assert day["by_team"] == {"operations": 2, "product": 1}
    assert [(e["clock"], e["to"]) for e in day["escalations"]] == [("first_response", "liu.yang")]
    assert {o["clock"] for o in day["overdue"]} == {"first_response"}
    assert [w["status"] for w in day["waiting"]] == ["info_pending"]
    assert "新工单 3 个" in text and "首次响应超时，已升级至刘洋" in text and "故障报修 2" in text
    assert "liu.yang" not in text and "first_response" not in text  # people by name, clocks in words
    app.close()


def test_a_manager_sees_only_their_teams(config, account, smtp, clock):
    app = Helpdesk(config, clock=clock)
    seed(app, account, clock)
    manager = app.rules.directory.person("liu.yang")
    with app.sessions() as session:
        figures = app.digests.figures(Repository(session), manager, DAY)
    assert figures["day"]["tickets"] == 2 and figures["day"]["by_team"] == {"operations": 2}
    app.close()


def test_sent_once_at_its_time_even_across_a_restart(config, account, smtp, clock):
    app = Helpdesk(config, clock=clock)
    seed(app, account, clock)
    clock.advance(timedelta(hours=20))  # 06:20 the next day: before 08:30
    app.run_once()
    assert digests(smtp) == []
    app.close()
    clock.advance(timedelta(hours=5))  # the daemon was down over 08:30; it comes back at 11:20
    restarted = Helpdesk(config, clock=clock)
    restarted.run_once()
    restarted.run_once()
    sent = digests(smtp)
    assert sorted(m["To"] for m in sent) == ["liu.yang@example.com", "zhao.lei@example.com"]
    assert all("2026-11-23" in m["Subject"] for m in sent)
    html = sent[0].get_body(("html",)).get_content()
    assert "background: #4a7bd0" in html  # the chart
    restarted.close()
    again = Helpdesk(config, clock=clock)
    again.run_once()
    assert len(digests(smtp)) == 2
    again.close()


def test_an_empty_day_says_so_in_one_line(config, account, smtp, clock):
    app = Helpdesk(config, clock=clock)
    director = app.rules.directory.person("zhao.lei")
    with app.sessions() as session:
        text = app.digests.render(Repository(session), director, DAY).text
    assert "2026-11-23：无新工单、无升级、无超时，也没有等待客户的工单。" in text
    app.close()


def test_digest_print_and_report_commands(config, account, smtp, clock, tmp_path):
    app = Helpdesk(config, clock=clock)
    seed(app, account, clock)
    app.close()
    path = str(tmp_path / "helpdesk.yaml")
    printed = CliRunner().invoke(
        main, ["--config", path, "digest", "--print", "--date", "2026-11-23", "--manager", "liu.yang"]
    )
    assert printed.exit_code == 0, printed.output
    assert "Subject: 技术支持日报 2026-11-23" in printed.output and "新工单 2 个" in printed.output
    report = CliRunner().invoke(
        main, ["--config", path, "report", "--since", "2026-11-01", "--until", "2026-11-30", "--json"]
    )
    figures = json.loads(report.output)
    assert figures["tickets"] == 3 and figures["by_type"] == {"fault": 2, "consultation": 1}
    unknown = CliRunner().invoke(main, ["--config", path, "digest", "--print", "--manager", "nobody"])
    assert unknown.exit_code == 1 and "no manager or director 'nobody'" in unknown.output


def test_the_digest_gives_the_months_handling_times_and_each_engineer_by_name(config, account, smtp, clock):
    app = Helpdesk(config, clock=clock)
    seed(app, account, clock)
    sent = [email.message_from_bytes(r.data, policy=email.policy.default) for r in smtp.received]
    notice = next(m for m in sent if m["To"] == "wang.wei@example.com" and "系统宕机" in m["Subject"])
    clock.advance(timedelta(minutes=10))  # the owner answers 30 minutes after the report
    account.deliver(
        staff_reply(notice, "王伟 <wang.wei@example.com>", "Re: ", "已定位，正在切换备用服务器。")
    )
    app.run_once()
    director = app.rules.directory.person("zhao.lei")
    english = director.model_copy(update={"language": "en"})
    with app.sessions() as session:
        handling = app.digests.figures(Repository(session), director, DAY)["handling"]
        zh = app.digests.render(Repository(session), director, DAY).text
        en = app.digests.render(Repository(session), english, DAY).text
    app.close()
    assert handling["first_response"]["count"] == 1 and handling["first_response"]["average"] == 1800
    assert handling["reopened"]["rate"] is None  # nothing resolved yet this month
    assert "本月处理时效：\n  首次响应：平均 30分钟，中位 30分钟（1 次）" in zh
    assert "    致命：平均 30分钟，中位 30分钟（1 次）" in zh
    assert "二次处理率：-（期间无已解决工单）" in zh
    wang = handling["engineers"]["wang.wei"]
    assert f"    - 王伟：{wang['open']} / {wang['overdue']} / {wang['resolved']}" in zh
    assert "First response: average 30 min, median 30 min (1)" in en and "    - 王伟: " in en
    assert "wang.wei" not in zh + en and "first_response" not in zh + en  # people by name, clocks in words
