"""A disk that cannot take a mail's attachments is an outage, not a bad mail, shown on real
filesystems: an immutable attachment folder (`chattr +i`: root ignores permissions, not that) and
a full one (a 1 MB tmpfs). The mail stays in the INBOX, unmoved and unquarantined, the daemon
goes on and says what failed, and once the disk recovers the same mail is recorded once."""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk.daemon import Helpdesk
from helpdesk.errors import StoreUnavailable
from helpdesk.tickets.blobs import AttachmentsUnavailable, BlobStore
from helpdesk.tickets.models import AttachmentRow, Ticket
from helpdesk.tickets.repository import Repository

LOG = ("2026-12-01 09:05 ERROR 导出失败 export failed\n" * 300).encode("utf-8")  # 15 KB


def run(*command: str) -> bool:
    return subprocess.run(command, capture_output=True).returncode == 0


@pytest.fixture
def immutable() -> Iterator:
    """Makes a folder immutable (`chattr +i`) and mutable again; skips where chattr cannot."""
    probe = Path(f"/tmp/helpdesk-chattr-{time.monotonic_ns()}")
    probe.mkdir()
    usable = run("chattr", "+i", str(probe)) and run("chattr", "-i", str(probe))
    probe.rmdir()
    if not usable:
        pytest.skip("chattr +i is not permitted here")
    made: list[Path] = []

    def freeze(folder: Path, frozen: bool = True) -> None:
        assert run("chattr", "+i" if frozen else "-i", str(folder))
        made.append(folder)

    yield freeze
    for folder in made:
        run("chattr", "-i", str(folder))


@pytest.fixture
def small_disk() -> Iterator:
    """Mounts a 1 MB tmpfs on a folder; skips where mounting is not permitted."""
    mounted: list[Path] = []

    def mount(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        if not run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)):
            pytest.skip("mount -t tmpfs is not permitted here")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        run("umount", str(folder))


