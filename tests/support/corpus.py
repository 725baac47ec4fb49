"""The real mails of ../shared/corpus that parse, parsed once per test run; none when it is absent."""

from __future__ import annotations

import functools
from pathlib import Path

from helpdesk.errors import HelpdeskError
from helpdesk.mail.message import InboundMessage
from helpdesk.mail.parse import parse_message

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


@functools.cache
def readable_mails() -> tuple[InboundMessage, ...]:
    index = CORPUS / "INDEX.tsv"
    mails = []
    for line in index.read_text().splitlines() if index.exists() else []:
        try:
            mails.append(parse_message((CORPUS / line.split("\t")[0]).read_bytes()))
        except HelpdeskError:  # the corpus' unreadable samples, kept there on purpose
            continue
    return tuple(mails)
