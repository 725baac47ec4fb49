"""The Chinese and English labels of types, priorities, fields, sub-categories, judgements, teams, states."""

from __future__ import annotations

from helpdesk.rules import schema
from helpdesk.rules.record_names import FIELD_LABELS, JUDGEMENT_LABELS
from helpdesk.rules.schema import Catalog, Staff, Workflows


class Labels:
    """One table per kind of name, built once from the catalog, staff and workflows."""

    def __init__(self, catalog: Catalog, staff: Staff, workflows: Workflows) -> None:
        self._tables: dict[str, dict[str, schema.Labels]] = {
            "type": {k: v.label for k, v in catalog.types.items()},
            "priority": dict(catalog.priorities),
            "field": FIELD_LABELS | {k: v.label for k, v in catalog.fields.items()},
            # a key two types share is labelled as the first of them labels it
            "category": {
                key: sub.label
                for t in reversed(catalog.types.values())
                for key, sub in t.subcategories.items()
            },
            "judgement": dict(JUDGEMENT_LABELS),
            "team": {k: v.label for k, v in staff.teams.items()},
            "state": dict(workflows.states),
        }

    def of(self, kind: str, name: str | None, language: str) -> str:
        """The label of `name` in `language`; an unknown name is shown as itself, no name as '-'."""
        labels = self._tables[kind].get(name or "")
        return labels.get(language) if labels else (name or "-")
