"""The record's own fields, read from the mail where the customer states them: company, department,
phone, impact scope, frequency, problem nature, their own priority and the go-live date they want.

Labels in Chinese and English ("公司：", "所属部门", "联系电话", "影响范围", "出现频率：偶现",
"问题性质", "期望优先级：P1", "期望上线时间：2026-12-15"), then the signature (the closing lines
of the text and the block below a "-- "), then the sender's domain: `customers` (rules/customers.yaml)
names its company, else a company's own domain stands for it. Frequency and nature are stored as
values (intermittent / persistent; functional / performance / compatibility / environment), the
customer's priority as they wrote it (P0–P3 upper-cased), a phone masked like `helpdesk.mail.redact`
masks a mobile, the go-live date resolved ("YYYY-MM-DD").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime

from helpdesk.intake import labels, when
from helpdesk.intake.labels import Found
from helpdesk.intake.phones import PHONE, find_phone
from helpdesk.intake.signature import (
    closing_lines,
    company_in_line,
    company_of_domain,
    department_in_line,
    signature_block,
)
from helpdesk.rules.words import led_by

LABELS = {
    "company": [
        *("公司名称", "客户名称", "单位名称", "企业名称", "所属公司", "所属单位", "公司", "单位", "客户"),
        *("company name", "company", "customer name", "organisation", "organization"),
    ],
    "department": ["所属部门", "部门名称", "部门", "科室", "department", "dept"],
    "phone": [
        *("联系电话", "联系方式", "手机号码", "手机号", "手机", "电话", "座机"),
        *("contact number", "telephone", "phone", "mobile", "tel"),
    ],
    "impact": [
        *("影响范围", "影响面", "影响用户", "影响人数", "受影响用户", "受影响范围"),
        *("impact scope", "impact", "affected users", "affected"),
    ],
    "frequency": [
        *("出现频率", "发生频率", "复现频率", "复现情况", "是否必现", "频率"),
        *("frequency", "reproducibility", "how often"),
    ],
    "nature": ["问题性质", "问题类型", "故障类型", "性质", "nature", "problem type", "issue type"],
    "customer_priority": [
        *("期望优先级", "优先级", "紧急程度", "紧急度", "期望级别"),
        *("expected priority", "priority", "urgency"),
    ],
    "expected_live": [
        *(
            "期望上线时间",
            "期望上线日期",
            "希望上线时间",
            "希望上线日期",
            "要求上线时间",
            "上线时间",
            "上线日期",
        ),
        *("期望完成时间", "希望完成时间", "要求完成时间", "期望交付时间", "截止时间", "截止日期"),
        *("expected go-live date", "expected go-live", "go-live date", "go-live", "target date", "due date"),
        *("needed by", "deadline"),
    ],
}
_PATTERNS = {name: labels.label_pattern(words) for name, words in LABELS.items()}
# _INTERMITTENT, _PERSISTENT, _NATURE_SAID and _MY_DEPARTMENT are led by the characters their
# matches start with (rules/words.led_by).
_INTERMITTENT = led_by(
    "偶时不隔间有iosrfnce",
    r"偶现|偶发|偶尔|偶然|时[好快有能行灵]时[坏慢无不]|时不时|不时|隔三差五|间歇|不定时|不定期|有时(?!间)"
    r"|\b(?:intermittent(?:ly)?|sometimes|occasionally|randomly|from time to time|now and then|not always"
    r"|not all the time|on and off|comes and goes|every (?:few|couple of) (?:minutes|hours|days)"
    r"|once in a while)\b",
    re.I,
)
_PERSISTENT = led_by(
    r"持必每总始一二三四五六七八九十几两\d还依仍pcehfosa",
    r"持续|必现|每次|总是|始终"
    r"|一直(?=[^，。,.\n]{0,12}?(?:报错|失败|错|卡|不|无法|没|停|转圈|超时|异常|空白|白屏|提示|显示|返回|崩|闪退|error|[45]\d\d))"
    r"|[一二三四五六七八九十几两\d]+次都(?:不|没|失败|报错|一样)|100\s*+%\s*+(?:复现|出现|重现|reproducible)"
    r"|\b(?:persistent(?:ly)?|constant(?:ly)?|continuous(?:ly)?|every time|each time|consistently"
    r"|(?:happens|fails|crashes|occurs) all the time|still (?:fails|failing|the same|broken))\b"
    r"|还是一样|依旧|依然(?:报错|失败|不行|如此)|仍然(?:报错|失败|不行)"
    r"|always (?:fails|crashes|happens|shows|returns|errors|hangs)",
    re.I,
)
_NATURES = (
    ("functional", re.compile(r"功能|functional|function", re.I)),
    ("performance", re.compile(r"性能|performance|慢|slow", re.I)),
    ("compatibility", re.compile(r"兼容|compatib", re.I)),
    ("environment", re.compile(r"环境|environment", re.I)),
)
_NATURE_SAID = led_by(
    "功性兼环fpce",
    r"(功能|性能|兼容性?|环境)(?:方面的?|上的?)?问题|\b(functional|performance|compatibility|environment(?:al)?)"
    r"\s++(?:problem|issue|bug)",
    re.I,
)
_P_LEVEL = re.compile(r"(?<![A-Za-z0-9])[Pp]([0-3])(?![0-9A-Za-z])")
_P_CONTEXT = re.compile(
    r"优先级|级别|priority|urgen|紧急|按|定为|[级]|问题|故障|处理|\bas\b|treat|handle", re.I
)
_PRIORITY_WORD = re.compile(
    r"紧急|致命|严重|一般|轻微|中等|较高|较低|高|中|低|urgent|critical|high|medium|normal|low|fatal|severe|minor",
    re.I,
)
_SCOPE = re.compile(
    r"所有用户|全部用户|全体用户|所有人|全公司|全体员工|所有员工|所有门店|全部门店|所有客户"
    r"|\b(?:all (?:of )?(?:our )?(?:users|staff|employees|customers|stores|branches|offices)"
    r"|every (?:user|teacher|student|employee|customer|store|branch|agent|member|account)"
    r"|(?<=affects )everyone|(?<=affecting )everyone|everyone(?= is affected| can't| cannot)"
    r"|the whole company|company-wide)\b",
    re.I,
)
_AFFECTS = re.compile(
    r"影响(?:了|到)?\s*+((?:所有|全部|全体|整个|全)[\u4e00-\u9fff]{1,12})"
    r"|((?:所有|全部|全体)?(?:学生|老师|用户|员工|客户|门店|同事|家长|医生|护士)们?)"
    r"(?=都(?:无法|不能|没法|进不|登不|用不|打不|看不|连不))"
    r"|(?:只|仅|主要)?影响(?:了|到)?\s*+"
    r"([^，。,；;！!\n]{0,20}?\d*+(?:台|个|家|名|位|人|用户|部门|网点|门店|支行|分行|分公司|员工|客户)"
    r"[^，。,；;！!\n]{0,12})(?=[，。,；;！!]|$)"
    r"|\baffect(?:s|ing|ed)?\s++((?:all|every|the whole|the \d+|\d+|about \d+)\s++[^.;!\n]{1,60}?)"
    r"(?=[.,;!]|$|\s++and\b)",
    re.I,
)
_COUNTED = re.compile(
    r"((?:about|around|over|more than|approximately|nearly|almost)?\s*+\d+\s++(?:[a-z]+\s++)?"
    r"(?:users|managers|employees|people|staff|colleagues|stores|customers|agents|accounts))"
    r"\s++(?:are|were|is|have been|got)?\s*+"
    r"(?:affected|impacted)"
    r"|((?:约|大约|将近|超过)?\d+\s*+多?(?:个|名|位|家)?(?:用户|人|同事|门店|员工|客户|部门))(?:都|均)?受到?影响",
    re.I,
)
# Every match of _AFFECTS, _SCOPE and _COUNTED holds one of its words: a mail without any of them
# is not read line by line for it.
_AFFECTS_WORDS = re.compile(r"影响|affect|都", re.I)
_SCOPE_WORDS = re.compile(r"所有|全部|全体|全公司|all |every|whole company|company-wide", re.I)
_COUNTED_WORDS = re.compile(r"affected|impacted|影响", re.I)
_MY_DEPARTMENT = led_by(
    "我来I",
    r"(?:我是|我们是|我在|我们在|来自)([\u4e00-\u9fff]{1,10}?(?:事业部|部门|部|中心|科|处|室|组))(?:的|同事|，|,)"
    r"|\bI(?:'m| am) (?:from|in) the ((?:[A-Z][A-Za-z&]+\s++){1,3}(?:department|team|dept\.?))",
)
_WRAP = 60  # a line this long that stops mid-sentence was wrapped by the mail client
_SENTENCE_END = re.compile(r"(?<=[A-Za-z)])[.!?](?=\s|$)")
_LIVE_SAID = re.compile(
    r"(?:上线|go[- ]live|launch|deliver(?:ed)?|needed|ready)\s*+(?:by|before|on)\s++", re.I
)
# A line that wishes a go-live: "希望下学期开学前（2027年2月20日）上线", "we plan to go live on …".
_WISH = re.compile(r"(?:希望|期望|要求|计划|争取).{0,24}?(?:上线|交付|投产)|\bgo(?:es|ing)?[- ]live\b", re.I)
# A day ahead of the mail said as a limit: "月底前", "12月20日以前", "before 12/15/2026", "by Friday".
_BEFORE_DAY = re.compile(r"\s*+(?:之|以)?前(?!后)")
_BY_DAY = re.compile(r"(?:\b(?:by|before|until|no later than)\s++|最晚|最迟|不晚于|截至)$", re.I)
_LIVE_AFTER = re.compile(
    r"\s*+(?:之|以)?前\s*+(?:要|需要|得|必须)?\s*+(?:上线|完成|交付|用|使用|用上|开通|解决|处理好?)"
)


def read_record(
    text: str, whole_text: str, sender_email: str, reference: datetime | None, customers: Mapping[str, str]
) -> dict[str, Found]:
    """The record fields `text` (the new words) states, with the signature in `whole_text` and the
    sender's domain for the company; `reference` (local) resolves the go-live date."""
    lines = labels.report_lines(text)
    closing = closing_lines(lines, signature_block(whole_text, text))
    found: dict[str, Found] = {}
    for name, clean in _CLEANERS.items():
        hit = labels.find_labelled(_PATTERNS[name], lines, _reader(clean, reference))
        if hit:
            found[name] = Found(*hit)
    said = _said_lines(lines)
    unlabelled: dict[str, Callable[[], Found | None]] = {
        "company": lambda: _company_in(closing) or _company_of(sender_email, customers),
        "phone": lambda: _phone_in(closing),
        "impact": lambda: (
            _said(
                said, _AFFECTS, lambda m: next(group for group in m.groups() if group).strip(), _AFFECTS_WORDS
            )
            or _said(said, _SCOPE, lambda m: m.group(0), _SCOPE_WORDS)
            or _said(said, _COUNTED, lambda m: m.group(1) or m.group(2), _COUNTED_WORDS)
        ),
        "frequency": lambda: (
            _said(said, _INTERMITTENT, lambda _: "intermittent")
            or _said(said, _PERSISTENT, lambda _: "persistent")
        ),
        "nature": lambda: _said(said, _NATURE_SAID, lambda m: _nature(m.group(0))),
        "customer_priority": lambda: _said(said, _P_LEVEL, _stated_level),
        "expected_live": lambda: _live_in(lines, reference),
    }
    for name, look in unlabelled.items():
        if name not in found and (hit := look()):
            found[name] = hit
    if "department" not in found:
        hit = _department_in(closing, found.get("company")) or _said(
            said, _MY_DEPARTMENT, lambda m: m.group(1) or m.group(2)
        )
        if hit:
            found["department"] = hit
    return found


