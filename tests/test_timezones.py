"""Every time a person writes or reads is in their own time zone from staff.yaml, and working time
counts real hours across daylight-saving changes."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk.calendar import BusinessCalendar
from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.effects import Authority, Notify, Set
from helpdesk.mail.parse import parse_message
from helpdesk.rules.load import load_rules
from helpdesk.sla.escalation import escalate, warn
from helpdesk.tickets.snapshot import ClockView, TicketView
from helpdesk.workflow.staff import StaffDecider
from tests.conftest import SHIPPED_RULES
from tests.test_workflow import body, mails_to, open_ticket, reply, ticket_now

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES = load_rules(SHIPPED_RULES)
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
EMMA = "Emma Brown <emma.brown@example.com>"
ALL_DAY = ((time(0), time(23, 59)),)  # a desk staffed round the clock, every day
EVERY_DAY = frozenset(range(7))


def view(**columns) -> TicketView:
    values = {
        "id": 1,
        "number": "202612-001",
        "status": "in_progress",
        "requester_email": "li.lei@example.cn",
        "requester_name": "李雷",
        "language": "zh",
        "team": "rnd",
        "created_at": NOW - timedelta(hours=1),
    }
    return TicketView(**(values | columns))


def etas(effects) -> list[datetime]:
    return [e.changes["eta"] for e in effects if isinstance(e, Set) and "eta" in e.changes]


def test_an_engineer_in_london_writes_the_eta_in_london_time():
    person = RULES.directory.person("emma.brown")
    mail = parse_message(
        customer_mail(EMMA, "Re: [#202612-001] OA", "#eta 2026-12-15 18:00\n\nOn it."),
        frozenset({"support@example.com"}),
        "en",
    )
    trusted = Authority("emma.brown", True, "authentication is off")
    decider = StaffDecider(RULES, SHANGHAI)  # the desk is in Shanghai; Emma is not
    (eta,) = etas(decider.staff_mail(view(owner="emma.brown"), mail, person, trusted, NOW))
    assert eta == datetime(2026, 12, 15, 18, 0, tzinfo=LONDON) == datetime(2026, 12, 15, 18, 0, tzinfo=UTC)
    wang = RULES.directory.person("wang.wei")  # no timezone in staff.yaml: the default, Shanghai
    mail = parse_message(
        customer_mail("王伟 <wang.wei@example.com>", "Re: [#202612-001] OA", "#eta 2026-12-15 18:00"),
        frozenset({"support@example.com"}),
        "zh",
    )
    trusted = Authority("wang.wei", True, "authentication is off")
    (eta,) = etas(decider.staff_mail(view(owner="wang.wei"), mail, wang, trusted, NOW))
    assert eta == datetime(2026, 12, 15, 10, 0, tzinfo=UTC)


def notices(effects) -> list[Notify]:
    return [e for e in effects if isinstance(e, Notify)]


def test_a_deadline_warning_shows_the_due_time_in_the_owners_zone():
    clock = ClockView(4, "resolution", NOW - timedelta(hours=4), NOW + timedelta(minutes=20))
    (notice,) = notices(warn(RULES, view(owner="emma.brown", clocks=(clock,)), NOW))
    assert notice.person == "emma.brown" and notice.extra["due"] == "2026-12-01 02:20"  # London, not 10:20
    (notice,) = notices(warn(RULES, view(owner="chen.jie", clocks=(clock,)), NOW))
    assert notice.extra["due"] == "2026-12-01 10:20"


def test_an_escalation_shows_the_due_time_in_the_managers_zone(tmp_path):
    rules_dir = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, rules_dir)
    staff = rules_dir / "staff.yaml"
    staff.write_text(
        staff.read_text(encoding="utf-8").replace(
            "email: zhao.lei@example.com,", "email: zhao.lei@example.com, timezone: America/New_York,"
        ),
        encoding="utf-8",
    )
    rules = load_rules(rules_dir)
    assert rules.directory.person("zhao.lei").timezone == "America/New_York"
    clock = ClockView(3, "resolution", NOW - timedelta(hours=9), NOW - timedelta(minutes=5))
    effects = escalate(rules, view(owner="chen.jie", clocks=(clock,)), NOW)
    (notice,) = notices(effects)
    assert notice.person == "zhao.lei" and notice.extra["due"] == "2026-11-30 20:55"  # EST, UTC-5


@pytest.mark.parametrize(
    ("zone", "start", "hours", "due"),
    [
        # Europe/London leaves summer time on the last Sunday of October (25 Oct 2026, 02:00 BST).
        (LONDON, datetime(2026, 10, 23, 17, 0), 2, datetime(2026, 10, 26, 10, 0)),  # Fri 17:00 BST → Mon GMT
        (LONDON, datetime(2026, 10, 24, 12, 0), 24, datetime(2026, 10, 25, 11, 1)),  # Sunday has 25 hours
        # America/New_York enters summer time on the second Sunday of March (8 Mar 2026, 02:00 EST).
        (NEW_YORK, datetime(2026, 3, 6, 17, 0), 2, datetime(2026, 3, 9, 10, 0)),  # Fri 17:00 EST → Mon EDT
        (NEW_YORK, datetime(2026, 3, 7, 12, 0), 24, datetime(2026, 3, 8, 13, 1)),  # Sunday has 23 hours
    ],
)
def test_working_hours_across_a_daylight_saving_change(zone, start, hours, due):
    if hours == 2:
        calendar = BusinessCalendar(zone, country=None)  # 09:00-12:00, 13:30-18:00, Monday to Friday
    else:
        calendar = BusinessCalendar(zone, periods=ALL_DAY, weekdays=EVERY_DAY, country=None)
    end = calendar.add(start.replace(tzinfo=zone), timedelta(hours=hours))
    assert (end.astimezone(zone).replace(tzinfo=None), end) == (due, due.replace(tzinfo=zone))
    assert calendar.working_time(start.replace(tzinfo=zone), end) == timedelta(hours=hours)


def test_a_day_across_the_change_holds_its_real_hours():
    london = BusinessCalendar(LONDON, periods=ALL_DAY, weekdays=EVERY_DAY, country=None)
    sunday = datetime(2026, 10, 25, 0, 0, tzinfo=LONDON)
    assert london.working_time(sunday, sunday + timedelta(days=1)) == timedelta(hours=24, minutes=59)
    new_york = BusinessCalendar(NEW_YORK, periods=ALL_DAY, weekdays=EVERY_DAY, country=None)
    sunday = datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)
    assert new_york.working_time(sunday, sunday + timedelta(days=1)) == timedelta(hours=22, minutes=59)


@pytest.fixture
def app(make_config, sqlite_url, clock):
    helpdesk = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES), clock=clock)
    yield helpdesk
    helpdesk.close()


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))


def test_emma_in_london_reads_and_writes_london_time(app, account, smtp):
    """Over real IMAP, SMTP and SQLite: the assignment shows the creation time on Emma's clock,
    and her #eta is read on it; the customer still reads the desk's time."""
    ticket = open_ticket(app, account, smtp)  # created 2026-11-23 02:00 UTC: 10:00 in Shanghai
    [notice] = mails_to(smtp, "wang.wei@example.com")
    assert "提交时间：2026-11-23 10:00" in body(notice)
    account.deliver(reply(notice, "王伟 <wang.wei@example.com>", "Re: ", "#assign emma.brown"))
    app.run_once()
    [assignment] = mails_to(smtp, "emma.brown@example.com")
    assert "Submitted at: 2026-11-23 02:00" in body(assignment)  # London is on GMT in November
    assert "10:00" not in body(assignment)

    account.deliver(reply(assignment, EMMA, "Re: ", "#eta 2026-12-15 18:00\n\nLooking into it."))
    app.run_once()
    ticket = ticket_now(app, ticket.number)
    assert ticket.eta == datetime(2026, 12, 15, 18, 0, tzinfo=UTC)  # 18:00 London
    update = mails_to(smtp, "li.lei@example.cn")[-1]
    assert "2026-12-16 02:00" in body(update)  # the customer reads it on the desk's clock
