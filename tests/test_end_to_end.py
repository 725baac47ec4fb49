"""A support mailbox becomes tickets and acknowledgements, exactly once, over real IMAP, SMTP, databases."""

from __future__ import annotations

import email
import email.policy
import threading
import time

import pytest
from sqlalchemy import event, func, select

from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.errors import StoreUnavailable
from helpdesk.pipeline import MailSource
from helpdesk.tickets import views
from helpdesk.tickets.models import AttachmentRow, Message, OutboxMail, Ticket
from helpdesk.tickets.repository import Repository
from tests.conftest import MAILS, use_dovecot


def tickets(app: Helpdesk) -> list[Ticket]:
    with app.sessions() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def parsed(received) -> email.message.EmailMessage:
    return email.message_from_bytes(received.data, policy=email.policy.default)


def wait_until(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_mail_becomes_one_ticket_and_one_acknowledgement(make_config, db_url, account, smtp):
    app = Helpdesk(make_config(db_url))
    account.deliver(
        customer_mail(
            "李雷 <li.lei@example.cn>", "系统无法登录", "今天早上开始 OA 系统提示“验证码错误”。\n\n谢谢"
        )
    )
    result = app.run_once()
    assert (result.mails, result.outbox.sent) == (1, 1)
    [ticket] = tickets(app)
    assert ticket.number.endswith("-001") and len(ticket.number) == 10  # YYYYMM-NNN
    assert (ticket.status, ticket.language, ticket.requester_email) == ("new", "zh", "li.lei@example.cn")
    [sent] = smtp.received
    ack = parsed(sent)
    assert sent.recipients == ["li.lei@example.cn"]
    assert ack["Subject"] == f"[#{ticket.number}] 已收到您的需求：系统无法登录"
    assert ack["Auto-Submitted"] == "auto-replied"
    with app.sessions() as session:
        [inbound] = session.scalars(select(Message).where(Message.direction == "in")).all()
    assert ack["In-Reply-To"] == f"<{inbound.message_id}>"
    body = ack.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body.startswith("李雷，您好：\n\n已收到您的需求，我们将尽快处理并同步进展。")
    assert ticket.number in body
    assert body.count("您好") == 1  # one greeting
    assert "已收到您的需求" in ack.get_body(("html",)).get_content()
    assert account.count("INBOX") == 0 and account.count("Processed") == 1
    # A second run finds nothing new and sends nothing more.
    assert app.run_once().mails == 0 and len(smtp.received) == 1
    app.close()


def test_english_mail_gets_english_acknowledgement(make_config, sqlite_url, account, smtp):
    app = Helpdesk(make_config(sqlite_url))
    account.deliver(customer_mail("Anna <anna@example.com>", "Export fails", "Error 500 when exporting."))
    app.run_once()
    ack = parsed(smtp.received[0])
    assert "We have received your request: Export fails" in ack["Subject"]
    text = ack.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Hello Anna,\n\nWe have received your request and will keep you informed.")
    assert text.count("Hello") == 1 and "技术支持" not in text and ack["From"].startswith("Technical Support")
    app.close()


def test_reply_joins_its_ticket_by_headers_and_by_tag(make_config, sqlite_url, account, smtp):
    app = Helpdesk(make_config(sqlite_url))
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "系统无法登录", "无法登录"))
    app.run_once()
    [ticket] = tickets(app)
    ack = parsed(smtp.received[0])
    by_header = customer_mail(
        "李雷 <li.lei@example.cn>", "回复：" + ack["Subject"], "截图见附件\n\n> 旧内容",
        In_Reply_To=ack["Message-ID"], References=ack["Message-ID"],
    )  # fmt: skip
    by_tag = (
        (MAILS / "outlook_zh_gb2312_tagged_reply.eml")
        .read_bytes()
        .replace(b"{{NUMBER}}", ticket.number.encode())
    )
    account.deliver(by_header, by_tag)
    app.run_once()
    assert len(tickets(app)) == 1
    with app.sessions() as session:
        inbound = session.scalars(
            select(Message)
            .where(Message.ticket_id == ticket.id, Message.direction == "in")
            .order_by(Message.id)
        ).all()
    assert [m.new_text for m in inbound] == [
        "无法登录",
        "截图见附件",
        "补充信息：版本 3.2.1，出错时间 2026-11-21 09:05。\n\n谢谢\n李雷",
    ]
    assert len(smtp.received) == 1  # replies are not acknowledged again
    app.close()


