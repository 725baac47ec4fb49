"""Render outbound mail from Jinja2 templates: a subject, a text part and an HTML part per language."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from helpdesk.errors import TemplateError
from helpdesk.outbound import phrases
from helpdesk.outbound.attach import SampleFiles
from helpdesk.outbound.phrases_reasons import say


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    language: str


class Renderer:
    """Finds `LANG/NAME.txt.j2` (with a `subject` block) and `LANG/NAME.html.j2` under `root`."""

    def __init__(self, root: Path, fallback_language: str = "en") -> None:
        self.root = root
        self.fallback_language = fallback_language
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(root)),
            undefined=jinja2.StrictUndefined,
            autoescape=lambda name: bool(name and name.endswith(".html.j2")),
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals |= {"line": _line, "row": _row}
        self.env.filters |= {"say": _say, "duration": _duration, "said": _said}

    def render(self, name: str, language: str, context: dict) -> Rendered:
        """Render mail `name` in `language` (or the fallback language when it has no such template)."""
        for lang in dict.fromkeys((language, self.fallback_language)):
            try:
                text_template = self.env.get_template(f"{lang}/{name}.txt.j2")
            except jinja2.TemplateNotFound:
                continue
            try:
                html_template = self.env.get_template(f"{lang}/{name}.html.j2")
            except jinja2.TemplateNotFound:
                html_template = None  # the text part, wrapped, stands in for the HTML part
            voiced = voice(lang, context)
            try:
                subject_block = text_template.blocks.get("subject")
                if subject_block is None:
                    raise TemplateError(f"{lang}/{name}.txt.j2 has no {{% block subject %}}")
                subject = " ".join("".join(subject_block(text_template.new_context(voiced))).split())
                text = _tidy(text_template.render(voiced))
                html = html_template.render(voiced) if html_template else _wrap(text, subject, lang)
                subject, text, html = (_masked_staff(part, voiced) for part in (subject, text, html))
                return Rendered(subject=subject, text=text, html=html, language=lang)
            except jinja2.TemplateError as exc:
                raise TemplateError(f"template {lang}/{name} failed: {exc}") from exc
        raise TemplateError(f"no template {name!r} for {language!r} under {self.root}")

    def names(self) -> list[str]:
        """Every mail the folder holds: each `zh/NAME.txt.j2` and `en/NAME.txt.j2`, partials
        (`_NAME`) aside, by name."""
        found = set()
        for path in self.env.list_templates():
            language, _, file = path.partition("/")
            if language in phrases.LANGUAGES and file.endswith(".txt.j2") and not file.startswith(("_", ".")):
                found.add(file.removesuffix(".txt.j2"))
        return sorted(name for name in found if "/" not in name)

    def check(self, names: list[str], languages: list[str]) -> list[str]:
        """Problems found compiling each named template, and every mail the folder holds, in each
        language and rendering it against a sample context (every value set, then every value
        empty), as `helpdesk check` prints them. A mail written in one language only is a problem:
        its readers in the other would get it in the wrong language.

        Mail is rendered with StrictUndefined; here every undefined name or attribute is noted with
        its template file and line and rendering goes on, so a misspelt `{{ tickett.number }}` is
        found with every other one in a single run instead of on a customer's mail."""
        found: list[str] = []
        env = self.env.overlay(undefined=_recording(found, self.root), cache_size=0)  # not mail's cache
        problems = []
        held = set(self.env.list_templates())
        for name in dict.fromkeys([*names, *self.names()]):
            for lang in languages:
                for suffix in ("txt.j2", "html.j2"):
                    path = f"{lang}/{name}.{suffix}"
                    try:
                        template = env.get_template(path)
                    except jinja2.TemplateSyntaxError as exc:
                        problems.append(f"{self.root / path}:{exc.lineno}: {exc.message}")
                        continue
                    except jinja2.TemplateNotFound:
                        others = [o for o in languages if f"{o}/{name}.{suffix}" in held]
                        if others:  # an HTML part is optional, but the same in every language
                            problems.append(
                                f"{self.root / path}: missing, though {', '.join(others)}/{name}.{suffix} "
                                f"exists: every mail is written in {' and '.join(languages)}"
                            )
                        elif suffix == "txt.j2":
                            problems.append(f"{self.root / path}: missing template")
                        continue
                    if suffix == "txt.j2" and "subject" not in template.blocks:
                        problems.append(f"{self.root / path}: no {{% block subject %}}")
                    for sample, strict in ((SAMPLE, True), (_emptied(SAMPLE), False)):
                        found.clear()
                        try:
                            template.render(voice(lang, sample))
                            subject = template.blocks.get("subject") if suffix == "txt.j2" else None
                            if subject is not None:  # the layout never shows it: rendered on its own
                                "".join(subject(template.new_context(voice(lang, sample))))
                        except Exception as exc:  # a filter or test failing on a sample value
                            if strict:
                                problems.append(f"{self.root / path}: {type(exc).__name__}: {exc}")
                        # With every value empty, only a name nobody passes is the template's fault.
                        problems += [p for p in found if strict or p.endswith(" is undefined")]
        return list(dict.fromkeys(problems))


