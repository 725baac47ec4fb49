"""The field reader over every real-world mail in ../shared/corpus: it always finishes, and a value it
quotes from the text stands on the line it names, in the sender's new words. Skipped without the corpus."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from helpdesk.errors import ParseError
from helpdesk.intake.extract import read_report
from helpdesk.intake.labels import report_lines
from helpdesk.mail.parse import parse_message
from helpdesk.mail.redact import masked_message
from helpdesk.rules.load import load_rules
from tests.conftest import CORPUS, SHIPPED_RULES

pytestmark = pytest.mark.corpus
INDEX = CORPUS / "INDEX.tsv"
PATHS = (
    [line.split("\t")[0] for line in INDEX.read_text(encoding="utf-8").splitlines()] if INDEX.exists() else []
)
FIELDS = load_rules(SHIPPED_RULES).catalog.fields
# Fields whose value is the customer's words as written (the others are resolved or normalised).
VERBATIM = ("error_message", "system_version", "impact", "department")


@pytest.mark.skipif(not PATHS, reason="../shared/corpus is absent")
@pytest.mark.parametrize("path", PATHS)
def test_values_come_from_the_new_text_on_their_line(path):
    try:
        mail, _ = masked_message(parse_message((CORPUS / path).read_bytes()))
    except ParseError:
        pytest.skip("not a mail we can read")
    found = read_report(FIELDS, mail, zone=ZoneInfo("Asia/Shanghai"))
    text = mail.new_text or ("" if mail.in_reply_to or mail.references else mail.text)
    lines = report_lines(text)
    for name in VERBATIM:
        hit = found.get(name)
        if hit is None or hit.source != "text":
            continue
        assert 1 <= hit.line <= len(lines), (name, hit)
        assert hit.value.splitlines()[0][:40] in lines[hit.line - 1], (name, hit, lines[hit.line - 1])
