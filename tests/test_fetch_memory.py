"""Fetching a big mail holds it once: imaplib, left at imapclient's debug level, formats the repr
of every response it reads for a debug log (two more copies of each mail, logged or not); the
mailbox turns that off unless the imapclient.imaplib log is on."""

from __future__ import annotations

import base64
import logging
import random
import tracemalloc

from helpdesk.demo import customer_mail
from helpdesk.ingest.mailbox import Mailbox


def _big_mail() -> bytes:
    text = base64.encodebytes(random.Random(5).randbytes(4 * 1024 * 1024)).decode("ascii")
    return customer_mail("客户 <c@customer.example.cn>", "日志附上", text)


def _fetched(config) -> tuple[bytes, int, int]:
    """The mail fetched, the most Python held while fetching it, and imaplib's debug level."""
    mailbox = Mailbox(config.imap)
    mailbox.connect()
    try:
        [uid] = mailbox.pending()
        tracemalloc.start()
        try:
            [raw] = mailbox.fetch([uid]).values()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return raw, peak, mailbox.client._imap.debug
    finally:
        mailbox.close()


def test_a_4_mib_mail_is_held_once_while_it_is_fetched(make_config, sqlite_url, account):
    mail = _big_mail()
    account.deliver(mail)
    raw, peak, debug = _fetched(make_config(sqlite_url))
    assert raw.replace(b"\r\n", b"\n") == mail.replace(b"\r\n", b"\n")
    assert debug == 0 and peak < 1.2 * len(raw)


def test_with_the_imaplib_debug_log_on_it_stays_on(make_config, sqlite_url, account):
    account.deliver(customer_mail("客户 <c@customer.example.cn>", "一封小邮件", "正文"))
    logger = logging.getLogger("imapclient.imaplib")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        _raw, _peak, debug = _fetched(make_config(sqlite_url))
    finally:
        logger.setLevel(level)
    assert debug == 5
