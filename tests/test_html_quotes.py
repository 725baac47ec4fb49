"""HTML-only replies: the quoted part is known by its markup, so commands quoted from the customer
never count as the engineer's new words (fixtures named by client and quirk)."""

from __future__ import annotations

import pytest

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.mail.html import html_to_text, without_quotes
from helpdesk.mail.parse import parse_message
from helpdesk.mail.reply import split_reply
from tests.conftest import MAILS, SHIPPED_RULES
from tests.test_workflow import START, body, mails_to, open_ticket, ticket_now

QUOTED = ("#priority 紧急", "#assign li.na", "#solution 我自己重启了服务器", "全厂都登录不了")

FIXTURES = {
    "gmail_html_quote_with_commands.eml": [
        "已联系厂商，正在排查验证码服务。",
        "#note 验证码服务的缓存已满",
        "王伟",
    ],
    "gmail_html_quote_attribution_trimmed.eml": ["收到，我先看一下日志。", "王伟"],
    "outlook_zh_html_divrplyfwdmsg.eml": ["已定位，是验证码服务的缓存问题。", "#eta 2026-11-24 18:00"],
    "outlook_zh_html_rerequoted_x_divrplyfwdmsg.eml": ["好的，已转给研发。"],
    "outlook_desktop_html_border_header.eml": [
        "Checked the logs; the captcha cache is full.",
        "#note cache size 512 MB",
    ],
    "qqmail_html_quote.eml": ["已安排工程师今天下午上门。", "#eta 2026-11-23 17:00"],
    "foxmail_html_origbody.eml": ["补丁已打上，请客户再试。", "#solution 升级验证码服务到 2.4.1"],
    "apple_mail_blockquote_cite.eml": [
        "We rolled the captcha service back to 2.3.",
        "#note rollback at 11:05",
    ],
    "thunderbird_html_moz_cite_prefix_inline_answer.eml": ["Version 3.2.1, patched last week.", "Wang Wei"],
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_new_text_keeps_the_engineers_lines_and_drops_the_quoted_commands(name):
    mail = parse_message((MAILS / name).read_bytes())
    lines = mail.new_text.splitlines()
    for own in FIXTURES[name]:
        assert own in lines
    for quoted in QUOTED:
        assert quoted not in mail.new_text
    assert "#assign li.na" in mail.text  # the whole body is still kept for reading


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_the_markup_alone_removes_the_quote(name):
    """Without the line-based splitter: structure is enough, even where no 'wrote:' line exists."""
    html = parse_message((MAILS / name).read_bytes()).html
    text = html_to_text(without_quotes(html))
    assert not any(quoted in text for quoted in QUOTED)
    assert FIXTURES[name][0] in text


def test_an_inline_answer_between_quotes_is_kept():
    html = (
        "<blockquote type=cite>Which version?</blockquote><p>3.2.1</p>"
        "<blockquote type=cite>#assign li.na<blockquote>older</blockquote>still quoted</blockquote>"
        "<p>Wang</p>"
    )
    assert html_to_text(without_quotes(html)).split() == ["3.2.1", "Wang"]


def test_text_that_looks_like_markup_stays_text():
    html = "<p>请把 &lt;blockquote&gt; 标签和 a &amp; b 发给我</p><blockquote>#assign li.na</blockquote>"
    assert html_to_text(without_quotes(html)) == "请把 <blockquote> 标签和 a & b 发给我"


def test_a_bordered_block_that_is_not_a_reply_header_is_kept():
    html = (
        '<div>第一步已完成。</div><div style="border-top:solid #ccc 1pt">#eta 2026-11-24 18:00<br>'
        "下一步：升级数据库。</div>"
    )
    assert "#eta 2026-11-24 18:00" in html_to_text(without_quotes(html))


def test_an_unclosed_quote_runs_to_the_end():
    assert html_to_text(without_quotes("<p>好的</p><blockquote><p>#priority 紧急")) == "好的"


# End to end: the real IMAP server, SMTP sink and database, the shipped rules.


@pytest.fixture
def app(make_config, sqlite_url):
    helpdesk = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES), clock=ManualClock(START))
    yield helpdesk
    helpdesk.close()


