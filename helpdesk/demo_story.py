"""What `helpdesk demo` tells its reader: per ticket, what was read, which rules fired, who got it,
what was asked and which mails went out, in the reader's language (taken from the audit trail)."""

from __future__ import annotations

import os
from collections.abc import Callable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from helpdesk.intake.extract import WRITTEN
from helpdesk.rules.ruleset import RuleSet
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.record_text import RECORD_FIELDS, VALUES

WORDS = {
    "zh": {
        "title": "helpdesk 演示，工作目录 {workdir}",
        "servers": "  IMAP（pymap）127.0.0.1:{imap}，SMTP 接收端 127.0.0.1:{smtp}",
        "delivered": "投递了 {count} 封邮件：三份客户报告（一份为 GBK 编码）和一封外出自动回复 …",
        "replied": "投递了李雷的回复，补上了回执所问的操作步骤（Foxmail 样式的引用）…",
        "sent": "SMTP 接收端收到的邮件",
        "to": "收件人",
        "subject": "主题",
        "first_line": "首行",
        "kept": "文件都在 {workdir}，可以试试：helpdesk --config {config} tickets show 工单号",
        "removed": "演示文件已删除；用 helpdesk demo --keep 目录 可保留并继续查看。",
        "ticket": "工单 {number}「{subject}」，来自 {sender}",
        "read": "读到",
        "line": "（第 {line} 行）",
        "written": "（客户原话）",
        "sources": {
            "attachment": "（附件）",
            "signature": "（签名）",
            "domain": "（发件人域名）",
            "customers": "（客户名录）",
        },
        "rules": "命中规则",
        "rule": "{rule}（{where}）→ {sets}",
        "no_rule": "没有规则命中，使用默认值",
        "owner": "负责人",
        "unassigned": "暂未分配",
        "asked": "向客户询问",
        "reply": "客户回复",
        "cut": "（已去掉引用的历史）",
        "mails": "发出的邮件",
        "state": "当前状态",
        "automatic": "自动回复「{subject}」（{sender}）：识别为自动邮件，未建工单，也未回复",
        "type": "类型",
        "priority": "优先级",
        "team": "团队",
        "level": "级别",
        "owner_set": "负责人",
        "subcategory": "子类",
        "nature": "性质",
        "collaborators": "协作人",
        "tags": "标签",
        "senior": "高级",
        "junior": "初级",
        "sep": "、",
        "colon": "：",
        "templates": {
            "acknowledgement": "受理回执",
            "information_request": "补充信息请求",
            "information_reminder": "补充信息提醒",
            "assignment": "分配通知",
            "urgent_assignment": "紧急分配通知",
            "customer_reply": "客户来信转交",
            "sensitive_masked": "敏感信息提示",
            "receipt": "指令回执",
            "status_update": "进展通知",
        },
        "mail": "通知邮件",
    },
    "en": {
        "title": "helpdesk demo in {workdir}",
        "servers": "  IMAP (pymap) 127.0.0.1:{imap}, SMTP sink 127.0.0.1:{smtp}",
        "delivered": "delivered {count} mails: three customer reports (one in GBK) "
        "and an out-of-office notice …",
        "replied": "delivered 李雷's reply with the steps the acknowledgement asked for "
        "(Foxmail-style quote) …",
        "sent": "mails the SMTP sink received",
        "to": "to",
        "subject": "subject",
        "first_line": "first line",
        "kept": "Everything is in {workdir}: try helpdesk --config {config} tickets show NUMBER",
        "removed": "The demo's files are removed; run helpdesk demo --keep DIR to keep and explore them.",
        "ticket": "Ticket {number} “{subject}” from {sender}",
        "read": "read",
        "line": " (line {line})",
        "written": " (as written)",
        "sources": {
            "attachment": " (attachment)",
            "signature": " (signature)",
            "domain": " (sender's domain)",
            "customers": " (customer list)",
        },
        "rules": "rules fired",
        "rule": "{rule} ({where}) → {sets}",
        "no_rule": "no rule fired; defaults apply",
        "owner": "owner",
        "unassigned": "not assigned yet",
        "asked": "asked for",
        "reply": "reply",
        "cut": "(quoted history cut away)",
        "mails": "mails sent",
        "state": "now",
        "automatic": "Automatic reply “{subject}” ({sender}): recognised as machine-written, "
        "no ticket, no answer",
        "type": "type",
        "priority": "priority",
        "team": "team",
        "level": "level",
        "owner_set": "owner",
        "subcategory": "subcategory",
        "nature": "nature",
        "collaborators": "collaborators",
        "tags": "tags",
        "senior": "senior",
        "junior": "junior",
        "sep": ", ",
        "colon": ": ",
        "templates": {
            "acknowledgement": "acknowledgement",
            "information_request": "information request",
            "information_reminder": "information reminder",
            "assignment": "assignment notice",
            "urgent_assignment": "urgent assignment notice",
            "customer_reply": "customer's mail passed on",
            "sensitive_masked": "sensitive-data notice",
            "receipt": "command receipt",
            "status_update": "status update",
        },
        "mail": "notice",
    },
}

