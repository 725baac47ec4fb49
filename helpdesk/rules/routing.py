"""Run the ordered routing rules over a mail's facts: a decision that names every rule that fired."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.rules.actions import Apply
from helpdesk.rules.conditions import Check, Decision, Facts, Names
from helpdesk.rules.schema import Catalog
from helpdesk.rules.subcategories import Subcategories


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
    subcategories: Subcategories

    def decide(self, facts: Facts) -> Decision:
        """Run the rules in order over `facts`; the decision lists every rule that fired."""
        decision = Decision(type=self.catalog.default_type)
        self._normalise(decision)
        self._categorise(facts, decision)
        for rule in self.rules:
            if not rule.check(facts, decision):
                continue
            changes = {}
            for key, apply in rule.actions:
                changes[key] = apply(decision)
                self._normalise(decision)
            self._categorise(facts, decision)
            decision.fired.append({"rule": rule.name, "set": changes, "source": rule.source})
            if rule.stop:
                break
        self._categorise(facts, decision, final=True)
        return decision

    def _categorise(self, facts: Facts, decision: Decision, final: bool = False) -> None:
        """The sub-category by the keywords of the type decided so far, unless a rule set one; in
        the end a rule's that the type has no such sub-category of gives way to the keywords'."""
        by_rule = decision.subcategory is not None and decision.category_hit is None
        if by_rule and not (final and decision.subcategory not in self.subcategories.keys(decision.type)):
            return
        hit = self.subcategories.found_folded(decision.type, facts.subject_folded, facts.body_folded)
        decision.subcategory = hit.key if hit else None
        decision.category_hit = (hit.word, hit.line) if hit else None

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
