"""The house phrasing, one set per language: greeting, closing, labels, clock names, stage news,
durations and lists. Templates and Python code say these things only through this module.

Every entry has a Chinese and an English form; `helpdesk/outbound/phrases_reasons.py` holds the
reasons a command is refused, rendered from a code and its arguments in the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from helpdesk.rules.schema import Duration

LANGUAGES = ("zh", "en")

# Said once at the top of every mail; a mail without a name greets without one.
GREETING = {"zh": "{name}，您好：", "en": "Hello {name},"}
GREETING_NAMELESS = {"zh": "您好：", "en": "Hello,"}
# The courtesy line above the signature: to customers, and to colleagues.
CLOSING = {
    "customer": {"zh": "感谢您的耐心与支持，祝工作顺利！", "en": "Thank you for your patience."},
    "staff": {"zh": "辛苦了，谢谢！", "en": "Thank you."},
}
FOOTER = {"zh": "此邮件由系统自动发送。", "en": "This mail was sent automatically."}
COLON = {"zh": "：", "en": ": "}
LIST_SEPARATOR = {"zh": "、", "en": ", "}
NOTHING = {"zh": "无", "en": "none"}
UNASSIGNED = {"zh": "待分配", "en": "not assigned yet"}

LABELS: dict[str, dict[str, str]] = {
    "number": {"zh": "工单编号", "en": "Ticket number"},
    "subject": {"zh": "主题", "en": "Subject"},
    "type": {"zh": "需求类型", "en": "Type"},
    "priority": {"zh": "紧急程度", "en": "Priority"},
    "status": {"zh": "当前状态", "en": "Status"},
    "owner": {"zh": "负责人", "en": "Owner"},
    "collaborators": {"zh": "协作人", "en": "Working with"},
    "team": {"zh": "负责团队", "en": "Team"},
    "requester": {"zh": "提交人", "en": "Requester"},
    "submitted": {"zh": "提交时间", "en": "Submitted at"},
    "eta": {"zh": "预计完成时间", "en": "Expected by"},
    "cause": {"zh": "原因", "en": "Cause"},
    "solution": {"zh": "解决方案", "en": "Solution"},
    "engineer_words": {"zh": "工程师说明", "en": "Our engineer writes"},
    "description": {"zh": "客户描述", "en": "The customer wrote"},
    "reopen_words": {"zh": "客户本次来信", "en": "The customer now writes"},
    "similar": {"zh": "相似的已解决工单及其方案", "en": "Similar solved tickets and their solutions"},
    "history": {"zh": "处理记录", "en": "History"},
    "result": {"zh": "结果", "en": "Result"},
    "rating": {"zh": "满意度", "en": "Rating"},
    "deadline": {"zh": "截止时间", "en": "Deadline"},
    "attachments": {"zh": "附件", "en": "Attachments"},
    "as_written": {"zh": "客户原话", "en": "as written"},
    "evaluation": {"zh": "评估报告", "en": "Assessment report"},
    "scope": {"zh": "冻结的需求范围", "en": "Frozen scope"},
    "change": {"zh": "变更内容", "en": "The change"},
    "stage": {"zh": "阶段", "en": "Stage"},
    "planned": {"zh": "计划完成", "en": "Planned by"},
}

# A request's life by engineers' commands (workflow/lifecycle.py): evaluation outcomes, stages,
# acceptance results, and what a state's gate in workflows.yaml may require.
LIFECYCLE: dict[str, dict[str, str]] = {
    "feasible": {"zh": "可实施", "en": "feasible"},
    "infeasible": {"zh": "暂不可实施", "en": "not feasible"},
    "adjust": {"zh": "需调整", "en": "needs adjustment"},
    "design": {"zh": "设计", "en": "design"},
    "development": {"zh": "开发", "en": "development"},
    "testing": {"zh": "测试", "en": "testing"},
    "release": {"zh": "上线", "en": "release"},
    "passed": {"zh": "通过", "en": "passed"},
    "failed": {"zh": "未通过", "en": "failed"},
    "partly": {"zh": "部分通过", "en": "partly passed"},
    "evaluation": {"zh": "评估结论（#评估）", "en": "an assessment (#evaluation)"},
    "scope_frozen": {"zh": "范围冻结（#范围冻结）", "en": "a frozen scope (#freeze)"},
    "uat": {"zh": "验收通过（#验收 通过）", "en": "a passed acceptance test (#uat passed)"},
    "release_plan": {
        "zh": "上线计划及回滚方案（#上线计划）",
        "en": "a release plan with its rollback (#release)",
    },
    "review": {"zh": "复盘（#复盘）", "en": "a review (#review)"},
}

CLOCKS = {
    "first_response": {"zh": "首次响应", "en": "first response"},
    "owner_confirmation": {"zh": "负责人确认", "en": "owner confirmation"},
    "resolution": {"zh": "解决", "en": "resolution"},
    "solution_feedback": {"zh": "方案反馈", "en": "solution feedback"},
    "feasibility": {"zh": "可行性评估", "en": "feasibility assessment"},
    "plan": {"zh": "处理方案", "en": "handling plan"},
    "eta": {"zh": "预计完成", "en": "expected completion"},
}

# What the customer is told when the ticket enters a stage (the seeds' words for each stage).
STAGE_NEWS = {
    "acknowledged": {
        "zh": "工程师已接收您的工单，正在安排处理。",
        "en": "Our engineer has taken up your ticket.",
    },
    "in_progress": {"zh": "工程师正在处理您反馈的问题。", "en": "Our engineer is working on your report."},
    "waiting": {
        "zh": "您的问题需要与相关方协调，我们正在推进。",
        "en": "Your report needs other parties' help; we are coordinating with them.",
    },
    "testing": {"zh": "修复方案已完成，正在测试验证。", "en": "A fix is ready and being tested."},
    "awaiting_release": {
        "zh": "修复已通过测试，正在等待上线。",
        "en": "The fix has passed its tests and awaits release.",
    },
    "reopened": {"zh": "工单已重新打开，我们会继续处理。", "en": "Your ticket is open again; we are on it."},
    "evaluating": {
        "zh": "我们正在评估您的需求的可行性与工作量。",
        "en": "We are assessing your request: whether it can be done, and the effort.",
    },
    "designing": {
        "zh": "需求评估已通过，正在进行方案设计。",
        "en": "Your request is accepted and being designed.",
    },
    "developing": {"zh": "需求已进入开发阶段。", "en": "Your request is being developed."},
    "released": {"zh": "需求已上线，请您验收。", "en": "Your request is live: please try it and accept it."},
    "blocked": {
        "zh": "需求的推进暂时受阻，我们正在协调解决，有进展会第一时间告知您。",
        "en": "Work on your request is held up; we are clearing the way and will tell you when it moves.",
    },
}
# A request's stages in its own words where they differ from a fault's (seed 003's hand-off).
STAGE_NEWS_BY_TYPE = {
    "development": {
        "acknowledged": {
            "zh": "您的需求已受理，正在安排评估。",
            "en": "Your request is received and queued for assessment.",
        },
        "testing": {"zh": "需求已开发完成，正在测试。", "en": "Your request is built and being tested."},
        "reopened": {
            "zh": "需求已重新打开，我们会继续跟进。",
            "en": "Your request is open again; we are on it.",
        },
    },
}
NEXT_UPDATE_IN = {"zh": "{duration}后", "en": "in {duration}"}
NEXT_UPDATE_DAILY = {"zh": "下一个工作日 {at} 前", "en": "by {at} on the next working day"}

# The resolution mail's words, by the ticket's type (a request goes live, a fault is solved).
RESOLVED = {
    "development": {
        "title": {"zh": "需求已上线，请验收", "en": "Your request is live, please review it"},
        "intro": {
            "zh": "您提交的需求已上线，请验收后回复结果。",
            "en": "The request you submitted is live. Please try it and tell us the result.",
        },
    },
    "consultation": {
        "title": {"zh": "您的咨询已答复，请确认", "en": "Your question is answered, please confirm"},
        "intro": {"zh": "您的咨询已答复，答复内容如下。", "en": "Here is the answer to your question."},
    },
    "permission": {
        "title": {"zh": "权限申请已处理，请确认", "en": "Your access request is done, please confirm"},
        "intro": {"zh": "您的权限申请已处理完毕。", "en": "Your access request has been carried out."},
    },
    "default": {
        "title": {"zh": "问题已解决，请确认", "en": "Resolved, please confirm"},
        "intro": {"zh": "您反馈的问题已处理完毕。", "en": "The problem you reported has been dealt with."},
    },
}

# The result choices the resolution mail offers (feedback.py reads each of them), and what its
# solution is called, by type: a request is accepted or not, a fault resolved or not.
CHOICES = {
    "development": {
        "zh": ("验收通过", "未通过", "部分通过"),
        "en": ("accepted", "not accepted", "partly accepted"),
    },
    "default": {
        "zh": ("已解决", "未解决", "部分解决"),
        "en": ("resolved", "not resolved", "partly resolved"),
    },
}
SOLUTION_LABEL = {
    "development": {"zh": "上线内容", "en": "What went live"},
    "consultation": {"zh": "答复", "en": "Our answer"},
    "default": {"zh": "解决方案", "en": "Solution"},
}

ANSWERS = {
    "resolved": {"zh": "已解决", "en": "resolved"},
    "unresolved": {"zh": "未解决", "en": "not resolved"},
    "partial": {"zh": "部分解决", "en": "partly resolved"},
    "satisfied": {"zh": "满意", "en": "satisfied"},
    "fair": {"zh": "基本满意", "en": "fairly satisfied"},
    "unsatisfied": {"zh": "不满意", "en": "unsatisfied"},
}

_UNITS = {
    "m": {"zh": "分钟", "en": ("minute", "minutes")},
    "h": {"zh": "小时", "en": ("hour", "hours")},
    "d": {"zh": "天", "en": ("day", "days")},
    "bh": {"zh": "个工作小时", "en": ("working hour", "working hours")},
    "bd": {"zh": "个工作日", "en": ("working day", "working days")},
}


def pick(value: Any, language: str) -> Any:
    """`value` in `language`: a {zh, en} mapping gives its entry; anything else is itself."""
    if isinstance(value, Mapping) and set(value) <= set(LANGUAGES) and value:
        return value.get(language, next(iter(value.values())))
    return value


def bilingual(kind: str, name: str, labels) -> dict[str, str]:
    """A rules label (`labels` is RuleSet.labels) in both languages, for a value said later."""
    return {language: labels.of(kind, name, language) for language in LANGUAGES}


def joined(items: list, language: str) -> str:
    """Items in `language`, joined the way the language lists them; none: the word for nothing."""
    return LIST_SEPARATOR[language].join(str(pick(i, language)) for i in items) or NOTHING[language]


# Two-character family names, so 欧阳明 is 欧阳工, not 欧工.
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "令狐",
)


def masked_staff_name(name: str, language: str) -> str:
    """An engineer as a customer reads them when privacy.staff_names is `masked`: 王伟 is 王工, the
    way Chinese customers address an engineer (in either language's mail); Emma Brown is "Engineer
    Brown", in Chinese "Brown工程师"."""
    name = " ".join(name.split())
    if name and not name.isascii():
        compound = next((s for s in _COMPOUND_SURNAMES if name.startswith(s) and len(name) > 2), None)
        return f"{compound or name[0]}工"
    family = name.rpartition(" ")[2]
    return f"{family}工程师" if language == "zh" else f"Engineer {family}"


def mask_staff_names(text: str, names: set[str], language: str) -> str:
    """`text` with each of `names` masked (`masked_staff_name`), longest first; a Latin name only as
    a whole word, so "Li" leaves "Limited" alone."""
    for name in sorted(names, key=len, reverse=True):
        pattern = rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])" if name.isascii() else re.escape(name)
        text = re.sub(pattern, lambda _m, n=name: masked_staff_name(n, language), text)
    return text