# What each routing action sets, and how its value is named: by a label kind, a person, or literally.
_ACTIONS: dict[str, tuple[str, str | None]] = {
    "set_type": ("type", "type"),
    "set_priority": ("priority", "priority"),
    "set_team": ("team", "team"),
    "set_owner": ("owner_set", "person"),
    "assign_level": ("level", "level"),
    "set_subcategory": ("subcategory", "category"),
    "set_category": ("subcategory", "category"),
    "set_nature": ("nature", None),
    "add_collaborators": ("collaborators", "person"),
    "add_tags": ("tags", None),
}


def reader_language(given: str | None) -> str:
    """The demo's language: the one asked for, else the locale's (zh_CN… is Chinese), else English."""
    if given:
        return given
    locale = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "zh" if locale.lower().startswith("zh") else "en"


class Story:
    """Tells one finished demo run from its tickets' audit trail."""

    def __init__(self, console: Console, rules: RuleSet, language: str) -> None:
        self.console, self.rules, self.language = console, rules, language
        self.words = WORDS[language]
        # What each kind of audit event tells; the others (queued mail, clocks…) say nothing here.
        self.tellers: dict[str, Callable[[dict, str], None]] = {
            "fields_read": self._fields,
            "routed": self._routed,
            "assigned": self._assigned,
            "unassigned": self._assigned,
            "information_requested": self._asked,
        }

    def tell(self, tickets: list[Ticket], automatic: list[tuple[str, str]]) -> None:
        for ticket in tickets:
            self._ticket(ticket)
        for subject, sender in automatic:
            self._say(self.words["automatic"].format(subject=subject, sender=sender))

    def _ticket(self, ticket: Ticket) -> None:
        w, name = self.words, ticket.requester_name
        sender = f"{name} <{ticket.requester_email}>" if name else ticket.requester_email
        self.console.print()
        self.console.print(
            w["ticket"].format(number=ticket.number, subject=ticket.subject, sender=sender),
            style="bold",
            markup=False,
            highlight=False,
        )
        self._grid = Table.grid(padding=(0, 1))
        self._grid.add_column(no_wrap=True)
        self._grid.add_column()
        for event in ticket.events:
            teller = self.tellers.get(event.kind)
            if teller:
                teller(event.detail, event.reason)
        replies = [m for m in ticket.messages if m.direction == "in" and m.new_text != m.text]
        for message in replies:
            quoted = "\n".join(f"│ {line}" for line in message.new_text.splitlines())
            self._item(w["reply"], f"{w['cut']}\n{quoted}")
        mails = [f"{w['templates'].get(m.kind, w['mail'])} → {m.recipient}" for m in ticket.outbox]
        if mails:
            self._item(w["mails"], w["sep"].join(mails))
        self._item(w["state"], self.rules.labels.of("state", ticket.status, self.language))
        self.console.print(self._grid)

    def _fields(self, detail: dict, _reason: str) -> None:
        w = self.words
        found = []
        for name, hit in detail.items():
            source = hit.get("source", "text")
            where = (
                w["line"].format(line=hit.get("line")) if source == "text" else w["sources"].get(source, "")
            )
            value = " / ".join(str(hit.get("value", "")).splitlines())
            value = self._pick(VALUES[value]) if value in VALUES else value
            found.append(f"{self._field(name)} “{value}”{where}")
        if found:
            self._item(w["read"], w["sep"].join(found))

    def _field(self, name: str) -> str:
        """The catalog's label, else the record field's (tickets show's table), in the reader's words."""
        if name.endswith(WRITTEN):
            return self._field(name.removesuffix(WRITTEN)) + self.words["written"]
        if name in RECORD_FIELDS and name not in self.rules.catalog.fields:
            return self._pick(RECORD_FIELDS[name])
        return self._label("field", name)

    def _pick(self, pair: tuple[str, str]) -> str:
        return pair[0] if self.language == "zh" else pair[1]

    def _routed(self, detail: dict, _reason: str) -> None:
        w = self.words
        fired = detail.get("rules") or []
        if not fired:
            self._item(w["rules"], w["no_rule"])
            return
        for index, rule in enumerate(fired):
            sets = w["sep"].join(self._setting(key, value) for key, value in rule.get("set", {}).items())
            where = rule.get("source", "")
            self._item(
                w["rules"] if index == 0 else "", w["rule"].format(rule=rule["rule"], where=where, sets=sets)
            )

    def _assigned(self, detail: dict, reason: str) -> None:
        person = self.rules.directory.person(detail.get("owner"))
        self._item(self.words["owner"], person.name if person else self.words["unassigned"])

    def _asked(self, detail: dict, _reason: str) -> None:
        missing = [self._label("field", name) for name in detail.get("missing", [])]
        self._item(self.words["asked"], self.words["sep"].join(missing))

    def _setting(self, key: str, value: object) -> str:
        word, kind = _ACTIONS.get(key, (key, None))
        values = value if isinstance(value, list) else [value]
        shown = self.words["sep"].join(self._name(kind, str(v)) for v in values)
        return f"{self.words.get(word, word)} {shown}"

    def _name(self, kind: str | None, value: str) -> str:
        if kind == "person":
            person = self.rules.directory.person(value)
            return person.name if person else value
        if kind == "level":
            return self.words.get(value, value)
        return self._label(kind, value) if kind else value

    def _label(self, kind: str, name: str) -> str:
        return self.rules.labels.of(kind, name, self.language)

    def _item(self, head: str, text: str) -> None:
        self._grid.add_row(Text(f"  {head}{self.words['colon']}" if head else ""), Text(text))

    def _say(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)
