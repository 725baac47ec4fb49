"""A ticket's events in words, Chinese or English, for `tickets show`: each kind's sentence, with the
people, clocks, states and priorities it names shown by their names and labels."""

from __future__ import annotations

from collections.abc import Callable

# kind: (Chinese, English); {names} come from the event's detail, already in words.
SENTENCES: dict[str, tuple[str, str]] = {
    "created": ("收到邮件，建立工单", "opened from a mail"),
    "status_changed": ("状态：{from} → {to}", "status: {from} → {to}"),
    "message_added": ("线程中收到新邮件", "a mail joined the thread"),
    "fields_read": ("读取报告字段", "report fields read"),
    "routed": ("按规则分类", "classified by the rules"),
    "assigned": ("分配给{owner}", "assigned to {owner}"),
    "unassigned": ("未找到负责人", "no owner found"),
    "mail_queued": ("邮件待发送给{recipient}", "mail queued for {recipient}"),
    "information_requested": (
        "向客户询问缺失信息（第 {request} 次）",
        "asked for missing details (#{request})",
    ),
    "information_complete": ("信息已补全", "details complete"),
    "flagged_incomplete": ("信息仍不全，先行处理", "handed over with details missing"),
    "archived": ("已归档", "archived"),
    "deadline_met": ("{clock}时限结束", "{clock} deadline stopped"),
    "deadline_missed": ("{clock}超时", "{clock} deadline missed"),
    "deadline_warning": ("{clock}即将到期，已提醒{to}", "{clock} due soon: {to} warned"),
    "escalated": ("已升级", "escalated"),
    "escalation_acknowledged": ("{clock}升级已确认", "escalation of {clock} acknowledged"),
    "clock_removed": ("{clock}时限取消", "{clock} deadline dropped"),
    "assignment_confirmed": ("负责人确认接单", "the owner confirmed the assignment"),
    "commands_rejected": ("有命令未执行", "commands refused"),
    "commands_refused": ("员工邮件未经验证，命令未执行", "an unverified staff mail's commands refused"),
    "command_priority": ("优先级改为{to}", "priority set to {to}"),
    "command_assign": ("改派给{to}", "handed to {to}"),
    "command_eta": ("预计完成时间定为 {to}", "ETA set to {to}"),
    "command_reason": ("说明原因：{reason}", "reason given: {reason}"),
    "command_solution": ("填写解决方案", "solution written"),
    "command_note": ("内部备注：{note}", "internal note: {note}"),
    "words_kept": ("内部留言（未发给客户）：{words}", "kept internal, not sent to the customer: {words}"),
    "command_type": ("类型改为{to}", "type set to {to}"),
    "command_collaborators": ("协作方：{collaborators}", "collaborators: {collaborators}"),
    "command_category": ("问题分类改为{to}", "sub-category set to {to}"),
    "command_judgement": ("初步判断：{judgement}（待验证）", "initial judgement (to verify): {judgement}"),
    "judgement_verified": ("初步判断已验证：{judgement}", "initial judgement verified: {judgement}"),
    "command_approve": ("技术负责人批准了解决方案", "the technical lead approved the solution"),
    "command_reject": ("技术负责人驳回了解决方案：{reason}", "the lead rejected the solution: {reason}"),
    "command_evaluation": ("需求评估：{outcome}", "request assessed: {outcome}"),
    "command_freeze": ("设计确认，需求范围冻结", "design signed off, scope frozen"),
    "command_change": ("变更 {number}：{description}", "change {number}: {description}"),
    "command_stage": ("{stage}阶段由{owner}负责，计划 {planned}", "{stage} stage: {owner}, by {planned}"),
    "command_uat": ("验收{result}（验收人 {accepted_by}）", "acceptance test {result} (by {accepted_by})"),
    "command_release": ("上线计划 {planned_at}，含回滚方案", "release planned {planned_at}, with rollback"),
    "command_review": ("复盘：{review}", "review: {review}"),
    "feedback": ("客户反馈：{result}，{rating}", "the customer answered: {result}, {rating}"),
    "feedback_unclear": ("客户的答复无法判断", "the customer's answer was unclear"),
    "confirmation_reminder": ("再次请客户确认", "asked the customer again to confirm"),
    "progress_reminder": ("提醒{to}更新进展", "reminded {to} to post progress"),
    "progress_update": ("向客户发送进展", "progress sent to the customer"),
    "sensitive_masked": ("已遮盖邮件中的敏感信息", "sensitive data in the mail masked"),
    "eta_passed": ("预计完成时间 {eta} 已过，已告知{to}", "the ETA {eta} passed: {to} told"),
    "eta_moved": ("预计完成时间的变更已告知相关人员", "the moved ETA was told to those concerned"),
    "courtesy_after_close": ("关闭后客户致谢，未重新打开", "thanks after closing: not reopened"),
    # a released request's stable period (workflow/stable.py)
    "closed_loop": ("上线后稳定期内无问题，已闭环", "no problem after release: closed, loop complete"),
    "acceptance": ("提交人验收通过，已闭环", "the submitter accepted the release: closed, loop complete"),
    "acceptance_refused": ("验收未获确认，未闭环", "acceptance not confirmed: not closed"),
    "problem_after_release": (
        "提交人报上线后问题，稳定期中止",
        "problem after release: stable period stopped",
    ),
    "release_reply_unclear": ("提交人来信已转负责人，稳定期照常", "the submitter's words sent to the owner"),
    "sensitive_notice": ("已遮盖敏感信息并告知", "sensitive data masked and the sender told"),
    "relay_refused": ("员工邮件未经验证，未转给客户", "not relayed: the staff mail was not verified"),
    "mail_refused": ("未发送：员工名单中无此人", "not sent: nobody by that id in staff.yaml"),
    "mail_suppressed": (
        "未发送给{recipient}：已达每日自动邮件上限",
        "not sent to {recipient}: the daily cap of automatic mail was reached",
    ),
    "backlog_suppressed": (
        "未发送给{recipient}：首次启动时从邮箱导入的旧邮件",
        "not sent to {recipient}: imported from the mailbox's backlog at the first start",
    ),
    "automatic_kept": ("机器发来的邮件，已另存", "a machine's mail, kept aside"),
    "automatic_released": ("机器邮件已放行为工单", "a machine's mail released as a ticket"),
    "raw_read": ("管理员读取了原始邮件", "an administrator read the raw mail"),
}
# The detail keys that name a person, per kind; other kinds' 'to' is a priority, type or time.
_PEOPLE = frozenset({"owner", "recipient", "previous_owner"})
_PERSON_TO = frozenset({"deadline_warning", "progress_reminder", "escalated", "eta_passed"})


