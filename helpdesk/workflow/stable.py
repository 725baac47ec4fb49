"""A released request's stable period (seed 003): once it has run sla.yaml's `stable` time with no
problem reported it closes as 已闭环 ("closed, loop complete"); the submitter's acceptance closes it
at once, a problem report sends it back to work (the next release starts a new period), and words
that do neither reach its owner while the period runs on.

Pure: a ticket's snapshot, the rules, the time and (for a mail) what its words say in; effects out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from helpdesk.config import CommandsConfig
from helpdesk.effects import Effect, Plan
from helpdesk.mail.message import InboundMessage
from helpdesk.outbound.phrases import duration
from helpdesk.rules.conditions import normalise
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Duration, Sla
from helpdesk.sla.deadlines import due_after
from helpdesk.tickets.snapshot import TicketView
from helpdesk.tickets.status import CLOSED, RELEASED, REOPENED
from helpdesk.workflow.authentication import vouched
from helpdesk.workflow.confirmation import close_notice, reopen_notices
from helpdesk.workflow.feedback import Feedback, read_feedback

CLOSED_LOOP = "closed_loop"  # the value of the ticket's `closure` field: 已闭环
# Where a problem after release sends a request: the first of these its workflow allows from
# released (a fix is development work, then tested again), else reopened.
_BACK_TO = ("developing", "testing")
# The record fields a problem after release undoes (lifecycle_words.FIELDS): acceptance, release time.
_REDONE = ("uat", "release_at")

_RAN_STABLE = {
    "zh": "需求上线后已稳定运行{period}，期间未收到问题反馈。",
    "en": "It has run for {period} since its release with no problem reported.",
}
_ACCEPTED = {
    "zh": "感谢您确认验收。",
    "en": "Thank you for accepting the release.",
}
_PROBLEM_TO_OWNER = {
    "zh": "提交人反馈上线后有问题，稳定期中止，需求已退回“{state}”",
    "en": "the submitter reports a problem after the release: the stable period stopped, "
    "the request is back in {state}",
}
_PROBLEM_TO_SUBMITTER = {
    "zh": "您反馈了上线后的问题，需求已退回“{state}”；修复再次上线后，稳定期重新计算",
    "en": "you reported a problem after the release; the request is back in {state}, and its stable "
    "period starts again at the next release",
}

# Words that report trouble with what went live (after read_feedback's negations: 还是不行, still fails).
_PROBLEM = re.compile(
    r"报错|出错|错误|异常|失败|故障|崩溃|闪退|卡死|卡住|打不开|进不去|用不了|不能用|无法|不能|不行|不对"
    r"|有问题|出问题|有bug|\b(bugs?|errors?|fail(s|ed|ing|ure)?|broken|crash(es|ed)?|exceptions?|wrong)\b"
    r"|doesn'?t work|does not work|not working|stopped working|can'?t|cannot"
)
# The same words denied ("没有再报错", "no errors"): not a problem.
_DENIED = re.compile(
    r"(没有?|无|未|不再|没再|未再)(再)?(出现|发现|遇到|看到)?(任何)?(报错|错误|异常|问题|故障|bug)"
    r"|\bno (more |further )?(errors?|problems?|issues?|failures?|bugs?)\b"
    r"|\bwithout (any )?(errors?|problems?)\b"
)


def stable_period(sla: Sla, type_: str | None) -> Duration | None:
    """How long a released ticket of `type_` runs before it closes as 已闭环; None: it never does."""
    text = sla.stable.get(type_ or "")
    return Duration.parse(text) if text else None


def stable_end(rules: RuleSet, type_: str | None, team: str | None, released_at: datetime) -> datetime | None:
    """When a ticket released at `released_at` closes as 已闭环 if nothing comes up: its stable
    period on the team's calendar (3bd: three working days, holidays and weekends not counted)."""
    period = stable_period(rules.sla, type_)
    return due_after(rules.calendars.of(team), released_at, period) if period else None


def ran_stable(period: Duration, language: str) -> str:
    """The close notice's reason: the request ran `period` after its release with no problem."""
    return _RAN_STABLE[language].format(period=duration(period, language))


def stable_due(rules: RuleSet, view: TicketView, now: datetime) -> list[Effect]:
    """Close a released ticket whose stable period has ended as 已闭环, and tell the submitter."""
    plan = Plan(view, now)
    period = stable_period(rules.sla, view.type)
    ended = view.stable_until is not None and view.stable_until <= now
    if view.status != RELEASED or period is None or not ended:
        return plan.effects
    ran = {language: ran_stable(period, language) for language in _RAN_STABLE}
    why = f"released {duration(period, 'en')} ago with no problem reported: closed, loop complete"
    _close_loop(plan, "", "system")
    plan.record("system", "closed_loop", {"stable_until": view.stable_until.isoformat()}, reason=why)
    plan.state(CLOSED, "system", why)
    plan.add(close_notice(ran, view.language, CLOSED_LOOP))
    return plan.effects


