"""Field extraction from customers' own words, Chinese and English, with the line each value came from."""

from __future__ import annotations

import pytest

from helpdesk.intake.extract import extract_fields
from helpdesk.rules.load import load_rules
from tests.conftest import SHIPPED_RULES

FIELDS = load_rules(SHIPPED_RULES).catalog.fields


def values(text: str, attachments=(), asked=frozenset()) -> dict[str, tuple[str, int]]:
    found = extract_fields(FIELDS, text, list(attachments), frozenset(asked))
    return {name: (hit.value, hit.line) for name, hit in found.items()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("版本: 3.2.1", ("3.2.1", 1)),
        ("系统版本：V2.0", ("V2.0", 1)),
        ("x\nVersion 4.1.", ("4.1", 2)),
        ("we run v5.3 since May", ("v5.3", 1)),
        ("客户端是 7.0.12 版", ("7.0.12", 1)),
    ],
)
def test_version(text, expected):
    assert values(text)["system_version"] == expected


def test_version_is_not_an_ip_address_or_a_bare_number():
    assert "system_version" not in values("服务器 192.168.1.10 无响应，重试 3.5 次")


def test_a_bare_two_part_version_counts_when_we_asked_for_it():
    assert "system_version" not in values("3.2")
    assert values("3.2", asked={"system_version"})["system_version"] == ("3.2", 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发生时间：2026-11-21 09:05", "2026-11-21 09:05"),
        ("出错时间 2026年11月21日 上午9点", "2026年11月21日 上午9点"),
        ("11月20日下午3点开始的", "11月20日下午3点"),
        ("今天早上开始一直报错", "今天早上"),
        ("昨天下午 3:20 出现", "昨天下午 3:20"),
        ("It started yesterday at 3pm", "yesterday at 3pm"),
        ("Since Nov 21, 2026 at 9:05 am", "Nov 21, 2026 at 9:05 am"),
        ("at 09:05 the page froze", "09:05"),
    ],
)
def test_datetime(text, expected):
    assert values(text)["occurred_at"][0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("错误提示:“验证码错误”", "验证码错误"),
        ("报错信息：连接超时", "连接超时"),
        ("页面一直提示“打印队列已满”", "打印队列已满"),
        ('it fails with "Error 500: template not found" every time', "Error 500: template not found"),
        ("NullPointerException: null at Login.java:42", "NullPointerException: null at Login.java:42"),
        ("ORA-00942 table or view does not exist", "ORA-00942 table or view does not exist"),
    ],
)
def test_error_message(text, expected):
    assert values(text)["error_message"][0] == expected


def test_quoted_text_without_error_words_is_not_an_error():
    assert "error_message" not in values("我们叫它“月报”")


def test_screenshot_or_log_attachment_answers_the_error_message():
    assert values("见附件", attachments=["错误截图.png", "readme.pdf"])["error_message"] == (
        "错误截图.png",
        0,
    )
    assert "error_message" not in values("见附件", attachments=["contract.pdf"])


@pytest.mark.parametrize(
    "text",
    [
        "操作步骤：\n1. 打开月报\n2. 点击导出\n发生时间：今天",
        "先这样：\n1、打开月报\n2、点击导出\n\n谢谢",
        "（1）打开月报\n（2）点击导出",
        "Steps:\nStep 1: open the monthly report\nStep 2: click export",
    ],
)
def test_numbered_steps(text):
    steps = values(text)["steps"][0].splitlines()
    assert len(steps) == 2 and ("月报" in steps[0] or "monthly report" in steps[0])


def test_a_single_numbered_line_is_not_steps():
    assert "steps" not in values("1. 系统打不开")


def test_text_fields_by_label_with_block_below():
    found = values("使用场景：\n财务月结时\n需要批量导出凭证\n预期效果：一键导出全部凭证")
    assert found["scenario"] == ("财务月结时\n需要批量导出凭证", 1)
    assert found["expected"] == ("一键导出全部凭证", 4)


def test_several_labelled_fields_on_one_line():
    found = values("补充：版本 3.2.1，出错时间 2026-11-21 09:05。")
    assert found["system_version"] == ("3.2.1", 1) and found["occurred_at"] == ("2026-11-21 09:05", 1)


def test_a_one_question_answer_without_label_is_the_whole_reply():
    assert values("点开报表后直接白屏", asked={"error_message"})["error_message"][0] == "点开报表后直接白屏"


def test_labels_are_whole_english_words():
    assert "system" not in values("The ecosystem: everything is slow")
