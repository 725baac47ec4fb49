"""The house voice: every template in the folder, in both languages, for every ticket type, reads
as a careful support engineer would write it; and docs/mails shows the current wording."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.config import Config
from helpdesk.effects import CLOCKS, Authority, Notify
from helpdesk.outbound import phrases
from helpdesk.outbound.context import excerpt
from helpdesk.outbound.examples import SIMILAR, Examples
from helpdesk.outbound.examples_data import CUSTOMERS, OTHER_SUBJECTS, REPORTS
from helpdesk.outbound.phrases import duration, hours, resolved_words
from helpdesk.outbound.phrases_dates import resolve
from helpdesk.outbound.phrases_reasons import SENTENCES as REASONS
from helpdesk.outbound.phrases_reasons import reason, say
from helpdesk.outbound.render import Renderer
from helpdesk.rules.load import load_rules
from helpdesk.sla.escalation import escalate
from helpdesk.tickets.record_events import SENTENCES as EVENT_SENTENCES
from helpdesk.tickets.snapshot import ClockView
from helpdesk.workflow.feedback import read_feedback
from helpdesk.workflow.staff import StaffDecider
from tests.test_deciders import NOW, mail, ticket

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates" / "email"
RULES = load_rules(ROOT / "rules")
EXAMPLES = Examples(RULES, Renderer(TEMPLATES))
DOCS = ROOT / "docs" / "mails"

# Words allowed in a Chinese mail although Latin: commands, product names, the CLI we point to.
PRODUCT_WORDS = (
    "helpdesk tickets show",
    "helpdesk tickets attachments",
    "--save",
    "DKIM",
    "DMARC",
    "ACK",
    "OA",
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_COMMAND = re.compile(r"#[A-Za-z_]+")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_UNFILLED = ("{{", "}}", "{%", "%}", "None", "Undefined", "[]", "{}", "{'", "dict object")


def customer_words(language: str) -> list[str]:
    """What the sample customers wrote (and their attachment's name): theirs, in any language."""
    words = CUSTOMERS[language]
    said = [v for v in words.values() if isinstance(v, str)] + list(words["fields"].values())
    said += [text for report in REPORTS[language].values() for text in report]
    said += [line for text in said for line in text.splitlines()]
    return sorted(said + OTHER_SUBJECTS[language] + ["screenshot.png"], key=len, reverse=True)


def names() -> list[str]:
    return sorted(
        {p.name for p in RULES.directory.people} | {c["name"] for c in CUSTOMERS.values()}, key=len
    )[::-1]


def ids() -> set[str]:
    """Names that must never reach a reader: staff ids, and the snake_case ids of states and clocks."""
    found = {p.id for p in RULES.directory.people} | {"rnd"}
    found |= {s for s in RULES.workflows.states if "_" in s}
    found |= {c for c in RULES.sla.clocks if "_" in c} | {f for f in RULES.catalog.fields if "_" in f}
    return found


def stripped(text: str, language: str) -> str:
    """`text` without what may be in another language: addresses, commands, names, the customer's
    own words and product names."""
    text = _EMAIL.sub(" ", text)
    for said in customer_words(language) + names():
        text = text.replace(said, " ")
    text = _COMMAND.sub(" ", text)
    for word in PRODUCT_WORDS:
        text = text.replace(word, " ")
    return text


def ours(text: str, language: str) -> str:
    """`text` without the customer's own words (which may greet too)."""
    for said in customer_words(language):
        text = text.replace(said, " ")
    return text


def problems(template: str, language: str, subject: str, text: str) -> list[str]:
    found = []
    greeting = "您好" if language == "zh" else "Hello"
    if ours(text, language).count(greeting) != 1 or not text.split("\n", 1)[0].endswith(("您好：", ",")):
        found.append(f"not exactly one greeting at the top: {text[:60]!r}")
    if "\n\n\n" in text:
        found.append("three blank lines")
    found += [f"unfilled {mark!r}" for mark in _UNFILLED if mark in subject + text]
    for name in ids():
        if re.search(rf"(?<![\w.@]){re.escape(name)}(?![\w@])", _EMAIL.sub(" ", subject + "\n" + text)):
            found.append(f"an id where a name belongs: {name}")
    rest = stripped(subject + "\n" + text, language)
    if language == "zh":
        found += [f"English in a Chinese mail: {w!r}" for w in re.findall(r"[A-Za-z][A-Za-z'-]*", rest)]
    else:
        found += [f"Chinese in an English mail: {c!r}" for c in _CJK.findall(rest)]
    return [f"{language}/{template}: {p}" for p in found]


TYPES = sorted(RULES.catalog.types)


@pytest.mark.parametrize("template", EXAMPLES.templates())
def test_every_template_speaks_the_house_voice_in_both_languages_for_every_type(template):
    found = []
    for language in ("zh", "en"):
        for type_ in TYPES:
            for state in ("in_progress", "resolved"):
                rendered = EXAMPLES.render(template, language, EXAMPLES.ticket(language, type_, state))
                found += problems(template, language, rendered.subject, rendered.text)
                found += html_problems(template, language, rendered.html)
    assert sorted(set(found)) == []


@pytest.mark.parametrize("template", EXAMPLES.templates())
def test_each_variant_reads_right_and_staff_mails_greet_staff(template):
    for example in EXAMPLES.all(template):
        first = example.rendered.text.split("\n", 1)[0]
        greets_staff = any(person.name in first for person in RULES.directory.people)
        assert greets_staff == EXAMPLES.to_staff(template), (template, first)
        assert not problems(template, example.language, example.rendered.subject, example.rendered.text)


class _Tags(HTMLParser):
    VOID = ("meta", "br", "img", "hr", "input", "link")

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.lang = ""

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.lang = dict(attrs).get("lang") or ""
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1] if self.open else 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data):
        self.text.append(data)


