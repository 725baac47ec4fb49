"""The rules one mailbox's mail is decided by: its rules folder, with its team as the default."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from helpdesk.config_mailboxes import Watched
from helpdesk.errors import ConfigError
from helpdesk.rules.conditions import Decision, Facts
from helpdesk.rules.load import load_rules
from helpdesk.rules.routing import Router
from helpdesk.rules.ruleset import RuleSet


@dataclass(frozen=True)
class TeamDefault(Router):
    """The routing rules, then the mailbox's team for a ticket no rule gave a team to; the decision
    names the mailbox among the rules that fired, so "why billing?" is answered from the events."""

    mailbox: str = ""
    team: str = ""
    source: str = ""  # "file:line" of the mailbox's entry in helpdesk.yaml

    def decide(self, facts: Facts) -> Decision:
        decision = super().decide(facts)
        if decision.team is None:  # no rule named one
            decision.team = self.team
            decision.fired.append(
                {"rule": f"mailbox {self.mailbox}", "set": {"team": self.team}, "source": self.source}
            )
        return decision


def mailbox_rules(boxes: list[Watched], main: RuleSet, main_folder: Path) -> dict[str, RuleSet]:
    """Each mailbox's RuleSet by name: `main` (read from `main_folder`, paths.rules) or its own
    folder's, read once per folder, with its team as the default. Raises ConfigError listing every
    problem ("file:line: message"), a team its folder's staff.yaml does not know among them."""
    folders: dict[Path, RuleSet] = {main_folder: main}
    problems: list[str] = []
    chosen: dict[str, RuleSet] = {}
    for box in boxes:
        if box.rules not in folders:
            try:
                folders[box.rules] = load_rules(box.rules)
            except ConfigError as exc:
                problems += exc.problems
                continue
        rules = folders[box.rules]
        if box.team is not None and box.team not in rules.directory.teams:
            known = ", ".join(sorted(rules.directory.teams)) or "none"
            problems.append(
                f"{box.where}: mailbox {box.name}: team {box.team!r} is not a team of {box.rules}"
                f" (teams: {known})"
            )
            continue
        if box.team is not None:
            router = TeamDefault(**vars(rules.router), mailbox=box.name, team=box.team, source=box.where)
            rules = replace(rules, router=router)
        chosen[box.name] = rules
    if problems:
        raise ConfigError(problems)
    return chosen
