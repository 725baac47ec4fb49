"""Why a command was refused, or what it did, as a code and its arguments: JSON for the ticket's
events, a sentence in the reader's language for the receipt.

An argument is a plain string (a name, a value as the engineer wrote it), a {zh, en} label, or a
list of either (said as a list in the reader's language).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpdesk.outbound.phrases import joined, pick

SENTENCES: dict[str, dict[str, str]] = {
    # what was done
    "moved": {"zh": "状态改为“{state}”", "en": "status now {state}"},
    "acknowledged": {
        "zh": "[ACK] 已确认收到升级通知，不再向上升级",
        "en": "[ACK] escalation acknowledged; it goes no higher",
    },
    # why it was not
    "unknown_command": {
        "zh": "未知命令（可用命令见下方）",
        "en": "unknown command (the commands are listed below)",
    },
    "unknown_priority": {
        "zh": "未知的紧急程度“{value}”（可用：{known}）",
        "en": "unknown priority '{value}' (known: {known})",
    },
    "unknown_type": {
        "zh": "未知的需求类型“{value}”（可用：{known}）",
        "en": "unknown type '{value}' (known: {known})",
    },
    "unknown_person": {"zh": "工程师名单中没有“{value}”", "en": "nobody called '{value}' in staff.yaml"},
    "unknown_people": {"zh": "工程师名单中没有：{names}", "en": "not in staff.yaml: {names}"},
    "nobody_named": {"zh": "没有写明协作人", "en": "nobody named"},
    "eta_format": {"zh": "时间请写成“2026-11-25 18:00”的格式", "en": "write the time as YYYY-MM-DD HH:MM"},
    "eta_needs_reason": {
        "zh": "调整预计完成时间，需在其上一行用 #原因 写明原因",
        "en": "moving the ETA needs the reason on a #reason line above it",
    },
    "eta_late": {
        "zh": "已执行，但距原预计完成时间已不足{notice}，已记为延迟通知",
        "en": "applied, but flagged late: less than {notice} before the old ETA",
    },
    "unreadable": {"zh": "无法识别“{value}”", "en": "cannot read '{value}'"},
    "reason_empty": {"zh": "#原因 后面需写明原因", "en": "#reason needs the reason after it"},
    "solution_empty": {
        "zh": "#解决方案 后面（同一行或下一行起）需写明解决方案",
        "en": "#solution needs the solution after it or below it",
    },
    "already_in_state": {"zh": "工单已处于“{state}”状态", "en": "the ticket is already {state}"},
    "move_not_allowed": {
        "zh": "不能从“{current}”改为“{target}”；当前可改为：{options}",
        "en": "{current} → {target} is not allowed; from here: {options}",
    },
    "final_state": {
        "zh": "不能从“{current}”改为“{target}”：这是最终状态",
        "en": "{current} is a final state",
    },
    "unverified": {
        "zh": "这封邮件未通过我方邮件服务器的发件人验证（DKIM/DMARC），所以没有执行；请用本人邮箱直接回复",
        "en": "not verified, so nothing was done: {detail}",
    },
    "on_behalf_channel": {
        "zh": "代报命令需在行末写明来源渠道，“{value}”不是渠道（可用：电话、现场、客户经理、邮件）",
        "en": "the command ends with its channel; '{value}' is none "
        "(known: phone, onsite, account_manager, mail)",
    },
    "on_behalf_address": {
        "zh": "无法识别客户地址“{value}”，请写成：#代报 李雷 <li.lei@example.cn> 电话",
        "en": "cannot read the customer's address '{value}'; "
        "write: #on-behalf Anna Smith <anna@example.com> phone",
    },
    "on_behalf_staff": {
        "zh": "“{value}”不是客户地址（是工程师或支持邮箱）",
        "en": "'{value}' is no customer's address (staff or the support address)",
    },
    "on_behalf_empty": {
        "zh": "命令下方没有客户反映的问题内容",
        "en": "no report from the customer below the command",
    },
    # the technical lead's approval (edits.py)
    "nothing_to_approve": {
        "zh": "工单处于“{state}”，没有待审批的解决方案",
        "en": "the ticket is {state}: no solution awaits approval",
    },
    "not_the_lead": {
        "zh": "只有技术负责人（{name}）可以审批",
        "en": "only the technical lead ({name}) may decide",
    },
    "reject_needs_reason": {"zh": "#驳回 后面需写明原因", "en": "#reject needs the reason after it"},
    "no_lead": {
        "zh": "需技术负责人审批，但员工名单中没有指定团队负责人或上级",
        "en": "needs the technical lead's approval, but staff.yaml names no manager or reports_to",
    },
    # a development request's life (lifecycle.py)
    "gate_missing": {"zh": "进入“{target}”前还需要：{missing}", "en": "{target} needs first: {missing}"},
    "ticket_closed": {
        "zh": "工单已关闭，不能再记录此项",
        "en": "the ticket is closed: nothing more is recorded",
    },
    "unknown_outcome": {
        "zh": "无法识别评估结论“{value}”（可用：{known}），请写成：#评估 可实施 评估报告……",
        "en": "unknown outcome '{value}' (known: {known}); write: #evaluation feasible <report>",
    },
    "evaluation_needs_report": {
        "zh": "评估结论后面需写明评估报告",
        "en": "the outcome needs the assessment report after it",
    },
    "cannot_close": {
        "zh": "工单处于“{current}”，不能因暂不可实施而关闭",
        "en": "the ticket is {current}: it cannot be closed as not feasible from here",
    },
    "scope_empty": {
        "zh": "#范围冻结 后面需写明冻结的需求范围",
        "en": "#freeze needs the frozen scope after it",
    },
    "already_frozen": {
        "zh": "需求范围已冻结，之后的调整请用 #变更 提出",
        "en": "the scope is frozen already: later changes go by #change",
    },
    "not_frozen": {
        "zh": "需求范围尚未冻结：冻结前的调整属于设计，无需变更申请",
        "en": "the scope is not frozen yet: changes before the freeze are part of the design",
    },
    "change_empty": {
        "zh": "#变更 后面需写明变更内容",
        "en": "#change needs the change's description after it",
    },
    "unknown_stage": {
        "zh": "无法识别阶段“{value}”（可用：{known}），请写成：#阶段 开发 王伟 2026-12-10",
        "en": "unknown stage '{value}' (known: {known}); write: #stage development wang.wei 2026-12-10",
    },
    "stage_needs_date": {
        "zh": "负责人后面需写明计划完成日期，如 2026-12-10",
        "en": "the owner needs the planned date after them, e.g. 2026-12-10",
    },
    "unknown_result": {
        "zh": "无法识别验收结果“{value}”（可用：{known}）",
        "en": "unknown acceptance result '{value}' (known: {known})",
    },
    "uat_needs_person": {
        "zh": "验收结果后面需写明验收人",
        "en": "the result needs the person who accepted after it",
    },
    "release_needs_rollback": {
        "zh": "上线计划需写明回滚方案，如：#上线计划 2026-12-20 22:00 回滚：切回旧版本",
        "en": "a release plan needs its rollback, e.g. #release 2026-12-20 22:00 rollback: switch back",
    },
    "release_needs_time": {
        "zh": "上线计划需写明上线时间，如 2026-12-20 22:00",
        "en": "a release plan needs its time, e.g. 2026-12-20 22:00",
    },
    "review_empty": {"zh": "#复盘 后面需写明复盘内容", "en": "#review needs the review after it"},
    "words": {"zh": "给客户的回复内容", "en": "your words for the customer"},
    "words_held": {
        "zh": "未发给客户：主题中的状态变更没有执行，这些话只留在工单内部；请修正状态后重新发送",
        "en": "not sent to the customer, as the status change in the subject was refused; "
        "they are kept internal: resend them with a status change that applies",
    },
    "confirmation": {"zh": "确认接手本工单", "en": "confirming the assignment"},
    # the record's category and initial judgement (workflow/edits_record.py)
    "unknown_category": {
        "zh": "未知的问题分类“{value}”（可用：{known}）",
        "en": "unknown sub-category '{value}' (known: {known})",
    },
    "no_categories": {
        "zh": "“{type}”类工单没有问题分类",
        "en": "a {type} has no sub-categories (catalog.yaml)",
    },
    "judgement_empty": {
        "zh": "#初步判断 后面需写明判断",
        "en": "#judgement needs the judgement after it",
    },
}


def reason(code: str, **args: Any) -> dict[str, Any]:
    """A coded reason, as deciders return it and events keep it."""
    if code not in SENTENCES:
        raise KeyError(f"no sentence for reason {code!r}")
    return {"code": code, "args": args}


def say(item: Any, language: str) -> str:
    """A coded reason (or a {zh, en} label, or a plain line as written) in `language`."""
    if isinstance(item, Mapping) and "code" in item:
        args = {
            key: joined(value, language) if isinstance(value, list) else pick(value, language)
            for key, value in item.get("args", {}).items()
        }
        return SENTENCES[item["code"]][language].format(**args)
    return str(pick(item, language))
