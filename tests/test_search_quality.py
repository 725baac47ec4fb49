"""Search over the labelled tickets on SQLite and PostgreSQL: quality, filters, the index catching up,
and similar past tickets."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from benchmarks.search import START, evaluate, load_labelled
from helpdesk import knowledge
from helpdesk.knowledge import SearchFilter
from helpdesk.rules.load import load_rules
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.models_knowledge import SearchDocument
from tests.conftest import SHIPPED_RULES


@pytest.fixture
def labelled(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    rules = load_rules(SHIPPED_RULES)
    with session_factory(engine)() as session:
        tickets = load_labelled(session, rules)
        session.commit()
        yield session, tickets, rules
    engine.dispose()


def test_most_results_are_relevant_in_chinese_and_english(labelled):
    session, tickets, _ = labelled
    figures = evaluate(session, tickets)
    assert figures["precision"] >= 0.8 and figures["precision_at_1"] >= 0.9 and figures["recall"] >= 0.9


def test_filters_narrow_by_kind_type_state_date_and_customer(labelled):
    session, tickets, _ = labelled
    numbers = lambda hits: {hit.number for hit in hits}  # noqa: E731
    assert numbers(knowledge.search(session, "账号", SearchFilter(types=("permission",)))) == {
        tickets["locked_zh"].number
    }
    assert numbers(knowledge.search(session, "打印", SearchFilter(states=("resolved",)))) == {
        tickets["invoice_zh"].number
    }
    entries = knowledge.search(session, "打印", SearchFilter(kind="knowledge"))
    assert {hit.kind for hit in entries} == {"knowledge"} and tickets["invoice_zh"].number not in numbers(
        entries
    )
    late = START + timedelta(hours=30)
    assert numbers(knowledge.search(session, "备份", SearchFilter(since=late))) == {
        tickets["backup_zh"].number
    }
    assert knowledge.search(session, "备份", SearchFilter(until=late)) == []
    assert knowledge.search(session, "打印", SearchFilter(customer="someone.else@")) == []
    assert knowledge.search(session, "打印", SearchFilter(customer="CUSTOMER@EXAMPLE"))


def test_a_changed_ticket_is_found_by_its_new_words_after_a_refresh(labelled):
    session, tickets, rules = labelled
    ticket = tickets["page404_zh"]
    ticket.solution, ticket.updated_at = (
        "帮助中心的链接改到了新域名",
        ticket.updated_at + timedelta(minutes=5),
    )
    session.commit()
    assert knowledge.search(session, "新域名") == []  # the index has not caught up yet
    assert knowledge.refresh(session, rules) == 1
    assert [hit.number for hit in knowledge.search(session, "新域名")] == [ticket.number]
    assert knowledge.refresh(session, rules) == 0


def test_similar_tickets_are_solved_ones_with_their_solutions(labelled):
    session, tickets, _ = labelled
    new = Ticket(
        id=10_000, number="202612-001", subject="打印机又卡纸了", description="二楼的打印机也经常卡纸"
    )
    similar = knowledge.similar_tickets(session, new)
    assert (
        similar[0].number == tickets["jam_zh"].number
        and similar[0].solution == "更换了搓纸轮并清理了进纸通道。"
    )
    assert len(similar) <= 3 and all(s.status in ("resolved", "closed") for s in similar)
    english = Ticket(
        id=10_001, number="202612-002", subject="VPN fails to connect", description="authentication error"
    )
    assert knowledge.similar_tickets(session, english)[0].number == tickets["vpn_en"].number
    unsolved = Ticket(id=10_002, number="202612-003", subject="帮助页面404", description="")
    assert tickets["page404_zh"].number not in {
        s.number for s in knowledge.similar_tickets(session, unsolved)
    }


def test_reindex_writes_the_entries_of_tickets_closed_before_the_knowledge_base(labelled):
    session, tickets, rules = labelled
    assert knowledge.reindex(session, rules, lambda *_: None) == len(tickets)
    session.commit()
    assert [h.kind for h in knowledge.search(session, "搓纸轮")] == ["knowledge"]


def test_a_reopened_ticket_keeps_its_entry_which_shows_the_state_now(labelled):
    session, tickets, rules = labelled
    ticket = tickets["jam_zh"]
    ticket.status, ticket.updated_at = "reopened", ticket.updated_at + timedelta(days=40)
    session.commit()
    knowledge.refresh(session, rules)
    [hit] = knowledge.search(session, "搓纸轮", SearchFilter(states=("reopened",)))
    assert (hit.kind, hit.number, hit.state) == ("knowledge", ticket.number, "reopened")
    new = Ticket(id=10_003, number="202612-004", subject="打印机卡纸", description="")
    assert ticket.number not in {s.number for s in knowledge.similar_tickets(session, new)}


def test_two_searches_refreshing_at_once_both_succeed_and_index_each_ticket_once(labelled, db_url):
    session, tickets, rules = labelled
    for ticket in tickets.values():
        ticket.updated_at += timedelta(days=60)
    session.commit()
    engine = make_engine(db_url)
    failures: list[Exception] = []

    def search_now() -> None:
        with session_factory(engine)() as own:
            try:
                knowledge.refresh(own, rules)
                own.commit()
            except Exception as exc:  # collected: the assertion below names it
                failures.append(exc)

    threads = [threading.Thread(target=search_now) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert failures == []
    documents = session.scalar(
        select(func.count()).select_from(SearchDocument).where(SearchDocument.kind == "ticket")
    )
    assert documents == len(tickets) and knowledge.refresh(session, rules) == 0
