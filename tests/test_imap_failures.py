"""IMAP servers that refuse: a NO to one mail's move or flag, a new UIDVALIDITY, no MOVE, bad logins."""

from __future__ import annotations

import logging
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.config import load_config
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.errors import ConfigError
from helpdesk.tickets.models import Ticket
from tests.conftest import MINIMAL_RULES, Account, use_dovecot
from tests.support import dovecot

needs_dovecot = pytest.mark.skipif(not use_dovecot(), reason="rights (ACL) and capabilities need Dovecot")
# Rights per folder from a dovecot-acl file in its maildir, read afresh by every session.
ACL = """
mail_plugins = $mail_plugins acl
plugin {
  acl = vfile::cache_secs=0
}
"""
EVERYTHING_BUT_KEYWORDS = "lrsiptekx"  # lookup read seen insert post \\Deleted expunge create delete
BASE = "IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE CHILDREN ESEARCH"


def start(extra: str) -> Iterator[dovecot.Dovecot]:
    root = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    server = dovecot.Dovecot(root, extra=extra).start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def acl_server() -> Iterator[dovecot.Dovecot]:
    yield from start(ACL)


@pytest.fixture(scope="module", params=["UIDPLUS", "no-UIDPLUS"])
def no_move_server(request) -> Iterator[dovecot.Dovecot]:
    """Dovecot announcing no MOVE (and, the second time, no UIDPLUS either)."""
    extra = "UIDPLUS" if request.param == "UIDPLUS" else ""
    yield from start(f"imap_capability = {BASE} {extra}\n")


def account_on(server: dovecot.Dovecot, name: str) -> Account:
    return Account(server.port, f"{name}@example.com", server.password, server)


def deny(server: dovecot.Dovecot, account: Account, folder: str, rights: str) -> None:
    """Give the mailbox's owner only `rights` on `folder` (which must exist)."""
    home = server.root / "mail" / account.user
    (home / ("" if folder == "INBOX" else f".{folder}") / "dovecot-acl").write_text(f"owner {rights}\n")


def allow(server: dovecot.Dovecot, account: Account, folder: str) -> None:
    home = server.root / "mail" / account.user
    (home / ("" if folder == "INBOX" else f".{folder}") / "dovecot-acl").unlink()


def config_for(tmp_path: Path, account: Account, db: str, **imap):
    data = {
        "support_address": account.user,
        "database": {"url": db},
        "imap": {
            "host": "127.0.0.1",
            "port": account.port,
            "username": account.user,
            "password": account.password,
            "poll_seconds": 0.2,
            "timeout_seconds": 5,
            "reconnect": {"initial": 0.1, "maximum": 0.5},
            **imap,
        },
        "smtp": {"host": "127.0.0.1", "port": 1, "poll_seconds": 0.1},  # nothing is sent here
        "paths": {"data": "var", "rules": str(MINIMAL_RULES)},
    }
    path = tmp_path / "helpdesk.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def helpdesk(tmp_path: Path, account: Account, db: str, **imap) -> Helpdesk:
    return Helpdesk(load_config(config_for(tmp_path, account, db, **imap), environ={}))


def subjects(app: Helpdesk) -> list[str]:
    with app.sessions() as session:
        return list(session.scalars(select(Ticket.subject).order_by(Ticket.id)))