def voice(language: str, context: dict) -> dict:
    """The context with the house voice for `language`: one greeting (to the staff member the mail
    is for, else the customer), the closing line for that reader, the signature in the language,
    and `lang` for the label and reason helpers."""
    staff = "person_name" in context
    name = context.get("person_name" if staff else "customer_name") or ""
    names = context.get("support_names") or {}
    return context | {
        "lang": language,
        "greeting": phrases.greeting(str(name), language),
        "closing": phrases.CLOSING["staff" if staff else "customer"][language],
        "support_name": names.get(language) or context.get("support_name", ""),
        "footer": phrases.FOOTER[language],
        "nothing": phrases.NOTHING[language],
    }


def _masked_staff(text: str, context: dict) -> str:
    """`text` of a customer's mail with every engineer's full name (the `people` a ticket's context
    names, the customer aside) masked, when the config's privacy.staff_names is `masked`: the
    owner line, the engineer's relayed words and their signature alike. Staff mail keeps them."""
    if context.get("staff_names") != "masked" or "person_name" in context:
        return text
    customer = " ".join(str(context.get("customer_name") or "").split())
    staff = {n for n in (context.get("people") or {}).values() if n and n != customer}
    return phrases.mask_staff_names(text, staff, context["lang"])


@jinja2.pass_context
def _line(context: jinja2.runtime.Context, key: str, value: object) -> str:
    """`工单编号：202611-001` / `Ticket number: 202611-001`: a label and its value, in the mail's language."""
    language = context["lang"]
    return f"{phrases.label(key, language)}{phrases.COLON[language]}{value}"


@jinja2.pass_context
def _row(context: jinja2.runtime.Context, key: str, value: object) -> Markup:
    """The HTML table row of a label and its value."""
    return Markup(
        '<tr><td style="padding: 2px 12px 2px 0; color: #666; white-space: nowrap;">{}</td><td>{}</td></tr>'
    ).format(phrases.label(key, context["lang"]), value)


@jinja2.pass_context
def _say(context: jinja2.runtime.Context, item: object) -> str:
    return say(item, context["lang"])


@jinja2.pass_context
def _said(context: jinja2.runtime.Context, entry: dict) -> str:
    """One message of `history`: "11-23 09:45 王伟：已定位到…", the writer by name."""
    who = context.get("people", {}).get(entry["who"], entry["who"])
    return f"{entry['when']} {who}{phrases.COLON[context['lang']]}{entry['words']}"


@jinja2.pass_context
def _duration(context: jinja2.runtime.Context, text: str) -> str:
    return phrases.duration(text, context["lang"])