def test_stranger_naming_a_ticket_gets_a_new_linked_ticket(make_config, db_url, account, smtp):
    app = Helpdesk(make_config(db_url))
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "系统无法登录", "无法登录"))
    app.run_once()
    [first] = tickets(app)
    account.deliver(
        customer_mail("Mallory <mallory@evil.example>", f"Re: [#{first.number}] 系统无法登录", "close it")
    )
    app.run_once()
    _, second = tickets(app)
    assert second.related_ticket_id == first.id and second.requester_email == "mallory@evil.example"
    with app.sessions() as session:
        assert session.scalar(select(func.count(Message.id)).where(Message.ticket_id == first.id)) == 2
        shown = views.ticket_detail(Repository(session).ticket_detail(second.number), app.config.zone)
    assert shown["related"] == first.number  # `tickets show` names the ticket it links to
    assert second.subject == "系统无法登录"
    app.close()


def test_people_copied_on_a_reply_may_write_in_the_thread(make_config, sqlite_url, account, smtp):
    app = Helpdesk(make_config(sqlite_url))
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "系统无法登录", "无法登录"))
    app.run_once()
    [ticket] = tickets(app)
    tag = f"[#{ticket.number}]"
    account.deliver(
        customer_mail("李雷 <li.lei@example.cn>", f"Re: {tag}", "抄送同事", Cc="han.mei@example.cn")
    )
    app.run_once()
    account.deliver(customer_mail("韩梅 <han.mei@example.cn>", f"Re: {tag}", "我这边也无法登录"))
    app.run_once()
    assert len(tickets(app)) == 1
    with app.sessions() as session:
        senders = session.scalars(select(Message.sender).where(Message.direction == "in")).all()
    assert senders == ["li.lei@example.cn", "li.lei@example.cn", "han.mei@example.cn"]
    app.close()


def test_same_message_twice_makes_one_ticket(make_config, sqlite_url, account, smtp):
    app = Helpdesk(make_config(sqlite_url))
    raw = customer_mail("Anna <anna@example.com>", "Export fails", "Error 500")
    account.deliver(raw, raw)  # a resend with the same Message-ID
    app.run_once()
    assert len(tickets(app)) == 1 and len(smtp.received) == 1
    assert account.count("Processed") == 2
    app.close()


def test_restart_between_commit_and_move_duplicates_nothing(make_config, sqlite_url, account, smtp):
    config = make_config(sqlite_url)
    account.deliver(customer_mail("Anna <anna@example.com>", "Export fails", "Error 500"))
    crashed = Helpdesk(config)
    client = account.client()
    uidvalidity = client.select_folder("INBOX")[b"UIDVALIDITY"]
    [uid] = client.search("ALL")
    raw = client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
    client.logout()
    # The first run commits, then dies before moving the mail out of the inbox.
    assert crashed.pipeline.process(raw, MailSource("INBOX", uidvalidity, uid)).kind == "created"
    crashed.close()
    restarted = Helpdesk(config)
    result = restarted.run_once()
    assert result.mails == 1 and len(tickets(restarted)) == 1
    assert len(smtp.received) == 1 and account.count("INBOX") == 0
    restarted.close()


def test_corrupt_mail_is_quarantined_and_the_next_goes_through(make_config, sqlite_url, account, smtp):
    app = Helpdesk(make_config(sqlite_url))
    account.deliver(
        (MAILS / "corrupt_no_headers.eml").read_bytes(),
        customer_mail("Anna <anna@example.com>", "Export fails", "Error 500"),
    )
    app.run_once()
    assert [t.subject for t in tickets(app)] == ["Export fails"]
    with app.sessions() as session:
        from helpdesk.tickets.repository import Repository

        [entry] = Repository(session).quarantined()
        assert entry.stage == "parse" and "no mail headers" in entry.error
        assert entry.raw.data.startswith(b"\x01\x02 this is not a mail, just bytes\r\n")
    assert account.count("Quarantine") == 1 and account.count("Processed") == 1
    assert app.pipeline.retry(entry.id).kind == "quarantined"  # still broken: stays held
    app.close()


def test_attachments_are_stored_outside_the_row(make_config, sqlite_url, account, smtp):
    config = make_config(sqlite_url)
    app = Helpdesk(config)
    account.deliver((MAILS / "thunderbird_rfc2231_zh_attachment.eml").read_bytes())
    app.run_once()
    with app.sessions() as session:
        rows = session.scalars(select(AttachmentRow).order_by(AttachmentRow.id)).all()
    assert [(a.filename, a.content_type) for a in rows] == [
        ("错误截图.png", "image/png"),
        ("server.log", "text/plain"),
    ]
    stored = app.pipeline.recorder.blobs.get(rows[0].sha256)
    assert stored.startswith(b"\x89PNG") and len(stored) == rows[0].size
    app.close()


