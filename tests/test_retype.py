"""`#type` over the real servers: a fault re-typed as development no longer shows the fault's
问题分类 and 初步判断; the new type's own keywords in the report may give it a category of its own."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from tests.conftest import SHIPPED_RULES
from tests.support.seed_desk import Desk

SH = ZoneInfo("Asia/Shanghai")
CUSTOMER = "李雷 <li.lei@example.cn>"
DETAILS = "\n版本：3.2.1\n错误提示：503\n发生时间：2026-11-23 09:05\n操作步骤：打开首页\n\n李雷"


@pytest.fixture
def desk(make_config, sqlite_url, account, smtp, tmp_path):
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=SH))
    app = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES), clock=clock)
    yield Desk(app, account, smtp, clock, tmp_path / "helpdesk.yaml")
    app.close()


def retype(desk: Desk, subject: str, text: str) -> tuple[str, dict]:
    step = desk.mail(CUSTOMER, subject, text + DETAILS)
    number = desk.ticket().number
    before = desk.record(number)["fields"]
    assert desk.ticket().type == "fault" and before["judgement"]["value"] == "pending_verification"
    shown = desk.cli("tickets", "show", number)
    assert "待验证" in shown and [line for line in shown.splitlines() if line.startswith("问题分类")]
    notice = next(s for s in step.sent if "新工单分配给您" in s.subject)
    desk.reply(notice, notice.to, "#类型 定制开发")  # from the owner
    assert desk.ticket().type == "development"
    return number, before


def test_a_fault_retyped_as_development_drops_the_faults_category_and_judgement(desk):
    number, before = retype(desk, "系统宕机", "系统宕机了，所有用户都无法使用！")
    assert before["category"]["value"] == "system_down"
    fields = desk.record(number)["fields"]
    assert "category" not in fields and "judgement" not in fields
    assert desk.ticket().subcategory is None
    shown = desk.cli("tickets", "show", number)
    assert "待验证" not in shown and not [line for line in shown.splitlines() if line.startswith("问题分类")]


def test_the_new_types_keywords_give_it_its_own_category(desk):
    number, before = retype(desk, "报表模块报错", "报表模块报错，导出很慢，希望顺便改进。")
    assert before["category"]["value"] == "module_failure"
    fields = desk.record(number)["fields"]
    assert fields["category"]["value"] == "optimisation" and "judgement" not in fields
    assert desk.ticket().subcategory == "optimisation"
