"""Load the rules folder (catalog, staff, routing files), check every name, and decide tickets with it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ValidationError

from helpdesk.calendar import BusinessCalendar
from helpdesk.errors import ConfigError
from helpdesk.rules.actions import Apply, parse_actions
from helpdesk.rules.conditions import Check, Decision, Facts, Names, parse_conditions
from helpdesk.rules.schema import CalendarDef, Catalog, Duration, Person, RuleFile, Sla, Staff, Workflows
from helpdesk.yamlpos import YamlSyntaxError, line_of, load_with_lines, read_text

CATALOG, STAFF, WORKFLOWS, SLA = "catalog.yaml", "staff.yaml", "workflows.yaml", "sla.yaml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The mails a workflow may send the customer on entering a state.
CUSTOMER_TEMPLATES = frozenset({"status_update", "resolution"})


@dataclass(frozen=True)
class CompiledRule:
    name: str
    check: Check
    actions: tuple[tuple[str, Apply], ...]
    stop: bool
    source: str  # "file:line", so a decision can say where its rule lives


@dataclass(frozen=True)
class RuleSet:
    """The validated catalog, staff and ordered routing rules."""

    catalog: Catalog
    staff: Staff
    workflows: Workflows
    sla: Sla
    rules: tuple[CompiledRule, ...]
    names: Names

    def calendar(self, team: str | None) -> BusinessCalendar:
        """The team's own calendar if sla.yaml names one after it, else the default one."""
        definition = self.sla.calendars.get(team or "") or self.sla.calendars["default"]
        return _calendar(definition)

    def decide(self, facts: Facts) -> Decision:
        """Run the rules in order over `facts`; the decision lists every rule that fired."""
        decision = Decision(type=self.catalog.default_type)
        self._normalise(decision)
        for rule in self.rules:
            if not rule.check(facts, decision):
                continue
            changes = {}
            for key, apply in rule.actions:
                changes[key] = apply(decision)
                self._normalise(decision)
            decision.fired.append({"rule": rule.name, "set": changes, "source": rule.source})
            if rule.stop:
                break
        return decision

    def _normalise(self, decision: Decision) -> None:
        """Keep the priority on the type's own scale: same rank when the type changes, else its default."""
        scale = self.names.scale_of(decision.type)
        if decision.priority in scale:
            return
        for other in self.catalog.scales.values():
            if decision.priority in other:
                rank = min(other.index(decision.priority), len(scale) - 1)
                decision.priority = scale[rank]
                return
        decision.priority = self.catalog.types[decision.type].default_priority

    def required(self, decision: Decision) -> list[str]:
        if decision.required is not None:
            return decision.required
        return self.catalog.types[decision.type].required

    def person(self, person_id: str | None) -> Person | None:
        return next((p for p in self.staff.people if p.id == person_id), None)

    def person_by_email(self, email: str) -> Person | None:
        wanted = email.lower()
        return next((p for p in self.staff.people if p.email.lower() == wanted), None)

    def members(self, team: str, level: str | None) -> list[Person]:
        """The team's people at `level` (all of the team when none is at that level), roster order."""
        team_people = [p for p in self.staff.people if p.team == team]
        at_level = [p for p in team_people if level is None or p.level == level]
        return at_level or team_people

    def label(self, kind: str, name: str | None, language: str) -> str:
        """The Chinese or English label of a type, priority, field or team."""
        table: dict[str, Any] = {
            "type": {k: v.label for k, v in self.catalog.types.items()},
            "priority": self.catalog.priorities,
            "field": {k: v.label for k, v in self.catalog.fields.items()},
            "team": {k: v.label for k, v in self.staff.teams.items()},
            "state": self.workflows.states,
        }[kind]
        labels = table.get(name or "")
        return labels.get(language) if labels else (name or "-")


