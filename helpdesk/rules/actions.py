"""Rule actions: each a named parser that checks its YAML argument and returns a change to the decision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from helpdesk.rules.conditions import Decision, Names, expect_names, expect_priorities, expect_words

Apply = Callable[[Decision], Any]
Parser = Callable[[Any, Names], Apply]
ACTIONS: dict[str, Parser] = {}
NATURES = frozenset({"functional", "performance", "compatibility", "environment"})


def action(name: str) -> Callable[[Parser], Parser]:
    def register(parser: Parser) -> Parser:
        ACTIONS[name] = parser
        return parser

    return register


def parse_actions(then: dict, names: Names) -> list[tuple[str, Apply]]:
    """The actions of a rule in order. Raises ValueError naming the bad action."""
    if not then:
        raise ValueError("a rule needs at least one action under 'then'")
    parsed = []
    for key, arg in then.items():
        parser = ACTIONS.get(key)
        if parser is None:
            raise ValueError(f"unknown action {key!r} (known: {', '.join(sorted(ACTIONS))})")
        try:
            parsed.append((key, parser(arg, names)))
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from exc
    return parsed


def _one(arg: Any, known: frozenset[str], what: str) -> str:
    if not isinstance(arg, str):
        raise ValueError(f"expects one {what}")
    return next(iter(expect_names(arg, known, what)))


def _setter(attribute: str, value: Any) -> Apply:
    def apply(decision: Decision) -> Any:
        setattr(decision, attribute, value)
        return value

    return apply


@action("set_type")
def _set_type(arg: Any, names: Names) -> Apply:
    return _setter("type", _one(arg, names.types, "type"))


@action("set_priority")
def _set_priority(arg: Any, names: Names) -> Apply:
    """A priority by name, or a P-level (P0–P3) taken on the decision's type's scale when it applies."""
    if not isinstance(arg, str):
        raise ValueError("expects one priority")
    named, ranks = expect_priorities(arg, names)
    if named:
        return _setter("priority", next(iter(named)))
    (rank,) = ranks

    def apply(decision: Decision) -> Any:
        scale = names.scale_of(decision.type)
        decision.priority = scale[min(rank, len(scale) - 1)] if scale else decision.priority
        return decision.priority

    return apply


@action("raise_priority")
def _raise_priority(arg: Any, names: Names) -> Apply:
    """Move the priority this many levels towards the most pressing end of the type's scale."""
    if not isinstance(arg, int) or isinstance(arg, bool) or arg < 1:
        raise ValueError("expects a whole number of levels, at least 1")

    def apply(decision: Decision) -> Any:
        scale = names.scale_of(decision.type)
        if decision.priority in scale:
            decision.priority = scale[max(0, scale.index(decision.priority) - arg)]
        return decision.priority

    return apply


@action("set_category")
@action("set_subcategory")
def _set_category(arg: Any, names: Names) -> Apply:
    """The sub-category by its key or label (catalog.yaml); it stands over the keywords' unless the type
    it ends with has no such sub-category."""
    if not isinstance(arg, str):
        raise ValueError("expects one sub-category")
    (chosen,) = names.categories_named(arg)

    def apply(decision: Decision) -> Any:
        decision.subcategory, decision.category_hit = chosen, None
        return chosen

    return apply


@action("set_nature")
def _set_nature(arg: Any, names: Names) -> Apply:
    return _setter("nature", _one(arg, NATURES, "problem nature"))


@action("set_team")
def _set_team(arg: Any, names: Names) -> Apply:
    return _setter("team", _one(arg, names.teams, "team"))


@action("set_owner")
def _set_owner(arg: Any, names: Names) -> Apply:
    return _setter("owner", _one(arg, names.people, "person"))


@action("assign_level")
def _assign_level(arg: Any, names: Names) -> Apply:
    return _setter("level", _one(arg, frozenset({"junior", "senior"}), "level"))


@action("add_collaborators")
def _add_collaborators(arg: Any, names: Names) -> Apply:
    people = sorted(expect_names(arg, names.people, "person"))

    def apply(decision: Decision) -> Any:
        decision.collaborators += [p for p in people if p not in decision.collaborators]
        return people

    return apply


@action("add_tags")
def _add_tags(arg: Any, names: Names) -> Apply:
    tags = expect_words(arg)

    def apply(decision: Decision) -> Any:
        decision.tags += [t for t in tags if t not in decision.tags]
        return tags

    return apply


@action("require_fields")
def _require_fields(arg: Any, names: Names) -> Apply:
    """Replace the type's required fields with these (an empty list asks for nothing)."""
    fields = [] if arg == [] else sorted(expect_names(arg, names.fields, "field"))
    return _setter("required", fields)
