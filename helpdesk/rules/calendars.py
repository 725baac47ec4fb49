"""The business calendars sla.yaml defines, one per definition, and the team each one serves."""

from __future__ import annotations

import re
from datetime import time
from functools import lru_cache
from zoneinfo import ZoneInfo

from helpdesk.calendar import BusinessCalendar
from helpdesk.rules.schema import CalendarDef, Sla

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class Calendars:
    """The calendar of each team: its own if sla.yaml names one after it, else the default one."""

    def __init__(self, sla: Sla) -> None:
        self._by_name: dict[str, BusinessCalendar] = {
            name: _calendar(definition) for name, definition in sla.calendars.items()
        }

    def of(self, team: str | None) -> BusinessCalendar:
        """The team's own calendar if sla.yaml names one after it, else the default one."""
        return self._by_name.get(team or "") or self._by_name["default"]


def _periods(hours: list[str]) -> tuple[tuple[time, time], ...]:
    """Parse "HH:MM-HH:MM" working hours; ValueError says which one is wrong."""
    periods = []
    for text in hours:
        found = _HOURS.match(text)
        if not found:
            raise ValueError(f"working hours {text!r} are not 'HH:MM-HH:MM'")
        h1, m1, h2, m2 = map(int, found.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) >= (h2, m2):
            raise ValueError(f"working hours {text!r} do not make a period of the day")
        periods.append((time(h1, m1), time(h2, m2)))
    return tuple(periods)


@lru_cache(maxsize=64)
def _calendar_cached(definition_json: str) -> BusinessCalendar:
    definition = CalendarDef.model_validate_json(definition_json)
    return BusinessCalendar(
        zone=ZoneInfo(definition.timezone),
        periods=_periods(definition.hours),
        weekdays=frozenset(WEEKDAYS.index(day) for day in definition.weekdays),
        country=definition.holidays or None,
        closures=frozenset(definition.closures),
        workdays=frozenset(definition.workdays),
    )


def _calendar(definition: CalendarDef) -> BusinessCalendar:
    """Shared across loads of the same definition: the holiday tables behind a calendar are costly."""
    return _calendar_cached(definition.model_dump_json())
