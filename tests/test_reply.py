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
    "gmail_date_first_attribution": (
        "Still failing.\n\n2016-03-03 17:21 GMT+01:00 Support <support@example.com>:\n\n> Please retry",
        "Still failing.",
    ),
    "gmail_attribution_wrapped_over_three_lines": (
        "Fixed, thanks.\n\nOn Sat, Nov 21, 2026 at 10:02 AM, Support Team\n<support@example.com>\n"
        "wrote:\n\n> Hi",
        "Fixed, thanks.",
    ),
    "starred_original_message": (
        "See the log below.\n\n*-------- Original Message --------*\nSubject: Export\nDate: 21.11.2026\nold",
        "See the log below.",
    ),
    "qq_original_line": ("好的\n\n------------------ Original ------------------\nFrom: x\nold", "好的"),
    "zoho_dashed_attribution": (
        "Done.\n\n---- On Sat, 21 Nov 2026 10:02:00 +0800 Support <support@example.com> wrote ----\n\nold",
        "Done.",
    ),
    "typeapp_signature_with_link": (
        "On my way.\n\nSent from TypeApp<http://www.typeapp.com/r>\n> old",
        "On my way.",
    ),
    "k9_signature_with_its_full_stops": (
        "Rebooted, works.\n\nSent from my Android device with K-9 Mail. Please excuse my brevity.\n> old",
        "Rebooted, works.",
    ),
    "mobile_signature_then_nothing_but_history": (
        "好的\n\nGet Outlook for Android<https://aka.ms/ghei36>",
        "好的",
    ),
    "gmail_forward_with_nothing_above_keeps_the_report": (
        "---------- Forwarded message ---------\nFrom: Wang Fang <wang.fang@example.cn>\n"
        "Date: Fri, Nov 20, 2026 at 4:40 PM\nSubject: Printer error\nTo: Li <li@example.cn>\n\n"
        "The printer shows 0x80070005.\n\n> an older quote",
        "---------- Forwarded message ---------\nFrom: Wang Fang <wang.fang@example.cn>\n"
        "Date: Fri, Nov 20, 2026 at 4:40 PM\nSubject: Printer error\nTo: Li <li@example.cn>\n\n"
        "The printer shows 0x80070005.",
    ),
    "apple_forward_with_nothing_above_keeps_the_report": (
        "Begin forwarded message:\n\nFrom: Wang Fang <wang.fang@example.cn>\nSubject: Printer error\n"
        "Date: 20 November 2026 at 16:40:00 CET\nTo: Li <li@example.cn>\n\nThe printer shows 0x80070005.",
        "Begin forwarded message:\n\nFrom: Wang Fang <wang.fang@example.cn>\nSubject: Printer error\n"
        "Date: 20 November 2026 at 16:40:00 CET\nTo: Li <li@example.cn>\n\nThe printer shows 0x80070005.",
    ),
    "forward_under_a_comment_keeps_the_report": (
        "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: x <x@example.cn>\n"
        "Date: 2026-11-20\n\nExport fails with 0x80070005.\n\n"
        "On Fri, Nov 20, 2026 at 9:00 AM y <y@example.cn> wrote:\n> #assign li.na",
        "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: x <x@example.cn>\n"
        "Date: 2026-11-20\n\nExport fails with 0x80070005.",
    ),
    "a_date_led_header_block": (
        "Please check.\n\nDate: Wed, 16 May 2012 00:15:02 -0600\nTo: support@example.com\nSubject: Hi\n\nold",
        "Please check.",
    ),
    # Never cut the writer's own words.
    "a_line_mentioning_wrote_and_a_date_is_kept": (
        "On 20 Nov 2026 I wrote:\n- the export fails\n- the log is attached\n"
        "11月20日下午三点，我写道：\n导出失败",
        "On 20 Nov 2026 I wrote:\n- the export fails\n- the log is attached\n"
        "11月20日下午三点，我写道：\n导出失败",
    ),
    "mailmaster_card_line_alone_keeps_the_sign_off_above": (
        "谢谢\n\n李雷\n\n签名由 网易邮箱大师 定制\n\n---- 回复的原邮件 ----\n| 发件人 | 技术支持 |",
        "谢谢\n\n李雷",
    ),
    "a_note_ending_in_a_verb_is_not_an_attribution": (
        "11월 21일 보고서 작성\n2026年11月21日 李雷写道\n内容如上",
        "11월 21일 보고서 작성\n2026年11月21日 李雷写道\n内容如上",
    ),
    "a_date_alone_is_not_an_attribution": (
        "2026-11-20 10:00 the export failed for wang@example.cn:\nerror 0x80070005",
        "2026-11-20 10:00 the export failed for wang@example.cn:\nerror 0x80070005",
    ),
    "inline_answers_below_a_quote_under_text": (
        "请看下面的回答。\n\n在 2026年11月21日 10:02，技术支持 <support@example.com> 写道：\n"
        "> 1. 版本号？\n3.2.1\n> 2. 浏览器？\nChrome 120\n> 3. 出错时间？\n今天上午 9 点\n",
        "请看下面的回答。\n\n3.2.1\nChrome 120\n今天上午 9 点",
    ),
    "bottom_posting_under_a_greeting": (
        "Hi Anna,\n\nOn Sat, Nov 21, 2026 at 10:02 AM Anna <anna@example.com> wrote:\n> Which version?\n\n"
        "Version 3.2.1, installed last week.\n\n-- \nLi",
        "Hi Anna,\n\nVersion 3.2.1, installed last week.",
    ),
    "a_footer_below_the_quote_of_a_top_posted_reply_is_cut": (
        "Works now.\n\nOn Sat, Nov 21, 2026 at 10:02 AM Anna <anna@example.com> wrote:\n> Please retry\n\n"
        "This message is confidential.",
        "Works now.",
    ),
    "a_command_typed_above_the_quote_survives": (
        "#assign li.na\n#priority 高\n\nOn Sat, Nov 21, 2026 at 10:02 AM Li <li@example.cn> wrote:\n"
        "> #assign zhang.min\n> [RESOLVED]",
        "#assign li.na\n#priority 高",
    ),
    "quoted_commands_stay_cut": (
        "好的\n\n-----原始邮件-----\n发件人: 李雷 <li@example.cn>\n发送时间: 2026年11月21日 10:02\n\n"
        "#assign zhang.min\n[RESOLVED]",
        "好的",
    ),
    "a_pasted_header_block_introduced_by_a_colon_is_kept": (
        "我收到了下面这封邮件，是不是钓鱼邮件？原文如下：\n发件人：账户安全中心 <security@examp1e.com>\n"
        "发送时间：2026年11月20日 09:00\n主题：您的邮箱即将停用\n\n请点击链接验证。\n\n我没有点链接。",
        "我收到了下面这封邮件，是不是钓鱼邮件？原文如下：\n发件人：账户安全中心 <security@examp1e.com>\n"
        "发送时间：2026年11月20日 09:00\n主题：您的邮箱即将停用\n\n请点击链接验证。\n\n我没有点链接。",
    ),
    "a_pasted_header_block_right_under_the_text_is_kept": (
        "我收到一封奇怪的邮件\n发件人：账户安全中心 <security@examp1e.com>\n发送时间：2026年11月20日 09:00\n"
        "主题：您的邮箱即将停用\n\n内容是让我点链接。\n\n请帮忙看看是不是病毒",
        "我收到一封奇怪的邮件\n发件人：账户安全中心 <security@examp1e.com>\n发送时间：2026年11月20日 09:00\n"
        "主题：您的邮箱即将停用\n\n内容是让我点链接。\n\n请帮忙看看是不是病毒",
    ),
    "a_header_block_right_under_the_name_with_a_quote_below": (
        "Glad to see the discussion.\n\nKind regards,\nZiyao\nFrom: Petr <petr@example.cz>\n"
        "To: Jan <jan@example.com>\nSubject: Re: [PATCH 0/3] aio\nTime: 2021-05-04 13:13:53\n\nHi Jan,\n\n"
        "> Why are we replacing it?\n\nYou haven't missed anything.",
        "Glad to see the discussion.\n\nKind regards,\nZiyao",
    ),
    "a_pasted_header_block_without_a_date_is_kept": (
        "邮件头是这样的\n发件人：张三\n主题：发票\n后面就没有内容了。",
        "邮件头是这样的\n发件人：张三\n主题：发票\n后面就没有内容了。",
    ),
    "a_rule_line_inside_the_text_is_kept": (
        "第一步已完成\n--------------------\n第二步失败",
        "第一步已完成\n--------------------\n第二步失败",
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
