"""An engineer's mail, decided: the status keyword in the subject, command lines, words for the customer.

Pure: the ticket's snapshot, the parsed mail, who sent it and what it may speak for, the
rules and the time in; effects out, for `helpdesk.applier`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from helpdesk.effects import Acknowledge, Authority, Effect, Notify, Plan, SetField, StopClock
from helpdesk.mail.message import InboundMessage
from helpdesk.outbound.phrases import bilingual
from helpdesk.outbound.phrases_reasons import reason
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Person
from helpdesk.tickets.snapshot import TicketView
from helpdesk.workflow.commands import COMMANDS, parse_commands, subject_keyword
from helpdesk.workflow.editing import CommandEffects, Edit, keyword_line
from helpdesk.workflow.edits import apply_command, technical_lead
from helpdesk.workflow.edits_record import verify_judgement
from helpdesk.workflow.lifecycle import gate_reason, missing


@dataclass(frozen=True)
class StaffDecider:
    rules: RuleSet
    zone: tzinfo

    def staff_mail(
        self, view: TicketView, mail: InboundMessage, person: Person, authority: Authority, now: datetime
    ) -> list[Effect]:
        """An engineer's keyword and commands, their words for the customer, and a receipt.

        All of it needs `authority.verified`: a mail that fails the check changes nothing (no
        keyword, command, relay, assignment confirmation or [ACK]); it stays in the thread as
        an internal message, and the staff member's own address from staff.yaml is told why.
        """
        plan = Plan(view, now)
        keyword = subject_keyword(mail.subject, self.rules.workflows.keywords)
        commands, text = parse_commands(mail.new_text)
        if not authority.verified:
            self._refuse(plan, person, authority, keyword, [c.line for c in commands], text)
            return plan.effects
        if view.owner == person.id and view.owner_confirmed_at is None:
            plan.set(owner_confirmed_at=now)
            plan.record(person.email, "assignment_confirmed", reason="first reply from the owner")
            plan.add(StopClock("owner_confirmation"))
        outcome = CommandEffects()
        edit = Edit(self.rules, self.zone, plan, person, outcome, mail.message_id)
        for command in commands:
            apply_command(edit, command)
        customer_template = None
        held = keyword == "resolved" and self._held(plan, person, outcome, text, mail.message_id)
        if held:
            keyword = None
        if keyword == "acknowledged" and _escalated_to(plan.view, person.id):
            plan.add(Acknowledge(person.id, person.email))
            outcome.applied.append(reason("acknowledged"))
            keyword = None
            if person.id != view.owner:  # between the escalation's staff: the customer reads none of it
                _keep_inside(plan, person, outcome, text, "acknowledging an escalation")
        if keyword:
            customer_template = self._move(plan, keyword, person.email, outcome)
            if plan.view.status != keyword and text.strip() and not outcome.internal:
                # The words went with a move that was refused: relayed, they would contradict the state.
                outcome.rejected.append((reason("words"), reason("words_held")))
                _keep_inside(plan, person, outcome, text, "the subject's move was refused")
        words = "" if outcome.internal else text
        for template, extra in outcome.mails:  # a command's own mail to the customer carries the words
            plan.add(Notify(template, words=words, extra=extra), StopClock("first_response"))
            words = ""
        if customer_template or words or outcome.notices:
            eta_reason = dict(outcome.notices).get("eta", "")
            # A #reason that moved no ETA, on a mail that resolves or releases, is the cause.
            cause = "" if eta_reason else outcome.reason
            if cause and customer_template:
                plan.add(SetField("cause", cause, mail.message_id, 0, "command"))
            extra = {"eta_reason": eta_reason, "moved": customer_template is not None, "cause": cause}
            plan.add(
                Notify(customer_template or "status_update", words=words, extra=extra),
                StopClock("first_response"),
            )
        if outcome.rejected:
            rejected = [{"line": line, "why": why} for line, why in outcome.rejected]
            plan.record(person.email, "commands_rejected", {"rejected": rejected})
        verify_judgement(plan, person.email, mail.message_id)
        if keyword or commands or held:
            plan.add(_receipt(person, outcome))
        return plan.effects

    def _held(self, plan: Plan, person: Person, outcome: CommandEffects, text: str, message_id: str) -> bool:
        """Whether a [RESOLVED] waits for the technical lead (workflows.yaml `approval`): the
        ticket moves to awaiting_approval, the lead gets the solution and its cause, the
        customer nothing yet. A lead resolving their own ticket needs nobody's approval."""
        view = plan.view
        flow = self.rules.workflows.of(view.type)
        if not self.rules.workflows.approval.needed(view.type, view.priority):
            return False
        if "resolved" not in flow.transitions.get(view.status, []):
            return False  # refused by _move as any other move
        lead = technical_lead(self.rules, view)
        if lead is not None and lead.id == person.id:
            return False
        outcome.internal = True
        line = keyword_line("resolved", self.rules.labels)
        if lead is None:
            outcome.rejected.append((line, reason("no_lead")))
            return True
        plan.state("awaiting_approval", person.email, "the solution awaits the technical lead's approval")
        outcome.applied.append(
            reason("moved", state=bilingual("state", "awaiting_approval", self.rules.labels))
        )
        cause = "" if dict(outcome.notices).get("eta") else outcome.reason
        extra = {
            "solution": view.solution,
            "cause": cause,
            "message": text,
            "asked_by": person.name,
            "why": "",
            "approved": False,
        }
        if cause:  # kept on the ticket, so the customer's resolution mail has it after #approve
            plan.add(SetField("cause", cause, message_id, 0, "command"))
        plan.add(Notify("approval_request", person=lead.id, extra=extra))
        plan.record(person.email, "approval_requested", {"lead": lead.id, "cause": cause, "words": text})
        return True

    def _refuse(
        self,
        plan: Plan,
        person: Person,
        authority: Authority,
        keyword: str | None,
        lines: list[str],
        text: str,
    ) -> None:
        """Record what an unverified staff mail asked for, and send the genuine address a receipt."""
        refused: list = lines + ([keyword_line(keyword, self.rules.labels)] if keyword else [])
        if text.strip():
            refused.append(reason("words"))
        confirming = plan.view.owner == person.id and plan.view.owner_confirmed_at is None
        if confirming:
            refused.append(reason("confirmation"))
        plan.record(
            person.email, "commands_refused", {"commands": refused, "internal": True}, reason=authority.why
        )
        why = reason("unverified", detail=authority.why)
        if refused:
            plan.add(_receipt(person, CommandEffects(rejected=[(line, why) for line in refused])))

    def _move(self, plan: Plan, target: str, actor: str, outcome: CommandEffects) -> str | None:
        """Change state if the workflow allows it; returns the customer's template for the new state."""
        flow = self.rules.workflows.of(plan.view.type)
        current = plan.view.status
        allowed = flow.transitions.get(current, [])
        labels = self.rules.labels
        named = {"current": bilingual("state", current, labels), "target": bilingual("state", target, labels)}
        line = keyword_line(target, labels)
        if target == current:
            outcome.rejected.append((line, reason("already_in_state", state=named["target"])))
            return None
        if target not in allowed:
            options = [bilingual("state", s, labels) for s in allowed]
            why = reason("move_not_allowed", options=options, **named) if options else None
            outcome.rejected.append((line, why or reason("final_state", **named)))
            return None
        lacking = missing(self.rules, plan.view, target)
        if lacking:  # the workflow's gate (workflows.yaml `requires`): the record lacks what it names
            outcome.rejected.append((line, gate_reason(self.rules, target, lacking)))
            return None
        plan.state(target, actor, "keyword in the subject")
        outcome.applied.append(reason("moved", state=named["target"]))
        return flow.notify.get(target)


def _keep_inside(plan: Plan, person: Person, outcome: CommandEffects, text: str, why: str) -> None:
    """The mail's words stay in the thread as an internal event; none of them reach the customer."""
    outcome.internal = True
    if text.strip():
        plan.record(person.email, "words_kept", {"words": text.strip(), "internal": True}, reason=why)


def _escalated_to(view: TicketView, person_id: str) -> bool:
    return any(c.acknowledged_at is None and person_id in c.escalated_to for c in view.clocks)


def _receipt(person: Person, outcome: CommandEffects) -> Notify:
    extra = {
        "applied": outcome.applied,
        "rejected": [{"line": line, "why": why} for line, why in outcome.rejected],
        "commands": command_spellings(),
    }
    # A receipt answers the mail it reports on: automatic, so a loop with a robot dies at the cap.
    return Notify("receipt", person=person.id, automatic=True, extra=extra)


def command_spellings() -> list[dict[str, str]]:
    """Each command as each language writes it: its first Chinese and its first English spelling."""
    return [
        {"zh": "#" + next(w for w in words if not w.isascii()), "en": f"#{words[0]}"}
        for words in COMMANDS.values()
    ]
