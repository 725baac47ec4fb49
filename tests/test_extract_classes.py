"""One test per class of report field the reader missed (issue 12): versions, times, errors, steps,
and quoted history, each in the customer's own words, Chinese and English."""

from __future__ import annotations

from datetime import datetime

import pytest

from helpdesk.intake.extract import extract_fields
from helpdesk.rules.load import load_rules
from tests.conftest import SHIPPED_RULES

FIELDS = load_rules(SHIPPED_RULES).catalog.fields
TUESDAY = datetime(2026, 11, 24, 10, 12)  # the mail's Date, in the desk's zone


def read(text: str, attachments=(), reference: datetime | None = TUESDAY) -> dict[str, str]:
    found = extract_fields(FIELDS, text, list(attachments), reference=reference)
    return {name: hit.value for name, hit in found.items()}


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("系统版本号是V3.2，登录后白屏", "V3.2"),
        ("我们用的是3.4.2版本", "3.4.2"),
        ("版本是3.2.1", "3.2.1"),
        ("版本是3.2.1。", "3.2.1"),
        ("We use 4.2.0.", "4.2.0"),
        ("We're running Build 2026.11.", "Build 2026.11"),
        ("软件版本：3.4.2（build 1187）", "3.4.2"),
        ("版本 V3.2.1-SP2 有问题", "V3.2.1-SP2"),
        ("the version is 6.0.2", "6.0.2"),
    ],
)
def test_versions_after_chinese_text_builds_and_full_stops(text, version):
    assert read(text)["system_version"] == version


@pytest.mark.parametrize(
    "text",
    [
        "在 Chrome 119.0.6045.105 里按钮不见了",
        "in Chrome\n119.0.6045.105 the button is gone",
        "服务器 192.168.1.10 连不上",
        "Windows 10.0.19045 上装不上",
    ],
)
def test_someone_elses_version_or_an_address_is_not_the_systems(text):
    assert "system_version" not in read(text)


@pytest.mark.parametrize(
    ("text", "resolved"),
    [
        ("昨天下午三点左右开始报错", "2026-11-23 15:00"),
        ("今天下午两点半盘点时发现", "2026-11-24 14:30"),
        ("今天下午四点十五分左右", "2026-11-24 16:15"),
        ("昨晚十一点的批处理失败", "2026-11-23 23:00"),
        ("上周五开始升级一直失败", "2026-11-20"),
        ("上周三晚上九点左右录入的单据", "2026-11-18 21:00"),
        ("Since Monday the page is slow", "2026-11-23"),
        ("It failed again at 11/20/2026 3:45 PM.", "2026-11-20 15:45"),
        ("today 10:30 the printer stopped", "2026-11-24 10:30"),
        ("yesterday at 3pm it froze", "2026-11-23 15:00"),
        ("2026年11月23日 上午9点导出的报表", "2026-11-23 09:00"),
        ("发生时间：11月20日下午3点", "2026-11-20 15:00"),
        ("今天18：30左右开始闪退", "2026-11-24 18:30"),
    ],
)
def test_times_resolve_against_the_mails_date_and_keep_the_words(text, resolved):
    found = read(text)
    assert found["occurred_at"] == resolved
    assert found["occurred_at_written"] in text


def test_a_time_of_day_later_than_the_mail_was_yesterday():
    assert read("下午两点半开始的")["occurred_at"] == "2026-11-23 14:30"  # the mail left at 10:12


def test_without_the_mails_date_the_words_are_kept_as_written():
    found = read("昨天下午三点左右开始报错", reference=None)
    assert found["occurred_at"] == "昨天下午三点左右" and "occurred_at_written" not in found


