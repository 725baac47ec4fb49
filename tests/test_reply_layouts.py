"""Every common Chinese client's reply layout, as the client sends it (charset, transfer encoding,
HTML where the client sends only HTML): the new text exactly, and none of the quoted commands."""

from __future__ import annotations

import pytest

from helpdesk.mail.parse import parse_message
from tests.conftest import MAILS

# The quoted notice in every fixture carries commands and a status the writer never typed.
QUOTED = ("#assign li.na", "#priority 紧急", "[RESOLVED]")
# fixture name -> the new text, exactly
LAYOUTS = {
    "reply_outlook_zh_underline_header.eml": "已经按您说的清了缓存，还是登录不了。\n\n谢谢\n李雷",
    "reply_outlook_zh_original_message.eml": "版本号是 V3.2.1，出错时间今天上午9点左右。",
    "reply_outlook_zh_html_only_border.eml": "截图已附上，请查收。\n\n李雷",
    "reply_outlook_zh_hant_header.eml": "附件是錯誤畫面。\n\n陳大文",
    "reply_outlook_mobile_zh_link_signature.eml": "好的，我明天上午在公司等工程师。",
    "reply_foxmail_address_signature_header.eml": "重启以后可以登录了，谢谢！\n\n\n\nli.lei@example.cn",
    "reply_foxmail_original_separator.eml": "补充一下：出错的是财务部的三台电脑。",
    "reply_qqmail_original_english_fields.eml": "试过了，还是提示“验证码错误”。",
    "reply_qqmail_mobile_iphone.eml": "收到，谢谢",
    "reply_qqmail_html_only_text_separator.eml": "问题已经解决，可以关单了。",
    "reply_qqmail_plain_nbsp_entities.eml": "我这边重装了客户端，现在正常。",
    "reply_exmail_blank_before_subject.eml": "附件是报错截图和日志。",
    "reply_exmail_html_only_original.eml": "附件是报错截图和日志。",
    "reply_wecom_mobile_signature.eml": "我在外面，下午回公司再试。",
    "reply_netease163_attribution_quoted.eml": "好的，谢谢，我马上试一下。",
    "reply_netease126_attribution_unmarked.eml": "版本是3.4.2，浏览器是Chrome。",
    "reply_netease163_english_at_wrote.eml": "It works again after the restart.",
    "reply_netease163_html_isreplycontent.eml": "打印机还是显示脱机。",
    "reply_mailmaster_signature_card.eml": "好的，我下午再试一次。",
    "reply_mailmaster_mobile_signature.eml": "可以了，谢谢！",
    "reply_mailmaster_html_only_card.eml": "好的，我下午再试一次。",
    "reply_gmail_zh_attribution_wrapped.eml": "问题依旧，截图见附件。\n\n李雷",
    "reply_gmail_zh_date_first.eml": "已经升级到 3.2.1 了。",
    "reply_apple_mail_zh_quoted_attribution.eml": "截图见附件。\n\n李雷",
    "reply_iphone_zh_signature_attribution.eml": "收到",
    "reply_iphone_zh_hant_signature.eml": "已重新開機，還是一樣。",
    "reply_dingtalk_alimail_dashes.eml": "收到，已经恢复正常。",
    "reply_dingtalk_mobile_signature.eml": "好的，辛苦了",
    "reply_dingtalk_alimail_html_only.eml": "收到，已经恢复正常。",
    "reply_dingtalk_alimail_html_unquoted.eml": "版本是 3.4.2。",
    # A forward with nothing written above it: the forwarded report is what the customer sends.
    "reply_gmail_zh_forward_nothing_above.eml": (
        "---------- 转发的邮件 ---------\n发件人： 王芳 <wang.fang@example.cn>\n"
        "Date: 2026年11月20日周五 16:40\nSubject: 打印机报错\nTo: 李雷 <li.lei@example.cn>\n\n"
        "财务部的打印机显示错误码 0x80070005，无法打印。\n\n王芳"
    ),
}


def new_text(name: str) -> str:
    return parse_message((MAILS / name).read_bytes()).new_text


def test_every_fixture_has_its_expectation():
    assert {p.name for p in MAILS.glob("reply_*.eml")} == set(LAYOUTS)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_the_new_text_exactly(name):
    assert new_text(name) == LAYOUTS[name]


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_quoted_commands_stay_cut_while_the_whole_text_keeps_them(name):
    mail = parse_message((MAILS / name).read_bytes())
    assert not any(command in mail.new_text for command in QUOTED)
    if name != "reply_gmail_zh_forward_nothing_above.eml":
        assert "#assign li.na" in mail.text
