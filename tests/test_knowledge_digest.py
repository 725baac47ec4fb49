"""The digest's 知识沉淀 part on SQLite and PostgreSQL: the week's most frequent problem types with
their subcategories, and the problems seen again (knowledge entries sharing a cause) with the
tickets' numbers, in set-based statements whose number does not grow with the tickets."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.knowledge.trends import trends
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.models_knowledge import KnowledgeEntry
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.statistics import Scope
from tests.conftest import SHIPPED_RULES

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)  # the digest's day: the week is 11-17 to 11-23, Shanghai time
START = datetime(2026, 11, 17, tzinfo=SH)
END = datetime(2026, 11, 24, tzinfo=SH)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=SH)


def ticket(
    session: Session, n: int, type_: str, created: datetime, sub: str | None = None, team="operations"
):
    row = Ticket(
        number=f"202611-{n:03d}",
        subject=f"ticket {n}",
        status="archived",
        type=type_,
        subcategory=sub,
        team=team,
        requester_email=f"c{n}@example.cn",
        language="zh",
        created_at=created,
        updated_at=created,
    )
    session.add(row)
    return row


def entry(session: Session, row: Ticket, cause: str, archived: datetime) -> None:
    session.add(KnowledgeEntry(ticket=row, number=row.number, cause=cause, archived_at=archived))


def seed(sessions) -> None:
    """Four tickets this week in operations, one in rnd, one from before the week; their entries."""
    with sessions.begin() as session:
        one = ticket(session, 1, "fault", at(20), "module_failure")
        two = ticket(session, 2, "fault", at(21), "module_failure")
        three = ticket(session, 3, "fault", at(22), "data_anomaly")
        four = ticket(session, 4, "consultation", at(23))
        old = ticket(session, 5, "fault", at(10), "module_failure")
        rnd = ticket(session, 6, "development", at(18), team="rnd")
        later = ticket(session, 7, "consultation", at(25))  # after the digest's day
        early = ticket(session, 8, "fault", at(16, 23))  # 11-16 23:00 in Shanghai: the week before
        entry(session, old, "验证码服务缓存写满", at(12))
        entry(session, one, "  验证码服务缓存写满\n", at(22))  # the same cause, written looser
        entry(session, two, "Disk full on the file server", at(23))
        entry(session, three, "disk FULL on the file server", at(21))
        entry(session, four, "a cause seen once", at(22))
        entry(session, later, "a cause seen once", at(25))  # after the week: not counted
        entry(session, rnd, "验证码服务缓存写满", at(19))  # another team's
        entry(session, early, "", at(18))


def test_the_weeks_types_and_the_causes_seen_again(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    seed(sessions)
    with sessions() as session:
        team = trends(Repository(session), Scope(frozenset({"operations"})), START, END)
        everyone = trends(Repository(session), Scope(None), START, END)
    engine.dispose()
    assert team["types"] == [
        {
            "type": "fault",
            "count": 3,
            "subcategories": [{"name": "module_failure", "count": 2}, {"name": "data_anomaly", "count": 1}],
        },
        {"type": "consultation", "count": 1, "subcategories": []},
    ]
    assert team["repeated"] == [
        {"cause": "disk FULL on the file server", "numbers": ["202611-003", "202611-002"]},
        {"cause": "验证码服务缓存写满", "numbers": ["202611-005", "202611-001"]},
    ]
    assert [row["type"] for row in everyone["types"]] == ["fault", "consultation", "development"]
    assert everyone["repeated"][0]["numbers"] == ["202611-005", "202611-006", "202611-001"]  # rnd's too


def test_the_statements_do_not_grow_with_the_entries(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    sessions = session_factory(engine)
    seed(sessions)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def count() -> int:
        statements.clear()
        with sessions() as session:
            trends(Repository(session), Scope(frozenset({"operations"})), START, END)
        return len(statements)

    few = count()
    with sessions.begin() as session:
        for n in range(10, 60):
            entry(session, ticket(session, n, "fault", at(20), "登录"), "验证码服务缓存写满", at(22))
    assert count() == few == 2
    engine.dispose()


def test_the_digest_shows_the_weeks_knowledge_in_the_readers_language(make_config, db_url, account, smtp):
    app = Helpdesk(make_config(db_url, rules=SHIPPED_RULES), clock=ManualClock(at(24)))
    seed(app.sessions)
    manager = app.rules.directory.person("liu.yang")
    with app.sessions() as session:
        zh = app.digests.render(Repository(session), manager, DAY).text
        english = manager.model_copy(update={"language": "en"})
        en = app.digests.render(Repository(session), english, DAY).text
    app.close()
    assert (
        "本周知识沉淀（2026-11-17 – 2026-11-23）：\n  高频问题类型：\n"
        "    - 故障报修 3（功能模块故障 2，数据异常 1）\n" in zh
    )
    assert "    - 功能咨询 1\n" in zh and "研发" not in zh.split("本周知识沉淀")[1]  # the manager's team only
    assert "    - 202611-003、202611-002（2 次）：disk FULL on the file server" in zh
    assert "    - 202611-005、202611-001（2 次）：验证码服务缓存写满" in zh
    assert (
        "This week's knowledge (2026-11-17 – 2026-11-23):" in en
        and "    - Fault report 3 (Module failure 2, Data anomaly 1)" in en
    )
    assert "    - 202611-003, 202611-002 (2 times): disk FULL on the file server" in en
    assert "fault" not in zh and "consultation" not in zh  # types by their labels
