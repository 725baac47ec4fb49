"""The staff directory: people by id and by address, a team's members by level, and who manages whom."""

from __future__ import annotations

from helpdesk.rules.schema import Person, Staff, Team


class StaffDirectory:
    """Lookups over staff.yaml, built once; lists come back in roster order."""

    def __init__(self, staff: Staff) -> None:
        self.people: tuple[Person, ...] = tuple(staff.people)
        self.teams: dict[str, Team] = dict(staff.teams)
        self._by_id: dict[str, Person] = {}
        self._by_email: dict[str, Person] = {}
        self._by_team: dict[str, list[Person]] = {}
        self._by_team_level: dict[tuple[str, str], list[Person]] = {}
        for person in self.people:
            # The first entry wins, as a scan of the roster would find it (load_rules forbids duplicates).
            self._by_id.setdefault(person.id, person)
            self._by_email.setdefault(person.email.lower(), person)
            if person.team is not None:
                self._by_team.setdefault(person.team, []).append(person)
                self._by_team_level.setdefault((person.team, person.level), []).append(person)

    def person(self, person_id: str | None) -> Person | None:
        """The person with this id, or None."""
        return self._by_id.get(person_id) if person_id is not None else None

    def by_email(self, email: str) -> Person | None:
        """The person with this address, compared without case, or None."""
        return self._by_email.get(email.lower())

    def members(self, team: str, level: str | None) -> list[Person]:
        """The team's people at `level` (all of the team when none is at that level), roster order."""
        team_people = self._by_team.get(team, [])
        at_level = team_people if level is None else self._by_team_level.get((team, level), [])
        return list(at_level or team_people)

    def manager_of(self, team: str | None, person: Person | None) -> Person | None:
        """The team's manager if the team names one, else the person `person` reports to."""
        found = self.teams.get(team or "")
        if found and found.manager:
            return self.person(found.manager)
        return self.person(person.reports_to) if person and person.reports_to else None
