"""A customer's mail on a ticket past intake, decided: confirmation and rating of a solution,
reopening, and follow-ups that reach the owner; an answer not understood moves nothing.

Pure: the ticket's snapshot, the parsed mail, the workload (for a new owner), the rules and
the time in; effects out, for `helpdesk.applier`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from helpdesk.effects import Effect, Notify, Plan
from helpdesk.intake.assign import choose_owner
from helpdesk.mail.message import InboundMessage
from helpdesk.rules.conditions import Decision
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Person
from helpdesk.tickets.snapshot import TicketView, Workload
from helpdesk.tickets.status import CLOSED, REOPENED, RESOLVED
from helpdesk.workflow.feedback import own_words, read_feedback


@dataclass(frozen=True)
class CustomerDecider:
    rules: RuleSet
    zone: tzinfo

    def customer_mail(
        self, view: TicketView, mail: InboundMessage, now: datetime, workload: Workload
    ) -> list[Effect]:
        """A resolved ticket's customer confirms and rates; a closed one's customer reopens it;
        on a ticket being worked, the customer's words reach its owner."""
        plan = Plan(view, now)
        sender = mail.sender.email
        if view.status == CLOSED:
            why = {"zh": "客户在关闭后再次来信", "en": "the customer wrote again after closing"}
            self._reopen(plan, sender, why, workload, raise_priority=False)
        elif view.status != RESOLVED:
            words = mail.new_text or mail.text
            if words.strip():
                self._to_owner(plan, words, mail)
        else:
            self._feedback(plan, sender, mail, workload)
        return plan.effects

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
            else:
                why = {language: feedback.describe(language) for language in ("zh", "en")}
                self._reopen(plan, sender, why, workload, raise_priority=True)
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
        self, plan: Plan, actor: str, why: dict[str, str], workload: Workload, raise_priority: bool
    ) -> None:
        """Reopen; on a bad rating first raise the priority, hand it one level up and tell the manager.

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
        recipients = {p.id: p for p in (directory.person(plan.view.owner), manager) if p}
        for person in recipients.values():
            plan.add(Notify("reopened", person=person.id, extra={"why": why[person.language]}))

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