def fill(folder: Path) -> Path:
    """Fill the filesystem of `folder` to the last byte; returns the filler to delete later."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


def with_log(subject: str, data: bytes = LOG) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "李雷 <li.lei@example.cn>", "support@example.com", subject
    mail["Message-ID"] = make_msgid(domain="example.cn")
    mail.set_content("今天 9:05 起导出报错，日志见附件。")
    mail.add_attachment(data, maintype="text", subtype="plain", filename="服务日志.txt")
    return mail.as_bytes()


def recorded(app: Helpdesk) -> tuple[list[str], list[str]]:
    """The tickets' subjects and the stored attachments' digests."""
    with app.sessions() as session:
        subjects = list(session.scalars(select(Ticket.subject).order_by(Ticket.id)))
        digests = list(session.scalars(select(AttachmentRow.sha256)))
        assert Repository(session).quarantined() == []
        return subjects, digests


def attachments(app: Helpdesk) -> Path:
    return app.config.paths.data / "attachments"


def test_an_immutable_folder_refuses_a_blob_as_an_outage_and_takes_it_later(tmp_path, immutable):
    blobs = BlobStore(tmp_path / "attachments")
    blobs.root.mkdir()
    immutable(blobs.root)
    with pytest.raises(AttachmentsUnavailable, match=r"cannot write .*: Operation not permitted"):
        blobs.put(LOG)
    immutable(blobs.root, frozen=False)
    digest = blobs.put(LOG)
    blobs.settle()
    assert blobs.get(digest) == LOG


def test_a_full_disk_refuses_a_blob_and_leaves_no_partial_file(tmp_path, small_disk):
    blobs = BlobStore(small_disk(tmp_path / "attachments"))
    with pytest.raises(AttachmentsUnavailable, match="No space left on device"):
        blobs.put(bytes(2 * 1024 * 1024))
    assert [p for p in blobs.root.rglob("*") if p.is_file()] == []  # the half-written file is gone


def test_a_full_attachment_disk_keeps_the_mail_in_the_inbox(
    make_config, sqlite_url, account, smtp, small_disk
):
    app = Helpdesk(make_config(sqlite_url))
    filler = fill(small_disk(attachments(app)))
    account.deliver(with_log("导出报错"))
    with pytest.raises(StoreUnavailable, match=r"attachment store unavailable: .*No space left on device"):
        app.run_once()
    assert account.count("INBOX") == 1 and account.count("Processed") == 0
    assert recorded(app) == ([], []) and smtp.received == []
    filler.unlink()  # the operator frees the disk
    assert app.run_once().mails == 1
    subjects, [digest] = recorded(app)
    assert subjects == ["导出报错"] and BlobStore(attachments(app)).get(digest) == LOG
    assert account.count("INBOX") == 0 and account.count("Processed") == 1
    assert len(smtp.received) == 1  # one acknowledgement: the mail was recorded once
    assert app.run_once().mails == 0
    app.close()


def test_the_daemon_waits_out_an_unwritable_attachment_folder(
    make_config, sqlite_url, account, smtp, immutable, caplog
):
    app = Helpdesk(make_config(sqlite_url))
    attachments(app).mkdir(parents=True, exist_ok=True)
    immutable(attachments(app))
    account.deliver(with_log("导出报错"))
    stop = threading.Event()
    worker = threading.Thread(target=app.ingest.run_forever, args=(stop,))
    with caplog.at_level(logging.WARNING, logger="helpdesk"):
        worker.start()
        try:
            deadline = time.monotonic() + 30
            while "attachment store unavailable" not in caplog.text:
                assert time.monotonic() < deadline and worker.is_alive()
                time.sleep(0.05)
            time.sleep(0.5)  # a few retries with backoff (0.1 s to 0.5 s) while the folder stays shut
            assert worker.is_alive() and account.count("INBOX") == 1 and recorded(app) == ([], [])
            immutable(attachments(app), frozen=False)  # the operator fixes the folder
            while account.count("Processed") == 0:
                assert time.monotonic() < deadline and worker.is_alive()
                time.sleep(0.05)
        finally:
            stop.set()
            worker.join(30)
    subjects, [_digest] = recorded(app)
    assert subjects == ["导出报错"] and account.count("INBOX") == 0
    [said] = [r.getMessage() for r in caplog.records if "attachment store unavailable" in r.getMessage()]
    assert "cannot write" in said and str(attachments(app)) in said and "Operation not permitted" in said
    assert "the mail in hand stays in the mailbox" in said and "database" not in said
    assert "quarantined" not in caplog.text
    shutil.rmtree(attachments(app))
    app.close()


@pytest.fixture
def thin_disk(tmp_path) -> Iterator:
    """Mounts an ext4 on a loop device whose backing file lives on a nearly full 24 MB tmpfs: a
    write lands in the page cache, and its sync fails (ENOSPC) as a thin-provisioned or failing disk
    fails it. Returns (the mount point, a function that frees the backing); skips where the loop
    device, mkfs.ext4 or mount are not permitted."""
    back, steps = tmp_path / "backing", []
    back.mkdir()

    def thin(folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        image = back / "disk.img"
        if not run("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(back)):
            pytest.skip("mount -t tmpfs is not permitted here")
        steps.append(("umount", str(back)))
        lazy = "lazy_itable_init=1,lazy_journal_init=1"
        made = run("truncate", "-s", "128M", str(image)) and run(
            "mkfs.ext4", "-q", "-O", "^has_journal", "-E", lazy, str(image)
        )
        loop = subprocess.run(["losetup", "-f", "--show", str(image)], capture_output=True, text=True)
        if not made or loop.returncode != 0:
            pytest.skip("a loop-mounted ext4 is not possible here")
        steps.append(("losetup", "-d", loop.stdout.strip()))
        if not run("mount", loop.stdout.strip(), str(folder)):
            pytest.skip("mounting a loop device is not permitted here")
        steps.append(("umount", str(folder)))
        filler = back / "filler"
        filler.write_bytes(bytes(shutil.disk_usage(back).free - 1024 * 1024))  # 1 MB left behind it
        return folder, filler.unlink

    yield thin
    for step in reversed(steps):
        run(*step)


def test_a_sync_that_fails_leaves_no_blob_to_trust_and_the_next_try_writes_it(tmp_path, thin_disk):
    folder, free = thin_disk(tmp_path / "attachments")
    blobs, data = BlobStore(folder), bytes(range(256)) * 16 * 1024  # 4 MB: more than the disk has
    digest = blobs.put(data)  # taken by the page cache
    with pytest.raises(AttachmentsUnavailable, match=r"cannot sync .*: No space left on device"):
        blobs.settle()
    assert not blobs.path(digest).exists()  # not trusted later on the strength of the page cache
    free()
    assert blobs.put(data) == digest
    blobs.settle()
    assert blobs.get(digest) == data


def test_a_failing_sync_keeps_the_whole_batch_in_the_inbox(make_config, sqlite_url, account, smtp, thin_disk):
    app = Helpdesk(make_config(sqlite_url))
    _, free = thin_disk(attachments(app))
    dump = bytes(range(256)) * 16 * 1024  # 4 MB: the page cache takes it, the disk cannot
    account.deliver(with_log("导出报错", dump), with_log("打印失败"))
    with pytest.raises(StoreUnavailable, match=r"attachment store unavailable: cannot sync .*No space left"):
        app.run_once()
    assert account.count("INBOX") == 2 and account.count("Processed") == 0
    assert recorded(app) == ([], []) and smtp.received == []
    free()  # the disk behind the attachments has room again
    assert app.run_once().mails == 2
    subjects, digests = recorded(app)
    assert subjects == ["导出报错", "打印失败"] and len(digests) == 2
    assert BlobStore(attachments(app)).get(hashlib.sha256(dump).hexdigest()) == dump
    assert account.count("INBOX") == 0 and len(smtp.received) == 2  # each acknowledged once
    app.close()


def test_a_retry_that_cannot_sync_keeps_nothing_and_the_entry_held(
    make_config, sqlite_url, account, smtp, thin_disk
):
    """`helpdesk quarantine retry` is one transaction too: its mail's rows are not kept when the
    attachments cannot be synced (on SQLite its savepoint must not be what opens the transaction,
    or releasing it would commit the mail on its own)."""
    dump = bytes(range(256)) * 16 * 1024  # 4 MB
    small = Helpdesk(make_config(sqlite_url, limits={"max_message_bytes": 1024 * 1024}))
    account.deliver(with_log("导出报错", dump))
    assert small.run_once().mails == 1  # too large for this config: quarantined at parse
    with small.sessions() as session:
        [entry] = Repository(session).quarantined()
    small.close()
    app = Helpdesk(make_config(sqlite_url))  # the limit raised, the disk behind attachments full
    _, free = thin_disk(attachments(app))
    with pytest.raises(StoreUnavailable, match="cannot sync"):
        app.retry(entry.id)
    with app.sessions() as session:
        assert session.scalars(select(Ticket)).all() == []
        assert [e.status for e in Repository(session).quarantined()] == ["held"]
    free()
    assert app.retry(entry.id).kind == "created"
    with app.sessions() as session:
        assert [t.subject for t in session.scalars(select(Ticket))] == ["导出报错"]
        assert Repository(session).quarantined() == []
    app.close()
