"""Intake, decided: read a report's fields, route it by the rules, ask for what is missing, hand it over.

Pure: each function takes the ticket's snapshot, the parsed mail, the rules and the time,
and returns the effects; `helpdesk.applier` carries them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from helpdesk.effects import Effect, Notify, Plan, StartClocks
from helpdesk.intake.assign import choose_owner
from helpdesk.intake.extract import Found, read_report
from helpdesk.intake.on_behalf import MAIL
from helpdesk.mail.message import InboundMessage
from helpdesk.rules.conditions import STATED, Decision, Facts
from helpdesk.rules.record_names import CATEGORY, CHANNEL, JUDGEMENT, PENDING
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Duration
from helpdesk.sla.deadlines import due_after
from helpdesk.tickets import status
from helpdesk.tickets.snapshot import TicketView, Workload
from helpdesk.workflow.confirmation import close_notice


@dataclass(frozen=True)
class IntakeDecider:
    rules: RuleSet
    zone: tzinfo

    def new_ticket(
        self,
        view: TicketView,
        mail: InboundMessage,
        message_id: str,
        now: datetime,
        workload: Workload,
        channel: Found = MAIL,
    ) -> list[Effect]:
        """Fields (the channel the report came by among them), rules, owner; then the
        acknowledgement (asking for what is missing) and, when nothing is, the assignment
        notice; then the clocks."""
        plan = Plan(view, now)
        found = read_report(self.rules.catalog.fields, mail, zone=self.zone, customers=self.rules.customers)
        found[CHANNEL] = channel
        fill_fields(plan, found, message_id)
        facts = Facts(mail, self._facts_fields(found), now.astimezone(self.zone))
        decision = self.rules.router.decide(facts)
        plan.set(
            type=decision.type,
            priority=decision.priority,
            subcategory=decision.subcategory,
            nature=decision.nature,
            team=decision.team,
            collaborators=tuple(decision.collaborators),
            tags=tuple(decision.tags),
            required_fields=tuple(self.rules.router.required(decision)),
        )
        self._record_fields(plan, decision, message_id)
        plan.record(
            "rules",
            "routed",
            {
                "rules": decision.fired,
                "type": decision.type,
                "priority": decision.priority,
                "category": decision.subcategory,
                "category_keyword": decision.category_hit[0] if decision.category_hit else None,
                "team": decision.team,
                "level": decision.level,
            },
            reason=", ".join(f["rule"] for f in decision.fired) or "no rule fired; defaults apply",
        )
        owner, how = choose_owner(self.rules, workload, decision)
        plan.set(owner=owner.id if owner else None)
        plan.record(
            "rules",
            "assigned" if owner else "unassigned",
            {"owner": plan.view.owner, "team": decision.team},
            reason=how,
        )
        missing = plan.view.missing
        asking = bool(missing) and self.rules.catalog.max_information_requests > 0
        customer_name = mail.sender.name
        plan.add(
            Notify(
                "acknowledgement",
                automatic=True,
                missing=tuple(missing if asking else ()),
                extra={"customer_name": customer_name},
            )
        )
        urgent = self.rules.catalog.is_urgent(plan.view.priority, plan.view.tags)
        if asking and urgent and plan.view.owner is not None:
            # Urgent first: the owner starts on what is known while the customer fills in the rest.
            tag = self.rules.catalog.urgent.tag
            why = f"tagged {tag} by a rule" if tag in plan.view.tags else f"priority {plan.view.priority}"
            _asked(plan, missing, waits=False)
            _urgent_hand_over(plan, missing, why)
        elif asking:
            _asked(plan, missing)
        else:
            _hand_over(plan, missing)
        plan.add(StartClocks())
        return plan.effects

    def _record_fields(self, plan: Plan, decision: Decision, message_id: str) -> None:
        """The category as decided (from the mail's keywords, or by a rule), and the initial
        judgement a type that carries one starts with: to be verified."""
        if decision.subcategory:
            line, source = (decision.category_hit[1], "mail") if decision.category_hit else (0, "rules")
            plan.fill(CATEGORY, decision.subcategory, message_id, line, source)
        if decision.type in self.rules.names.judged:
            plan.fill(JUDGEMENT, PENDING, message_id, 0, "rules")

    def _facts_fields(self, found: dict[str, Found]) -> dict[str, str]:
        """The fields as the rules see them: the customer's own priority by its name when they
        wrote one of our labels (高, 严重), so `stated_priority` compares it by rank."""
        fields = {name: f.value for name, f in found.items()}
        if STATED in fields:
            fields[STATED] = self.rules.catalog.priority_named(fields[STATED], None) or fields[STATED]
        return fields

    def customer_reply(
        self, view: TicketView, mail: InboundMessage, message_id: str, now: datetime
    ) -> list[Effect]:
        """Merge what the reply gives; go on when complete, ask again, or go on flagged incomplete."""
        plan = Plan(view, now)
        found = read_report(self.rules.catalog.fields, mail, frozenset(view.missing), zone=self.zone)
        fill_fields(plan, found, message_id)
        missing = plan.view.missing
        if not missing:
            plan.record(mail.sender.email, "information_complete")
            _hand_over(plan, [])
        elif plan.view.information_requests < self.rules.catalog.max_information_requests:
            customer_name = mail.sender.name
            plan.add(
                Notify(
                    "information_request",
                    automatic=True,
                    missing=tuple(missing),
                    extra={"customer_name": customer_name},
                )
            )
            _asked(plan, missing)
        else:
            _hand_over(plan, missing)
        return plan.effects


_UNANSWERED = {
    "zh": "未收到您补充的信息，工单已关闭",
    "en": "the information we asked for did not come, so the ticket is closed",
}


def unanswered(rules: RuleSet, view: TicketView, now: datetime) -> list[Effect]:
    """A ticket waiting on an information request for `information_reminder.after`: remind the
    customer while requests are left, then follow the configured `then`."""
    reminder = rules.catalog.information_reminder
    plan = Plan(view, now)
    if reminder is None or view.status != status.INFO_PENDING:
        return plan.effects
    asked = view.customer_updated_at or view.created_at  # the request, or the reminder, was the last mail
    calendar = rules.calendars.of(view.team)
    length = Duration.parse(reminder.after)
    if now < due_after(calendar, asked, length):
        return plan.effects
    missing = view.missing
    if view.information_requests < rules.catalog.max_information_requests:
        requests = view.information_requests + 1
        plan.set(information_requests=requests)
        next_step = due_after(calendar, now, length).astimezone(calendar.zone).strftime("%Y-%m-%d %H:%M")
        extra = {"due": next_step, "closes_without_answer": reminder.then == "close"}
        # Not an answer to a mail but a promised step: the daily cap never holds it back.
        plan.add(Notify("information_reminder", missing=tuple(missing), extra=extra))
        plan.record("intake", "information_reminder", {"missing": missing, "request": requests})
    elif reminder.then == "proceed":
        _hand_over(plan, missing)
    elif reminder.then == "close":
        why = f"no answer to {view.information_requests} information request(s)"
        plan.state(status.CLOSED, "intake", why)
        plan.add(close_notice(_UNANSWERED, view.language))
    return plan.effects


def fill_fields(plan: Plan, found: dict[str, Found], message_id: str) -> None:
    """Record each field read from the mail, and one event listing them with where each was read."""
    for name, hit in found.items():
        plan.fill(name, hit.value, message_id, hit.line, hit.source)
    if found:
        plan.record(
            "intake",
            "fields_read",
            {
                name: {"value": hit.value, "message_id": message_id, "line": hit.line, "source": hit.source}
                for name, hit in found.items()
            },
        )


def _asked(plan: Plan, missing: list[str], waits: bool = True) -> None:
    """Count the request; the ticket waits for the answer unless it is urgent (`waits` False)."""
    requests = plan.view.information_requests + 1
    if waits:
        plan.state(status.INFO_PENDING, "intake", "information requested from the customer", recorded=True)
    plan.set(information_requests=requests)
    plan.record("intake", "information_requested", {"missing": missing, "request": requests})


def _urgent_hand_over(plan: Plan, missing: list[str], why: str) -> None:
    """An urgent report reaches its owner now, with what is known and what the customer is asked."""
    plan.state(status.ASSIGNED, "intake", "urgent: handed to its owner at once", recorded=True)
    plan.record(
        "intake",
        "urgent_first",
        {"missing": missing, "owner": plan.view.owner},
        reason=f"urgent ({why}): the owner is told at once; "
        "the clocks run while the customer is asked for the missing details",
    )
    plan.add(Notify("urgent_assignment", person=plan.view.owner, missing=tuple(missing)))


def _hand_over(plan: Plan, missing: list[str]) -> None:
    """The report goes on to its owner; flagged incomplete when fields are still missing."""
    if missing:
        plan.set(incomplete=True)
        plan.record(
            "intake",
            "flagged_incomplete",
            {"missing": missing},
            reason=f"still missing after {plan.view.information_requests} request(s)",
        )
    if plan.view.owner is None:
        plan.state(status.NEW, "intake", "no owner chosen; it waits unassigned")
        return
    plan.state(status.ASSIGNED, "intake", "handed to its owner", recorded=True)
    plan.add(Notify("assignment", person=plan.view.owner, missing=tuple(missing)))