def sentence(
    kind: str,
    detail: dict,
    language: str,
    words: Callable[[str, str, object], str],
) -> str:
    """The event as one sentence in `language`; `words(kind, key, value)` shows one detail value."""
    if kind == "mail_suppressed" and detail.get("backlog"):
        kind = "backlog_suppressed"
    if kind not in SENTENCES:
        return "其他记录" if language == "zh" else kind.replace("_", " ")
    zh, en = SENTENCES[kind]
    values = _Values({key: words(kind, key, value) for key, value in detail.items()})
    return (zh if language == "zh" else en).format_map(values)


def detail_kind(kind: str, key: str) -> str:
    """What a detail value is, for showing it: person, people, clock, state, priority, type, time,
    feedback, word (a request's life: outcome, stage, acceptance result) or text."""
    if key in _PEOPLE or (key == "to" and kind in _PERSON_TO):
        return "person"
    if key in ("from", "to"):
        return _FROM_TO.get(kind, "text")
    return {
        "clock": "clock",
        "eta": "time",
        "rating": "feedback",
        "collaborators": "people",
        "outcome": "word",
        "stage": "word",
        "result": "word" if kind == "command_uat" else "feedback",
        "planned": "time",
        "planned_at": "time",
    }.get(key, "text")


_FROM_TO = {"status_changed": "state", "command_priority": "priority", "command_type": "type"}
_FROM_TO |= {"command_eta": "time", "command_assign": "person", "command_category": "category"}


class _Values(dict):
    """A detail a sentence names but the event lacks is shown as '-', never a KeyError."""

    def __missing__(self, key: str) -> str:
        return "-"
