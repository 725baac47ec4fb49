"""STARTTLS and TLS to the IMAP and SMTP servers, verified against a configured CA file."""

from __future__ import annotations

import ssl

import pytest
import yaml
from imapclient import IMAPClient

from helpdesk.config import Config, load_config
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.localservers import PymapServer, SmtpSink
from tests.conftest import MINIMAL_RULES
from tests.support import certs

pytestmark = pytest.mark.skipif(not certs.available(), reason="openssl not installed")
USER, PASSWORD = "support@example.com", "pw"


@pytest.fixture
def certificate(tmp_path):
    return certs.make_certificate(tmp_path)


def write_config(tmp_path, imap: dict, smtp: dict) -> Config:
    path = tmp_path / "helpdesk.yaml"
    config = {
        "support_address": USER,
        "database": {"url": "sqlite:///hd.db"},
        "imap": {"host": "127.0.0.1", "username": USER, "password": PASSWORD, **imap},
        "smtp": {"host": "127.0.0.1", **smtp},
        "paths": {"data": "var", "rules": str(MINIMAL_RULES)},
    }
    path.write_text(yaml.safe_dump(config))
    return load_config(path, environ={})


def deliver(port: int, tls: ssl.SSLContext | None = None) -> None:
    client = IMAPClient("127.0.0.1", port=port, ssl=False)
    if tls:
        client.starttls(tls)
    client.login(USER, PASSWORD)
    client.append("INBOX", customer_mail("Anna <anna@example.com>", "over TLS", "x"))
    client.logout()


@pytest.mark.parametrize("implicit", [False, True], ids=["smtp-starttls", "smtp-tls"])
def test_imap_starttls_and_smtp_tls(tmp_path, certificate, implicit):
    imap = PymapServer(USER, PASSWORD, cert=str(certificate.cert), key=str(certificate.key)).start()
    sink = SmtpSink(tls=certificate.server_context(), implicit_tls=implicit).start()
    try:
        config = write_config(
            tmp_path,
            {"port": imap.port, "security": "starttls", "ca_file": str(certificate.cert)},
            {
                "port": sink.port,
                "security": "tls" if implicit else "starttls",
                "ca_file": str(certificate.cert),
            },
        )
        deliver(imap.port, config.imap.tls_context())
        app = Helpdesk(config)
        result = app.run_once()
        app.close()
        assert (result.mails, result.outbox.sent) == (1, 1)
        assert sink.received[0].recipients == ["anna@example.com"]
    finally:
        sink.stop()
        imap.stop()


def test_untrusted_smtp_certificate_is_refused_and_retried(tmp_path, certificate):
    (tmp_path / "elsewhere").mkdir()
    stranger = certs.make_certificate(tmp_path / "elsewhere")
    imap = PymapServer(USER, PASSWORD).start()
    sink = SmtpSink(tls=certificate.server_context()).start()
    try:
        config = write_config(
            tmp_path,
            {"port": imap.port},
            {"port": sink.port, "security": "starttls", "ca_file": str(stranger.cert)},
        )
        deliver(imap.port)
        app = Helpdesk(config)
        result = app.run_once()
        app.close()
        # A certificate we cannot trust is the server's problem, not the mail's: an outage.
        assert (result.outbox.sent, result.outbox.retrying, result.outbox.failed) == (0, 0, 0)
        assert result.outbox.outage.startswith("STARTTLS failed")
        assert sink.received == []
    finally:
        sink.stop()
        imap.stop()