def html_problems(template: str, language: str, html: str) -> list[str]:
    """The HTML part: well nested, in the mail's language, one greeting, as wide as a mail client."""
    parser = _Tags()
    parser.feed(html)
    found = parser.errors + ([f"unclosed {parser.open}"] if parser.open else [])
    if parser.lang != ("zh-CN" if language == "zh" else "en"):
        found.append(f"lang={parser.lang!r}")
    if "max-width: 640px" not in html:
        found.append("no max-width: long lines run across a wide mail client")
    shown = ours(unescape("".join(parser.text)), language)
    if shown.count("您好" if language == "zh" else "Hello") != 1:
        found.append("not exactly one greeting")
    found += [f"unfilled {mark!r}" for mark in ("{{", "{%", "None", "Undefined") if mark in html]
    return [f"{language}/{template}.html: {p}" for p in found]


def test_docs_mails_are_the_current_wording(tmp_path):
    """docs/mails is what `helpdesk mails render docs/mails` writes now: a support lead reviews the
    wording there without running anything."""
    Examples(RULES, Renderer(TEMPLATES), Config()).write(tmp_path)
    fresh = {p.relative_to(tmp_path): p.read_text("utf-8") for p in tmp_path.rglob("*.txt")}
    kept = {p.relative_to(DOCS): p.read_text("utf-8") for p in DOCS.rglob("*.txt")} if DOCS.exists() else {}
    stale = sorted(str(p) for p in fresh.keys() | kept.keys() if fresh.get(p) != kept.get(p))
    assert not stale, (
        f"docs/mails is out of date ({', '.join(stale)}): run `helpdesk mails render docs/mails`"
    )


