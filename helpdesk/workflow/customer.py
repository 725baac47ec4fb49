"""A customer's mail on a ticket past intake, decided: confirmation and rating of a solution,
reopening, and follow-ups that reach the owner.

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
from helpdesk.workflow.feedback import read_feedback


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
        sender = mail.sender.email if mail.sender else ""
        words = mail.new_text or mail.text
        if view.status == CLOSED:
            why = {"zh": "客户在关闭后再次来信", "en": "the customer wrote again after closing"}
            self._reopen(plan, sender, why, workload, raise_priority=False)
        elif view.status != RESOLVED:
            if view.owner is not None and self.rules.directory.person(view.owner) and words.strip():
                extra = {"message": words, "attachments": [a.filename for a in mail.attachments]}
                plan.add(Notify("customer_reply", person=view.owner, extra=extra))
        else:
            feedback = read_feedback(words)
            if not feedback.understood:
                return plan.effects
            plan.set(confirmation=feedback.result, satisfaction=feedback.rating)
            plan.record(sender, "feedback", {"result": feedback.result, "rating": feedback.rating})
            if feedback.happy:
                plan.state(CLOSED, sender, "the customer confirmed the solution")
            else:
                why = {language: feedback.describe(language) for language in ("zh", "en")}
                self._reopen(plan, sender, why, workload, raise_priority=True)
        return plan.effects

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
