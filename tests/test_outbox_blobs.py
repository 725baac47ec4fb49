"""The owner's notice keeps the customer's files as references to their stored blobs, not their
bytes, and they are joined in when it is sent (over a real SMTP sink, after a refused first try);
a blob deleted or damaged before the send is named in the mail with the command that saves the
files, never dropped in silence."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import logging
import shutil
from datetime import timedelta

from sqlalchemy import select

from helpdesk.outbound.stored import Blob, wire
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.models import OutboxMail
from tests.test_attachments_forwarded import LOG, PNG, STORY, clock, desk, language, with_files
from tests.test_compose_mime import ours
from tests.test_similar_assignment import owner_mail
from tests.test_workflow import ticket_now

__all__ = ["clock", "language"]  # the fixtures, shared with the forwarding tests
LIMIT = 1024 * 1024
UNREADABLE = {"zh": "发送时无法读取，未随本邮件附上", "en": "could not be read when this mail was sent"}


def queued_notice(app, account, smtp, language):
    """Deliver the customer's mail while the SMTP server refuses for now: the ticket's number and
    its owner's notice as the outbox holds it."""
    sender, subject, text, names, *_ = STORY[language]
    smtp.refuse("451 4.3.0 try again later")
    account.deliver(with_files(sender, subject, text, names))
    app.run_once()
    smtp.refuse(None)
    with app.sessions() as session:
        row = session.scalars(select(OutboxMail).where(OutboxMail.kind == "assignment")).one()
        session.expunge(row)
    assert row.status == "pending" and row.attempts == 1
    return ticket_now(app).number, row


def carried(notice) -> dict[str, bytes]:
    """Each file the sent mail carries, by name."""
    return {part.get_filename(): part.get_payload(decode=True) for part in notice.iter_attachments()}


def sent_again(app, clock, smtp, number):
    clock.advance(timedelta(hours=2))  # past the retry's backoff
    app.sender.drain()
    return owner_mail(app, smtp, number)[0]


def test_the_row_holds_references_and_the_retry_sends_the_very_files(
    make_config, db_url, clock, account, smtp, language, tmp_path
):
    names = STORY[language][3]
    app = desk(make_config, db_url, clock, tmp_path, language, LIMIT)
    try:
        number, row = queued_notice(app, account, smtp, language)
        assert [ref["sha256"] for ref in row.blobs] == [
            hashlib.sha256(data).hexdigest() for data in (PNG, LOG)
        ]
        assert len(row.data) < len(LOG)  # neither file's bytes are in the row
        assert base64.b64encode(PNG[:300])[:200] not in row.data
        notice = sent_again(app, clock, smtp, number)
    finally:
        app.close()
    assert notice["Message-ID"].strip("<>") == row.message_id  # fixed when it was queued
    assert carried(notice) == {names[0]: PNG, names[1]: LOG}
    texts = [part.get_content() for part in notice.walk() if part.get_content_type() == "text/plain"]
    assert not any(UNREADABLE[language] in text for text in texts)


def test_a_deleted_or_damaged_blob_is_named_with_the_command_not_dropped(
    make_config, db_url, clock, account, smtp, language, tmp_path, caplog
):
    names = STORY[language][3]
    app = desk(make_config, db_url, clock, tmp_path, language, LIMIT)
    try:
        number, row = queued_notice(app, account, smtp, language)
        deleted, damaged = (BlobStore.under(app.config.paths.data).path(ref["sha256"]) for ref in row.blobs)
        deleted.unlink()
        damaged.write_bytes(b"not the bytes the customer sent")
        with caplog.at_level(logging.WARNING, logger="helpdesk.outbound.stored"):
            notice = sent_again(app, clock, smtp, number)
    finally:
        app.close()
    assert [part.get_filename() for part in notice.walk() if part.get_filename()] == []  # no file
    notes = [part.get_content() for part in notice.walk() if part.get_content_disposition() == "inline"]
    assert len(notes) == 2
    for note, name in zip(notes, names, strict=True):
        assert name in note and f"helpdesk tickets attachments {number}" in note
    assert notice["Message-ID"].strip("<>") == row.message_id
    assert sum("cannot be read" in record.getMessage() for record in caplog.records) == 2


def test_a_mail_sent_from_references_is_the_mail_composed_with_the_bytes(tmp_path):
    """Every field and part, and every file byte for byte, as if the files had been inline; a
    file bigger than one read (and not a whole number of base64 lines) included."""
    big = bytes(range(256)) * 300 + b"tail"  # 76 KB: two reads
    store = BlobStore(tmp_path / "attachments")
    files = [
        ("截图.png", "image/png", PNG),
        ("big.bin", "application/octet-stream", big),
        ("log.txt", "text/plain", LOG),
    ]
    digests = [store.put(data) for _, _, data in files]
    store.settle()
    referenced = tuple(
        (name, kind, Blob(digest, len(data), "gone"))
        for (name, kind, data), digest in zip(files, digests, strict=True)
    )
    mixed = (files[0], referenced[1], files[2])  # inline bytes and references side by side
    inline, _ = ours("打印机队列卡住", "技术支持", "正文\n", "<p>正文</p>", tuple(files))
    outgoing, _ = ours("打印机队列卡住", "技术支持", "正文\n", "<p>正文</p>", mixed)
    assert len(outgoing.blobs) == 1 and len(outgoing.data) < len(inline.data) - len(big)
    row = OutboxMail(message_id=outgoing.message_id, data=outgoing.data, blobs=outgoing.blobs)
    sent = email.message_from_bytes(b"".join(wire(row, store)), policy=email.policy.default)
    wanted = email.message_from_bytes(inline.data, policy=email.policy.default)
    for mail in (sent, wanted):  # a boundary and an id are each composition's own
        del mail["Message-ID"]
        mail.set_boundary("b")
    assert sent.items() == wanted.items()
    assert [shape(part) for part in sent.walk()] == [shape(part) for part in wanted.walk()]
    assert [data for *_, data in map(shape, sent.walk())][-3:] == [PNG, big, LOG]
    assert b"".join(wire(row, store)) == b"".join(wire(row, store))  # each try the same bytes


def shape(part) -> tuple:
    return (
        part.get_content_type(),
        part.get_filename(),
        part.get("Content-Disposition"),
        part.get_payload(decode=True),
    )


def test_a_data_folder_restored_elsewhere_still_sends_the_queued_files(
    make_config, db_url, clock, account, smtp, language, tmp_path
):
    """A queued notice names its files by digest, not by where the data folder was."""
    names = STORY[language][3]
    app = desk(make_config, db_url, clock, tmp_path, language, LIMIT)
    try:
        number, _row = queued_notice(app, account, smtp, language)
    finally:
        app.close()
    restored = tmp_path / "restored"
    shutil.move(app.config.paths.data, restored)  # the backup restored into another folder
    app = desk(make_config, db_url, clock, tmp_path, language, LIMIT, paths={"data": str(restored)})
    try:
        notice = sent_again(app, clock, smtp, number)
    finally:
        app.close()
    assert carried(notice) == {names[0]: PNG, names[1]: LOG}
