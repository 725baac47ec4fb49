"""Mails recorded in batches: one transaction and one move for many mails, and still each mail once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import event, select

from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.ingest.loop import BATCH, BATCH_BYTES, batches
from helpdesk.pipeline import MailSource
from helpdesk.tickets.models import Message, OutboxMail, SeenMail, Ticket
from helpdesk.tickets.repository import Repository
from tests.conftest import MAILS


def subjects(app: Helpdesk) -> list[str]:
    with app.sessions() as session:
        return list(session.scalars(select(Ticket.subject).order_by(Ticket.id)))


def acknowledged(app: Helpdesk) -> list[str]:
    with app.sessions() as session:
        return list(session.scalars(select(OutboxMail.recipient).order_by(OutboxMail.id)))


def test_a_batch_keeps_each_mail_to_itself_and_quarantines_only_the_bad_one(
    make_config, db_url, account, smtp
):
    first = customer_mail("Anna <anna@example.com>", "Export fails", "Error 500")
    first_id = first.split(b"Message-ID: ")[1].split(b"\n")[0].strip().decode()
    reply = customer_mail("Anna <anna@example.com>", "Re: Export fails", "Still 500", In_Reply_To=first_id)
    account.deliver(
        first,
        (MAILS / "corrupt_no_headers.eml").read_bytes(),
        customer_mail("李雷 <li.lei@example.cn>", "系统无法登录", "今天早上开始无法登录"),
        reply,  # answers a mail of the same batch: joins the ticket opened a moment before
        first,  # the same mail again: a duplicate, no second ticket
    )
    app = Helpdesk(make_config(db_url))
    assert app.ingest.run_once() == 5
    assert subjects(app) == ["Export fails", "系统无法登录"]
    assert acknowledged(app) == ["anna@example.com", "li.lei@example.cn"]
    with app.sessions() as session:
        [held] = Repository(session).quarantined()
        assert held.stage == "parse" and held.uid == 2
        assert len(session.scalars(select(Message).where(Message.direction == "in")).all()) == 3
        outcomes = dict(session.execute(select(SeenMail.uid, SeenMail.outcome)).all())
    assert outcomes == {1: "created", 2: "quarantined", 3: "created", 4: "appended", 5: "duplicate"}
    assert account.count("INBOX") == 0
    assert account.count("Processed") == 4 and account.count("Quarantine") == 1
    app.ingest.mailbox.close()
    app.close()


def test_a_uid_another_daemon_records_during_the_batch_is_recorded_once(make_config, db_url, account, smtp):
    """The other daemon commits UID 2 after this batch looked: the batch rolls back whole and its
    mails go again one by one, so UID 2 is 'already' and nothing is there twice."""
    config = make_config(db_url)
    ours, theirs = Helpdesk(config), Helpdesk(config)
    raws = [customer_mail(f"c{n} <c{n}@example.com>", f"报表导出失败 {n}", "报错 504。") for n in range(4)]
    batch = [(raw, MailSource("INBOX", 7, uid)) for uid, raw in enumerate(raws, 1)]
    taken: list[str] = []

    def other_daemon_takes_uid_2(_conn, _cursor, statement: str, *_args) -> None:
        if not taken and statement.lstrip().startswith("SELECT seen_mails"):
            taken.append(theirs.pipeline.process(*batch[1]).kind)

    event.listen(ours.engine, "after_cursor_execute", other_daemon_takes_uid_2)
    outcomes = [outcome.kind for outcome in ours.pipeline.process_batch(batch)]
    assert taken == ["created"]
    assert outcomes == ["created", "already", "created", "created"]
    assert sorted(subjects(ours)) == sorted(f"报表导出失败 {n}" for n in range(4))
    assert Counter(acknowledged(ours)) == Counter(f"c{n}@example.com" for n in range(4))
    ours.close()
    theirs.close()


def test_a_batch_already_recorded_changes_nothing(make_config, sqlite_url, account, smtp):
    """A restart between the batch's commit and its move: every mail is 'already', none twice."""
    app = Helpdesk(make_config(sqlite_url))
    raws = [customer_mail(f"c{n} <c{n}@example.com>", f"无法登录 {n}", "无法登录") for n in range(3)]
    batch = [(raw, MailSource("INBOX", 7, uid)) for uid, raw in enumerate(raws, 1)]
    assert [o.kind for o in app.pipeline.process_batch(batch)] == ["created"] * 3
    assert [o.kind for o in app.pipeline.process_batch(batch)] == ["already"] * 3
    assert len(subjects(app)) == 3 and len(acknowledged(app)) == 3
    app.close()


class Sizes:
    """What `batches` asks the server: each mail's size."""

    def __init__(self, sizes: dict[int, int]) -> None:
        self.known = sizes
        self.asked: list[list[int]] = []

    def sizes(self, uids: list[int]) -> dict[int, int]:
        self.asked.append(uids)
        return {uid: self.known[uid] for uid in uids if uid in self.known}


def test_batches_hold_at_most_so_many_mails_and_bytes():
    small = Sizes(dict.fromkeys(range(1, 2 * BATCH + 3), 1000))
    assert [len(b) for b in batches(small, sorted(small.known))] == [BATCH, BATCH, 2]
    big = BATCH_BYTES // 2 + 1
    mixed = Sizes({1: 10, 2: big, 3: big, 4: 5 * BATCH_BYTES, 5: 10})
    # A mail too large for any batch goes alone; one expunged meanwhile (6, no size) rides along.
    assert list(batches(mixed, [1, 2, 3, 4, 5, 6])) == [[1, 2], [3], [4], [5, 6]]
    assert list(batches(mixed, [])) == [] and mixed.asked == [[1, 2, 3, 4, 5, 6]]
