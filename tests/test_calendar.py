"""Working time across nights, weekends, public holidays and China's make-up workdays (调休)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from helpdesk.calendar import BusinessCalendar, country_holidays

SH = ZoneInfo("Asia/Shanghai")
CAL = BusinessCalendar(SH)  # 09:00-12:00 and 13:30-18:00, Monday to Friday, China's holidays


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (at(2026, 11, 23, 10, 0), 1, at(2026, 11, 23, 11, 0)),
        (at(2026, 11, 23, 11, 30), 1, at(2026, 11, 23, 14, 0)),  # over the lunch break
        (at(2026, 11, 23, 20, 0), 1, at(2026, 11, 24, 10, 0)),  # after hours: from the next morning
        (at(2026, 11, 27, 16, 0), 8, at(2026, 11, 30, 16, 30)),  # Friday 16:00 + 8 h → Monday afternoon
        (at(2026, 11, 28, 10, 0), 1, at(2026, 11, 30, 10, 0)),  # a Saturday
    ],
)
def test_working_hours(start, hours, due):
    assert CAL.add(start, timedelta(hours=hours)) == due


def test_spring_festival_and_its_make_up_saturday():
    # 2026: Friday 13 Feb is a working day, Saturday 14 Feb is a make-up workday,
    # 15-23 Feb are the holiday (with substituted days off), Saturday 28 Feb works again.
    assert CAL.is_working_day(date(2026, 2, 14)) and not CAL.is_working_day(date(2026, 2, 17))
    assert not CAL.is_working_day(date(2026, 2, 23)) and CAL.is_working_day(date(2026, 2, 28))
    assert CAL.add(at(2026, 2, 13, 17, 0), timedelta(hours=2)) == at(2026, 2, 14, 10, 0)
    assert CAL.add(at(2026, 2, 14, 17, 0), timedelta(hours=2)) == at(2026, 2, 24, 10, 0)


def test_working_days_and_elapsed_working_time():
    assert CAL.day_length == timedelta(hours=7, minutes=30)
    assert CAL.add_days(at(2026, 11, 23, 9, 0), 3) == at(2026, 11, 25, 18, 0)
    assert CAL.working_time(at(2026, 11, 27, 17, 0), at(2026, 11, 30, 10, 0)) == timedelta(hours=2)


def test_closures_and_extra_workdays():
    cal = BusinessCalendar(
        SH, closures=frozenset({date(2026, 11, 24)}), workdays=frozenset({date(2026, 11, 28)})
    )
    assert cal.add(at(2026, 11, 23, 17, 30), timedelta(hours=1)) == at(2026, 11, 25, 9, 30)
    assert cal.is_working_day(date(2026, 11, 28))


def test_other_time_zone_and_no_holidays():
    london = BusinessCalendar(
        ZoneInfo("Europe/London"),
        periods=((datetime.min.time().replace(hour=9), datetime.min.time().replace(hour=17)),),
        country=None,
    )
    start = datetime(2026, 12, 24, 16, 0, tzinfo=ZoneInfo("Europe/London"))
    assert london.add(start, timedelta(hours=2)) == datetime(
        2026, 12, 25, 10, 0, tzinfo=ZoneInfo("Europe/London")
    )


@pytest.mark.parametrize("code", ["CN", "CHN", "US", "JP"])
def test_a_countrys_holidays_and_make_up_workdays_are_the_librarys_own(code):
    ours, theirs = country_holidays(code), holidays.country_holidays(code)
    for year in (2025, 2026, 2027):  # a year's days are filled in when a day of it is asked for
        assert date(year, 1, 1) in ours and date(year, 1, 1) in theirs
    assert dict(ours) == dict(theirs) and ours.weekend_workdays == theirs.weekend_workdays


def test_a_country_the_library_does_not_know_is_refused_as_the_library_refuses_it():
    with pytest.raises(NotImplementedError):
        country_holidays("XX")
