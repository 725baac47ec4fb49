"""Reading the on-behalf command (#代报 / #on-behalf): the customer, the channel, the report below it."""

from __future__ import annotations

import pytest

from helpdesk.intake.on_behalf import Command, Refused, read_command
from helpdesk.mail.message import Address
from helpdesk.outbound.phrases_reasons import say


def test_a_chinese_command_names_the_customer_and_the_channel():
    command = read_command("\n#代报 李雷 <li.lei@example.cn> 电话\n登录页一直提示验证码错误。\n版本 3.2.1")
    assert command == Command(
        Address("李雷", "li.lei@example.cn"),
        "phone",
        "\n\n登录页一直提示验证码错误。\n版本 3.2.1",
        2,
        "#代报 李雷 <li.lei@example.cn> 电话",
    )


def test_a_chinese_keyboards_hash_and_spaces_are_read_too():
    command = read_command("＃代报　李雷 <li.lei@example.cn>　现场\n打印机卡纸。")
    assert isinstance(command, Command)
    assert (command.customer.email, command.channel) == ("li.lei@example.cn", "onsite")
    assert command.written == "＃代报　李雷 <li.lei@example.cn>　现场"


@pytest.mark.parametrize(
    ("word", "channel"),
    [
        ("phone", "phone"),
        ("现场", "onsite"),
        ("On-Site", "onsite"),
        ("客户经理", "account_manager"),
        ("account_manager", "account_manager"),
        ("邮件", "mail"),
        ("email", "mail"),
    ],
)
def test_every_channel_in_either_language(word, channel):
    command = read_command(f"#on-behalf Anna Smith <anna@example.com> {word}\nThe printer jams.")
    assert isinstance(command, Command)
    assert (command.customer.email, command.channel) == ("anna@example.com", channel)


def test_the_command_word_is_read_without_case_and_a_bare_address_is_enough():
    command = read_command("#ON-BEHALF anna@example.com phone\nThe printer jams.")
    assert isinstance(command, Command) and command.customer == Address("", "anna@example.com")


@pytest.mark.parametrize(
    "text",
    [
        "The printer jams.\n#on-behalf anna@example.com phone",  # not the first line
        "#on-behalfanna@example.com phone\nThe printer jams.",  # no space after the word
        "#代报人 李雷 <li.lei@example.cn> 电话\n内容",  # another word that begins the same
        "",
        "\n  \n",
    ],
)
def test_anything_else_is_no_command(text):
    assert read_command(text) is None


@pytest.mark.parametrize(
    ("text", "code", "zh", "en"),
    [
        ("#代报 李雷 <l@x.cn> 传真\n内容", "on_behalf_channel", "“传真”不是渠道", "'传真' is none"),
        ("#代报 李雷 <l@x.cn>\n内容", "on_behalf_channel", "不是渠道", "is none"),
        ("#代报 李雷 l@ 电话\n内容", "on_behalf_address", "无法识别客户地址“李雷 l@”", "'李雷 l@'"),
        ("#代报 李雷 电话\n内容", "on_behalf_address", "无法识别客户地址“李雷”", "'李雷'"),
        ("#on-behalf a@x.cn, b@x.cn phone\nJams.", "on_behalf_address", "a@x.cn, b@x.cn", "a@x.cn"),
        ("#on-behalf <<>> phone\nJams.", "on_behalf_address", "<<>>", "<<>>"),
        ("#on-behalf a@x.cn phone\n\n  \n", "on_behalf_empty", "没有客户反映的问题内容", "no report"),
        ("#代报", "on_behalf_channel", "不是渠道", "is none"),
    ],
)
def test_a_command_that_cannot_be_followed_says_why_in_each_language(text, code, zh, en):
    refused = read_command(text)
    assert isinstance(refused, Refused) and refused.why["code"] == code
    assert refused.line == text.splitlines()[0]
    assert zh in say(refused.why, "zh") and en in say(refused.why, "en")


@pytest.mark.parametrize(
    "head",
    ["<" * 5000, '"unterminated <a@x.cn>', "\x00\x1b@\x7f", "=?utf-8?q?a=40x.cn?= <evil@", "(((a@x.cn"],
)
def test_a_hostile_command_line_is_refused_never_raised(head):
    refused = read_command(f"#on-behalf {head} phone\nThe printer jams.")
    assert isinstance(refused, Refused) and refused.why["code"] == "on_behalf_address"
