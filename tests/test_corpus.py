"""Every real-world mail in ../shared/corpus is ingested or quarantined, never crashes the pipeline,
and Chinese bodies come out as readable text. Skipped where the corpus is absent."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from helpdesk.config import load_config
from helpdesk.daemon import Helpdesk
from helpdesk.errors import ParseError
from helpdesk.mail.detect import common_cjk
from helpdesk.mail.parse import parse_message
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
    "flanker/mailformed-headers.eml": "raw UTF-8 From cut after the first byte of its last character",
    "flanker/outlook-express.eml": "the file name's GBK bytes were already U+FFFD (EF BF BD) when sent",
    "flanker/russian-attachment-yahoo.eml": "UTF-8 file name cut in the middle of its last character",
    "imap-tools/error_emails/must_supply_encoding.eml": "Subject and From carry U+FFFD as UTF-8 bytes",
    "redmine/invalid_utf8.eml": "UTF-8 text with one invalid byte at its end (one U+FFFD, as it should)",
    "rt/new-ticket-from-iso-8859-1-full": "the customer quotes the mojibake they saw (Ã¸) in the text",
    "spamscope-mail-parser/mail_test_6": "UTF-8 Russian with one invalid byte in a word (one U+FFFD)",
}
# What decoding by the wrong charset leaves: U+FFFD; UTF-8 read as Latin-1 (Ã©, â€™); GB18030 read of
# UTF-8 (private-use characters); UTF-8 read as Shift_JIS (half-width kana after Han).
MANGLED = re.compile(
    "\ufffd|[ÂÃÅÐÑâ][\u0080-\u009f\u00a1-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192]"
    "|[\ue000-\uf8ff]|[\u4e00-\u9fff][\uff61-\uff9f]"
)
# An accented Latin byte and the ASCII letter after it read as one GBK character: L黷kebohle.
LONE_HAN = re.compile("[A-Za-z]([\u3400-\u9fff\uac00-\ud7af])[a-z]")


def mangled(text: str) -> list[str]:
    """The places in `text` that show bytes decoded by the wrong charset."""
    return MANGLED.findall(text) + [ch for ch in LONE_HAN.findall(text) if not common_cjk(ch)]


@pytest.mark.skipif(not ENTRIES, reason="../shared/corpus is absent")
@pytest.mark.parametrize(("path", "tags"), ENTRIES, ids=[e[0] for e in ENTRIES])
def test_corpus_mail_decodes_without_replacement_characters_or_mojibake(path, tags):
    if path in SENDER_MANGLED:
        pytest.skip(SENDER_MANGLED[path])
    try:
        mail = parse_message((CORPUS / path).read_bytes())
    except ParseError:
        return  # not a mail, or no single author: quarantined, shown to nobody
    shown = "\n".join([mail.subject, mail.sender.name, mail.text, *(a.filename for a in mail.attachments)])
    assert mangled(shown) == [], f"{path}: {[shown[:200]]}"


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
