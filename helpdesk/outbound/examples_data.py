"""The sample customers, reports and statistics the example mails are rendered for (`examples.py`)."""

from __future__ import annotations

from datetime import UTC, datetime

# Who writes, in each language: the customer, their report, and the staff member who reads.
CUSTOMERS = {
    "zh": {
        "name": "李雷",
        "email": "li.lei@example.cn",
        "subject": "OA 无法登录",
        "log_name": "服务日志.log",
        "text": "您好，今天 9:05 起登录 OA 时提示“验证码错误”，版本 3.2.1。\n1. 打开登录页\n2. 输入账号密码",
        "fields": {"occurred_at": "今天 9:05", "error_message": "验证码错误", "system_version": "3.2.1"},
        "reply": "已经清理了缓存，还是提示验证码错误，请尽快处理，我们上午要用。",
        "words": "已定位到验证码服务缓存写满，正在清理，预计半小时内恢复。",
        "solution": "清理了验证码服务的缓存，并把缓存上限调大了一倍。",
        "cause": "验证码服务的缓存被写满，新的验证码无法保存。",
        "staff": "wang.wei",
    },
    "en": {
        "name": "Anna Smith",
        "email": "anna.smith@example.com",
        "subject": "Cannot log in to OA",
        "log_name": "service.log",
        "text": "Hello, since 9:05 today OA says 'invalid captcha' when I log in. Version 3.2.1.\n"
        "1. Open the login page\n2. Enter the user name and password",
        "fields": {
            "occurred_at": "today 9:05",
            "error_message": "invalid captcha",
            "system_version": "3.2.1",
        },
        "reply": "I cleared the cache and it still says invalid captcha; we need it this morning.",
        "words": "The captcha cache is full; we are clearing it and expect it back in half an hour.",
        "solution": "We cleared the captcha service's cache and doubled its limit.",
        "cause": "The captcha service's cache was full, so new captchas could not be stored.",
        "staff": "emma.brown",
    },
}


# What each type of report says, in each language: subject, report, the engineer's words, the
# solution (the fault's as above).
REPORTS = {
    "zh": {
        "development": (
            "月结凭证一键导出",
            "使用场景：财务月结时需要导出全部凭证\n预期效果：在凭证列表页一键导出 Excel",
            "需求已评估通过，计划本周完成开发。",
            "凭证列表页新增“导出全部”按钮，可按月份一键导出 Excel。",
        ),
        "consultation": (
            "如何修改登录密码",
            "请问在哪里修改登录密码？",
            "已查到修改入口，稍后回复您具体步骤。",
            "登录后点击右上角头像，进入“个人设置 → 安全”，即可修改密码。",
        ),
        "permission": (
            "申请财务模块查看权限",
            "系统名称：财务系统\n所需权限：凭证查看",
            "已提交权限审批，审批通过后即开通。",
            "已为您开通财务系统的凭证查看权限，重新登录后生效。",
        ),
        "other": (
            "会议室投影无法连接",
            "三楼会议室的投影连不上笔记本电脑。",
            "已联系行政同事现场查看。",
            "更换了投影的连接线，现已恢复正常。",
        ),
    },
    "en": {
        "development": (
            "Export all vouchers at once",
            "Scenario: month-end closing needs every voucher\nExpected effect: one click exports all",
            "Your request is assessed and accepted; we plan to finish the work this week.",
            "The voucher list now has an 'Export all' button that exports a month to Excel.",
        ),
        "consultation": (
            "How do I change my password?",
            "Where can I change my login password?",
            "We found where it is done and will send you the steps shortly.",
            "After logging in, click your picture at the top right, then Settings, Security.",
        ),
        "permission": (
            "Access to the finance module",
            "System: finance\nAccess needed: view vouchers",
            "Your request is with the approver; we grant it once approved.",
            "You can now view vouchers in the finance system; please log in again.",
        ),
        "other": (
            "The meeting room projector does not connect",
            "The projector in the third-floor meeting room does not connect to laptops.",
            "A colleague from facilities is on the way.",
            "We replaced the projector's cable; it works again.",
        ),
    },
}


def report(language: str, type_: str) -> dict[str, str]:
    """The sample report of `type_` in `language`: subject, text, words and solution."""
    who = CUSTOMERS[language]
    if type_ not in REPORTS[language]:
        return {key: who[key] for key in ("subject", "text", "words", "solution")}
    return dict(zip(("subject", "text", "words", "solution"), REPORTS[language][type_], strict=True))


