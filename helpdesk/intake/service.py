"""Intake: read a report's fields, route it by the rules, ask for what is missing, hand it to its owner.

Runs inside the pipeline's transaction, so the fields, the decision, its events and the
mails it causes commit together with the message that caused them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from helpdesk.clock import Clock
from helpdesk.config import Config
from helpdesk.intake.assign import choose_owner
from helpdesk.intake.extract import Found, read_report
from helpdesk.mail.message import InboundMessage
from helpdesk.outbound.outbox import Notifier
from helpdesk.rules.conditions import Facts
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Person
from helpdesk.sla.clocks import Clocks
from helpdesk.tickets import status
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.repository import Repository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Intake:
    config: Config
    rules: RuleSet
    notifier: Notifier
    clock: Clock
    clocks: Clocks

    def on_new_ticket(self, repo: Repository, ticket: Ticket, mail: InboundMessage, message_id: str) -> None:
        """Fields, rules, owner; then the acknowledgement (asking for what is missing) and, when
        nothing is, the assignment notice."""
        now = self.clock.now()
        found = read_report(self.rules.catalog.fields, mail)
        self._store(repo, ticket, found, message_id, now)
        facts = Facts(mail, {name: f.value for name, f in found.items()}, now.astimezone(self.config.zone))
        decision = self.rules.router.decide(facts)
        ticket.type, ticket.priority = decision.type, decision.priority
        ticket.subcategory, ticket.nature, ticket.team = decision.subcategory, decision.nature, decision.team
        ticket.collaborators, ticket.tags = decision.collaborators, decision.tags
        ticket.required_fields = self.rules.router.required(decision)
        repo.add_event(
            ticket,
            now,
            "rules",
            "routed",
            {
                "rules": decision.fired,
                "type": decision.type,
                "priority": decision.priority,
                "team": decision.team,
                "level": decision.level,
            },
            reason=", ".join(f["rule"] for f in decision.fired) or "no rule fired; defaults apply",
        )
        owner, how = choose_owner(repo, self.rules, decision)
        ticket.owner = owner.id if owner else None
        repo.add_event(
            ticket,
            now,
            "rules",
            "assigned" if owner else "unassigned",
            {"owner": ticket.owner, "team": decision.team},
            reason=how,
        )
        missing = self._missing(repo, ticket)
        asking = bool(missing) and self.rules.catalog.max_information_requests > 0
        self._send_customer(repo, ticket, mail, "acknowledgement", missing if asking else [])
        if asking:
            self._asked(repo, ticket, missing, now)
        else:
            self._hand_over(repo, ticket, missing, now)
        self.clocks.start(repo, ticket)

    def on_customer_reply(
        self, repo: Repository, ticket: Ticket, mail: InboundMessage, message_id: str
    ) -> None:
        """Merge what the reply gives; go on when complete, ask again, or go on flagged incomplete."""
        now = self.clock.now()
        asked = frozenset(self._missing(repo, ticket))
        found = read_report(self.rules.catalog.fields, mail, asked)
        self._store(repo, ticket, found, message_id, now)
        missing = self._missing(repo, ticket)
        if not missing:
            repo.add_event(ticket, now, mail.sender.email if mail.sender else "", "information_complete", {})
            self._hand_over(repo, ticket, [], now)
        elif ticket.information_requests < self.rules.catalog.max_information_requests:
            self._send_customer(repo, ticket, mail, "information_request", missing)
            self._asked(repo, ticket, missing, now)
        else:
            self._hand_over(repo, ticket, missing, now)
        self.clocks.follow_status(repo, ticket)

    def _missing(self, repo: Repository, ticket: Ticket) -> list[str]:
        have = repo.field_values(ticket)
        return [name for name in ticket.required_fields if name not in have]

    def _store(
        self, repo: Repository, ticket: Ticket, found: dict[str, Found], message_id: str, now: datetime
    ) -> None:
        for name, hit in found.items():
            repo.set_field(ticket, name, hit.value, message_id, hit.line, hit.source, now)
        if found:
            repo.add_event(
                ticket,
                now,
                "intake",
                "fields_read",
                {
                    name: {
                        "value": hit.value,
                        "message_id": message_id,
                        "line": hit.line,
                        "source": hit.source,
                    }
                    for name, hit in found.items()
                },
            )

    def _asked(self, repo: Repository, ticket: Ticket, missing: list[str], now: datetime) -> None:
        ticket.status = status.INFO_PENDING
        ticket.information_requests += 1
        repo.add_event(
            ticket,
            now,
            "intake",
            "information_requested",
            {"missing": missing, "request": ticket.information_requests},
        )

    def _hand_over(self, repo: Repository, ticket: Ticket, missing: list[str], now: datetime) -> None:
        """The report goes on to its owner; flagged incomplete when fields are still missing."""
        if missing:
            ticket.incomplete = True
            repo.add_event(
                ticket,
                now,
                "intake",
                "flagged_incomplete",
                {"missing": missing},
                reason=f"still missing after {ticket.information_requests} request(s)",
            )
        owner = self.rules.directory.person(ticket.owner)
        if owner is None:
            ticket.status = status.NEW
            log.warning("ticket %s: no owner chosen; it waits unassigned", ticket.number)
            return
        ticket.status = status.ASSIGNED
        self.tell_person(repo, ticket, owner, "assignment", missing=missing)

    def tell_person(
        self,
        repo: Repository,
        ticket: Ticket,
        person: Person,
        template: str,
        extra: dict | None = None,
        missing: list[str] | None = None,
    ) -> None:
        """Mail a staff member about the ticket, in their language; staff mail is never capped."""
        context = self.context(repo, ticket, person.language, missing or []) | {"person_name": person.name}
        self.notifier.enqueue(
            repo,
            ticket,
            template=template,
            recipient=person.email,
            language=person.language,
            context=context | (extra or {}),
            automatic=False,
        )

    def _send_customer(
        self, repo: Repository, ticket: Ticket, mail: InboundMessage, template: str, missing: list[str]
    ) -> None:
        context = self.context(repo, ticket, ticket.language, missing)
        context["customer_name"] = mail.sender.name if mail.sender else ""
        self.notifier.enqueue(
            repo,
            ticket,
            template=template,
            recipient=ticket.requester_email,
            language=ticket.language,
            context=context,
        )

    def context(self, repo: Repository, ticket: Ticket, language: str, missing: list[str]) -> dict:
        """What templates see of a ticket, labelled in `language`."""
        label = self.rules.labels.of
        owner = self.rules.directory.person(ticket.owner)
        fields = repo.field_values(ticket)
        catalog = self.rules.catalog.fields
        return {
            "ticket": {
                "number": ticket.number,
                "subject": ticket.subject,
                "status": label("state", ticket.status, language),
                "type": label("type", ticket.type, language),
                "priority": label("priority", ticket.priority, language),
                "team": label("team", ticket.team, language),
                "owner": owner.name if owner else "-",
                "requester": ticket.requester_email,
                "created_local": ticket.created_at.astimezone(self.config.zone).strftime("%Y-%m-%d %H:%M"),
                "description": ticket.description,
                "incomplete": ticket.incomplete,
            },
            "fields": [
                {"label": catalog[n].label.get(language), "value": v}
                for n, v in fields.items()
                if n in catalog
            ],
            "missing": [
                {
                    "label": catalog[n].label.get(language),
                    "hint": catalog[n].hint.get(language) if catalog[n].hint else "",
                }
                for n in missing
            ],
        }