@dataclass(frozen=True)
class ReleaseReply:
    """What a mail on a released ticket says: `accepted`, `problem`, `unclear` or `empty` (only our
    own mail quoted back), the confirmation read from it, and why, for the event."""

    kind: str
    feedback: Feedback
    why: str = ""


def read_release_reply(words: str, courteous: bool, sent_file: bool) -> ReleaseReply:
    """Read the words of a mail on a released ticket. A problem outranks thanks ("谢谢，不过导出报错了");
    only thanks or a clear acceptance accept, and never with a file sent (a screenshot is news)."""
    feedback = read_feedback(words)
    if not words.strip() and not sent_file:
        return ReleaseReply("empty", feedback, "no new words: the mail only quotes ours")
    if feedback.understood and not feedback.happy:
        return ReleaseReply("problem", feedback, f"the answer reads {feedback.result or feedback.rating}")
    found = _PROBLEM.search(_DENIED.sub(" ", normalise(words)))
    if found:
        return ReleaseReply("problem", feedback, f"{found.group(0)!r} reports a problem")
    if sent_file:
        return ReleaseReply("unclear", feedback, "a file came with the words: its owner looks at it")
    if feedback.happy or courteous:
        read = ", ".join(feedback.read) or "thanks only"
        return ReleaseReply("accepted", feedback, f"read as acceptance ({read})")
    return ReleaseReply("unclear", feedback, feedback.why)


def submitter_vouched(view: TicketView, mail: InboundMessage, commands: CommandsConfig) -> tuple[bool, str]:
    """Whether the mail may accept the release for the submitter: it is from the submitter's own
    address (a colleague copied in may write, not accept), and, where our receiving server's verdict
    is required (commands.require_authentication), that verdict passes for their domain."""
    sender = mail.sender.email.lower()
    if sender != view.requester_email.lower():
        return False, f"{sender} is not the submitter: only the submitter accepts a release"
    return vouched(mail, commands)


def accept(plan: Plan, sender: str, message_id: str, reply: ReleaseReply) -> None:
    """The submitter accepts the release: recorded as their confirmation, closed as 已闭环."""
    feedback = reply.feedback
    plan.set(satisfaction=feedback.rating or plan.view.satisfaction, confirmation_answered_at=plan.now)
    _close_loop(plan, message_id, "mail")
    plan.record(sender, "acceptance", {"read": list(feedback.read)}, reason=reply.why)
    plan.state(CLOSED, sender, "the submitter accepted the release: closed, loop complete")
    plan.add(close_notice(_ACCEPTED, plan.view.language, CLOSED_LOOP))


def back_to_work(rules: RuleSet, plan: Plan, sender: str, words: str, reply: ReleaseReply) -> None:
    """A problem after release: the stable period stops, the request goes back to work without its
    acceptance or release time, its owner gets the submitter's words and the submitter hears that
    it is being fixed."""
    allowed = rules.workflows.of(plan.view.type).transitions.get(RELEASED, [])
    target = next((state for state in _BACK_TO if state in allowed), REOPENED)
    state = {language: rules.labels.of("state", target, language) for language in ("zh", "en")}
    # The acceptance passed the release that failed, and its planned time is past: the next [已上线]
    # waits for a new #验收 通过 and a new release time. The rollback plan still holds and stays.
    dropped = [name for name in _REDONE if name in plan.view.fields]
    plan.record(sender, "problem_after_release", {"to": target, "dropped": dropped}, reason=reply.why)
    plan.state(target, sender, "a problem reported after the release: the stable period stopped")
    for name in dropped:
        plan.drop(name)
    why = {language: _PROBLEM_TO_OWNER[language].format(state=label) for language, label in state.items()}
    told = {
        language: _PROBLEM_TO_SUBMITTER[language].format(state=label) for language, label in state.items()
    }
    reopen_notices(plan, (rules.directory.person(plan.view.owner),), why, told, words)


def _close_loop(plan: Plan, message_id: str, source: str) -> None:
    """The record says how it closed (已闭环), and that it is confirmed: by the submitter's words, or
    by their silence through the period (an answer stored from an earlier round is overtaken)."""
    plan.set(confirmation="resolved")
    plan.fill("closure", CLOSED_LOOP, message_id, 0, source)