@pytest.mark.parametrize(
    "text",
    [
        "期望上线时间：2026-12-15",
        "希望上线时间：12月20日前",
        "财务要求12月31日前上线",
        "Expected go-live date: 2026-12-18",
        "期望完成时间：2026-11-27",
    ],
)
def test_a_go_live_date_is_not_when_the_fault_happened(text):
    assert "occurred_at" not in read(text)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "F12 里看到：TypeError: Cannot read properties of undefined (reading 'id')",
            "TypeError: Cannot read properties of undefined (reading 'id')",
        ),
        (
            "报错：TypeError: Cannot read properties of undefined (reading 'id')",
            "TypeError: Cannot read properties of undefined (reading 'id')",
        ),
        (
            'java.lang.NullPointerException: Cannot invoke "String.length()" because "name" is null',
            'java.lang.NullPointerException: Cannot invoke "String.length()" because "name" is null',
        ),
        (
            "Error: Unable to load widget 'sales-chart' (timeout after 30s)",
            "Unable to load widget 'sales-chart' (timeout after 30s)",
        ),
        ("升级一直失败，错误码：0x80070005。", "0x80070005"),
        ("Error code 0x80070005 this time.", "0x80070005"),
        ("安装时报错 0x80070643，装了三次都不行", "0x80070643"),
        ("错误提示  打印队列已满", "打印队列已满"),
        ("错误提示\t流程实例不存在", "流程实例不存在"),
        ("| 错误提示 | 邮件服务器拒绝连接 |", "邮件服务器拒绝连接"),
        ('The app says "Print queue is full" and nothing prints', "Print queue is full"),
        (
            'managers started getting "Approval failed: missing cost center"',
            "Approval failed: missing cost center",
        ),
        ("页面显示数据加载失败，刷新也没用", "数据加载失败"),
        # A label inside quotes opens the quoted message, it is no label for the rest of the line.
        ('the queue is stuck with "Error: print queue stuck". Version 3.2.1', "Error: print queue stuck"),
        ("页面提示“错误：打印队列已满”，版本 3.2", "错误：打印队列已满"),
    ],
)
def test_errors_whole_as_codes_and_in_table_cells(text, error):
    assert read(text)["error_message"] == error


def test_an_error_typed_beside_the_screenshot_beats_its_file_name():
    found = read("上传时报错，截图见附件，上面写着：文件大小超过限制，请联系管理员", ["错误截图.png"])
    assert found["error_message"] == "文件大小超过限制，请联系管理员"
    assert read("系统报错了，截图在附件里", ["错误截图.png"])["error_message"] == "错误截图.png"


def test_clicking_a_quoted_button_is_no_error():
    assert "error_message" not in read("然后点击“检查更新”，再点“立即升级”")


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        (
            "复现步骤：\n• 进入库存管理\n• 选择一号仓\n• 点击“重新计算”\n结果是负数",
            ["进入库存管理", "选择一号仓", "重新计算"],
        ),
        (
            "Steps:\n\n  * Open Contracts\n  * Click Upload\n  * Choose a PDF",
            ["Open Contracts", "Upload", "PDF"],
        ),
        (
            "- open Shipping\n- select all orders\n- click Print labels",
            ["Shipping", "orders", "Print labels"],
        ),
        ("操作步骤：\n| 1 | 打开工资条模块 |\n| 2 | 选择11月 |", ["1. 打开工资条模块", "2. 选择11月"]),
        (
            "| 1 | 打开工资条模块 |\n| 2 | 选择11月 |\n| 3 | 点击批量发送 |",
            ["打开工资条", "11月", "批量发送"],
        ),
    ],
)
def test_steps_as_bullets_and_table_rows(text, steps):
    found = read(text)["steps"].splitlines()
    assert len(found) == len(steps) and all(part in line for part, line in zip(steps, found, strict=True))


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        (
            "首先打开客户端，然后点击“检查更新”，最后点“立即升级”就失败了。版本是3.2.1",
            "首先打开客户端，然后点击“检查更新”，最后点“立即升级”就失败了",
        ),
        (
            "我先登录系统，然后进入报表中心，再点导出月报，就报错了。",
            "我先登录系统，然后进入报表中心，再点导出月报，就报错了",
        ),
        (
            "It is slow. First I log in, then I open\nBilling, then I pick last month and it spins. Thanks",
            "First I log in, then I open Billing, then I pick last month and it spins",
        ),
    ],
)
def test_steps_told_in_a_sentence(text, steps):
    assert read(text)["steps"] == steps