def _reader(clean: Callable[[str, datetime | None], str | None], reference: datetime | None) -> labels.Reader:
    def read(rest: str, cell: bool, lines: list[str], number: int) -> str | None:
        colon = labels.COLON.match(rest) or (_BARE.match(rest) if clean in _CHECKED else None)
        if colon is None and not cell:
            return None
        value = labels.until_next_label(rest[colon.end() :] if colon else rest)
        if not cell:
            value = _wrapped(value, lines, number)
        value = value.strip(" 。.;；，,")
        return clean(value, reference) if value else None

    return read


def _wrapped(value: str, lines: list[str], number: int) -> str:
    """An English value that a mail client wrapped onto the next line, up to its sentence's end."""
    following = lines[number] if number < len(lines) else ""
    wrapped = len(lines[number - 1]) >= _WRAP and value[-1:].isalpha() and value.isascii()
    if wrapped and following.strip() and not labels.NEXT_LINE_LABEL.match(following):
        value = f"{value} {following.strip()}"
    end = _SENTENCE_END.search(value)
    return value[: end.start()] if end else value


def _as_written(value: str, _: datetime | None) -> str | None:
    return value


def _phone(value: str, _: datetime | None) -> str | None:
    return find_phone(value, PHONE)


def _frequency(value: str, _: datetime | None) -> str | None:
    if _INTERMITTENT.search(value):
        return "intermittent"
    return "persistent" if _PERSISTENT.search(value) else None


