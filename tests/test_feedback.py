"""A customer's confirmation and rating, read from their own words: whole words and phrases, a
negation over a positive, numbers only as the answer the resolution mail asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpdesk.mail.parse import parse_message
from helpdesk.workflow.feedback import own_words, read_feedback

MAILS = Path(__file__).resolve().parent / "mails"
SUPPORT = frozenset({"support@example.com"})

# (the customer's new words, result, rating); (None, None) means not understood.
REPLIES = [
    # happy, in Chinese
    ("已解决，满意，谢谢！", "resolved", "satisfied"),
    ("问题已经解决了，基本满意。谢谢", "resolved", "fair"),
    ("好了，谢谢", "resolved", None),
    ("结果：已解决\n满意度：满意", "resolved", "satisfied"),
    ("已经恢复正常了，服务一般", "resolved", "fair"),
    ("已解决，一般吧", "resolved", "fair"),
    ("您好，\n问题已解决，非常满意！\n\n李雷\n发自我的iPhone", "resolved", "satisfied"),
    ("满意", None, "satisfied"),
    ("一般", None, "fair"),
    # happy, in English
    ("Resolved, very satisfied. Thanks!", "resolved", "satisfied"),
    ("Fixed, thank you. Fairly satisfied.", "resolved", "fair"),
    ("All good now, thanks a lot", "resolved", None),
    ("Hi team,\n\nThe issue is resolved. Satisfied.\n\nBest regards,\nJohn", "resolved", "satisfied"),
    ("It works now, great!", "resolved", "satisfied"),
    ("OK", None, "fair"),
    # numbers as the resolution mail asks: result, then rating
    ("1 1", "resolved", "satisfied"),
    ("1, 1", "resolved", "satisfied"),
    ("1，2", "resolved", "fair"),
    ("1 满意", "resolved", "satisfied"),
    ("已解决 2", "resolved", "fair"),
    ("结果：1\n满意度：2", "resolved", "fair"),
    ("2", "unresolved", None),
    ("3 3", "partial", "unsatisfied"),
    # unhappy: a negation outranks any positive word
    ("还是不行", "unresolved", None),
    ("未解决，不满意", "unresolved", "unsatisfied"),
    ("问题依旧，重启后还是报错", "unresolved", None),
    ("没有解决，仍然报错：连接超时", "unresolved", None),
    ("你们说已解决，但我这边还是不行", "unresolved", None),
    ("部分解决，不满意", "partial", "unsatisfied"),
    ("已解决，但是不满意，等了三天才回复", "resolved", "unsatisfied"),
    ("版本 3.2.1 还是报错", "unresolved", None),
    ("Still broken after the restart.", "unresolved", None),
    ("Not fixed. Same error as before: ORA-12541", "unresolved", None),
    ("It doesn't work, tested on 3 machines", "unresolved", None),
    ("It doesn’t work on my laptop", "unresolved", None),
    ("You marked it resolved but it still fails", "unresolved", None),
    ("Partially resolved; dissatisfied", "partial", "unsatisfied"),
    ("still failing on Chrome 131", "unresolved", None),
    # unclear or off-topic: nothing may move the ticket
    ("一般都是下午出现", None, None),
    ("谢谢", None, None),
    ("好的，收到", None, None),
    ("OK, I'll try tomorrow", None, None),
    ("The token expired again, see the attached log", None, None),
    ("I tested on 3 machines", None, None),
    ("请问这个功能什么时候能上线？", None, None),
    ("解决了吗？我这边看不到变化", None, None),
    ("如果还是不行，我再联系你们", None, None),
    ("Why was this marked resolved?", None, None),
    ("已解决？", None, None),
    ("Can you check whether it is fixed?", None, None),
    ("If it doesn't work again I will call you.", None, None),
    ("1 1 1", None, None),
    ("5", None, None),
    ("Please send me the invoice for order 2", None, None),
    ("另外想问一下，打印机也连不上网", None, None),
    ("结果：已解决 / 未解决 / 部分解决\n满意度：满意 / 基本满意 / 不满意", None, None),
    ("主题：问题已解决，请确认：OA 无法登录", None, None),
    ("", None, None),
]


@pytest.mark.parametrize(("words", "result", "rating"), REPLIES)
def test_a_reply_reads_as_what_the_customer_meant(words, result, rating):
    feedback = read_feedback(words)
    assert (feedback.result, feedback.rating) == (result, rating)
    assert feedback.understood == (result is not None or rating is not None)
    assert bool(feedback.why) != feedback.understood  # an answer not understood always says why


@pytest.mark.parametrize(
    ("words", "because"),
    [
        ("一般都是下午出现", "'一般' counts only as an answer, not inside a sentence"),
        ("I tested on 3 machines", "a number inside a sentence is not an answer"),
        ("解决了吗？", "a question is not an answer"),
        ("如果还是不行，我再联系你们", "a condition or an example is not an answer"),
        ("1 1 1", "more numbers than questions"),
        ("OK, I'll try tomorrow", "'ok' beside other words is not a clear answer"),
        ("结果：已解决 / 未解决 / 部分解决", "our question copied back"),
        ("", "the reply only quotes earlier mail"),
    ],
)
def test_an_answer_not_understood_says_why(words, because):
    assert because in read_feedback(words).why


def test_what_counted_is_named_for_the_event():
    assert read_feedback("还是不行，不满意").read == ("还是不行 → unresolved", "不满意 → unsatisfied")
    assert read_feedback("1 2").read == ("1 → result resolved", "2 → rating fair")


@pytest.mark.parametrize(
    ("fixture", "result", "rating"),
    [
        # Nothing written above the quote: the resolution mail's own choices never count.
        ("outlook_zh_quoted_resolution_only.eml", None, None),
        ("foxmail_gbk_quoted_resolution_only.eml", None, None),
        ("gmail_en_quoted_resolution_only.eml", None, None),
        # New words above a quote that carries "已解决 / 未解决": only the new words count.
        ("outlook_zh_unresolved_above_quoted_choices.eml", "unresolved", None),
        ("foxmail_gbk_resolved_above_original.eml", "resolved", "fair"),
        ("gmail_en_number_in_sentence_above_quote.eml", None, None),
    ],
)
def test_only_the_new_text_of_a_real_reply_counts(fixture, result, rating):
    mail = parse_message((MAILS / fixture).read_bytes(), SUPPORT, "zh")
    feedback = read_feedback(own_words(mail))
    assert (feedback.result, feedback.rating) == (result, rating)
    # Even read whole, the quoted resolution mail answers nothing by itself.
    if result is None:
        assert not read_feedback(mail.text).understood


@pytest.mark.parametrize(
    "reply",
    [
        "已解决了一部分，还有问题",
        "暂时解决了，明天再看看",
        "已解决，但是又出现了",
        "解决了个寂寞",
        "谁说已解决了",
        "基本解决了，还有个小问题",
        "应该解决了吧",
        "not sure it's fixed",
        "resolved - NOT",
        "Not completely fixed",
        "Fixed, but the problem came back",
        "Thanks, it's fixed for user A but not user B",
        "Mostly fixed",
        "I'm satisfied with the support but the issue remains",
    ],
)
def test_a_qualified_yes_never_closes(reply):
    """From an attack review: each of these read as 'resolved' and closed a ticket still broken."""
    assert not read_feedback(reply).happy
