"""Working-time arithmetic: hours of the day, working weekdays, public holidays and make-up workdays.

"8 working hours" from Friday 16:00 lands on Monday afternoon; across the Spring Festival
it waits for the holiday to end and counts the make-up Saturday (调休) as a working day.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
from holidays.registry import COUNTRIES

from helpdesk.rules.schema import Person

_LOADING = threading.Lock()  # a calendar is first read in whichever thread needs it


def country_holidays(code: str) -> holidays.HolidayBase:
    """`holidays.country_holidays(code)` with only that country's module imported: the library's
    lookup imports its package of some 250 countries first, 8 MiB in every process for the one a
    desk uses. NotImplementedError for a code the library does not know, as the library raises."""
    module = next((name for name, (_, *codes) in COUNTRIES.items() if code in codes), "")
    path = Path(holidays.__file__).parent / "countries" / f"{module}.py"
    if not module or not path.is_file():  # unknown, or a library laid out otherwise
        return holidays.country_holidays(code)
    name = f"holidays.countries.{module}"
    with _LOADING:
        if name not in sys.modules:  # the importlib recipe for importing a source file directly
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                return holidays.country_holidays(code)
            loaded = importlib.util.module_from_spec(spec)
            sys.modules[name] = loaded
            try:
                spec.loader.exec_module(loaded)
            except BaseException:
                del sys.modules[name]
                raise
    return getattr(sys.modules[name], code)()  # CN, CHN: the classes the library's lookup makes


@dataclass(frozen=True)
class BusinessCalendar:
    """One team's working time: days and hours are read on the wall clock of `zone`, durations are
    counted in real (UTC) time, so a window that spans a DST change is an hour shorter or longer."""

    zone: ZoneInfo
    periods: tuple[tuple[time, time], ...] = ((time(9), time(12)), (time(13, 30), time(18)))
    weekdays: frozenset[int] = frozenset(range(5))  # Monday = 0
    country: str | None = "CN"
    closures: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    @cached_property
    def _public(self) -> holidays.HolidayBase | None:
        return country_holidays(self.country) if self.country else None

    @property
    def day_length(self) -> timedelta:
        return sum((_span(start, end) for start, end in self.periods), timedelta())

    def is_working_day(self, day: date) -> bool:
        """Closures and public holidays are off; make-up workdays and configured workdays are on."""
        if day in self.closures:
            return False
        if day in self.workdays:
            return True
        public = self._public
        if public is not None:
            if day in public:
                return False
            if day in public.weekend_workdays:
                return True
        return day.weekday() in self.weekdays

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time after `start`."""
        moment = start.astimezone(self.zone)
        left = duration
        for opening, closing in self._windows_from(moment):
            begin = max(moment, opening).astimezone(UTC)
            room = closing.astimezone(UTC) - begin
            if left <= room:
                return (begin + left).astimezone(self.zone)
            left -= room
        raise AssertionError("unreachable: the calendar has no working time at all")

    def add_days(self, start: datetime, days: float) -> datetime:
        """`days` working days after `start`, a working day being one day's working hours."""
        return self.add(start, self.day_length * days)

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """How much working time lies between `start` and `end`."""
        if end <= start:
            return timedelta()
        total = timedelta()
        moment = start.astimezone(self.zone)
        for opening, closing in self._windows_from(moment):
            if opening >= end:
                return total
            total += min(closing, end).astimezone(UTC) - max(moment, opening).astimezone(UTC)
        return total

    def _windows_from(self, moment: datetime):
        """Working windows (opening, closing) that end after `moment`, in order, for ten years."""
        if not self.periods or not any(self.is_working_day(moment.date() + timedelta(d)) for d in range(60)):
            raise ValueError("the calendar has no working time in the next 60 days")
        day = moment.date()
        for _ in range(3660):
            if self.is_working_day(day):
                for start, end in self.periods:
                    opening = datetime.combine(day, start, self.zone)
                    closing = datetime.combine(day, end, self.zone)
                    if closing > moment:
                        yield opening, closing
            day += timedelta(days=1)


def person_zone(person: Person | None, default: tzinfo) -> tzinfo:
    """The time zone a person writes and reads in (staff.yaml, checked at load), or `default`."""
    return ZoneInfo(person.timezone) if person is not None else default


def _span(start: time, end: time) -> timedelta:
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)
