"""Plain, immutable views of a ticket that the deciders read: no session, no lazy loading, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ClockView:
    """One running deadline of a ticket (met clocks are not in a snapshot)."""

    id: int
    name: str
    started_at: datetime
    due_at: datetime
    breached_at: datetime | None = None
    paused_at: datetime | None = None
    escalation_level: int = 0
    next_escalation_at: datetime | None = None
    escalated_to: tuple[str, ...] = ()
    acknowledged_at: datetime | None = None
    warned_at: datetime | None = None


@dataclass(frozen=True)
class TicketView:
    """What a decider may know of a ticket: its columns, its report fields and its running clocks."""

    id: int
    number: str
    status: str
    requester_email: str
    language: str
    created_at: datetime
    requester_name: str = ""
    type: str | None = None
    priority: str | None = None
    subcategory: str | None = None
    subject: str = ""  # with the description: where a new type's category keywords are looked for
    description: str = ""
    nature: str | None = None
    team: str | None = None
    owner: str | None = None
    owner_confirmed_at: datetime | None = None
    collaborators: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    required_fields: tuple[str, ...] = ()
    information_requests: int = 0
    incomplete: bool = False
    eta: datetime | None = None
    solution: str = ""
    confirmation: str | None = None
    satisfaction: str | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    confirmation_reminders: int = 0
    confirmation_asked_at: datetime | None = None
    confirmation_answered_at: datetime | None = None
    customer_updated_at: datetime | None = None
    progress_reminded_at: datetime | None = None
    stable_until: datetime | None = None
    fields: dict[str, str] = field(default_factory=dict)
    clocks: tuple[ClockView, ...] = ()

    @property
    def missing(self) -> list[str]:
        """The required report fields the ticket does not have yet, in the catalog's order."""
        return [name for name in self.required_fields if name not in self.fields]


@dataclass(frozen=True)
class Workload:
    """What assignment looks at: open tickets per person, and per team each person's latest ticket id."""

    open_counts: dict[str, int] = field(default_factory=dict)
    latest: dict[str, dict[str, int]] = field(default_factory=dict)

    def last_owner_among(self, team: str, owners: list[str]) -> str | None:
        """Who of `owners` was given the team's most recent ticket (for round robin)."""
        given = self.latest.get(team, {})
        return max((o for o in owners if o in given), key=given.__getitem__, default=None)