def _nature(value: str, _: datetime | None = None) -> str | None:
    return next((name for name, pattern in _NATURES if pattern.search(value)), None)


def _priority(value: str, _: datetime | None) -> str | None:
    if level := _P_LEVEL.search(value):
        return f"P{level.group(1)}"
    word = _PRIORITY_WORD.match(value)
    return word.group(0) if word else None


def _live(value: str, reference: datetime | None) -> str | None:
    found = when.WHEN.search(value)
    if found and reference is not None:
        resolved = when.resolve(found.group(0), reference, future=True)
        if resolved:
            return resolved
    return value


_CLEANERS: dict[str, Callable[[str, datetime | None], str | None]] = {
    "company": _as_written,
    "department": _as_written,
    "phone": _phone,
    "impact": _as_written,
    "frequency": _frequency,
    "nature": _nature,
    "customer_priority": _priority,
    "expected_live": _live,
}
# Cleaners that refuse what is not their kind of value may read one written without a colon
# ("优先级中等", "电话 0731-85551234", "出现频率 偶现").
_CHECKED = frozenset({_phone, _frequency, _nature, _priority})
_BARE = re.compile(r"\s*+(?:是|为)?\s*+")


def _said_lines(lines: list[str]) -> list[str]:
    """The lines as read for what is said without a label: a long English line the client wrapped
    joined with the next one (made once for every pattern)."""
    said = []
    for number, line in enumerate(lines, 1):
        following = lines[number] if number < len(lines) else ""
        if len(line) >= _WRAP and line[-1:].isascii() and line[-1:].isalpha() and following.strip():
            line = f"{line} {following.strip()}"
        said.append(line)
    return said


