"""The checks load_rules runs over each rule file: every name a file uses must exist, every value parse."""

from __future__ import annotations

import re
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from helpdesk.calendar import country_holidays
from helpdesk.rules.calendars import _periods
from helpdesk.rules.schema import Catalog, Duration, Sla, Staff, Workflows

# The mails a workflow may send the customer on entering a state.
CUSTOMER_TEMPLATES = frozenset({"status_update", "resolution", "close_notice"})


def check_catalog(catalog: Catalog, at: Callable[..., None]) -> None:
    for name, pattern in catalog.sensitive.items():
        try:
            re.compile(pattern)
        except re.error as exc:
            at("sensitive", name, f"sensitive {name!r}: not a regular expression: {exc}")
    if catalog.default_type not in catalog.types:
        at("default_type", f"default_type {catalog.default_type!r} is not one of the types")
    for name, scale in catalog.scales.items():
        for priority in scale:
            if priority not in catalog.priorities:
                at("scales", name, f"scale {name!r}: priority {priority!r} has no labels under priorities")
    if catalog.information_reminder is not None:
        try:
            Duration.parse(catalog.information_reminder.after)
        except ValueError as exc:
            at("information_reminder", "after", f"information_reminder after: {exc}")
    for priority in catalog.urgent.priorities:
        if priority not in catalog.priorities:
            at("urgent", "priorities", f"urgent: unknown priority {priority!r}")
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


def check_staff(staff: Staff, at: Callable[..., None]) -> None:
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
    _check_chain(staff, at)


def _check_chain(staff: Staff, at: Callable[..., None]) -> None:
    """reports_to must end at someone who reports to nobody: a cycle would escalate forever."""
    boss = {p.id: p.reports_to for p in staff.people}
    index = {p.id: i for i, p in enumerate(staff.people)}
    reported: set[str] = set()
    for person in staff.people:
        chain = [person.id]
        while (up := boss.get(chain[-1])) is not None and up in boss and up not in chain:
            chain.append(up)
        if up is None or up not in chain:
            continue
        cycle = chain[chain.index(up) :]
        if reported.isdisjoint(cycle):
            reported.update(cycle)
            loop = " → ".join([*cycle, up])
            at("people", index[cycle[0]], "reports_to", f"reports_to goes round in a circle: {loop}")


def check_workflows(workflows: Workflows, catalog: Catalog, at: Callable[..., None]) -> None:
    states = workflows.states
    for state in ("new", "info_pending", "assigned", "resolved", "closed", "reopened"):
        if state not in states:
            at("states", f"the state {state!r} is needed by the helpdesk itself")
    for state in workflows.keywords:
        if state not in states:
            at("keywords", state, f"keywords for unknown state {state!r}")
    check_approval(workflows, catalog, at)
    if "default" not in workflows.workflows:
        at("workflows", "a 'default' workflow is needed for types without their own")
    for name, flow in workflows.workflows.items():
        if name != "default" and name not in catalog.types:
            at("workflows", name, f"workflow for unknown type {name!r}")
        for source, targets in flow.transitions.items():
            for state in (source, *targets):
                if state not in states:
                    at("workflows", name, "transitions", source, f"{name}: unknown state {state!r}")
        for state in flow.requires:
            if state not in states:
                at("workflows", name, "requires", state, f"{name}: requires for unknown state {state!r}")
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


def check_approval(workflows: Workflows, catalog: Catalog, at: Callable[..., None]) -> None:
    approval = workflows.approval
    for index, name in enumerate(approval.types):
        if name not in catalog.types:
            at("approval", "types", index, f"approval: unknown type {name!r}")
    for index, name in enumerate(approval.priorities):
        if name not in catalog.priorities:
            at("approval", "priorities", index, f"approval: unknown priority {name!r}")
    if approval.types and "awaiting_approval" not in workflows.states:
        at("approval", "approval needs the state 'awaiting_approval' under states")


def check_sla(sla: Sla, catalog: Catalog, workflows: Workflows, at: Callable[..., None]) -> None:
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
                country_holidays(definition.holidays)
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
                if text != "none":  # the entry that gives its tickets no such clock
                    Duration.parse(text)
            except ValueError as exc:
                at("clocks", clock, priority, f"{clock}.{priority}: {exc}")
    for state in sla.pause_in:
        if state not in workflows.states:
            at("pause_in", f"pause_in: unknown state {state!r}")
    _check_stable(sla, catalog, workflows, at)
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


def _check_stable(sla: Sla, catalog: Catalog, workflows: Workflows, at: Callable[..., None]) -> None:
    """Each stable period names a type whose workflow has the state 'released', and a duration."""
    for name, text in sla.stable.items():
        if name not in catalog.types:
            at("stable", name, f"stable: {name!r} is not a type")
        elif "released" not in workflows.of(name).transitions:
            at("stable", name, f"stable: the workflow of {name!r} has no state 'released'")
        try:
            Duration.parse(text)
        except ValueError as exc:
            at("stable", name, f"stable.{name}: {exc}")