def test_mails_render_writes_each_template_in_both_languages(tmp_path):
    config = tmp_path / "helpdesk.yaml"
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    config.write_text(
        f"paths:\n  rules: {ROOT / 'rules'}\n  templates: templates\n"
        "support_name: {zh: 客服中心, en: Help Desk}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--config", str(config), "mails", "render", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    resolution = (tmp_path / "out" / "zh" / "resolution.txt").read_text("utf-8")
    assert "需求已上线，请验收" in resolution and "问题已解决，请确认" in resolution
    assert resolution.rstrip().endswith("客服中心") and "Help Desk" not in resolution
    assert (tmp_path / "out" / "en" / "digest.txt").read_text("utf-8").count("Hello") == 1


def test_an_automatic_update_says_there_is_no_news_and_when_the_next_comes():
    ticket = EXAMPLES.ticket("zh", "fault", "in_progress")
    ticket.priority = "fatal"
    text = EXAMPLES.render("status_update", "zh", ticket).text
    assert "我们正在全力处理您的工单 202611-001，暂无新进展，将于30分钟后再次同步。" in text
    assert "有新的进展" not in text
    daily = EXAMPLES.render("status_update", "en", EXAMPLES.ticket("en", "fault", "in_progress")).text
    assert "no news yet, and we will update you again in 2 hours" in daily
    ticket.priority = "minor"
    text = EXAMPLES.render("status_update", "zh", ticket).text
    assert "将于下一个工作日 16:30 前再次同步" in text


def test_a_request_is_released_and_accepted_not_solved():
    ticket = EXAMPLES.ticket("zh", "development", "resolved")
    rendered = EXAMPLES.render("resolution", "zh", ticket)
    assert rendered.subject.startswith("需求已上线，请验收") and "问题已解决" not in rendered.text
    news = EXAMPLES.render(
        "status_update", "zh", EXAMPLES.ticket("zh", "development", "developing"), {"moved": True}
    )
    assert "需求已进入开发阶段。" in news.text
    testing = EXAMPLES.ticket("zh", "development", "testing")
    tested = EXAMPLES.render("status_update", "zh", testing, {"moved": True})
    assert "需求已开发完成，正在测试。" in tested.text
    fault = EXAMPLES.render(
        "resolution", "zh", EXAMPLES.ticket("zh", "fault", "resolved"), {"cause": "缓存写满"}
    )
    assert "原因：\n缓存写满" in fault.text and fault.subject.startswith("问题已解决，请确认")


def test_durations_come_from_sla_yaml(tmp_path):
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    sla = tmp_path / "rules" / "sla.yaml"
    sla.write_text(
        sla.read_text("utf-8").replace(
            "owner_confirmation: {default: 1h}", "owner_confirmation: {default: 2bh}"
        ),
        "utf-8",
    )
    examples = Examples(load_rules(tmp_path / "rules"), Renderer(TEMPLATES))
    zh = examples.render("assignment", "zh", examples.ticket("zh", "fault", "assigned")).text
    en = examples.render("assignment", "en", examples.ticket("en", "fault", "assigned")).text
    assert "请在2个工作小时内回复本邮件确认" in zh and "1 小时" not in zh and "1小时" not in zh
    assert "within 2 working hours" in en
    reminder = EXAMPLES.render("confirmation_reminder", "zh", EXAMPLES.ticket("zh", "fault", "resolved")).text
    assert "若2天内（2026-11-27 10:00 前）仍未收到您的回复，工单将按“已解决”关闭。" in reminder


def test_raw_values_are_shown_readably():
    assignment = EXAMPLES.render("assignment", "zh", EXAMPLES.ticket("zh", "fault", "assigned")).text
    assert "发生时间：2026-11-23 09:05（客户原话：今天 9:05）" in assignment
    assert "提交人：李雷（li.lei@example.cn）" in assignment
    escalation = EXAMPLES.render("escalation", "zh", EXAMPLES.ticket("zh", "fault", "in_progress")).text
    history = escalation.split("处理记录：\n", 1)[1]
    assert "王伟：已定位到验证码服务缓存写满" in history and "(acknowledgement)" not in history
    assert "wang.wei" not in escalation


def test_durations_and_dates_in_words():
    assert [duration(d, "zh") for d in ("15m", "60m", "1h", "8bh", "2bd", "48h")] == [
        "15分钟",
        "1小时",
        "1小时",
        "8个工作小时",
        "2个工作日",
        "2天",
    ]
    assert [duration(d, "en") for d in ("1h", "30m", "1bd", "3bd")] == [
        "1 hour",
        "30 minutes",
        "1 working day",
        "3 working days",
    ]
    assert hours(96, "zh") == "4天" and hours(36, "en") == "36 hours"
    written = datetime(2026, 11, 23, 10, 0)
    assert resolve("今天 9:05", written) == "2026-11-23 09:05"
    assert resolve("昨晚8点半", written) == "2026-11-22 20:30"
    assert resolve("yesterday at 3pm", written) == "2026-11-22 15:00"
    assert resolve("2026-11-21 09:05", written) is None and resolve("版本 3.2.1", written) is None


def test_history_is_cut_on_a_word_boundary_never_inside_an_address():
    text = "Please call me back at li.lei@example.cn or on the desk phone, " * 3
    for limit in range(30, 120, 7):
        cut = excerpt(text, limit)
        assert cut.endswith("…") and len(cut) <= limit + 1
        assert cut.count("@") == cut.count("li.lei@example.cn")  # an address whole, or not at all
        assert text.startswith(cut[:-1]) and text[len(cut) - 1] in " ,"  # cut where a word ends
    chinese = excerpt("登录时提示验证码错误，" * 20, 40)
    assert chinese.endswith("错误…") and len(chinese) <= 41


def test_refusal_reasons_are_coded_and_said_in_the_readers_language():
    known = [{"zh": "致命", "en": "Fatal"}, {"zh": "严重", "en": "Severe"}]
    why = reason("unknown_priority", value="超级紧急", known=known)
    assert say(why, "zh") == "未知的紧急程度“超级紧急”（可用：致命、严重）"
    assert say(why, "en") == "unknown priority '超级紧急' (known: Fatal, Severe)"
    late = reason("eta_late", notice={"zh": "1个工作日", "en": "1 working day"})
    assert say(late, "zh") == "已执行，但距原预计完成时间已不足1个工作日，已记为延迟通知"
    assert say("#优先级 紧急", "en") == "#优先级 紧急"  # a line as the engineer wrote it stays
    with pytest.raises(KeyError):
        reason("no_such_reason")


def test_every_refusal_reason_and_event_sentence_is_all_in_its_readers_language():
    """No config file or key names (staff.yaml, reports_to) in the Chinese, no Chinese in the English."""
    said = [(v["zh"], v["en"]) for v in REASONS.values()] + list(EVENT_SENTENCES.values())
    blank = re.compile(r"\{\w+\}")  # what each is filled in with is checked where it is said
    for zh, en in said:
        assert not re.findall(r"[A-Za-z][A-Za-z'-]*", stripped(blank.sub(" ", zh), "zh")), zh
        assert not _CJK.findall(stripped(blank.sub(" ", en), "en")), en


def test_every_result_a_resolution_mail_offers_is_read_back():
    """A request is 验收通过 / 未通过 / 部分通过, a fault 已解决 / 未解决 / 部分解决: each choice the mail
    offers is understood when the customer answers with it."""
    for type_ in TYPES:
        for language, rating in (("zh", " 满意"), ("en", ", satisfied")):
            choices = resolved_words(type_, language)["choices"]
            for choice, meant in zip(choices, ("resolved", "unresolved", "partial"), strict=True):
                feedback = read_feedback(choice + rating)
                assert (feedback.result, feedback.rating) == (meant, "satisfied"), (type_, choice)


def test_an_impossible_eta_is_refused_in_words_not_raised():
    staff = StaffDecider(RULES, RULES.calendars.of(None).zone)
    reply = mail("王伟 <wang.wei@example.com>", "Re: [#202612-001]", "#eta 2026-13-45 25:00\n")
    view = ticket(status="in_progress", owner="wang.wei", owner_confirmed_at=NOW)
    trusted = Authority("wang.wei", True)
    effects = staff.staff_mail(view, reply, RULES.directory.person("wang.wei"), trusted, NOW)
    (receipt,) = [e for e in effects if getattr(e, "template", "") == "receipt"]
    assert [r["why"]["code"] for r in receipt.extra["rejected"]] == ["eta_format"]


def test_every_clock_and_every_stage_the_customer_hears_of_has_words_in_both_languages():
    assert set(CLOCKS) <= set(phrases.CLOCKS)
    for type_, flow in RULES.workflows.workflows.items():
        for state, template in flow.notify.items():
            if template == "status_update":
                assert all(phrases.stage_news(state, language, type_) for language in ("zh", "en")), state


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_reopen_mail_to_staff_shows_what_the_customer_wrote_on_reopening(language):
    words = {
        "zh": "谢谢。不过今天打印又报错了：0x61011BED。",
        "en": "Thanks, but printing fails again: 0x61011BED.",
    }
    sample = EXAMPLES.ticket(language, "fault", "reopened")
    text = EXAMPLES.render("reopened", language, sample, {"message": words[language]}).text
    label = phrases.label("reopen_words", language)
    assert f"{label}{phrases.COLON[language].rstrip()}\n{words[language]}\n" in text
    assert text.index(words[language]) < text.index(phrases.label("description", language))


def test_an_escalation_names_its_clock_in_the_house_words():
    """The escalation says a clock as every other mail does (phrases.CLOCKS, the one table)."""
    for name in ("eta", "plan", "first_response"):
        missed = ClockView(9, name, NOW - timedelta(hours=3), NOW - timedelta(minutes=1))
        view = ticket(status="in_progress", team="operations", owner="wang.wei", clocks=(missed,))
        effects = escalate(RULES, view, NOW)
        (up,) = [e for e in effects if isinstance(e, Notify) and e.template == "escalation"]
        manager = RULES.directory.person(up.person)
        assert up.extra["clock"] == phrases.CLOCKS[name][manager.language]


@pytest.mark.parametrize("template", ["assignment", "urgent_assignment"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_assignment_notices_list_similar_solved_tickets_or_nothing(template, language):
    sample = EXAMPLES.ticket(language, "fault", "assigned")
    [past] = SIMILAR[language]
    listed = EXAMPLES.render(template, language, sample, {"similar": SIMILAR[language]})
    colon = phrases.COLON[language]
    head = f"{phrases.label('similar', language)}{colon.rstrip()}\n  1. {past['number']} {past['subject']}\n"
    assert head + f"     {phrases.label('solution', language)}{colon}{past['solution']}\n" in listed.text
    assert problems(template, language, listed.subject, listed.text) == []
    if template == "assignment":
        assert past["solution"] in listed.html and phrases.label("similar", language) in listed.html
    alone = EXAMPLES.render(template, language, sample, {"similar": []})
    assert phrases.label("similar", language) not in alone.text + alone.html