def warnings(caplog, text: str) -> int:
    return sum(text in r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


def mails(*names: str) -> list[bytes]:
    return [customer_mail("Anna <anna@example.com>", name, f"about {name}") for name in names]


@needs_dovecot
def test_a_refused_move_leaves_the_mail_done_and_the_mailbox_going(tmp_path, sqlite_url, acl_server, caplog):
    account = account_on(acl_server, "nomove")
    client = account.client()
    client.create_folder("Processed")
    client.logout()
    deny(acl_server, account, "Processed", "lr")  # no insert right: every MOVE into it is refused
    account.deliver(*mails("one", "two", "three"))
    app = helpdesk(tmp_path, account, sqlite_url)
    # Before: the first refused MOVE raised, and the loop reconnected and retried it forever.
    assert app.ingest.run_once() == 3
    assert subjects(app) == ["one", "two", "three"]
    assert account.count("INBOX") == 3 and account.count("Processed") == 0
    assert warnings(caplog, "refused MOVE into Processed") == 1  # the folder's problem, said once
    assert app.ingest.run_once() == 0  # given up on: not fetched again every cycle
    app.ingest.mailbox.close()
    app.close()
    allow(acl_server, account, "Processed")  # the operator fixes the rights and restarts
    again = helpdesk(tmp_path, account, sqlite_url)
    assert again.ingest.run_once() == 3  # recorded already: only moved now
    again.ingest.mailbox.close()
    assert subjects(again) == ["one", "two", "three"]
    assert account.count("INBOX") == 0 and account.count("Processed") == 3
    again.close()


@needs_dovecot
def test_the_daemon_goes_on_past_a_refused_move(tmp_path, sqlite_url, acl_server, caplog):
    account = account_on(acl_server, "daemon")
    client = account.client()
    client.create_folder("Processed")
    client.logout()
    deny(acl_server, account, "Processed", "lr")
    account.deliver(*mails("first"))
    app = helpdesk(tmp_path, account, sqlite_url)
    stop = threading.Event()
    worker = threading.Thread(target=app.ingest.run_forever, args=(stop,))
    worker.start()
    try:
        account.deliver(*mails("second"))
        deadline = threading.Event()
        for _ in range(100):
            if len(subjects(app)) == 2:
                break
            deadline.wait(0.1)
        assert subjects(app) == ["first", "second"]
    finally:
        stop.set()
        worker.join(30)
    assert warnings(caplog, "unreachable") == 0 and warnings(caplog, "refused MOVE") == 1
    app.close()


@needs_dovecot
def test_flag_mode_without_keywords_falls_back_to_the_checkpoint(tmp_path, sqlite_url, acl_server, caplog):
    account = account_on(acl_server, "nokeywords")
    account.deliver(*mails("one", "two"))
    deny(acl_server, account, "INBOX", EVERYTHING_BUT_KEYWORDS)  # PERMANENTFLAGS without \*
    app = helpdesk(tmp_path, account, sqlite_url, processed_action="flag")
    assert app.run_once().mails == 2
    assert warnings(caplog, "keeps no keyword $HelpdeskDone") == 1
    assert app.run_once().mails == 0
    account.deliver(*mails("three"))
    assert app.run_once().mails == 1
    app.close()
    restarted = helpdesk(tmp_path, account, sqlite_url, processed_action="flag")
    # The checkpoint is read from the database: nothing is fetched again after a restart.
    assert restarted.run_once().mails == 0
    assert subjects(restarted) == ["one", "two", "three"] and account.count("INBOX") == 3
    restarted.close()


def recreate(account: Account, folder: str, *raws: bytes) -> None:
    """Delete the folder and make it anew (a restore, a migration): the server gives a new UIDVALIDITY."""
    client = account.client()
    client.delete_folder(folder)
    client.create_folder(folder)
    for raw in raws:
        client.append(folder, raw)
    client.logout()


def uidvalidity(account: Account, folder: str) -> int:
    client = account.client()
    try:
        return int(client.select_folder(folder, readonly=True)[b"UIDVALIDITY"])
    finally:
        client.logout()


@pytest.mark.parametrize("action", ["move", "flag"])
def test_a_new_uidvalidity_reconsiders_every_mail_and_duplicates_nothing(
    tmp_path, sqlite_url, account, caplog, action
):
    client = account.client()
    client.create_folder("Support")
    client.logout()
    one, two, three, four = mails("one", "two", "three", "four")
    account.deliver(one, two, folder="Support")
    app = helpdesk(tmp_path, account, sqlite_url, folder="Support", processed_action=action)
    assert app.run_once().mails == 2
    before = uidvalidity(account, "Support")
    # Restored from a backup, with new mail: the new mail gets the UIDs 1 and 3 that once were others'.
    recreate(account, "Support", three, one, four)
    assert uidvalidity(account, "Support") != before
    assert app.run_once().mails == 3
    assert subjects(app) == ["one", "two", "three", "four"]  # "one" again is a duplicate, no ticket
    assert warnings(caplog, "has a new UIDVALIDITY") == 1
    assert app.run_once().mails == 0
    app.close()


@needs_dovecot
def test_a_new_uidvalidity_voids_the_checkpoint_without_keywords(tmp_path, sqlite_url, acl_server, caplog):
    account = account_on(acl_server, "renumbered")
    client = account.client()
    client.create_folder("Support")
    client.logout()
    one, two, three, four = mails("one", "two", "three", "four")
    account.deliver(one, two, folder="Support")
    deny(acl_server, account, "Support", EVERYTHING_BUT_KEYWORDS)
    app = helpdesk(tmp_path, account, sqlite_url, folder="Support", processed_action="flag")
    assert app.run_once().mails == 2  # checkpoint: UID 2
    app.close()
    recreate(account, "Support", three, one, four)  # UIDs 1, 2, 3 again, all of them new
    deny(acl_server, account, "Support", EVERYTHING_BUT_KEYWORDS)
    restarted = helpdesk(tmp_path, account, sqlite_url, folder="Support", processed_action="flag")
    # A stale checkpoint would have hidden UIDs 1 and 2 ("three" lost) and shown only "four".
    assert restarted.run_once().mails == 3
    assert subjects(restarted) == ["one", "two", "three", "four"]
    assert warnings(caplog, "has a new UIDVALIDITY") == 1
    restarted.close()


@needs_dovecot
def test_copy_and_expunge_never_takes_mail_someone_else_deleted(tmp_path, sqlite_url, no_move_server):
    account = account_on(no_move_server, f"nomove{len(list((no_move_server.root / 'mail').iterdir()))}")
    account.deliver(*mails("theirs", "ours"))
    person = account.client()
    person.select_folder("INBOX")
    assert not person.has_capability("MOVE")
    [theirs, _] = sorted(person.search("ALL"))
    person.add_flags([theirs], ["\\Deleted"])  # a person marked it for deletion, not yet expunged
    person.logout()
    app = helpdesk(tmp_path, account, sqlite_url)
    assert app.run_once().mails == 1
    assert subjects(app) == ["ours"] and account.count("Processed") == 1
    client = account.client()
    client.select_folder("INBOX", readonly=True)
    assert client.get_flags(client.search("ALL")) == {theirs: (b"\\Deleted",)}  # still there, still theirs
    client.logout()
    app.close()


def test_a_system_flag_is_refused_as_the_processed_flag(tmp_path):
    path = tmp_path / "helpdesk.yaml"
    path.write_text(yaml.safe_dump({"imap": {"processed_action": "flag", "processed_flag": "\\Flagged"}}))
    with pytest.raises(ConfigError, match="system flag"):
        load_config(path, environ={})


def run_once(tmp_path: Path, account: Account, **imap) -> tuple[int, str]:
    path = config_for(tmp_path, account, f"sqlite:///{tmp_path / 'hd.db'}", **imap)
    result = CliRunner().invoke(main, ["--config", str(path), "run", "--once", "--backlog", "answer"])
    return result.exit_code, result.stderr


def test_a_wrong_password_exits_saying_login_refused(tmp_path, account):
    code, stderr = run_once(tmp_path, account, password="wrong")
    assert code == 1
    assert f"error: IMAP login refused for {account.user} by 127.0.0.1:{account.port}" in stderr
    assert "unreachable" not in stderr and "Traceback" not in stderr


def test_a_server_that_never_answers_is_a_timeout(tmp_path, account):
    silent = socket.create_server(("127.0.0.1", 0))
    try:
        port = silent.getsockname()[1]
        code, stderr = run_once(tmp_path, account, port=port, timeout_seconds=1)
    finally:
        silent.close()
    assert code == 1 and f"error: IMAP server 127.0.0.1:{port} timed out (no answer in 1 s)" in stderr


def test_tls_to_a_plain_port_is_a_tls_failure(tmp_path, account):
    code, stderr = run_once(tmp_path, account, security="tls")
    assert code == 1 and f"error: TLS failure with IMAP server 127.0.0.1:{account.port}" in stderr


def test_nothing_listening_is_unreachable(tmp_path, account):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    code, stderr = run_once(tmp_path, account, port=port)
    assert code == 1 and f"error: IMAP server 127.0.0.1:{port} unreachable" in stderr
