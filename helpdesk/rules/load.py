"""Read the rules folder (catalog, staff, workflows, sla, routing files) into a checked RuleSet."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from helpdesk.errors import ConfigError
from helpdesk.rules.actions import parse_actions
from helpdesk.rules.calendars import Calendars
from helpdesk.rules.checks import check_catalog, check_sla, check_staff, check_workflows
from helpdesk.rules.conditions import Names, parse_conditions
from helpdesk.rules.customers import CUSTOMERS, CustomerFile, check_customers
from helpdesk.rules.directory import StaffDirectory
from helpdesk.rules.duplicates import duplicate_keys
from helpdesk.rules.labels import Labels
from helpdesk.rules.routing import CompiledRule, Router
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Catalog, RuleFile, Sla, Staff, Workflows
from helpdesk.rules.subcategories import Subcategories, check_subcategories
from helpdesk.yamlpos import YamlSyntaxError, line_of, load_with_lines, read_text

CATALOG, STAFF, WORKFLOWS, SLA = "catalog.yaml", "staff.yaml", "workflows.yaml", "sla.yaml"


def load_rules(folder: Path) -> RuleSet:
    """Read and check `folder`; raises ConfigError listing every problem as "file:line: message"."""
    problems: list[str] = []
    catalog, catalog_lines = _load_model(folder / CATALOG, Catalog, problems)
    staff, staff_lines = _load_model(folder / STAFF, Staff, problems)
    workflows, workflow_lines = _load_model(folder / WORKFLOWS, Workflows, problems)
    sla, sla_lines = _load_model(folder / SLA, Sla, problems) if (folder / SLA).exists() else (Sla(), {})
    known = folder / CUSTOMERS
    customers, customer_lines = _load_model(known, CustomerFile, problems) if known.exists() else (None, {})
    rule_files = sorted(
        p for p in folder.glob("*.yaml") if p.name not in (CATALOG, STAFF, WORKFLOWS, SLA, CUSTOMERS)
    )
    loaded_rules = [(path, *_load_model(path, RuleFile, problems)) for path in rule_files]
    if catalog is None or staff is None or workflows is None or sla is None:
        raise ConfigError(problems)
    at_catalog = _at(folder / CATALOG, catalog_lines, problems)
    at_staff = _at(folder / STAFF, staff_lines, problems)
    check_catalog(catalog, at_catalog)
    check_subcategories(catalog, at_catalog)
    check_staff(staff, at_staff)
    check_workflows(workflows, catalog, _at(folder / WORKFLOWS, workflow_lines, problems))
    check_sla(sla, catalog, workflows, _at(folder / SLA, sla_lines, problems))
    if customers is not None:
        check_customers(customers, _at(known, customer_lines, problems))
    subcategories = Subcategories(catalog)
    names = Names(
        types=frozenset(catalog.types),
        priorities=frozenset(catalog.priorities),
        fields=frozenset(catalog.fields),
        teams=frozenset(staff.teams),
        people=frozenset(p.id for p in staff.people),
        scales=catalog.scales,
        type_scale={name: t.scale for name, t in catalog.types.items()},
        categories=subcategories.words(),
        judged=frozenset(name for name, t in catalog.types.items() if t.judgement),
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
    return RuleSet(
        catalog,
        staff,
        workflows,
        sla,
        names,
        router=Router(catalog, tuple(compiled), names, subcategories),
        directory=StaffDirectory(staff),
        labels=Labels(catalog, staff, workflows),
        calendars=Calendars(sla),
        sensitive=tuple(re.compile(pattern) for pattern in catalog.sensitive.values()),
        customers=dict(customers.customers) if customers else {},
    )


def _load_model(path: Path, model: type[BaseModel], problems: list[str]) -> tuple[Any, dict]:
    try:
        text = read_text(path)
        data, lines = load_with_lines(text, str(path))
    except OSError as exc:
        problems.append(f"{path}: cannot read: {exc.strerror or exc}")
        return None, {}
    except YamlSyntaxError as exc:
        problems.append(str(exc))
        return None, {}
    for line, key in duplicate_keys(text):
        problems.append(f"{path}:{line}: {key!r} is written twice in one mapping (the first would be lost)")
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
