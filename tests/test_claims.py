"""Daemons sharing one mailbox on PostgreSQL leave alone the mails another daemon is working on."""

from __future__ import annotations

from imapclient import IMAPClient
from sqlalchemy import func, select

from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.ingest.claims import Claims
from helpdesk.tickets.models import Ticket


def uids(account) -> list[int]:
    client: IMAPClient = account.client()
    client.select_folder("INBOX", readonly=True)
    found = sorted(client.search("ALL"))
    client.logout()
    return found


def test_mails_another_daemon_holds_are_left_to_it_and_taken_once_it_lets_go(
    make_config, pg_url, account, smtp
):
    app = Helpdesk(make_config(pg_url))
    account.deliver(
        *(customer_mail(f"c{n} <c{n}@example.cn>", f"报表 {n}", "报表供参考。") for n in range(6))
    )
    all_uids = uids(account)
    client = account.client()
    uidvalidity = client.select_folder("INBOX")[b"UIDVALIDITY"]
    client.logout()
    other = Claims(app.engine, "", "INBOX")  # another daemon, working on the first three
    held, taken = other.take(uidvalidity, all_uids[:3])
    assert taken == all_uids[:3]
    again, more = other.take(uidvalidity, all_uids[:4])
    again.release()
    assert more == [all_uids[3]]  # the three are held already: not taken twice
    try:
        assert app.run_once(backlog="answer").mails == 3
        assert uids(account) == all_uids[:3]  # untouched: another daemon's
    finally:
        held.release()
    assert app.run_once().mails == 3
    assert uids(account) == []
    with app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 6
    app.close()


def test_a_daemon_that_dies_lets_go_of_its_mails(make_config, pg_url, account, smtp):
    app = Helpdesk(make_config(pg_url))
    account.deliver(customer_mail("c <c@example.cn>", "报表", "报表供参考。"))
    client = account.client()
    uidvalidity = client.select_folder("INBOX")[b"UIDVALIDITY"]
    client.logout()
    held, taken = Claims(app.engine, "", "INBOX").take(uidvalidity, uids(account))
    assert len(taken) == 1
    held.connection.invalidate()  # its connection dropped, as when its process is killed
    assert app.run_once(backlog="answer").mails == 1
    app.close()
