"""A customer's mail on a ticket past intake, decided: confirmation and rating of a solution,
reopening, and follow-ups that reach the owner; an answer not understood moves nothing, nor does a
"thanks" after closing. On a released request, acceptance closes it as 已闭环 and a problem sends it
back to work (workflow/stable.py). The missing details an urgent ticket's customer sends are read as fields.

Pure: the ticket's snapshot, the parsed mail, the workload (for a new owner), the rules and
the time in; effects out, for `helpdesk.applier`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from helpdesk.config import CommandsConfig
from helpdesk.effects import Effect, Notify, Plan
from helpdesk.intake.assign import choose_owner
from helpdesk.intake.decide import fill_fields
from helpdesk.intake.extract import read_report
from helpdesk.mail.message import InboundMessage
from helpdesk.rules.conditions import Decision, normalise
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Person
from helpdesk.tickets.snapshot import TicketView, Workload
from helpdesk.tickets.status import CLOSED, RELEASED, REOPENED, RESOLVED
from helpdesk.workflow.confirmation import close_notice, reopen_notices
from helpdesk.workflow.feedback import own_words, read_feedback
from helpdesk.workflow.stable import (
    accept,
    back_to_work,
    read_release_reply,
    stable_period,
    submitter_vouched,
)

# What a "thanks" after closing is made of: courtesy, a repeated yes, a sign-off.
_COURTESY_WORDS = (
    "非常感谢|十分感谢|多谢|感谢|谢谢|谢谢你|谢谢您|谢谢你们|辛苦了|辛苦啦|辛苦|好的|好滴|好|收到|了解|明白|知道了|嗯|嗯嗯"
    "|已解决|解决了|问题解决了|没问题了|满意|祝好|此致|敬礼|您好|你好|👍|🙏"
    "|ok|okay|thanks|thank you|thanks a lot|thanks again|many thanks|thank you very much|thank you so much"
    "|thx|cheers|great|perfect|got it|noted|fixed|resolved|satisfied|all good|works now|it works"
    "|regards|best regards|kind regards|best|hi|hello"
)
_COURTESY = re.compile(
    "|".join(
        rf"(?<![a-z]){re.escape(w)}(?![a-z])" if w.isascii() else re.escape(w)
        for w in sorted(_COURTESY_WORDS.split("|"), key=len, reverse=True)
    )
)


@dataclass(frozen=True)
class CustomerDecider:
    rules: RuleSet
    zone: tzinfo
    commands: CommandsConfig = field(default_factory=CommandsConfig)  # who vouches for a submitter

    def customer_mail(
        self,
        view: TicketView,
        mail: InboundMessage,
        now: datetime,
        workload: Workload,
        message_id: str = "",
    ) -> list[Effect]:
        """A resolved ticket's customer confirms and rates; a closed one's customer reopens it
        (thanks alone do not); a released request's submitter accepts it or reports a problem;
        on a ticket being worked, the customer's words reach its owner, and the details it still
        misses are read from them."""
        plan = Plan(view, now)
        sender = mail.sender.email
        if view.status == CLOSED:
            words = own_words(mail)
            # A file sent (not a signature's inline logo) is news even when the words are thanks.
            sent_file = any(not a.inline for a in mail.attachments)
            if courtesy_only(words, mail.sender.name, sender) and not sent_file:
                plan.record(
                    sender,
                    "courtesy_after_close",
                    reason="only thanks or a confirmation after closing: the ticket stays closed",
                )
                return plan.effects
            why = {"zh": "客户在关闭后再次来信", "en": "the customer wrote again after closing"}
            self._reopen(plan, sender, why, workload, words, raise_priority=False)
        elif view.status == RELEASED and stable_period(self.rules.sla, view.type):
            self._released(plan, mail, message_id or mail.message_id)
        elif view.status != RESOLVED:
            if view.missing:
                self._details(plan, mail, message_id or mail.message_id)
            words = mail.new_text or mail.text
            if words.strip():
                self._to_owner(plan, words, mail)
        else:
            self._feedback(plan, sender, mail, workload)
        return plan.effects

    def _released(self, plan: Plan, mail: InboundMessage, message_id: str) -> None:
        """While a request's stable period runs: the submitter's thanks or acceptance closes it as
        已闭环 at once, a problem report sends it back to work; other words reach the owner and
        the period runs on, as does an acceptance not shown to be the submitter's."""
        words, sender = own_words(mail), mail.sender.email
        sent_file = any(not a.inline for a in mail.attachments)
        reply = read_release_reply(words, courtesy_only(words, mail.sender.name, sender), sent_file)
        if reply.kind == "empty":
            return
        if reply.kind == "problem":
            back_to_work(self.rules, plan, sender, words or mail.text, reply)
            return
        if reply.kind == "accepted":
            vouched, why = submitter_vouched(plan.view, mail, self.commands)
            if vouched:
                accept(plan, sender, message_id, reply)
                return
            plan.record(sender, "acceptance_refused", reason=f"{why}: the stable period runs on")
        else:
            plan.record(sender, "release_reply_unclear", reason=f"{reply.why}: the stable period runs on")
        self._to_owner(plan, mail.new_text or mail.text, mail)

    def _details(self, plan: Plan, mail: InboundMessage, message_id: str) -> None:
        """An urgent ticket is worked while its customer sends what was missing: read it as
        fields, and ask again for what is still missing while requests are left."""
        missing = plan.view.missing
        found = read_report(self.rules.catalog.fields, mail, frozenset(missing), zone=self.zone)
        fill_fields(plan, found, message_id)
        left = plan.view.missing
        if not found:
            return
        if not left:
            plan.record(mail.sender.email, "information_complete")
            if plan.view.incomplete:
                plan.set(incomplete=False)
        elif plan.view.information_requests < self.rules.catalog.max_information_requests:
            requests = plan.view.information_requests + 1
            plan.set(information_requests=requests)
            plan.add(
                Notify(
                    "information_request",
                    automatic=True,
                    missing=tuple(left),
                    extra={"customer_name": mail.sender.name},
                )
            )
            plan.record("intake", "information_requested", {"missing": left, "request": requests})

    def _feedback(self, plan: Plan, sender: str, mail: InboundMessage, workload: Workload) -> None:
        """Close or reopen only on an answer understood; else the owner reads it and the customer
        is asked once more, with the choices spelled out."""
        words = own_words(mail)
        feedback = read_feedback(words)
        if feedback.understood:
            plan.set(
                confirmation=feedback.result, satisfaction=feedback.rating, confirmation_answered_at=plan.now
            )
            detail = {"result": feedback.result, "rating": feedback.rating, "read": list(feedback.read)}
            plan.record(sender, "feedback", detail, reason="the customer's answer was understood")
            if feedback.happy:
                plan.state(CLOSED, sender, "the customer confirmed the solution")
                said = {language: feedback.describe(language) for language in ("zh", "en")}
                plan.add(close_notice(said, plan.view.language))
            else:
                why = {language: feedback.describe(language) for language in ("zh", "en")}
                self._reopen(plan, sender, why, workload, words, raise_priority=True)
            return
        if not words.strip():
            # Only our own mail quoted back: no words arrived, so nothing changes, clocks included.
            plan.record(sender, "feedback_unclear", {"asked_again": False}, reason=feedback.why)
            return
        view = plan.view
        asked = view.confirmation_asked_at
        ask = asked is None or view.resolved_at is None or asked < view.resolved_at
        plan.set(confirmation_answered_at=plan.now)
        self._to_owner(plan, words, mail)
        if ask:
            # The question restarts the wait for an answer and stands in for the reminder.
            plan.set(
                confirmation_asked_at=plan.now, confirmation_reminders=max(1, view.confirmation_reminders)
            )
            closes = self.rules.workflows.confirmation.close_without_answer
            # A promised question, not automatic: the daily cap never holds it back.
            plan.add(Notify("confirmation_unclear", extra={"closes_without_answer": closes}))
            then = "the customer is asked once more; the owner has the words"
        else:
            then = "asked once already: the ticket stays resolved and the owner decides"
        plan.record(sender, "feedback_unclear", {"asked_again": ask}, reason=f"{feedback.why} — {then}")

    def _to_owner(self, plan: Plan, words: str, mail: InboundMessage) -> None:
        """The customer's words reach the ticket's owner (when it has one we know)."""
        owner = plan.view.owner
        if owner is not None and self.rules.directory.person(owner):
            extra = {"message": words, "attachments": [a.filename for a in mail.attachments]}
            plan.add(Notify("customer_reply", person=owner, extra=extra))

    def _reopen(
        self,
        plan: Plan,
        actor: str,
        why: dict[str, str],
        workload: Workload,
        words: str,
        raise_priority: bool,
    ) -> None:
        """Reopen; on a bad rating first raise the priority and hand it one level up. The owner,
        the previous owner and the manager get the customer's words; the customer is told.

        `why` holds the reason in each language: English for the event, each person's own in their mail.
        """
        directory = self.rules.directory
        previous = directory.person(plan.view.owner)
        if raise_priority:
            scale = self.rules.names.scale_of(plan.view.type or "")
            if plan.view.priority in scale:
                plan.set(priority=scale[max(0, scale.index(plan.view.priority) - 1)])
            owner = self._next_level(plan.view, previous, workload)
            if owner is not None:
                plan.set(owner=owner.id, owner_confirmed_at=None)
            plan.record(
                "rules",
                "escalated",
                {
                    "priority": plan.view.priority,
                    "owner": plan.view.owner,
                    "previous_owner": previous.id if previous else None,
                },
                reason=why["en"],
            )
        # The resolution clock starts on reopening, at the priority just raised.
        plan.state(REOPENED, actor, why["en"])
        manager = directory.manager_of(plan.view.team, previous)
        owner = directory.person(plan.view.owner)
        reopen_notices(plan, (owner, previous, manager), why, why, words)

    def _next_level(self, view: TicketView, current: Person | None, workload: Workload) -> Person | None:
        """Junior → a senior of the team; senior (or no team) → the person they report to."""
        directory = self.rules.directory
        if current and current.level == "junior" and view.team:
            seniors = [p for p in directory.members(view.team, "senior") if p.level == "senior"]
            if seniors:
                decision = Decision(type=view.type or "", team=view.team, level="senior")
                return choose_owner(self.rules, workload, decision)[0]
        if current and current.reports_to:
            return directory.person(current.reports_to)
        return directory.manager_of(view.team, current)


def courtesy_only(words: str, name: str, address: str) -> bool:
    """Whether `words` say nothing but thanks or a yes (and sign with the sender's name): no
    question, no complaint, no new detail. Empty words (only our mail quoted back) count too."""
    text = normalise(words)
    for own in (name, address, address.partition("@")[0]):
        if own.strip():
            text = text.replace(normalise(own), " ")
    rest = _COURTESY.sub(" ", text)
    return not re.sub(r"[\W_]+", "", rest)
