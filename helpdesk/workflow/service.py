"""Move tickets by mail: engineers' keywords and commands, customers' confirmation and rating.

Runs in the pipeline's transaction: state changes, their events and the mails they cause
commit with the message that caused them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from helpdesk.clock import Clock
from helpdesk.config import Config
from helpdesk.intake.assign import choose_owner
from helpdesk.intake.service import Intake
from helpdesk.mail.message import InboundMessage
from helpdesk.outbound.outbox import Notifier
from helpdesk.rules.conditions import Decision
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Person
from helpdesk.sla.clocks import Clocks
from helpdesk.sla.escalation import Escalator
from helpdesk.sla.progress import send_progress
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.repository import Repository
from helpdesk.workflow.authentication import verified
from helpdesk.workflow.commands import COMMANDS, parse_commands, subject_keyword
from helpdesk.workflow.edits import CommandEffects, apply_command
from helpdesk.workflow.feedback import read_feedback

log = logging.getLogger(__name__)
RESOLVED, CLOSED, REOPENED = "resolved", "closed", "reopened"


@dataclass(frozen=True)
class Workflow:
    config: Config
    rules: RuleSet
    notifier: Notifier
    intake: Intake
    clock: Clock
    clocks: Clocks
    escalator: Escalator

    # -- engineers -------------------------------------------------------------------------

    def on_staff_mail(self, repo: Repository, ticket: Ticket, mail: InboundMessage, person: Person) -> None:
        """Apply an engineer's keyword and commands, relay their words, and send a receipt."""
        now = self.clock.now()
        keyword = subject_keyword(mail.subject, self.rules.workflows.keywords)
        commands, text = parse_commands(mail.new_text)
        if (keyword or commands) and self.config.commands.require_authentication:
            passed, why = verified(mail, self.config.commands.authserv_id)
            if not passed:
                refused = [c.line for c in commands] + ([f"[{keyword}]"] if keyword else [])
                repo.add_event(
                    ticket, now, person.email, "commands_refused", {"commands": refused}, reason=why
                )
                self._receipt(repo, ticket, person, [], [(line, why) for line in refused])
                return
        if ticket.owner == person.id and ticket.owner_confirmed_at is None:
            ticket.owner_confirmed_at = now
            repo.add_event(
                ticket, now, person.email, "assignment_confirmed", {}, reason="first reply from the owner"
            )
            self.clocks.stop(repo, ticket, "owner_confirmation")
        effects = CommandEffects()
        for command in commands:
            apply_command(self, repo, ticket, command, person, now, effects)
        customer_template = None
        if keyword == "acknowledged" and self.escalator.acknowledge(repo, ticket, person):
            effects.applied.append("[ACK] escalation acknowledged")
            keyword = None
        if keyword:
            customer_template = self._move(repo, ticket, keyword, person.email, now, effects)
        words = "" if effects.internal else text
        if customer_template or words or effects.notices:
            self.tell_customer(repo, ticket, customer_template or "status_update", words, effects.notices)
            self.clocks.stop(repo, ticket, "first_response")
        if keyword or commands:
            self._receipt(repo, ticket, person, effects.applied, effects.rejected)

    def _move(
        self,
        repo: Repository,
        ticket: Ticket,
        target: str,
        actor: str,
        now: datetime,
        effects: CommandEffects,
    ) -> str | None:
        """Change state if the workflow allows it; returns the customer's template for the new state."""
        flow = self.rules.workflows.of(ticket.type)
        allowed = flow.transitions.get(ticket.status, [])
        label = self._state_label
        if target == ticket.status:
            effects.rejected.append((f"[{target}]", f"the ticket is already {label(target)}"))
            return None
        if target not in allowed:
            options = ", ".join(label(s) for s in allowed) or "none (final state)"
            effects.rejected.append(
                (
                    f"[{target}]",
                    f"{label(ticket.status)} → {label(target)} is not allowed; from here: {options}",
                )
            )
            return None
        self.change_state(repo, ticket, target, actor, now, "keyword in the subject")
        effects.applied.append(f"{label(target)}")
        return flow.notify.get(target)

    def change_state(
        self, repo: Repository, ticket: Ticket, target: str, actor: str, now: datetime, why: str
    ) -> None:
        old, ticket.status = ticket.status, target
        ticket.updated_at = now
        if target == RESOLVED:
            ticket.resolved_at, ticket.confirmation_reminders = now, 0
        if target == CLOSED:
            ticket.closed_at = ticket.archived_at = now
            repo.add_event(
                ticket,
                now,
                actor,
                "archived",
                {
                    "problem": ticket.description,
                    # The engineers' internal notes are the analysis behind the solution.
                    "analysis": [e.detail.get("note", "") for e in ticket.events if e.kind == "command_note"],
                    "solution": ticket.solution,
                    "confirmation": ticket.confirmation,
                    "satisfaction": ticket.satisfaction,
                    "type": ticket.type,
                    "priority": ticket.priority,
                },
            )
        repo.add_event(ticket, now, actor, "status_changed", {"from": old, "to": target}, reason=why)
        if target in (RESOLVED, CLOSED):
            self.clocks.stop(repo, ticket, "resolution")
            self.clocks.stop(repo, ticket, "solution_feedback")
        if old == "evaluating" or target == CLOSED:
            self.clocks.stop(repo, ticket, "feasibility")
        if target == REOPENED:
            self.clocks.start(repo, ticket, ("resolution",))
        self.clocks.follow_status(repo, ticket)

    def _state_label(self, state: str) -> str:
        return self.rules.labels.of("state", state, "en")

    # -- customers -------------------------------------------------------------------------

    def on_customer_mail(self, repo: Repository, ticket: Ticket, mail: InboundMessage) -> None:
        """A resolved ticket's customer confirms and rates; a closed one's customer reopens it."""
        now = self.clock.now()
        sender = mail.sender.email if mail.sender else ""
        if ticket.status == CLOSED:
            why = {"zh": "客户在关闭后再次来信", "en": "the customer wrote again after closing"}
            self._reopen(repo, ticket, sender, now, why, raise_priority=False)
            return
        if ticket.status != RESOLVED:
            self._forward_to_owner(repo, ticket, mail)
            return
        feedback = read_feedback(mail.new_text or mail.text)
        if not feedback.understood:
            return
        ticket.confirmation, ticket.satisfaction = feedback.result, feedback.rating
        repo.add_event(
            ticket, now, sender, "feedback", {"result": feedback.result, "rating": feedback.rating}
        )
        if feedback.happy:
            self.change_state(repo, ticket, CLOSED, sender, now, "the customer confirmed the solution")
            return
        why = {language: feedback.describe(language) for language in ("zh", "en")}
        self._reopen(repo, ticket, sender, now, why, raise_priority=True)

    def _forward_to_owner(self, repo: Repository, ticket: Ticket, mail: InboundMessage) -> None:
        """A customer's follow-up on a ticket being worked reaches its owner in the thread."""
        owner = self.rules.directory.person(ticket.owner)
        if owner is None or not (mail.new_text or mail.text).strip():
            return
        extra = {"message": mail.new_text or mail.text, "attachments": [a.filename for a in mail.attachments]}
        self.intake.tell_person(repo, ticket, owner, "customer_reply", extra)

    def _reopen(
        self,
        repo: Repository,
        ticket: Ticket,
        actor: str,
        now: datetime,
        why: dict[str, str],
        raise_priority: bool,
    ) -> None:
        """Reopen; on a bad rating also raise the priority, hand it one level up and tell the manager.

        `why` holds the reason in each language: English for the event, each person's own in their mail.
        """
        self.change_state(repo, ticket, REOPENED, actor, now, why["en"])
        ticket.closed_at = ticket.archived_at = None
        previous = self.rules.directory.person(ticket.owner)
        if raise_priority:
            scale = self.rules.names.scale_of(ticket.type or "")
            if ticket.priority in scale:
                ticket.priority = scale[max(0, scale.index(ticket.priority) - 1)]
            owner = self._next_level(repo, ticket, previous)
            if owner is not None:
                ticket.owner, ticket.owner_confirmed_at = owner.id, None
            repo.add_event(
                ticket,
                now,
                "rules",
                "escalated",
                {
                    "priority": ticket.priority,
                    "owner": ticket.owner,
                    "previous_owner": previous.id if previous else None,
                },
                reason=why["en"],
            )
        recipients = {
            p.id: p for p in (self.rules.directory.person(ticket.owner), self._manager(ticket, previous)) if p
        }
        for person in recipients.values():
            self.intake.tell_person(repo, ticket, person, "reopened", {"why": why[person.language]})

    def _next_level(self, repo: Repository, ticket: Ticket, current: Person | None) -> Person | None:
        """Junior → a senior of the team; senior (or no team) → the person they report to."""
        if (
            current
            and current.level == "junior"
            and ticket.team
            and self.rules.directory.members(ticket.team, "senior")
        ):
            seniors = [p for p in self.rules.directory.members(ticket.team, "senior") if p.level == "senior"]
            if seniors:
                decision = Decision(type=ticket.type or "", team=ticket.team, level="senior")
                return choose_owner(repo, self.rules, decision)[0]
        if current and current.reports_to:
            return self.rules.directory.person(current.reports_to)
        return self._manager(ticket, current)

    def _manager(self, ticket: Ticket, person: Person | None) -> Person | None:
        """The team's manager, else the person `person` reports to."""
        return self.rules.directory.manager_of(ticket.team, person)

    # -- the clock -------------------------------------------------------------------------

    def sweep(self, repo: Repository) -> int:
        """Escalate missed deadlines; remind customers who have not confirmed a solution, then close
        as confirmed. Returns how many things were done."""
        now = self.clock.now()
        done = self.escalator.warn(repo) + self.escalator.scan(repo) + send_progress(self, repo)
        timing = self.rules.workflows.confirmation
        for ticket in repo.resolved_before(now - timedelta(hours=timing.remind_after_hours)):
            if timing.close_without_answer and ticket.resolved_at <= now - timedelta(
                hours=timing.close_after_hours
            ):
                ticket.confirmation = ticket.confirmation or "resolved"
                self.change_state(
                    repo, ticket, CLOSED, "system", now, "no answer from the customer: confirmed by default"
                )
                done += 1
            elif ticket.confirmation_reminders == 0:
                ticket.confirmation_reminders = 1
                self.tell_customer(repo, ticket, "confirmation_reminder", "", [])
                repo.add_event(ticket, now, "system", "confirmation_reminder", {})
                done += 1
        return done

    # -- mails ------------------------------------------------------------------------------

    def tell_customer(
        self, repo: Repository, ticket: Ticket, template: str, words: str, notices: list[tuple[str, str]]
    ) -> None:
        language = ticket.language
        ticket.customer_updated_at = self.clock.now()
        context = self.intake.context(repo, ticket, language, []) | {
            "message": words,
            "solution": ticket.solution,
            "eta": self._local(ticket.eta),
            "eta_reason": dict(notices).get("eta", ""),
            "customer_name": ticket.requester_name,
        }
        self.notifier.enqueue(
            repo,
            ticket,
            template=template,
            recipient=ticket.requester_email,
            language=language,
            context=context,
            automatic=template != "status_update",
        )

    def _receipt(
        self,
        repo: Repository,
        ticket: Ticket,
        person: Person,
        applied: list[str],
        rejected: list[tuple[str, str]],
    ) -> None:
        extra = {
            "applied": applied,
            "rejected": [{"line": line, "why": why} for line, why in rejected],
            "commands": sorted(f"#{name}" for name in COMMANDS),
        }
        self.intake.tell_person(repo, ticket, person, "receipt", extra)

    def _local(self, moment: datetime | None) -> str:
        return moment.astimezone(self.config.zone).strftime("%Y-%m-%d %H:%M") if moment else ""