def _said(
    said: list[str],
    pattern: re.Pattern[str],
    value: Callable[[re.Match[str]], str | None],
    needs: re.Pattern[str] | None = None,
) -> Found | None:
    """The first line of `_said_lines` that says it without a label, as `value` reads the match;
    none where the text holds none of the words every match holds (`needs`), a quicker search."""
    if needs is not None and not needs.search("\n".join(said)):
        return None
    for number, line in enumerate(said, 1):
        for found in pattern.finditer(line):
            if result := value(found):
                return Found(result, number)
    return None


def _stated_level(found: re.Match[str]) -> str | None:
    """'按P1处理', 'P0故障', 'priority P2': a P-level that the words around it make a priority."""
    around = found.string[max(0, found.start() - 8) : found.end() + 8]
    return f"P{found.group(1)}" if _P_CONTEXT.search(around.replace(found.group(0), " ")) else None


def _live_in(lines: list[str], reference: datetime | None) -> Found | None:
    """'12月20日前上线', 'needed by December 18': a go-live date stated in a sentence."""
    for number, line in enumerate(lines, 1):
        for found in when.WHEN.finditer(line):
            before = line[max(0, found.start() - 16) : found.start()]
            said = _LIVE_AFTER.match(line, found.end()) or _LIVE_SAID.search(before[-12:])
            said = said or (
                _WISH.search(line) and _not_past(_live(found.group(0), reference) or "", reference)
            )
            ahead = _BEFORE_DAY.match(line, found.end()) or _BY_DAY.search(before[-12:])
            live = _live(found.group(0), reference) or found.group(0)
            if said or (ahead and _not_past(live, reference)):
                return Found(live, number)
    return None


def _not_past(day: str, reference: datetime | None) -> bool:
    return reference is None or day[:10] >= f"{reference:%Y-%m-%d}"


def _company_in(closing: list[tuple[str, int]]) -> Found | None:
    for line, number in closing:
        if name := company_in_line(line):
            return Found(name, number, "signature")
    return None


def _company_of(sender_email: str, customers: Mapping[str, str]) -> Found | None:
    found = company_of_domain(sender_email, customers)
    return Found(*found) if found else None


def _phone_in(closing: list[tuple[str, int]]) -> Found | None:
    for line, number in closing:
        if phone := find_phone(line):
            return Found(phone, number, "signature")
    return None


def _department_in(closing: list[tuple[str, int]], company: Found | None) -> Found | None:
    for line, number in closing:
        if name := department_in_line(line, company.value if company else None):
            return Found(name, number, "signature")
    return None
