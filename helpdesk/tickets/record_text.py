"""One ticket's record (see record_view) as the operator reads it: sections of label/value pairs and
lines, every word in the operator's language (names, states and clocks by their labels, people by
their names), no internal ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from helpdesk.intake.extract import WRITTEN
from helpdesk.outbound.context import excerpt
from helpdesk.outbound.phrases import LIFECYCLE, clock_name
from helpdesk.rules.ruleset import RuleSet
from helpdesk.tickets.record_events import detail_kind, sentence
from helpdesk.tickets.record_lifecycle import development_lines
from helpdesk.workflow.feedback import LABELS as FEEDBACK
from helpdesk.workflow.lifecycle_words import FIELDS as DEVELOPMENT_FIELDS

WORDS = {
    "basics": ("工单", "ticket"),
    "status": ("状态", "status"),
    "type": ("类型", "type"),
    "subcategory": ("子类", "sub-category"),
    "nature": ("问题性质", "nature"),
    "priority": ("优先级", "priority"),
    "team": ("团队", "team"),
    "owner": ("负责人", "owner"),
    "owner_confirmed": ("负责人确认", "owner confirmed"),
    "requester": ("提交人", "requester"),
    "created": ("提交时间", "submitted"),
    "related": ("关联工单", "related to"),
    "incomplete": ("信息不全", "incomplete"),
    "fields": ("报告字段", "report fields"),
    "outcome": ("处理结果", "outcome"),
    "development": ("需求开发记录", "development record"),
    "cause": ("原因分析", "cause"),
    "solution": ("解决方案", "solution"),
    "first_planned": ("最初预计完成", "first ETA"),
    "planned": ("预计完成", "ETA"),
    "actual": ("实际完成", "completed"),
    "confirmation": ("客户确认", "confirmation"),
    "satisfaction": ("满意度", "satisfaction"),
    "resolved": ("解决时间", "resolved"),
    "closed": ("关闭时间", "closed"),
    "archived": ("归档时间", "archived"),
    "reopened": ("二次处理", "reopened"),
    "similar": ("相似的已解决工单", "similar solved tickets"),
    "eta_changes": ("预计完成时间变更", "ETA changes"),
    "notes": ("备注", "notes"),
    "collaborators": ("协作方", "collaborators"),
    "escalations": ("升级", "escalations"),
    "clocks": ("时限", "deadlines"),
    "history": ("处理经过", "history"),
    "messages": ("往来邮件", "messages"),
    "outbox": ("发出的邮件", "outbound mail"),
}
ACTORS = {
    "rules": ("规则", "rules"),
    "sla": ("时限检查", "deadlines"),
    "intake": ("登记", "intake"),
    "system": ("系统", "system"),
    "admin": ("管理员", "administrator"),
    "privacy": ("隐私保护", "privacy"),
}
SOURCES = {
    "text": ("{when} {sender} 邮件第 {line} 行", "line {line} of the mail from {sender}, {when}"),
    "attachment": ("{when} {sender} 邮件的附件", "an attachment of the mail from {sender}, {when}"),
    "signature": ("{when} {sender} 邮件的签名", "the signature of the mail from {sender}, {when}"),
    "domain": ("发件人的域名", "the sender's domain"),
    "customers": ("客户名录", "the customer list"),
    "command": ("{when} {sender} 的命令", "a command from {sender}, {when}"),
    "mail": ("{when} {sender} 的来信", "the mail from {sender}, {when}"),
    "rules": ("{when} {sender} 来信时的规则", "the rules, on the mail from {sender}, {when}"),
    "system": ("系统按规则判定", "decided by the helpdesk's rules"),
}
# The record's own fields (intake/record_fields.py) where the catalog gives them no label, and the
# values of the fixed vocabularies among them.
RECORD_FIELDS = {
    "company": ("公司", "company"),
    "department": ("部门", "department"),
    "phone": ("联系电话", "phone"),
    "impact": ("影响范围", "impact scope"),
    "frequency": ("出现频率", "frequency"),
    "nature": ("问题性质", "nature"),
    "customer_priority": ("客户期望优先级", "customer's priority"),
    "expected_live": ("期望上线时间", "expected go-live"),
    "cause": ("原因分析", "cause"),
    "channel": ("来源渠道", "channel"),
    "closure": ("闭环情况", "closure"),
}
VALUES = {
    "intermittent": ("偶现", "intermittent"),
    "persistent": ("持续", "persistent"),
    "functional": ("功能", "functional"),
    "performance": ("性能", "performance"),
    "compatibility": ("兼容", "compatibility"),
    "environment": ("环境", "environment"),
    # the channel a report came by (intake/on_behalf.py)
    "phone": ("电话", "phone"),
    "onsite": ("现场", "on site"),
    "account_manager": ("客户经理", "account manager"),
    "mail": ("邮件", "mail"),
    # the closure of a released request (workflow/stable.py)
    "closed_loop": ("已闭环", "closed, loop complete"),
}
CLOCK_STATES = {
    "met": ("已达成", "met"),
    "late": ("已达成（超时）", "met late"),
    "breached": ("已超时", "missed"),
    "paused": ("暂停中", "paused"),
    "running": ("进行中", "running"),
}
OUTBOX_STATES = {
    "pending": ("待发送", "waiting"),
    "sent": ("已发送", "sent"),
    "failed": ("发送失败", "failed"),
    "suppressed": (
        "未发送：首次启动时导入的旧邮件，`helpdesk outbox retry` 可发送",
        "not sent: imported from the mailbox's backlog: never sent; `helpdesk outbox retry` sends it",
    ),
}


@dataclass
class Section:
    """A heading, then label/value pairs and free lines; the CLI lays them out to the width."""

    title: str
    pairs: list[tuple[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


class RecordText:
    """Words for one record in one language, from the rules' labels and the tables above."""

    def __init__(self, rules: RuleSet, language: str) -> None:
        self.rules = rules
        self.language = language
        self._zh = language == "zh"

    def word(self, key: str, table: dict[str, tuple[str, str]] = WORDS) -> str:
        zh, en = table[key]
        return zh if self._zh else en

    def label(self, kind: str, name: str | None) -> str:
        return self.rules.labels.of(kind, name, self.language)

    def person(self, who: str | None) -> str:
        """A staff id or address as the person's name; the tickets' own actors in words."""
        if not who:
            return "-"
        if who in ACTORS:
            return self.word(who, ACTORS)
        person = self.rules.directory.person(who) or self.rules.directory.by_email(who)
        return person.name if person else who

    def sections(self, record: dict) -> list[Section]:
        return [
            self._basics(record),
            self._fields(record),
            self._outcome(record),
            Section(self.word("development"), lines=development_lines(self, record["development"], when)),
            self._similar(record),
            self._collaborators(record),
            self._escalations(record),
            self._clocks(record),
            self._history(record),
            self._messages(record),
            self._outbox(record),
        ]

    def _basics(self, r: dict) -> Section:
        requester = f"{r['requester_name']} <{r['requester']}>" if r["requester_name"] else r["requester"]
        owner = self.person(r["owner"])
        pairs = [
            ("status", self.label("state", r["status"])),
            ("type", self.label("type", r["type"])),
            ("subcategory", self.label("category", r["subcategory"]) if r["subcategory"] else None),
            ("nature", self.value(r["nature"])),
            ("priority", self.label("priority", r["priority"])),
            ("team", self.label("team", r["team"]) if r["team"] else None),
            ("owner", owner if r["owner"] else None),
            ("owner_confirmed", when(r["owner_confirmed"])),
            ("requester", requester),
            ("created", when(r["created"])),
            ("related", r["related"]),
            ("incomplete", self._incomplete(r)),
        ]
        return self._section("basics", pairs)

    def pick(self, zh: str, en: str) -> str:
        return zh if self._zh else en

    def _incomplete(self, r: dict) -> str | None:
        count = r["information_requests"]
        return (
            self.pick(f"是，已询问 {count} 次", f"yes, after {count} request(s)") if r["incomplete"] else None
        )

    def _fields(self, r: dict) -> Section:
        section = Section(self.word("fields"))
        by_id = {m["message_id"]: m for m in r["messages"]}
        for name, item in r["fields"].items():
            if name in DEVELOPMENT_FIELDS:
                continue  # the development record's own section shows these, with who and when
            where, value = self._where(item, by_id), self.value(item["value"], name)
            text = self.pick(f"{value}（{where}）", f"{value} ({where})")
            section.pairs.append((self.field(name), text))
        return section

    def field(self, name: str) -> str:
        """A field's label: the catalog's, else the record field's, else its name; the customer's
        own words beside a field read as a value (`occurred_at_written`) under the field's label."""
        if name.endswith(WRITTEN):
            return self.field(name.removesuffix(WRITTEN)) + self.pick("（客户原话）", " (as written)")
        if name in self.rules.catalog.fields or name not in RECORD_FIELDS:
            return self.label("field", name)
        return self.word(name, RECORD_FIELDS)

    def value(self, value: str | None, field: str = "") -> str | None:
        """A value of a fixed vocabulary (persistent, performance…; a sub-category, a judgement's
        state) in words; any other as it is."""
        if field in ("category", "judgement"):
            return self.label(field, value)
        return self.word(value, VALUES) if value in VALUES else value

    def _where(self, item: dict, by_id: dict[str, dict]) -> str:
        message = by_id.get(item["message_id"], {})
        zh, en = SOURCES.get(item["source"], SOURCES["text"])
        sender = self.person(message.get("sender"))
        return self.pick(zh, en).format(
            when=when(message.get("time")) or "-", sender=sender, line=item["line"]
        )

    def _outcome(self, r: dict) -> Section:
        eta = r["eta"]
        times = r["reopened"]
        pairs = [
            ("cause", r["cause"]),
            ("solution", r["solution"]),
            ("first_planned", when(eta["first_planned"]) if eta["first_planned"] != eta["planned"] else None),
            ("planned", when(eta["planned"])),
            ("actual", when(eta["actual"])),
            ("confirmation", self._feedback(r["confirmation"])),
            ("satisfaction", self._feedback(r["satisfaction"])),
            ("resolved", when(r["resolved"])),
            ("closed", when(r["closed"])),
            ("archived", when(r["archived"])),
            ("reopened", self.pick(f"{times} 次", f"{times} time(s)") if times else None),
        ]
        section = self._section("outcome", pairs)
        moves = [move for move in eta["changes"] if move["from"] is not None]
        if moves:
            section.lines.append(self.word("eta_changes") + self.pick("：", ":"))
        for move in moves:
            late = self.pick("，通知过晚", ", short notice") if move["late_notice"] else ""
            who, reason = self.person(move["by"]), move["reason"]
            old, new = when(move["from"]), when(move["to"])
            section.lines.append(
                when(move["time"])
                + self.pick(
                    f" {who}：{old} → {new}，原因：{reason}{late}",
                    f" {who}: {old} → {new}, because {reason}{late}",
                )
            )
        if r["notes"]:
            section.lines.append(self.word("notes") + self.pick("：", ":"))
        for note in r["notes"]:
            section.lines.append(
                f"{when(note['time'])} {self.person(note['by'])}{self.pick('：', ': ')}{note['note']}"
            )
        return section

    def _feedback(self, value: str | None) -> str | None:
        return FEEDBACK[value][self.language] if value in FEEDBACK else value

    def _collaborators(self, r: dict) -> Section:
        section = Section(self.word("collaborators"))
        for item in r["collaborators"]:
            added, by, due = when(item["added"]), self.person(item["by"]), when(item["due"])
            text = self.pick(f"{added} 由{by}加入", f"named {added} by {by}")
            if due:
                text += self.pick(f"，应于 {due} 前完成", f", due {due}")
            section.pairs.append((self.person(item["id"]), text))
        return section

    def _similar(self, r: dict) -> Section:
        """Each similar solved ticket on a line, its solution shortened on a word boundary below."""
        section = Section(self.word("similar"))
        for past in r["similar"]:
            section.lines.append(f"{past['number']} {past['subject']}")
            solution = excerpt(past["solution"])
            section.lines.append(f"  {self.word('solution')}{self.pick('：', ': ')}{solution}")
        return section

    def _escalations(self, r: dict) -> Section:
        section = Section(self.word("escalations"))
        for item in r["escalations"]:
            to = self.person(item["to"])
            if item["kind"] == "deadline":
                what, level = clock_name(item["clock"], self.language), item["level"]
                text = self.pick(
                    f"{what}超时 → {to}（第 {level} 级）", f"{what} missed → {to} (level {level})"
                )
                if item["acknowledged"]:
                    seen = when(item["acknowledged"])
                    text += self.pick(f"，{seen} 已确认", f", acknowledged {seen}")
            else:
                before, priority = self.person(item["from"]), self.label("priority", item["priority"])
                text = self.pick(
                    f"重开后升级：{before} → {to}，优先级{priority}",
                    f"reopened one level up: {before} → {to}, priority {priority}",
                )
            section.pairs.append((when(item["time"]), text))
        return section

    def _clocks(self, r: dict) -> Section:
        section = Section(self.word("clocks"))
        for clock in r["clocks"]:
            if clock["met"]:
                state = "late" if clock["breached"] else "met"
            else:
                state = "breached" if clock["breached"] else "paused" if clock["paused_since"] else "running"
            due, done, word = when(clock["due"]), when(clock["met"]), self.word(state, CLOCK_STATES)
            text = self.pick(f"{due} 截止，{word}", f"due {due}, {word}")
            if done:
                text += self.pick(f"于 {done}", f" {done}")
            section.pairs.append((clock_name(clock["name"], self.language), text))
        return section

    def _history(self, r: dict) -> Section:
        section = Section(self.word("history"))
        for event in r["events"]:
            said = sentence(event["kind"], event["detail"], self.language, self._detail)
            who = self.person(event["actor"])
            section.pairs.append((when(event["time"]), f"{who}{self.pick('：', ': ')}{said}"))
        return section

    def _detail(self, kind: str, key: str, value: object) -> str:
        """One value an event names, in words: a person's name, a clock's, state's or priority's label."""
        if value is None:
            return "-"
        shown = detail_kind(kind, key)
        if shown == "person":
            return self.person(str(value))
        if shown == "people" and isinstance(value, list):
            return self.pick("、", ", ").join(self.person(str(v)) for v in value)
        if shown == "clock":
            return clock_name(str(value), self.language)
        if shown in ("state", "priority", "type", "category"):
            return self.label(shown, str(value))
        if shown == "time":
            return when(str(value)) or "-"
        if shown == "feedback":
            return self._feedback(str(value)) or "-"
        if shown == "word":
            return LIFECYCLE[str(value)][self.language] if value in LIFECYCLE else str(value)
        return str(value)

    def _messages(self, r: dict) -> Section:
        section = Section(self.word("messages"))
        for message in r["messages"]:
            inbound = message["direction"] == "in"
            who = message["sender"] if inbound else message["recipients"]  # ours: to whom it went
            section.lines.append(f"{'←' if inbound else '→'} {when(message['time'])} {self.person(who)}")
            section.lines.append(f"  {message['subject']}")
            section.lines += [f"  │ {line}" for line in (message["text"] or "").splitlines()[:40]]
            for item in message["attachments"]:
                name, size = item["name"], item["size"]
                section.lines.append(
                    self.pick(f"  附件 {name}（{size} 字节）", f"  attached {name} ({size} bytes)")
                )
        return section

    def _outbox(self, r: dict) -> Section:
        section = Section(self.word("outbox"))
        for row in r["outbox"]:
            status = (
                self.word(row["status"], OUTBOX_STATES) if row["status"] in OUTBOX_STATES else row["status"]
            )
            sent = f" {when(row['sent'])}" if row["sent"] else ""
            to = self.person(row["recipient"])
            section.lines.append(
                self.pick(
                    f"→ {to}：{row['subject']}（{status}{sent}）",
                    f"→ {to}: {row['subject']} ({status}{sent})",
                )
            )
        return section

    def _section(self, key: str, pairs: list[tuple[str, str | None]]) -> Section:
        return Section(self.word(key), [(self.word(k), v) for k, v in pairs if v not in (None, "")])


def when(value: str | None) -> str | None:
    """An ISO time (already in the desk's zone) as the operator reads it: 2026-12-01 09:30."""
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M") if value else None
