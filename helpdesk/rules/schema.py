"""The shapes of the rule files: catalog (types, priorities, fields), staff (people, teams), routing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FieldKind = Literal["datetime", "version", "error", "steps", "text"]
Level = Literal["junior", "senior"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Labels(_Strict):
    zh: str
    en: str

    def get(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


class SubcategoryDef(_Strict):
    """A sub-category of a type (问题分类): its labels, and the words that set it at intake."""

    label: Labels
    keywords: list[str] = []


class TypeDef(_Strict):
    label: Labels
    scale: str
    default_priority: str
    required: list[str] = []
    subcategories: dict[str, SubcategoryDef] = {}
    judgement: bool = Field(False, description="its record carries an initial judgement (初步判断)")


class FieldDef(_Strict):
    label: Labels
    hint: Labels | None = None
    kind: FieldKind
    labels: list[str] = Field(default_factory=list, description="words written before a value")
    attachments: list[str] = Field(default_factory=list, description="file name globs that answer it")


class Urgent(_Strict):
    """What goes to its owner at once, even while the customer is still asked for details."""

    priorities: list[str] = []
    tag: str = Field("urgent", description="a ticket a rule tags so (add_tags) is urgent too")


class InformationReminder(_Strict):
    """An information request unanswered `after` this long reminds the customer (as one more
    request, while requests are left); when none are left, the ticket follows `then`."""

    after: str = "24h"
    then: Literal["proceed", "close", "wait"] = Field(
        "proceed", description="proceed: to its owner, flagged incomplete; close; wait: as it is"
    )


_RANK = re.compile(r"^\s*p\s*([0-9])\s*$", re.IGNORECASE)


def rank_alias(word: str) -> int | None:
    """P0–P9 (any case, full-width folded by the caller) as a rank on a scale: P0 the most pressing."""
    found = _RANK.match(word)
    return int(found.group(1)) if found else None


class Catalog(_Strict):
    types: dict[str, TypeDef]
    default_type: str
    scales: dict[str, list[str]]
    priorities: dict[str, Labels]
    fields: dict[str, FieldDef]
    max_information_requests: int = Field(2, ge=0)
    # Your own sensitive data, masked like ID and bank-card numbers: name → regular expression.
    sensitive: dict[str, str] = {}
    urgent: Urgent = Urgent()
    information_reminder: InformationReminder | None = None

    def is_urgent(self, priority: str | None, tags: tuple[str, ...] | list[str] = ()) -> bool:
        """Whether a ticket goes to its owner at once, its clocks never paused for missing details."""
        return priority in self.urgent.priorities or self.urgent.tag in tags

    def priority_named(self, word: str, type_name: str | None) -> str | None:
        """The priority on `type_name`'s scale that `word` names: a priority's name or label in
        either language, or P0–P3 by rank on the scale (P0 the first); None when it names none.

        A name from the other scale is taken at the same rank (严重 on a request: high)."""
        scale = self.scales.get(self.types[type_name].scale, []) if type_name in self.types else []
        wanted = word.strip().casefold()
        rank = rank_alias(wanted)
        if rank is not None:
            return scale[rank] if rank < len(scale) else None
        names = {name.casefold(): name for name in self.priorities}
        for name, label in self.priorities.items():
            names |= {label.zh.casefold(): name, label.en.casefold(): name}
        chosen = names.get(wanted)
        if chosen is None or not scale or chosen in scale:
            return chosen
        other = next((s for s in self.scales.values() if chosen in s), [])
        return scale[min(other.index(chosen), len(scale) - 1)] if other else None


class Person(_Strict):
    id: str
    name: str
    email: str
    team: str | None = None
    level: Level | None = None
    role: Literal["engineer", "product_manager", "manager", "director"] = "engineer"
    language: Literal["zh", "en"] = "zh"
    timezone: str = "Asia/Shanghai"
    reports_to: str | None = None


class Team(_Strict):
    label: Labels
    manager: str | None = None
    assignment: Literal["round_robin", "least_open"] = "round_robin"


class Staff(_Strict):
    people: list[Person]
    teams: dict[str, Team] = {}


class Rule(_Strict):
    name: str
    when: dict[str, Any] = {}
    then: dict[str, Any]
    stop: bool = False


class RuleFile(_Strict):
    rules: list[Rule]


# What a state's gate may require of a ticket's record first (workflow/lifecycle.py).
Requirement = Literal["evaluation", "scope_frozen", "uat", "release_plan", "review"]


class WorkflowDef(_Strict):
    transitions: dict[str, list[str]]
    notify: dict[str, str] = {}
    requires: dict[str, list[Requirement]] = Field(
        default_factory=dict, description="state → what the record needs before a keyword moves there"
    )


class Confirmation(_Strict):
    remind_after_hours: float = Field(48, gt=0)
    close_after_hours: float = Field(96, gt=0)
    close_without_answer: bool = True
    reopen_days: float = Field(7, ge=0)


class Approval(_Strict):
    """Which solutions the technical lead approves before the customer sees them: tickets of one
    of `types` (and, when `priorities` is not empty, of one of those priorities). Off when empty."""

    types: list[str] = []
    priorities: list[str] = []

    def needed(self, ticket_type: str | None, priority: str | None) -> bool:
        return ticket_type in self.types and (not self.priorities or priority in self.priorities)


class Workflows(_Strict):
    states: dict[str, Labels]
    keywords: dict[str, list[str]] = {}
    workflows: dict[str, WorkflowDef]
    confirmation: Confirmation = Confirmation()
    approval: Approval = Approval()

    def of(self, ticket_type: str | None) -> WorkflowDef:
        return self.workflows.get(ticket_type or "", self.workflows["default"])


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|h|d|bh|bd)\s*$")


@dataclass(frozen=True)
class Duration:
    """A deadline length: calendar time, or working time on the ticket's calendar."""

    amount: float
    unit: str  # m, h, d (calendar) or bh, bd (working hours, working days)

    @property
    def working(self) -> bool:
        return self.unit in ("bh", "bd")

    def calendar_delta(self) -> timedelta:
        return timedelta(minutes=self.amount) * {"m": 1, "h": 60, "d": 1440, "bh": 60, "bd": 1440}[self.unit]

    @classmethod
    def parse(cls, text: str) -> Duration:
        found = _DURATION.match(str(text))
        if not found:
            raise ValueError(f"not a duration: {text!r} (examples: 15m, 4h, 2d, 8bh, 3bd)")
        return cls(float(found.group(1)), found.group(2))


