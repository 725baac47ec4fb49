"""Choose a ticket's owner: the rule's choice, else a team member by round robin or fewest open tickets."""

from __future__ import annotations

from helpdesk.rules.conditions import Decision
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Person
from helpdesk.tickets.snapshot import Workload


def choose_owner(rules: RuleSet, workload: Workload, decision: Decision) -> tuple[Person | None, str]:
    """(owner, how it was chosen); (None, why) when no rule named a team or person. Pure: the
    open-ticket counts and the team's latest assignments come in `workload`."""
    if decision.owner:
        return rules.directory.person(decision.owner), "named by a rule"
    if not decision.team:
        return None, "no rule chose a team"
    candidates = rules.directory.members(decision.team, decision.level)
    if not candidates:
        return None, f"team {decision.team} has nobody to assign"
    ids = [p.id for p in candidates]
    strategy = rules.directory.teams[decision.team].assignment
    level = f" ({decision.level})" if decision.level else ""
    if strategy == "least_open":
        counts = workload.open_counts
        chosen = min(candidates, key=lambda p: (counts.get(p.id, 0), ids.index(p.id)))
        return chosen, f"fewest open tickets in {decision.team}{level}"
    last = workload.last_owner_among(decision.team, ids)
    chosen = candidates[(ids.index(last) + 1) % len(ids)] if last in ids else candidates[0]
    return chosen, f"round robin in {decision.team}{level}"