def test_an_html_reply_quoting_the_customers_commands_changes_neither_priority_nor_owner(app, account, smtp):
    ticket = open_ticket(app, account, smtp)
    before = (ticket.priority, ticket.owner)
    assert before == ("severe", "wang.wei")
    [notice] = mails_to(smtp, "wang.wei@example.com")
    raw = (
        (MAILS / "gmail_html_quote_attribution_trimmed.eml")
        .read_bytes()
        .replace(b"{{NUMBER}}", ticket.number.encode())
        .replace(b"<{{IN_REPLY_TO}}>", notice["Message-ID"].encode())
    )
    account.deliver(raw)
    app.run_once()
    after = ticket_now(app, ticket.number)
    assert (after.priority, after.owner, after.solution) == ("severe", "wang.wei", "")
    assert not mails_to(smtp, "li.na@example.com")
    relayed = [body(m) for m in mails_to(smtp, "li.lei@example.cn")]
    assert any("收到，我先看一下日志。" in text for text in relayed)
    assert not any("#priority" in text or "#assign" in text for text in relayed)


@pytest.mark.parametrize(
    "container",
    [
        '<div id="mail-editor-reference-message-container">',  # new Outlook, Outlook for Mac
        '<div id="ms-outlook-mobile-reference-message">',  # Outlook mobile
        '<div id="isReplyContent">',  # NetEase 163
    ],
)
def test_quote_containers_without_an_attribution_line(container):
    """From an attack review: these quotes have no 'wrote:' line, only their container."""
    html = f"<div>#note 收到</div>{container}<div>#assign zhang.min</div><div>#priority 低</div></div>"
    kept = html_to_text(without_quotes(html))
    assert "#note 收到" in kept and "#assign" not in kept and "#priority" not in kept


@pytest.mark.parametrize(
    ("sender", "sent"),
    [
        ("Von:", "Gesendet:"),  # German
        ("De :", "Envoyé :"),  # French, a space before the colon
        ("Da:", "Inviato:"),  # Italian
        ("Van:", "Verzonden:"),  # Dutch
        ("Od:", "Wysłano:"),  # Polish
        ("От:", "Отправлено:"),  # Russian
        ("Från:", "Skickat:"),  # Swedish
        ("差出人:", "送信日時:"),  # Japanese
        ("보낸 사람:", "보낸 날짜:"),  # Korean
        ("寄件者:", "寄件日期:"),  # Traditional Chinese
    ],
)
def test_outlooks_bordered_header_block_in_each_language(sender, sent):
    html = (
        "<div><p>Angehängt ist das Protokoll. / ログを添付します。</p>"
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        f"<p><b>{sender}</b> Support &lt;support@example.com&gt;<br><b>{sent}</b> 21.11.2026 10:02</p></div>"
        "<p>#assign li.na</p><p>#priority 紧急</p></div>"
    )
    kept = html_to_text(without_quotes(html))
    assert "Angehängt ist das Protokoll." in kept and "#assign" not in kept and "#priority" not in kept


@pytest.mark.parametrize(
    "opener",
    [
        '<span id="OLK_SRC_BODY_SECTION">',  # Outlook for Mac
        '<hr id="zwchr" data-marker="__DIVIDER__">',  # Zimbra
    ],
)
def test_more_clients_quote_openers(opener):
    html = f"<div>#note 已处理</div>{opener}<div>#assign zhang.min</div><div>#priority 低</div>"
    kept = html_to_text(without_quotes(html))
    assert "#note 已处理" in kept and "#assign" not in kept and "#priority" not in kept


def test_an_attribution_left_above_a_dropped_quote_is_cut_too():
    """Apple Mail writes "Support wrote:" above its blockquote; with the quote gone it ends the text."""
    html = (
        "<div>Done, thanks.</div><div><br></div><div>Support wrote:</div>"
        "<blockquote type=cite>#assign li.na</blockquote>"
    )
    assert split_reply(html_to_text(without_quotes(html))) == "Done, thanks."