def load_rules(folder: Path) -> RuleSet:
    """Read and check `folder`; raises ConfigError listing every problem as "file:line: message"."""
    problems: list[str] = []
    catalog, catalog_lines = _load_model(folder / CATALOG, Catalog, problems)
    staff, staff_lines = _load_model(folder / STAFF, Staff, problems)
    workflows, workflow_lines = _load_model(folder / WORKFLOWS, Workflows, problems)
    sla, sla_lines = _load_model(folder / SLA, Sla, problems) if (folder / SLA).exists() else (Sla(), {})
    rule_files = sorted(p for p in folder.glob("*.yaml") if p.name not in (CATALOG, STAFF, WORKFLOWS, SLA))
    loaded_rules = [(path, *_load_model(path, RuleFile, problems)) for path in rule_files]
    if catalog is None or staff is None or workflows is None or sla is None:
        raise ConfigError(problems)
    at_catalog = _at(folder / CATALOG, catalog_lines, problems)
    at_staff = _at(folder / STAFF, staff_lines, problems)
    _check_catalog(catalog, at_catalog)
    _check_staff(staff, at_staff)
    _check_workflows(workflows, catalog, _at(folder / WORKFLOWS, workflow_lines, problems))
    _check_sla(sla, catalog, workflows, _at(folder / SLA, sla_lines, problems))
    names = Names(
        types=frozenset(catalog.types),
        priorities=frozenset(catalog.priorities),
        fields=frozenset(catalog.fields),
        teams=frozenset(staff.teams),
        people=frozenset(p.id for p in staff.people),
        scales=catalog.scales,
        type_scale={name: t.scale for name, t in catalog.types.items()},
    )
    compiled = []
    for path, rule_file, lines in loaded_rules:
        if rule_file is None:
            continue
        for index, rule in enumerate(rule_file.rules):
            where = ("rules", index)
            try:
                check = parse_conditions(rule.when, names)
            except ValueError as exc:
                problems.append(f"{path}:{line_of(lines, (*where, 'when'))}: rule {rule.name!r}: {exc}")
                continue
            try:
                actions = parse_actions(rule.then, names)
            except ValueError as exc:
                problems.append(f"{path}:{line_of(lines, (*where, 'then'))}: rule {rule.name!r}: {exc}")
                continue
            source = f"{path.name}:{line_of(lines, where)}"
            compiled.append(CompiledRule(rule.name, check, tuple(actions), rule.stop, source))
    if problems:
        raise ConfigError(problems)
    return RuleSet(catalog, staff, workflows, sla, tuple(compiled), names)


def _load_model(path: Path, model: type[BaseModel], problems: list[str]) -> tuple[Any, dict]:
    try:
        data, lines = load_with_lines(read_text(path), str(path))
    except OSError as exc:
        problems.append(f"{path}: cannot read: {exc.strerror or exc}")
        return None, {}
    except YamlSyntaxError as exc:
        problems.append(str(exc))
        return None, {}
    try:
        return model.model_validate(data or {}), lines
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = ".".join(str(part) for part in loc) or "(top)"
            problems.append(f"{path}:{line_of(lines, loc)}: {where}: {error['msg']}")
        return None, lines


def _at(path: Path, lines: dict, problems: list[str]) -> Callable[..., None]:
    """A reporter: at(loc..., message) records "file:line: message" for that place in the file."""

    def report(*args: Any) -> None:
        *loc, message = args
        problems.append(f"{path}:{line_of(lines, tuple(loc))}: {message}")

    return report


def _check_catalog(catalog: Catalog, at: Callable[..., None]) -> None:
    if catalog.default_type not in catalog.types:
        at("default_type", f"default_type {catalog.default_type!r} is not one of the types")
    for name, scale in catalog.scales.items():
        for priority in scale:
            if priority not in catalog.priorities:
                at("scales", name, f"scale {name!r}: priority {priority!r} has no labels under priorities")
    for name, type_def in catalog.types.items():
        scale = catalog.scales.get(type_def.scale)
        if scale is None:
            at("types", name, "scale", f"type {name!r}: unknown scale {type_def.scale!r}")
        elif type_def.default_priority not in scale:
            at(
                "types",
                name,
                "default_priority",
                f"type {name!r}: {type_def.default_priority!r} is not on its scale",
            )
        for field_name in type_def.required:
            if field_name not in catalog.fields:
                at("types", name, "required", f"type {name!r}: unknown required field {field_name!r}")


