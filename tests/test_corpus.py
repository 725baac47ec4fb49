"""Every real-world mail in ../shared/corpus is ingested or quarantined, never crashes the pipeline,
and Chinese bodies come out as readable text. Skipped where the corpus is absent."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from helpdesk.config import load_config
from helpdesk.daemon import Helpdesk
from helpdesk.pipeline import MailSource
from helpdesk.tickets.models import Message
from tests.conftest import CORPUS

pytestmark = pytest.mark.corpus
INDEX = CORPUS / "INDEX.tsv"
ENTRIES = (
    [line.split("\t") for line in INDEX.read_text(encoding="utf-8").splitlines() if line.strip()]
    if INDEX.exists()
    else []
)
HAN = re.compile(r"[\u4e00-\u9fff]")
# Mails whose bytes already carry the damage: we show what the sender sent.
SENDER_MANGLED = {
    "imap-tools/error_emails/content_transfer_encoding_empty.eml": "Big5 re-encoded as Latin-1 in UTF-8",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    (root / "helpdesk.yaml").write_text("database:\n  url: sqlite:///corpus.db\npaths:\n  data: var\n")
    helpdesk = Helpdesk(load_config(root / "helpdesk.yaml", environ={}))
    yield helpdesk
    helpdesk.close()


@pytest.mark.skipif(not ENTRIES, reason="../shared/corpus is absent")
@pytest.mark.parametrize(("path", "tags"), ENTRIES, ids=[e[0] for e in ENTRIES])
def test_corpus_mail(app, path, tags):
    raw = (CORPUS / path).read_bytes()
    outcome = app.pipeline.process(raw, MailSource("corpus", 1, ENTRIES.index([path, tags]) + 1))
    assert outcome.kind in {"created", "appended", "duplicate", "ignored", "quarantined"}
    if outcome.kind == "quarantined":
        # Only what is not a mail at all may fail: body-only reply samples and the like.
        assert "parse" in outcome.detail, outcome.detail
        return
    tags = set(tags.split(","))
    if "chinese" in tags and outcome.kind in {"created", "appended"} and path not in SENDER_MANGLED:
        with app.sessions() as session:
            message = session.scalar(select(Message).where(Message.message_id == outcome.message_id))
        assert "\ufffd" not in message.text + message.subject, f"replacement characters in {path}"
        if "japanese" not in tags and any(ord(ch) > 0x7F for ch in message.text):
            assert HAN.search(message.text), f"no readable Chinese in {path}: {message.text[:200]!r}"