class CalendarDef(_Strict):
    timezone: str = "Asia/Shanghai"
    hours: list[str] = ["09:00-12:00", "13:30-18:00"]
    weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    ]
    holidays: str | None = "CN"
    closures: list[date] = []
    workdays: list[date] = []


class Escalation(_Strict):
    chain: list[Literal["manager", "director"]] = ["manager", "director"]
    interval: str = "4h"
    warn_before: str | None = Field("30m", description="warn the owner this long before a deadline")


class DigestDef(_Strict):
    time: str = Field("08:30", pattern=r"^\d{1,2}:\d{2}$", description="local time of the daily digest")


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ReportsDef(_Strict):
    """The weekly and monthly reports to the managers and the director, at `time` local: the week's
    on `weekday` for the week before, the month's on `day` of the month (a short month's last day
    for 31) for the month before; null switches one off."""

    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] | None = "mon"
    day: int | None = Field(1, ge=1, le=31)
    time: str = Field("09:00", pattern=r"^([01]?\d|2[0-3]):[0-5]\d$", description="local time, 00:00-23:59")


class Progress(_Strict):
    """How often the customer hears how their ticket goes, per priority: an interval ("30m"),
    or "daily" for one summary a day before `daily_at`."""

    every: dict[str, str] = {}
    daily_at: str = Field("17:00", pattern=r"^\d{1,2}:\d{2}$")
    working_states: list[str] = []


class Sla(_Strict):
    eta_notice: str = "1bd"
    digest: DigestDef = DigestDef()
    reports: ReportsDef = ReportsDef()
    progress: Progress = Progress()
    calendars: dict[str, CalendarDef] = {"default": CalendarDef()}
    clocks: dict[
        Literal[
            "first_response", "owner_confirmation", "resolution", "solution_feedback", "feasibility", "plan"
        ],
        dict[str, str],
    ] = {}
    pause_in: list[str] = ["info_pending"]
    escalation: Escalation = Escalation()
    # type → how long a released request runs without a problem before it closes as 已闭环.
    stable: dict[str, str] = Field(default_factory=dict, description="type: duration, e.g. development: 3bd")