@pytest.mark.parametrize(
    "text",
    ["先这样，谢谢", "现象：\n- 页面很慢\n- 偶尔白屏", "At first it worked, then it stopped."],
)
def test_no_steps_in_a_list_of_symptoms_or_a_passing_first(text):
    assert "steps" not in read(text)


def test_quoted_history_is_never_read():
    found = read(
        "版本是3.4.3，补充一下。\n\n> 发生时间 例如 2026-11-21 09:05\n> 错误提示：模板不存在\n"
        "> 1. 打开\n> 2. 导出"
    )
    assert found == {"system_version": "3.4.3"}


def test_a_mail_servers_status_code_is_no_version():
    assert "system_version" not in read("Remote server said: 550 5.1.1 user unknown")


def test_numbered_answers_to_our_numbered_questions_are_no_steps():
    found = read("补充如下：\n1. 发生时间：昨天下午5点半左右\n2. 系统版本：2.0.9\n3. 错误提示：库存同步失败")
    assert "steps" not in found
    assert (found["occurred_at"], found["system_version"]) == ("2026-11-23 17:30", "2.0.9")


def test_a_forwarded_mails_header_date_is_no_time_of_the_fault():
    found = read(
        "---------- Forwarded message ---------\nFrom: Ken <ken@fabrikam.example>\n"
        "Date: Thu, Dec 3, 2026 at 10:30 AM\nSubject: login\nTo: Lucy <lucy@example.com>\n\n"
        "Since this morning SSO fails."
    )
    assert found["occurred_at"] == "2026-11-24"


@pytest.mark.parametrize(
    "text", ["下周一之前要用", "下个月上线", "next Friday we go live", "明天上午10点前处理好"]
)
def test_next_week_is_no_time_of_the_fault(text):
    assert "occurred_at" not in read(text)


def test_after_a_weekdays_update():
    assert read("It started after Tuesday's update")["occurred_at"] == "2026-11-24"


@pytest.mark.parametrize(
    "text", ["我们的许可证 2026-12-31 到期，想续费", "Can we add 10 more before 12/15/2026?"]
)
def test_a_day_after_the_mail_is_no_time_of_the_fault(text):
    assert "occurred_at" not in read(text)


def test_the_end_of_a_month():
    assert read("上个月底开始对不上账")["occurred_at"] == "2026-10-31"


@pytest.mark.parametrize(
    ("text", "resolved"),
    [
        ("半小时前开始学生都进不了直播间", "2026-11-24 09:42"),
        ("一个半小时前", "2026-11-24 08:42"),
        ("About 2 hours ago teachers started reporting it", "2026-11-24 08:12"),
        ("三天前导出的成绩单", "2026-11-21"),
    ],
)
def test_how_long_ago(text, resolved):
    assert read(text)["occurred_at"] == resolved


def test_a_shown_error_keeps_its_code_and_an_apostrophe_opens_no_quote():
    assert (
        read("the sync shows Sync error 0x8004010F for every teacher")["error_message"]
        == "Sync error 0x8004010F"
    )
    found = read('We\'re on 4.7.3. The error message is "Save failed (409)".')
    assert found["error_message"] == "Save failed (409)"


def test_an_hour_before_this_morning():
    assert read("started around 11 this morning")["occurred_at"] == "2026-11-24 11:00"
    assert read("It began at 3 yesterday afternoon")["occurred_at"] == "2026-11-23 15:00"
    assert "occurred_at" not in read("这个需求最晚1月31日要用上")
