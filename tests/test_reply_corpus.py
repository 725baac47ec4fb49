"""The reply splitter on the real body-only reply texts of ../shared/corpus: each is cut where a
reader would cut it. Labels name the kept lines by number (never the text), skipped where absent."""

from __future__ import annotations

import pytest

from helpdesk.mail.reply import split_reply
from tests.conftest import CORPUS

pytestmark = pytest.mark.corpus
# path -> the line ranges (first, last; 1-based, inclusive) that are the writer's new text.
# Empty: nothing new (the body opens with a header block or an attribution over unmarked lines).
LABELS: dict[str, list[tuple[int, int]]] = {
    "mail-parser-reply/begins_with_signature.txt": [(1, 8)],
    "mail-parser-reply/caution.txt": [(1, 26)],
    "mail-parser-reply/caution2.txt": [(1, 5)],
    "mail-parser-reply/email_1_1.txt": [(1, 7)],
    "mail-parser-reply/email_3_1.txt": [(1, 3)],
    "mail-parser-reply/email_danish_1.txt": [(1, 6)],
    "mail-parser-reply/email_danish_2.txt": [(1, 6)],
    "mail-parser-reply/email_danish_3.txt": [(1, 3)],
    "mail-parser-reply/email_danish_4.txt": [(1, 3)],
    "mail-parser-reply/email_danish_5.txt": [(1, 6)],
    "mail-parser-reply/email_gmail.txt": [(1, 1)],
    "mail-parser-reply/email_ja_1_1.txt": [(1, 1)],
    "mail-parser-reply/email_ja_1_2.txt": [(1, 8)],
    "mail-parser-reply/email_nl_1_1.txt": [(1, 6)],
    "mail-parser-reply/email_nl_1_2.txt": [(1, 1)],
    "mail-parser-reply/email_pl_1_1.txt": [],
    "mail-parser-reply/email_pl_1_2.txt": [],
    "mail-parser-reply/email_pl_1_3.txt": [],
    "mail-parser-reply/email_sent_from_not_signature.txt": [(1, 3)],
    "mail-parser-reply/email_sv_anon_1.txt": [(1, 8)],
    "mail-parser-reply/email_swedish_1.txt": [(1, 8)],
    "mail-parser-reply/email_swedish_2.txt": [(1, 7)],
    "mail-parser-reply/forward.txt": [(1, 6)],
    "mail-parser-reply/multi_header.txt": [(1, 1)],
    "mail-parser-reply/multiline_on.txt": [],
    "mail-parser-reply/multiline_on_de.txt": [(1, 1)],
    "mail-parser-reply/outlook.txt": [(1, 8)],
    "zapier-email-reply-parser/correct_sig.txt": [(1, 1)],
    "zapier-email-reply-parser/email_1_1.txt": [(1, 7)],
    "zapier-email-reply-parser/email_1_2.txt": [(1, 1), (9, 34)],
    "zapier-email-reply-parser/email_1_3.txt": [(1, 5)],
    "zapier-email-reply-parser/email_1_4.txt": [(1, 1)],
    "zapier-email-reply-parser/email_1_5.txt": [(1, 15)],
    "zapier-email-reply-parser/email_1_6.txt": [(1, 1)],
    "zapier-email-reply-parser/email_1_7.txt": [(1, 1)],
    "zapier-email-reply-parser/email_1_8.txt": [(13, 13), (19, 19)],
    "zapier-email-reply-parser/email_2_1.txt": [(1, 1)],
    "zapier-email-reply-parser/email_2_2.txt": [(1, 1)],
    "zapier-email-reply-parser/email_2_3.txt": [(1, 1)],
    "zapier-email-reply-parser/email_BlackBerry.txt": [(1, 1)],
    "zapier-email-reply-parser/email_bullets.txt": [(1, 9)],
    "zapier-email-reply-parser/email_gmail.txt": [(1, 1)],
    "zapier-email-reply-parser/email_headers_no_delimiter.txt": [(1, 1)],
    "zapier-email-reply-parser/email_iPhone.txt": [(1, 1)],
    "zapier-email-reply-parser/email_multi_word_sent_from_my_mobile_device.txt": [(1, 1)],
    "zapier-email-reply-parser/email_one_is_not_on.txt": [(1, 5)],
    "zapier-email-reply-parser/email_partial_quote_header.txt": [(1, 6)],
    "zapier-email-reply-parser/email_sent_from_my_not_signature.txt": [(1, 3)],
    "zapier-email-reply-parser/email_sig_delimiter_in_middle_of_line.txt": [(1, 7)],
    "zapier-email-reply-parser/greedy_on.txt": [(1, 6)],
    "zapier-email-reply-parser/pathological.txt": [(1, 2)],
}
FOLDERS = ("mail-parser-reply", "zapier-email-reply-parser")


def corpus_text(path: str) -> str:
    return (CORPUS / path).read_text(encoding="utf-8")


def expected_lines(path: str) -> list[str]:
    """The labelled lines of `path`, stripped, without blank ones."""
    lines = corpus_text(path).replace("\r\n", "\n").split("\n")
    kept = (lines[n - 1].strip() for first, last in LABELS[path] for n in range(first, last + 1))
    return [line for line in kept if line]


def cut_plausibly(path: str, split=split_reply) -> bool:
    """Whether `split` keeps exactly the labelled lines (blank lines and indentation aside)."""
    found = [line.strip() for line in split(corpus_text(path)).split("\n") if line.strip()]
    return found == expected_lines(path)


def present() -> bool:
    return all((CORPUS / folder).is_dir() for folder in FOLDERS)


@pytest.mark.skipif(not present(), reason="../shared/corpus reply texts are absent")
def test_every_reply_text_is_labelled():
    files = {f"{folder}/{p.name}" for folder in FOLDERS for p in (CORPUS / folder).glob("*.txt")}
    assert files == set(LABELS)


@pytest.mark.skipif(not present(), reason="../shared/corpus reply texts are absent")
@pytest.mark.parametrize("path", sorted(LABELS))
def test_cut_where_a_reader_would(path):
    assert cut_plausibly(path)
