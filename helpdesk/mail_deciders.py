"""Which pure decider a recorded inbound mail goes to, with the snapshot and workload it needs.

The pipeline stores the mail, then asks `MailDeciders.decide` for its effects: a new ticket goes
to intake, a staff member's mail to the staff decider (with the authority their mail carries), a
customer's answer to a request for information back to intake, any other customer mail to the
customer decider. A machine's mail and our own mail move nothing. The deciders themselves touch
no database; this module reads what they decide on.
"""

from __future__ import annotations

from datetime import datetime

from helpdesk import batch_workload
from helpdesk.config import Config
from helpdesk.effects import Authority, Effect
from helpdesk.intake.decide import IntakeDecider
from helpdesk.intake.on_behalf import OnBehalf
from helpdesk.mail.message import InboundMessage
from helpdesk.rules.ruleset import RuleSet
from helpdesk.tickets import status
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.snapshot import Workload
from helpdesk.workflow.authentication import staff_authority
from helpdesk.workflow.customer import CustomerDecider
from helpdesk.workflow.staff import StaffDecider


class MailDeciders:
    """The intake, staff and customer deciders of one mailbox's rules, and the choice between them."""

    def __init__(self, config: Config, rules: RuleSet) -> None:
        self.config = config
        self.rules = rules
        self.intake = IntakeDecider(rules, config.zone)
        self.staff = StaffDecider(rules, config.zone)
        self.customer = CustomerDecider(rules, config.zone, config.commands)

    def decide(
        self,
        repo: Repository,
        ticket: Ticket,
        mail: InboundMessage,
        key: str,
        created: bool,
        taken: OnBehalf,
        now: datetime,
    ) -> tuple[list[Effect], Authority]:
        """The effects of `mail` on `ticket` (just opened when `created`); robots move nothing."""
        if mail.is_automatic:
            return [], Authority()
        if created:
            if mail.sender.email in self.config.own_addresses():
                return [], Authority()  # our own mail never gets an acknowledgement
            view, workload = repo.snapshot(ticket), self.workload(repo)
            return self.intake.new_ticket(view, mail, key, now, workload, taken.channel), Authority()
        view = repo.snapshot(ticket)
        person = self.rules.directory.by_email(mail.sender.email)
        if person is not None:
            authority = staff_authority(mail, person, self.config.commands)
            return self.staff.staff_mail(view, mail, person, authority, now), authority
        if view.status == status.INFO_PENDING:
            return self.intake.customer_reply(view, mail, key, now), Authority()
        # Only a resolved ticket's customer can send it to a new owner (an unhappy answer).
        workload = self.workload(repo) if view.status == status.RESOLVED else Workload()
        return self.customer.customer_mail(view, mail, now, workload), Authority()

    def workload(self, repo: Repository) -> Workload:
        """Each person's open tickets, as assignment weighs them (read once per transaction)."""
        return batch_workload.workload(repo, [p.id for p in self.rules.directory.people])
