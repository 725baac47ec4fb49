"""Run the ordered routing rules over a mail's facts: a decision that names every rule that fired."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.rules.actions import Apply
from helpdesk.rules.conditions import Check, Decision, Facts, Names
from helpdesk.rules.schema import Catalog


@dataclass(frozen=True)
class CompiledRule:
    name: str
    check: Check
    actions: tuple[tuple[str, Apply], ...]
    stop: bool
    source: str  # "file:line", so a decision can say where its rule lives


@dataclass(frozen=True)
class Router:
    """The ordered routing rules, with the catalog they decide types and priorities from."""

    catalog: Catalog
    rules: tuple[CompiledRule, ...]
    names: Names

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
        """The fields the decision asks for: a rule's own list, else its type's."""
        if decision.required is not None:
            return decision.required
        return self.catalog.types[decision.type].required
