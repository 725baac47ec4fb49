"""The workflow, decided: engineers' keywords and commands, customers' confirmation, rating and reopening.

Pure: each method takes the ticket's snapshot, the parsed mail, the rules and the time,
and returns the effects; `helpdesk.applier` carries them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from helpdesk.effects import Acknowledge, Authority, Effect, Notify, Plan, StopClock
from helpdesk.intake.assign import choose_owner
from helpdesk.mail.message import InboundMessage
from helpdesk.rules.conditions import Decision
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Person
from helpdesk.tickets.snapshot import TicketView, Workload
from helpdesk.tickets.status import CLOSED, REOPENED, RESOLVED
from helpdesk.workflow.commands import COMMANDS, parse_commands, subject_keyword
from helpdesk.workflow.edits import CommandEffects, Edit, apply_command
from helpdesk.workflow.feedback import read_feedback


@dataclass(frozen=True)
class WorkflowDecider:
    rules: RuleSet
    zone: tzinfo

    # -- engineers -------------------------------------------------------------------------

    def staff_mail(
        self, view: TicketView, mail: InboundMessage, person: Person, authority: Authority, now: datetime
    ) -> list[Effect]:
        """An engineer's keyword and commands, their words for the customer, and a receipt."""
        plan = Plan(view, now)
        keyword = subject_keyword(mail.subject, self.rules.workflows.keywords)
        commands, text = parse_commands(mail.new_text)
        if (keyword or commands) and not authority.verified:
            refused = [c.line for c in commands] + ([f"[{keyword}]"] if keyword else [])
            plan.record(person.email, "commands_refused", {"commands": refused}, reason=authority.why)
            plan.add(_receipt(person, CommandEffects(rejected=[(line, authority.why) for line in refused])))
            return plan.effects
        if view.owner == person.id and view.owner_confirmed_at is None:
            plan.set(owner_confirmed_at=now)
            plan.record(person.email, "assignment_confirmed", reason="first reply from the owner")
            plan.add(StopClock("owner_confirmation"))
        outcome = CommandEffects()
        edit = Edit(self.rules, self.zone, plan, person, outcome)
        for command in commands:
            apply_command(edit, command)
        customer_template = None
        if keyword == "acknowledged" and _escalated_to(plan.view, person.id):
            plan.add(Acknowledge(person.id, person.email))
            outcome.applied.append("[ACK] escalation acknowledged")
            keyword = None
        if keyword:
            customer_template = self._move(plan, keyword, person.email, outcome)
        words = "" if outcome.internal else text
        if customer_template or words or outcome.notices:
            plan.add(
                Notify(
                    customer_template or "status_update",
                    automatic=customer_template is not None and customer_template != "status_update",
                    words=words,
                    extra={"eta_reason": dict(outcome.notices).get("eta", "")},
                ),
                StopClock("first_response"),
            )
        if keyword or commands:
            plan.add(_receipt(person, outcome))
        return plan.effects

    def _move(self, plan: Plan, target: str, actor: str, outcome: CommandEffects) -> str | None:
        """Change state if the workflow allows it; returns the customer's template for the new state."""
        flow = self.rules.workflows.of(plan.view.type)
        current = plan.view.status
        allowed = flow.transitions.get(current, [])
        label = self._state_label
        if target == current:
            outcome.rejected.append((f"[{target}]", f"the ticket is already {label(target)}"))
            return None
        if target not in allowed:
            options = ", ".join(label(s) for s in allowed) or "none (final state)"
            outcome.rejected.append(
                (f"[{target}]", f"{label(current)} → {label(target)} is not allowed; from here: {options}")
            )
            return None
        plan.state(target, actor, "keyword in the subject")
        outcome.applied.append(label(target))
        return flow.notify.get(target)

    def _state_label(self, state: str) -> str:
        return self.rules.labels.of("state", state, "en")

    # -- customers -------------------------------------------------------------------------

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


def _escalated_to(view: TicketView, person_id: str) -> bool:
    return any(c.acknowledged_at is None and person_id in c.escalated_to for c in view.clocks)


def _receipt(person: Person, outcome: CommandEffects) -> Notify:
    extra = {
        "applied": outcome.applied,
        "rejected": [{"line": line, "why": why} for line, why in outcome.rejected],
        "commands": sorted(f"#{name}" for name in COMMANDS),
    }
    return Notify("receipt", person=person.id, extra=extra)