def _tidy(text: str) -> str:
    """The text part without trailing spaces on its lines, ending in one newline."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"


def _recording(found: list[str], root: Path) -> type[jinja2.Undefined]:
    """An Undefined that notes 'file:line: what' where it is made, then behaves as empty."""

    class Recording(jinja2.ChainableUndefined):
        def __init__(self, hint=None, obj=jinja2.utils.missing, name=None, exc=jinja2.UndefinedError):
            super().__init__(hint, obj, name, exc)
            frame = sys._getframe(1)
            while frame is not None and "__jinja_template__" not in frame.f_globals:
                frame = frame.f_back
            if frame is None:
                return
            template = frame.f_globals["__jinja_template__"]
            line = template.get_corresponding_lineno(frame.f_lineno)
            what = f"'{name}' is undefined" if obj is jinja2.utils.missing else self._undefined_message
            found.append(f"{root / template.name}:{line}: {what}")

    return Recording


# What templates may use: the union of what the applier, the sweep and the digest pass.
_TICKET = {
    "number": "202611-001",
    "subject": "OA 无法登录",
    "status": "处理中",
    "state": "in_progress",
    "type": "故障报修",
    "kind": "fault",
    "priority": "严重",
    "team": "运维组",
    "owner": "王伟",
    "collaborators": ["李娜"],
    "requester": "李雷（li.lei@example.cn）",
    "created_local": "2026-11-23 10:00",
    "description": "登录时提示验证码错误",
    "incomplete": True,
}
_FIGURES = {
    "tickets": 3,
    "by_type": {"故障报修": 2},
    "by_priority": {"严重": 1},
    "by_team": {"运维组": 3},
    "compliance": {"严重": {"met": 1, "missed": 0, "rate": 100}},
    "satisfaction": {"满意": 1},
}
_TIMES = {"count": 2, "average": "25分钟", "median": "20分钟"}
_ROW = {"number": "202611-001", "subject": "OA", "clock": "解决", "due": "11-23 18:00", "owner": "王伟"}


SAMPLE: dict = {
    "asked_by": "王伟",
    "customer_files": SampleFiles(
        [{"name": "截图.png", "size": "48 千字节"}], total="48 千字节", number="202611-001"
    ),
    "ticket": _TICKET,
    "fields": [{"label": "系统版本", "value": "3.2.1"}],
    "missing": [{"label": "操作步骤", "hint": "每一步做了什么"}],
    "tag": "[#202611-001]",
    "support_names": {"zh": "技术支持中心", "en": "Technical Support"},
    "customer_name": "李雷",
    "person_name": "王伟",
    "people": {"li.lei@example.cn": "李雷"},
    "message": "已重启服务。",
    "solution": "清理缓存后恢复。",
    "cause": "验证码服务缓存写满",
    "moved": True,
    "news": "工程师正在处理您反馈的问题。",
    "next_update": "30分钟后",
    "resolved": {
        "title": "问题已解决，请确认",
        "intro": "您反馈的问题已处理完毕。",
        "choices": ("已解决", "未解决", "部分解决"),
        "solution": "解决方案",
    },
    "confirm": {"closes": True, "within": "4天", "after_reminder": "2天", "by": "2026-11-27 10:00"},
    "stable": {"within": "3个工作日", "by": "2026-11-26 10:00"},
    "closure": "closed_loop",
    "durations": {"owner_confirmation": "1小时", "first_response": "30分钟", "resolution": "8小时"},
    "eta": "2026-11-24 18:00",
    "eta_reason": "等待厂商补丁",
    "attachments": ["screenshot.png"],
    "clock": "解决",
    "due": "2026-11-23 18:00",
    "level": 1,
    "history": [{"when": "11-23 10:00", "who": "li.lei@example.cn", "words": "OA 无法登录"}],
    "similar": [{"number": "202610-017", "subject": "OA 验证码错误", "solution": "清理验证码服务的缓存。"}],
    "commands": [{"zh": "#优先级", "en": "#priority"}],
    "applied": ["#优先级 严重", {"code": "moved", "args": {"state": {"zh": "处理中", "en": "In progress"}}}],
    "rejected": [{"line": "#frobnicate", "why": {"code": "unknown_command", "args": {}}}],
    "why": "客户反馈：未解决，不满意",
    "approved": True,
    "outcome": "feasible",
    "report": "现有接口可支持，预计两周完成。",
    "scope": "凭证列表页新增“导出全部”按钮。",
    "change": {"number": 1, "description": "导出时增加按部门筛选。"},
    "stage": {"zh": "开发", "en": "development"},
    "closes_without_answer": True,
    "kinds": ["mobile", "id_card"],
    "day": "2026-11-22",
    "empty": False,
    "today": _FIGURES,
    "month": _FIGURES,
    "escalations": [_ROW | {"to": "刘洋"}],
    "overdue": [_ROW],
    "waiting": [_ROW | {"status": "信息待补充"}],
    "period": {"weekly": True, "first": "2026-11-16", "last": "2026-11-22", "month": "2026-11"},
    "summary": _FIGURES | {"escalations": 1, "overdue": 1},
    "handling": {
        "first_response": _TIMES | {"by_priority": [_TIMES | {"priority": "严重"}]},
        "resolution": _TIMES | {"by_priority": []},
        "reopened": {"resolved": 2, "reopened": 1, "rate": 50.0},
        "engineers": [{"name": "王伟", "open": 2, "overdue": 1, "resolved": 1}],
    },
    "knowledge": {
        "first": "2026-11-16",
        "types": [{"type": "故障报修", "count": 2, "subcategories": [{"name": "登录", "count": 1}]}],
        "repeated": [{"cause": "验证码服务缓存写满", "count": 2, "numbers": "202611-001、202611-004"}],
    },
}


def _emptied(sample: dict) -> dict:
    """The same names with empty values (the ticket kept), so `{% else %}` branches render too."""

    def empty(value: object) -> object:
        if value is _TICKET or not isinstance(value, str | list | dict | int):
            return value
        return False if isinstance(value, bool) else type(value)()

    return {key: empty(value) for key, value in sample.items()} | {"empty": True}


def _wrap(text: str, title: str, language: str) -> str:
    """An HTML part made from the text part, for mails whose template has no HTML of its own."""
    lang = "zh-CN" if language == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head>\n"
        '<body style="margin: 0; padding: 16px;"><div style="max-width: 640px;">'
        '<pre style="white-space: pre-wrap; word-wrap: break-word; margin: 0; line-height: 1.6; '
        "font-family: -apple-system, 'PingFang SC', 'Microsoft YaHei', Arial, sans-serif; font-size: 14px;\">"
        f"{escape(text)}</pre></div></body></html>\n"
    )