def test_automatic_mail_is_never_acknowledged(make_config, sqlite_url, account, smtp):
    app = Helpdesk(make_config(sqlite_url))
    own = customer_mail(f"Support <{account.user}>", "loop", "our own mail came back")
    account.deliver((MAILS / "exchange_zh_out_of_office.eml").read_bytes(), own)
    assert app.run_once().mails == 2
    assert tickets(app) == [] and smtp.received == []
    app.close()


def test_auto_mail_to_one_address_is_capped_per_day(make_config, sqlite_url, account, smtp):
    app = Helpdesk(make_config(sqlite_url, auto_reply_daily_limit=2))
    account.deliver(*(customer_mail("Bot <bot@example.com>", f"report {n}", "x") for n in range(4)))
    app.run_once()
    assert len(tickets(app)) == 4 and len(smtp.received) == 2
    app.close()


def test_smtp_down_then_up_loses_nothing(make_config, sqlite_url, account, smtp):
    from datetime import UTC, datetime, timedelta

    from helpdesk.clock import ManualClock

    clock = ManualClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    smtp.refuse("451 4.3.0 try again later")
    app = Helpdesk(make_config(sqlite_url), clock=clock)
    account.deliver(customer_mail("Anna <anna@example.com>", "Export fails", "Error 500"))
    first = app.run_once()
    assert (first.mails, first.outbox.sent, first.outbox.retrying) == (1, 0, 1)
    with app.sessions() as session:
        row = session.scalar(select(OutboxMail))
        assert row.status == "pending" and row.attempts == 1 and "451" in row.last_error
        assert row.next_attempt_at > clock.now()
    assert app.run_once().outbox.sent == 0  # not due yet: nothing is attempted
    smtp.refuse(None)
    clock.advance(timedelta(hours=1))
    assert app.run_once().outbox.sent == 1
    assert len(smtp.received) == 1
    app.close()


def test_smtp_server_not_listening_then_back(make_config, sqlite_url, account):
    from datetime import UTC, datetime, timedelta

    from helpdesk.clock import ManualClock
    from helpdesk.localservers import SmtpSink, free_port

    clock = ManualClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    port = free_port()  # nothing listens here yet
    app = Helpdesk(make_config(sqlite_url, smtp={"port": port}), clock=clock)
    account.deliver(customer_mail("Anna <anna@example.com>", "Export fails", "Error 500"))
    first = app.run_once().outbox
    # Nobody listening is the server's outage, not the mail's: the mail is neither charged nor delayed.
    assert (first.retrying, first.failed) == (0, 0) and first.outage.startswith("connect failed")
    with app.sessions() as session:
        row = session.scalar(select(OutboxMail))
        assert (row.status, row.attempts, row.last_error) == ("pending", 0, "")
    sink = SmtpSink(port).start()
    try:
        clock.advance(timedelta(minutes=5))
        assert app.run_once().outbox.sent == 1
        assert [r.recipients for r in sink.received] == [["anna@example.com"]]
    finally:
        sink.stop()
    app.close()


def test_flag_mode_leaves_mail_in_place_and_never_rereads_it(make_config, sqlite_url, account, smtp):
    app = Helpdesk(make_config(sqlite_url, imap={"processed_action": "flag"}))
    account.deliver(customer_mail("Anna <anna@example.com>", "Export fails", "Error 500"))
    assert app.run_once().mails == 1
    account.deliver(customer_mail("Anna <anna@example.com>", "Another", "x"))
    assert app.run_once().mails == 1
    assert app.run_once().mails == 0
    assert account.count("INBOX") == 2 and len(tickets(app)) == 2 and len(smtp.received) == 2
    client = account.client()
    client.select_folder("INBOX", readonly=True)
    flags = client.get_flags(client.search("ALL"))
    client.logout()
    # A keyword of our own: \\Flagged and \\Seen stay the people's. pymap keeps no keywords
    # (PERMANENTFLAGS without \\*): there the database's UID checkpoint alone says what is done.
    mark = (b"$HelpdeskDone",) if use_dovecot() else ()
    assert all(f == mark for f in flags.values()), flags
    app.close()


def test_permanent_smtp_failure_is_marked_and_visible(make_config, sqlite_url, account, smtp):
    smtp.refuse("550 5.1.1 mailbox unavailable")
    app = Helpdesk(make_config(sqlite_url))
    account.deliver(customer_mail("Anna <anna@example.com>", "Export fails", "Error 500"))
    assert app.run_once().outbox.failed == 1
    [ticket] = tickets(app)
    with app.sessions() as session:
        from helpdesk.tickets.repository import Repository

        detail = views.ticket_detail(Repository(session).ticket_detail(ticket.number), app.config.zone)
    [row] = detail["outbox"]
    assert row["status"] == "failed" and "550" in row["last_error"]
    app.close()