def greeting(name: str, language: str) -> str:
    name = " ".join(name.split())
    return GREETING[language].format(name=name) if name else GREETING_NAMELESS[language]


def label(key: str, language: str) -> str:
    return LABELS[key][language]


def clock_name(name: str, language: str) -> str:
    return CLOCKS.get(name, {}).get(language, name)


def duration(text: str | Duration, language: str) -> str:
    """A sla.yaml duration in words: "1h" → "1小时" / "1 hour", "2bd" → "2个工作日" / "2 working days"."""
    length = text if isinstance(text, Duration) else Duration.parse(text)
    amount, unit = length.amount, length.unit
    if unit == "m" and amount % 60 == 0:
        amount, unit = amount / 60, "h"
    if unit == "h" and amount >= 24 and amount % 24 == 0:
        amount, unit = amount / 24, "d"
    number = f"{amount:g}"
    if language == "zh":
        return f"{number}{_UNITS[unit]['zh']}"
    one, many = _UNITS[unit]["en"]
    return f"{number} {one if amount == 1 else many}"


def hours(count: float, language: str) -> str:
    """A number of hours from the config in words (96 → "4天" / "4 days")."""
    return duration(Duration(float(count), "h"), language)


def resolved_words(type_: str | None, language: str) -> dict[str, str]:
    """The resolution mail's title, opening line, result choices and solution label for `type_`."""
    words = {key: value[language] for key, value in RESOLVED.get(type_ or "", RESOLVED["default"]).items()}
    words["choices"] = CHOICES.get(type_ or "", CHOICES["default"])[language]
    words["solution"] = SOLUTION_LABEL.get(type_ or "", SOLUTION_LABEL["default"])[language]
    return words


def stage_news(state: str, language: str, type_: str | None = None) -> str:
    """What the customer is told when the ticket enters `state`, in the words of its type."""
    news = STAGE_NEWS_BY_TYPE.get(type_ or "", {}).get(state) or STAGE_NEWS.get(state, {})
    return news.get(language, "")
