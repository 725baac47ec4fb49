"""Reply stripping: the customer's new text, without quoted history or signatures, by client layout."""

import pytest

from helpdesk.mail.reply import split_reply

LAYOUTS = {
    "outlook_zh_fullwidth_header_block": (
        "版本是 3.2.1，出错时间今天上午 9 点。\n\n谢谢\n\n"
        "发件人：技术支持 <support@example.com>\n发送时间：2026年11月21日 10:02\n"
        "收件人：李雷 <li.lei@example.cn>\n主题：[#202611-001] 已收到您的需求\n\n您好，已收到您的需求",
        "版本是 3.2.1，出错时间今天上午 9 点。\n\n谢谢",
    ),
    "outlook_en_underline_then_header": (
        "Works now, thanks.\n\n________________________________\nFrom: Support <s@example.com>\n"
        "Sent: Friday, November 20, 2026 10:00 AM\nTo: Anna\nSubject: RE: Export\n\nold text",
        "Works now, thanks.",
    ),
    "outlook_original_message_separator": (
        "Please see the log attached.\n\n-----Original Message-----\nFrom: Support\nold",
        "Please see the log attached.",
    ),
    "foxmail_qq_original_separator": (
        "好的，我试一下。\n\n------------------ 原始邮件 ------------------\n"
        '发件人: "技术支持"<support@example.com>;\n发送时间: 2026年11月21日(星期六) 上午10:02\n'
        '收件人: "李雷"<li.lei@example.cn>;\n主题: 回复：系统无法登录\n\n旧内容',
        "好的，我试一下。",
    ),
    "netease_mail_original_separator": (
        "已经重启过了。\n\n-----邮件原件-----\n发件人: support@example.com\n旧内容",
        "已经重启过了。",
    ),
    "iphone_zh_signature_above_quote": (
        "收到，谢谢\n\n发自我的iPhone\n\n> 在 2026年11月21日，10:02，技术支持 写道：\n> 旧内容",
        "收到，谢谢",
    ),
    "gmail_en_attribution_wrapped": (
        "Thanks, that fixed it.\n\nBest regards\nJohn\n\nOn Sat, Nov 21, 2026 at 10:02 AM Support <\n"
        "support@example.com> wrote:\n\n> Hello",
        "Thanks, that fixed it.\n\nBest regards\nJohn",
    ),
    "gmail_zh_attribution": (
        "问题依旧。\n\n技术支持 <support@example.com> 于2026年11月21日周六 10:02写道：\n\n> 您好",
        "问题依旧。",
    ),
    "apple_mail_zh_attribution": (
        "截图见附件\n\n> 2026年11月21日 10:02，技术支持 <support@example.com> 写道：\n>\n> 您好",
        "截图见附件",
    ),
    "signature_delimiter": ("Done.\n\nCheers\n-- \nAnna Smith | ACME Ltd\n+1 555 0100", "Done.\n\nCheers"),
    "outlook_mobile_signature": ("OK\n\nGet Outlook for iOS\n", "OK"),
    "outlook_mobile_zh_signature": ("好的\n\n获取 Outlook for Android\n", "好的"),
    "inline_answers_below_quotes": ("> Which version?\n3.2.1\n> Which browser?\nChrome", "3.2.1\nChrome"),
    "outlook_zh_header_block_with_nothing_above": (
        "\n\n发件人：技术支持 <support@example.com>\n发送时间：2026年11月23日 10:02\n主题：回复\n\n旧内容",
        "",
    ),
    "keyword_inside_sentence_is_not_cut": (
        "I wrote: the export fails.\nFrom: our side nothing changed.\n发件人说明：无\n",
        "I wrote: the export fails.\nFrom: our side nothing changed.\n发件人说明：无",
    ),
    "sent_from_inside_sentence_is_kept": (
        "The mail was sent from my laptop yesterday.\n来自财务部的同事也无法登录。",
        "The mail was sent from my laptop yesterday.\n来自财务部的同事也无法登录。",
    ),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout(layout):
    text, expected = LAYOUTS[layout]
    assert split_reply(text) == expected


def test_crlf_and_plain_mail_kept_whole():
    assert split_reply("line one\r\nline two\r\n") == "line one\nline two"


def test_an_attribution_over_unmarked_lines_is_all_history():
    """From an attack review: a client that marks no quote lines; what follows 'wrote:' is the quote."""
    quoted = "On Mon, 3 Nov 2026, li <l@x.cn> wrote:\n#assign zhang.min\n#priority 低\n#solution 已处理"
    assert split_reply(quoted) == ""
    assert split_reply("在 2026年11月3日 10:00，li 写道：\n#assign zhang.min") == ""
    assert split_reply("On Mon, 3 Nov 2026, li wrote:\n> question?\nmy answer\n> more") == "my answer"
