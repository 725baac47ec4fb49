"""The managers' handling figures (`tickets.figures.manager_figures`) as a reader sees them: times
in words of their language, priorities by their labels, engineers by name."""

from __future__ import annotations

from helpdesk.rules.ruleset import RuleSet
from helpdesk.tickets.report_text import duration


def handling(rules: RuleSet, figures: dict, language: str) -> dict:
    """{first_response, resolution: {count, average, median, by_priority: [...]}, reopened: {resolved,
    reopened, rate}, engineers: [{name, open, overdue, resolved}]} for the templates."""
    label = rules.labels.of

    def times(row: dict) -> dict:
        shown = {
            "count": row["count"],
            "average": duration(row["average"], language),
            "median": duration(row["median"], language),
        }
        return shown | {
            "by_priority": [
                {"priority": label("priority", key, language)} | times(values)
                for key, values in row.get("by_priority", {}).items()
            ]
        }

    def name(person_id: str) -> str:
        person = rules.directory.person(person_id)
        return person.name if person else person_id

    return {
        "first_response": times(figures["first_response"]),
        "resolution": times(figures["resolution"]),
        "reopened": figures["reopened"],
        "engineers": [{"name": name(owner)} | row for owner, row in figures["engineers"].items()],
    }
