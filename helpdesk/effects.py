"""The effects a decider returns: what should happen to a ticket, as plain values the applier carries out.

Deciders (intake, workflow, the clock jobs) never touch a session or the outbox; they
build a `Plan` over a ticket snapshot and hand its effects to `helpdesk.applier`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from helpdesk.tickets.snapshot import TicketView

# Every deadline a ticket can have; sla.yaml says which apply to which ticket, except `eta`:
# the time the owner promised (#eta), which runs from the moment it is given until then.
CLOCKS = (
    "first_response",
    "owner_confirmation",
    "resolution",
    "solution_feedback",
    "feasibility",
    "plan",
    "eta",
)
# Clocks that end at a promised moment rather than after a length: never paused, never re-derived.
PROMISED = ("eta",)


@dataclass(frozen=True)
class Set:
    """Set ticket columns (priority, owner, eta…); a new priority or type re-derives the clocks.

    Never the status: that is a ChangeState, so the clocks and the archive follow it.
    """

    changes: dict[str, Any]


@dataclass(frozen=True)
class SetField:
    """Record or replace one report field, with the message and line it was read from."""

    name: str
    value: str
    message_id: str
    line: int
    source: str


@dataclass(frozen=True)
class DropField:
    """Remove one report field that no longer applies (the old type's category after #type)."""

    name: str


@dataclass(frozen=True)
class ChangeState:
    """Move the ticket to `target`; the applier keeps the clocks and the archive in step.

    `recorded` is for a decider whose own event already says the ticket moved (intake's
    information_requested, assigned): the applier then adds no status_changed event.
    """

    target: str
    actor: str
    why: str
    recorded: bool = False


@dataclass(frozen=True)
class StartClocks:
    """Start the named clocks that sla.yaml gives the ticket and that are not running already."""

    names: tuple[str, ...] = CLOCKS


@dataclass(frozen=True)
class StopClock:
    """A deadline is met (late or not): it stops counting and escalating."""

    name: str


@dataclass(frozen=True)
class UpdateClock:
    """Change one running clock's escalation bookkeeping (breached, level, warned…)."""

    clock_id: int
    changes: dict[str, Any]


@dataclass(frozen=True)
class Acknowledge:
    """Stop further escalation of every breach that went to `person_id` ([ACK])."""

    person_id: str
    actor: str


@dataclass(frozen=True)
class Notify:
    """Mail the ticket's customer (`person` None) or a staff member with a template.

    `automatic` mails are the ones we send only in answer to a mail from that address
    (acknowledgement, information request, receipt): they alone count against the daily cap
    per address, which breaks loops with robots; `words` are a person's own
    words relayed to the customer, which need a trusted staff mail; `history` adds the
    thread's messages to the template's context.
    """

    template: str
    person: str | None = None
    automatic: bool = False
    words: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    history: bool = False


@dataclass(frozen=True)
class Record:
    """An event on the ticket: who, what, and why."""

    actor: str
    kind: str
    detail: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


Effect = (
    Set
    | SetField
    | DropField
    | ChangeState
    | StartClocks
    | StopClock
    | UpdateClock
    | Acknowledge
    | Notify
    | Record
)


@dataclass
class Plan:
    """A decider's working copy: effects so far, and the snapshot as those effects leave it."""

    view: TicketView
    now: datetime
    effects: list[Effect] = field(default_factory=list)

    def set(self, **changes: Any) -> None:
        self.effects.append(Set(changes))
        self.view = replace(self.view, **changes)

    def fill(self, name: str, value: str, message_id: str, line: int, source: str) -> None:
        self.effects.append(SetField(name, value, message_id, line, source))
        self.view = replace(self.view, fields={**self.view.fields, name: value})

    def drop(self, name: str) -> None:
        """Remove a report field the ticket has; one it does not have is left alone."""
        if name in self.view.fields:
            self.effects.append(DropField(name))
            self.view = replace(self.view, fields={k: v for k, v in self.view.fields.items() if k != name})

    def state(self, target: str, actor: str, why: str, recorded: bool = False) -> None:
        """Change state; staying in the same state is not a change and records nothing."""
        if target == self.view.status:
            return
        self.effects.append(ChangeState(target, actor, why, recorded))
        self.view = replace(self.view, status=target)

    def record(self, actor: str, kind: str, detail: dict[str, Any] | None = None, reason: str = "") -> None:
        self.effects.append(Record(actor, kind, detail or {}, reason))

    def add(self, *effects: Effect) -> None:
        self.effects.extend(effects)


@dataclass(frozen=True)
class Authority:
    """What the mail being applied may speak for: a staff member's words only when `trusted`.

    `person_id` is the staff member the mail's sender is; `verified` whether that claim passed
    the check the config asks for; `why` says how it was decided, for refusal events.
    """

    person_id: str | None = None
    verified: bool = False
    why: str = "not a staff mail"

    @property
    def trusted(self) -> bool:
        return self.person_id is not None and self.verified