def figures(language: str) -> dict:
    """A day's statistics as `tickets.statistics` returns them (ids, not names)."""
    subjects = OTHER_SUBJECTS[language]
    return {
        "tickets": 3,
        "escalations": [
            {
                "number": "202611-001",
                "subject": CUSTOMERS[language]["subject"],
                "clock": "first_response",
                "to": "liu.yang",
            }
        ],
        "overdue": [
            {
                "number": "202611-002",
                "subject": subjects[0],
                "clock": "resolution",
                "due": datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
                "owner": "wang.wei",
            }
        ],
        "waiting": [{"number": "202611-003", "subject": subjects[1], "status": "info_pending"}],
        "by_type": {"fault": 2, "consultation": 1},
        "by_priority": {"fatal": 1, "general": 1, "medium": 1},
        "by_team": {"operations": 2, "product": 1},
        "compliance": {"fatal": {"met": 1, "missed": 1, "rate": 50}},
        "satisfaction": {"satisfied": 1},
    }


# The managers' figures as `tickets.figures.manager_figures` returns them (seconds, staff ids).
HANDLING = {
    "first_response": {
        "count": 3,
        "average": 1500,
        "median": 1200,
        "by_priority": {"fatal": {"count": 1, "average": 600, "median": 600}},
    },
    "resolution": {"count": 2, "average": 16200, "median": 16200, "by_priority": {}},
    "reopened": {"resolved": 2, "reopened": 1, "rate": 50.0},
    "engineers": {
        "wang.wei": {"open": 2, "overdue": 1, "resolved": 1},
        "zhang.min": {"open": 1, "overdue": 0, "resolved": 1},
    },
}


def knowledge(language: str) -> dict:
    """The week's 知识沉淀 as `knowledge.trends` returns it: types (ids) and a cause seen again."""
    login = {"zh": "登录", "en": "login"}[language]
    return {
        "types": [
            {"type": "fault", "count": 2, "subcategories": [{"name": login, "count": 2}]},
            {"type": "consultation", "count": 1, "subcategories": []},
        ],
        "repeated": [{"cause": CUSTOMERS[language]["cause"], "numbers": ["202611-001", "202610-017"]}],
    }


OTHER_SUBJECTS = {
    "zh": ["打印报错", "请问如何修改密码"],
    "en": ["Printing fails", "How do I change my password?"],
}


# What a development request's commands pass their mails (workflow/lifecycle.py), in each language.
LIFECYCLE_SAMPLES = {
    "zh": {
        "report": "现有凭证接口可以支持批量导出，预计两周完成开发。",
        "adjust": "一次导出全年凭证数据量过大，建议改为按月导出。",
        "infeasible": "凭证数据由外部财务系统管理，我方系统无法批量读取。",
        "scope": "凭证列表页新增“导出全部”按钮，按月份导出表格。",
        "change": "导出时增加按部门筛选。",
        "rejected": "没有找到根因，重启只是暂时恢复。",
    },
    "en": {
        "report": "The voucher interface supports a bulk export; the work takes about two weeks.",
        "adjust": "A whole year of vouchers is too much for one export: we suggest one month at a time.",
        "infeasible": "The vouchers live in an outside finance system that we cannot read in bulk.",
        "scope": "An 'Export all' button on the voucher list exports one month as a spreadsheet.",
        "change": "The export can be filtered by department.",
        "rejected": "No root cause found: the restart only helps for a while.",
    },
}
_SAID = {
    key: {lang: said[key] for lang, said in LIFECYCLE_SAMPLES.items()}
    for key in ("adjust", "infeasible", "rejected")
}
# (title, type, state, extra) for each way a mail's wording differs by ticket (examples.variants
# has the ones built from the rules).
VARIANTS = {
    "confirmation_unclear": [("fault", "fault", "resolved", {})],
    "digest": [("a day's digest", "fault", "in_progress", {})],
    "period_report": [
        (f"a {kind} report", "fault", "in_progress", {"period": kind}) for kind in ("weekly", "monthly")
    ],
    "acknowledgement": [
        ("fields missing", "fault", "info_pending", {}),
        ("complete", "consultation", "assigned", {"missing": []}),
    ],
    "evaluation_report": [
        ("feasible", "development", "designing", {}),
        ("not feasible", "development", "closed", {"outcome": "infeasible", "report": _SAID["infeasible"]}),
        ("needs adjustment", "development", "evaluating", {"outcome": "adjust", "report": _SAID["adjust"]}),
    ],
    "scope_frozen": [("design signed off", "development", "designing", {})],
    "change_request": [("the first change after the freeze", "development", "developing", {})],
    "stage_assignment": [("the development stage", "development", "designing", {})],
    "approval_request": [
        ("a solution to approve", "fault", "awaiting_approval", {}),
        ("rejected", "fault", "in_progress", {"why": _SAID["rejected"]}),
        ("approved", "fault", "resolved", {"approved": True, "asked_by": "刘洋"}),
    ],
}


# What the assignment notices list when tickets like the sample were solved before (context.SimilarPast).
SIMILAR = {
    "zh": [
        {"number": "202610-017", "subject": "OA 登录提示验证码错误", "solution": "清理了验证码服务的缓存。"}
    ],
    "en": [
        {
            "number": "202610-017",
            "subject": "OA login: invalid captcha",
            "solution": "Cleared the captcha cache.",
        }
    ],
}