def _check_staff(staff: Staff, at: Callable[..., None]) -> None:
    ids = [p.id for p in staff.people]
    emails = [p.email.lower() for p in staff.people]
    for index, person in enumerate(staff.people):
        if ids.count(person.id) > 1:
            at("people", index, "id", f"person id {person.id!r} appears more than once")
        if emails.count(person.email.lower()) > 1:
            at("people", index, "email", f"address {person.email} belongs to more than one person")
        if person.team is not None and person.team not in staff.teams:
            at("people", index, "team", f"{person.id}: unknown team {person.team!r}")
        if person.reports_to is not None and person.reports_to not in ids:
            at("people", index, "reports_to", f"{person.id}: reports to unknown person {person.reports_to!r}")
        try:
            ZoneInfo(person.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            at("people", index, "timezone", f"{person.id}: unknown time zone {person.timezone!r}")
    for name, team in staff.teams.items():
        if team.manager is not None and team.manager not in ids:
            at("teams", name, "manager", f"team {name!r}: unknown manager {team.manager!r}")


def _check_workflows(workflows: Workflows, catalog: Catalog, at: Callable[..., None]) -> None:
    states = workflows.states
    for state in ("new", "info_pending", "assigned", "resolved", "closed", "reopened"):
        if state not in states:
            at("states", f"the state {state!r} is needed by the helpdesk itself")
    for state in workflows.keywords:
        if state not in states:
            at("keywords", state, f"keywords for unknown state {state!r}")
    if "default" not in workflows.workflows:
        at("workflows", "a 'default' workflow is needed for types without their own")
    for name, flow in workflows.workflows.items():
        if name != "default" and name not in catalog.types:
            at("workflows", name, f"workflow for unknown type {name!r}")
        for source, targets in flow.transitions.items():
            for state in (source, *targets):
                if state not in states:
                    at("workflows", name, "transitions", source, f"{name}: unknown state {state!r}")
        for state, template in flow.notify.items():
            if state not in states:
                at("workflows", name, "notify", state, f"{name}: unknown state {state!r}")
            if template not in CUSTOMER_TEMPLATES:
                known = ", ".join(sorted(CUSTOMER_TEMPLATES))
                at(
                    "workflows",
                    name,
                    "notify",
                    state,
                    f"{name}: unknown template {template!r} (known: {known})",
                )


_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _periods(hours: list[str]) -> tuple[tuple[time, time], ...]:
    periods = []
    for text in hours:
        found = _HOURS.match(text)
        if not found:
            raise ValueError(f"working hours {text!r} are not 'HH:MM-HH:MM'")
        h1, m1, h2, m2 = map(int, found.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) >= (h2, m2):
            raise ValueError(f"working hours {text!r} do not make a period of the day")
        periods.append((time(h1, m1), time(h2, m2)))
    return tuple(periods)


@lru_cache(maxsize=64)
def _calendar_cached(definition_json: str) -> BusinessCalendar:
    definition = CalendarDef.model_validate_json(definition_json)
    return BusinessCalendar(
        zone=ZoneInfo(definition.timezone),
        periods=_periods(definition.hours),
        weekdays=frozenset(WEEKDAYS.index(day) for day in definition.weekdays),
        country=definition.holidays or None,
        closures=frozenset(definition.closures),
        workdays=frozenset(definition.workdays),
    )


def _calendar(definition: CalendarDef) -> BusinessCalendar:
    """Calendars are built once per definition: the holiday tables behind them are costly."""
    return _calendar_cached(definition.model_dump_json())


def _check_sla(sla: Sla, catalog: Catalog, workflows: Workflows, at: Callable[..., None]) -> None:
    if "default" not in sla.calendars:
        at("calendars", "a 'default' calendar is needed")
    for name, definition in sla.calendars.items():
        try:
            ZoneInfo(definition.timezone)
            _periods(definition.hours)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            at("calendars", name, f"calendar {name!r}: {exc}")
        if definition.holidays:
            try:
                holidays.country_holidays(definition.holidays)
            except NotImplementedError:
                at(
                    "calendars",
                    name,
                    "holidays",
                    f"calendar {name!r}: no holidays known for {definition.holidays!r}",
                )
    for clock, table in sla.clocks.items():
        for priority, text in table.items():
            known = priority == "default" or priority.startswith("@") or priority in catalog.priorities
            if not known and priority not in catalog.types:
                at(
                    "clocks",
                    clock,
                    priority,
                    f"{clock}: {priority!r} is not a priority, a type or an @domain",
                )
            try:
                Duration.parse(text)
            except ValueError as exc:
                at("clocks", clock, priority, f"{clock}.{priority}: {exc}")
    for state in sla.pause_in:
        if state not in workflows.states:
            at("pause_in", f"pause_in: unknown state {state!r}")
    for priority, cadence in sla.progress.every.items():
        if priority != "default" and priority not in catalog.priorities:
            at("progress", "every", priority, f"progress: unknown priority {priority!r}")
        if cadence != "daily":
            try:
                Duration.parse(cadence)
            except ValueError as exc:
                at("progress", "every", priority, f"progress.{priority}: {exc} (or 'daily')")
    for state in sla.progress.working_states:
        if state not in workflows.states:
            at("progress", "working_states", f"progress: unknown state {state!r}")
    try:
        Duration.parse(sla.eta_notice)
    except ValueError as exc:
        at("eta_notice", f"eta_notice: {exc}")
    for key in ("interval", "warn_before"):
        value = getattr(sla.escalation, key)
        if value is None:
            continue
        try:
            Duration.parse(value)
        except ValueError as exc:
            at("escalation", key, f"escalation {key}: {exc}")