def test_daemon_picks_up_new_mail_by_idle_and_survives_a_dropped_connection(
    make_config, sqlite_url, account, smtp
):
    from tests.support.proxy import Proxy

    proxy = Proxy(account.port).start()
    # Polling is slowed to a minute, so only IDLE can deliver the mail in time.
    config = make_config(sqlite_url, imap={"port": proxy.port, "poll_seconds": 60})
    app = Helpdesk(config)
    stop = threading.Event()
    daemon = threading.Thread(target=app.run, args=(stop,))
    daemon.start()
    try:
        wait_until(lambda: proxy.connections_made >= 1)
        time.sleep(0.5)  # let the loop enter IDLE
        account.deliver(customer_mail("Anna <anna@example.com>", "first", "x"))
        wait_until(lambda: len(smtp.received) == 1)
        proxy.cut()  # the network drops every connection; the server refuses for a while
        account.deliver(customer_mail("Anna <anna@example.com>", "second", "y"))
        time.sleep(0.5)
        proxy.start()
        wait_until(lambda: len(smtp.received) == 2)
        assert [t.subject for t in tickets(app)] == ["first", "second"]
    finally:
        stop.set()
        daemon.join(30)
        proxy.cut()
    assert not daemon.is_alive()


def test_database_outage_is_survived(make_config, pg_url, account, smtp):
    from urllib.parse import urlsplit, urlunsplit

    from tests.support.proxy import Proxy

    parts = urlsplit(pg_url)
    proxy = Proxy(parts.port).start()
    via_proxy = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    app = Helpdesk(make_config(via_proxy))
    stop = threading.Event()
    daemon = threading.Thread(target=app.run, args=(stop,))
    daemon.start()
    try:
        account.deliver(customer_mail("Anna <anna@example.com>", "first", "x"))
        wait_until(lambda: len(smtp.received) == 1)
        proxy.cut()  # the database goes away
        account.deliver(customer_mail("Anna <anna@example.com>", "second", "y"))
        time.sleep(1.0)
        proxy.start()
        # A cut between the SMTP server's 250 and our commit resends that mail with its
        # Message-ID (at-least-once); what counts is that both acknowledgements arrive.
        wait_until(lambda: len({parsed(r)["Message-ID"] for r in smtp.received}) == 2, seconds=30)
        assert [t.subject for t in tickets(app)] == ["first", "second"]
    finally:
        stop.set()
        daemon.join(30)
        proxy.cut()
        app.close()
    assert not daemon.is_alive()
    assert account.count("INBOX") == 0


def test_a_read_only_database_keeps_the_mail_in_the_mailbox(make_config, tmp_path, account, smtp):
    """Not the mail's fault: nothing is quarantined, the mail waits in INBOX and goes through later."""
    path = tmp_path / "helpdesk.db"
    Helpdesk(make_config(f"sqlite:///{path}")).close()  # the schema, written while writable
    config = make_config(f"sqlite:///{path}")
    # SQLite's own read-only mode: root ignores file permissions, SQLite does not.
    database = config.database.model_copy(update={"url": f"sqlite:///file:{path}?mode=ro&uri=true"})
    read_only = Helpdesk(config.model_copy(update={"database": database}))
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "系统无法登录", "无法登录"))
    with pytest.raises(StoreUnavailable, match="readonly"):
        read_only.run_once()
    read_only.close()
    assert account.count("INBOX") == 1
    app = Helpdesk(make_config(f"sqlite:///{path}"))
    assert app.run_once().mails == 1
    assert len(tickets(app)) == 1 and account.count("INBOX") == 0
    with app.sessions() as session:
        assert Repository(session).quarantined() == []
    app.close()


def test_a_read_only_postgresql_keeps_the_mail_in_the_mailbox(make_config, pg_url, account, smtp):
    """PostgreSQL in read-only mode (a standby, a full disk guard) is an outage, not a bad mail."""
    app = Helpdesk(make_config(pg_url))
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "系统无法登录", "无法登录"))

    def read_only(dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET default_transaction_read_only = on")
        dbapi_connection.commit()

    event.listen(app.engine, "connect", read_only)
    app.engine.dispose()
    with pytest.raises(StoreUnavailable, match="ReadOnlySqlTransaction"):
        app.run_once()
    assert account.count("INBOX") == 1
    event.remove(app.engine, "connect", read_only)
    app.engine.dispose()
    assert app.run_once().mails == 1 and len(tickets(app)) == 1
    with app.sessions() as session:
        assert Repository(session).quarantined() == []
    app.close()
