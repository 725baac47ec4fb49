"""Hostile and oversized mail: each stage finishes, limits quarantine or cut it, nothing leaves the data dir.

No test here fails on timing (benchmarks/hostile.py prints the figures); a pattern that backtracks
again shows up as a test that does not finish (pytest's timeout). Bounded work is asserted by
what was read: the text cut to its limit, parsing stopped at the depth or part limit.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from helpdesk.daemon import Helpdesk
from helpdesk.intake.extract import extract_fields
from helpdesk.mail.automatic import automatic_reason
from helpdesk.mail.charsets import decode_bytes, decode_header_value
from helpdesk.mail.html import html_to_text, without_quotes
from helpdesk.mail.limits import LimitExceeded, MailLimits
from helpdesk.mail.parse import parse_message
from helpdesk.mail.reply import split_reply
from helpdesk.rules.load import load_rules
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.models import AttachmentRow, Ticket
from helpdesk.tickets.repository import Repository
from tests.conftest import SHIPPED_RULES
from tests.support import hostile

FIELDS = load_rules(SHIPPED_RULES).catalog.fields
LINES = sorted(hostile.ADVERSARIAL_LINES)


@pytest.mark.parametrize("name", LINES)
def test_reply_stripping_finishes_and_keeps_the_words_around_the_line(name):
    text = f"你好，\n{hostile.ADVERSARIAL_LINES[name]}\n谢谢"
    assert split_reply(text).startswith("你好")


@pytest.mark.parametrize("name", LINES)
def test_field_extraction_finishes_on_the_line(name):
    line = hostile.ADVERSARIAL_LINES[name]
    for asked in (frozenset(), frozenset(FIELDS)):
        found = extract_fields(FIELDS, f"系统报错\n{line}\n版本 3.2.1", [], asked)
        assert found["system_version"].value == "3.2.1"


@pytest.mark.parametrize("name", LINES)
def test_detection_charsets_and_html_finish_on_the_line(name):
    line = hostile.ADVERSARIAL_LINES[name]
    words = " ".join(line.split())
    assert automatic_reason(lambda _: None, "text/plain", "a@x.com", line, frozenset(), body=line) is None
    assert decode_bytes(line.encode("gb18030"), None)[0] == line
    assert decode_header_value(line) == words
    assert words[:20] in " ".join(html_to_text(without_quotes(f"<p>{line}</p>")).split())


@pytest.mark.parametrize(
    "markup",
    [m * 50_000 for m in ("<!--", "<a href='", "<![CDATA[", "<!x", "</", "<?", "<a x='>")],
)
def test_unterminated_markup_is_read_once_and_the_text_before_it_is_kept(markup):
    html = "<p>系统报错</p>" + markup
    assert "系统报错" in html_to_text(without_quotes(html))


def test_many_encoded_words_decode_the_first_ones_and_leave_the_rest_as_written():
    value = "=?x-unknown?b?/w==?= " * 18_000
    decoded = decode_header_value(value)
    assert decoded.count("=?x-unknown?b?/w==?=") == 18_000 - 200


def test_a_mail_over_the_size_limit_is_refused_unread():
    raw = hostile.mail(b"A" * 300_000)
    with pytest.raises(LimitExceeded, match=r"over the limit of 200000 \(limits.max_message_bytes\)"):
        parse_message(raw, limits=MailLimits(max_message_bytes=200_000))


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("mime_200_deep", r"nested deeper than 20 \(limits.max_mime_depth\)"),
        ("mime_3000_parts", r"more than 500 MIME parts \(limits.max_parts\)"),
        ("header_1mb_subject", r"header block is over the limit of 262144 bytes"),
        ("header_100k_references", r"limits.max_header_bytes"),
    ],
)
def test_mails_over_the_structure_limits_are_refused_with_the_reason(name, reason):
    with pytest.raises(LimitExceeded, match=reason):
        parse_message(hostile.catalogue()[name]())


def test_depth_and_parts_within_the_limits_still_parse():
    assert parse_message(hostile.nested(19)).text == "deep inside"
    assert len(parse_message(hostile.many_parts(400)).attachments) == 400


def test_long_text_is_ticketed_cut_to_the_limit_with_a_defect():
    mail = parse_message(hostile.catalogue()["body_10mb_one_line"]())
    assert len(mail.text) == 200_000 and len(mail.new_text) <= 200_000
    assert any("cut to 200000 of 10000000 characters (limits.max_body_chars)" in d for d in mail.defects)


def test_large_html_is_cut_before_conversion_with_a_defect():
    raw = hostile.html_mail(hostile.big_html(3_000_000))
    mail = parse_message(raw, limits=MailLimits(max_html_bytes=100_000))
    assert len(mail.html.encode()) <= 100_000
    assert any("cut to 100000 bytes before conversion (limits.max_html_bytes)" in d for d in mail.defects)
    assert mail.text.startswith("系统报错 error in the export")


@pytest.mark.parametrize(
    "name",
    [
        "nul_bytes",
        "invalid_base64",
        "broken_boundary",
        "unterminated_boundary",
        "eight_bit_headers",
        "html_deep_divs",
        "html_border_spaces",
        "header_many_encoded_words",
        "header_raw_8bit_200k",
        "body_5mb_spaces_lines",
    ],
)
def test_broken_mail_still_becomes_a_message(name):
    mail = parse_message(hostile.catalogue()[name]())
    assert mail.sender.email == "attacker@example.net"
    assert "\x00" not in mail.subject


def test_eight_bit_headers_are_read_by_their_detected_charset():
    mail = parse_message(hostile.catalogue()["eight_bit_headers"]())
    assert mail.subject == "无法登录" and mail.header("X-Note") == "系统报错" and mail.text == "正文"


@pytest.mark.parametrize(
    ("name", "filename"),
    [
        ("name_traversal", "../../etc/passwd"),
        ("name_absolute", "/etc/passwd"),
        ("name_rfc2231_traversal", "../../etc/cron.d/x"),
        ("name_10000_chars", "a" * 10_000 + ".txt"),
    ],
)
def test_attachment_names_are_kept_as_written_they_are_only_metadata(name, filename):
    [attachment] = parse_message(hostile.catalogue()[name]()).attachments
    assert attachment.filename == filename and attachment.data == b"root:x:0:0\n"


def test_the_blob_store_names_files_by_hash_and_refuses_anything_else(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    digest = store.put(b"root:x:0:0\n")
    assert digest == hashlib.sha256(b"root:x:0:0\n").hexdigest()
    assert store.path(digest).is_relative_to(tmp_path / "blobs")
    for bad in ("../../etc/passwd", "/etc/passwd", "ab" * 31 + "/x", digest.upper() + "\x00"):
        with pytest.raises(ValueError, match="not a SHA-256"):
            store.path(bad)


END_TO_END = [
    "line_spaces",
    "line_label_spaces",
    "mime_200_deep",
    "html_unclosed_comments",
    "name_traversal",
    "name_absolute",
    "name_nul",
    "name_10000_chars",
    "nul_bytes",
    "header_1mb_subject",
]


def test_hostile_mails_over_real_imap_become_tickets_or_quarantine_and_stay_in_the_data_folder(
    make_config, sqlite_url, account, smtp, tmp_path
):
    oversized = hostile.mail(b"A" * 2_100_000, subject="too big")
    config = make_config(sqlite_url, limits={"max_message_bytes": 2_000_000})
    app = Helpdesk(config)
    before = {p for p in tmp_path.rglob("*")}
    account.deliver(*(hostile.catalogue()[name]() for name in END_TO_END), oversized)
    result = app.run_once()
    assert result.mails == len(END_TO_END) + 1
    with app.sessions() as session:
        held = Repository(session).quarantined()
        subjects = sorted(t.subject for t in session.scalars(select(Ticket)))
        rows = list(session.scalars(select(AttachmentRow)))
        assert sorted((e.stage, re.search(r"limits\.\w+", e.error).group(0)) for e in held) == [
            ("parse", "limits.max_header_bytes"),
            ("parse", "limits.max_message_bytes"),
            ("parse", "limits.max_mime_depth"),
        ]
        assert next(e for e in held if "max_message_bytes" in e.error).raw.data == oversized  # kept whole
    assert len(subjects) == len(END_TO_END) - 2
    assert {r.filename for r in rows} >= {"../../etc/passwd", "/etc/passwd", "a" * 10_000 + ".txt"}
    assert account.count("INBOX") == 0 and account.count("Quarantine") == 3
    # Everything written lies under the data folder (or is the database); blobs are named by their hash.
    data = config.paths.data.resolve()
    written = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    outside = [p for p in written if not (p.resolve().is_relative_to(data) or p.name.startswith("helpdesk"))]
    assert outside == []
    blobs = [p for p in (data / "attachments").rglob("*") if p.is_file()]
    assert blobs and all(p.name == hashlib.sha256(p.read_bytes()).hexdigest() for p in blobs)
    assert {r.sha256 for r in rows} == {p.name for p in blobs}
    app.close()


@pytest.mark.parametrize("name", sorted(hostile.readable()))
def test_a_readable_mail_is_never_quarantined_for_a_bad_label_or_date(name):
    mail = parse_message(hostile.readable()[name]())
    if name.endswith("_word"):
        assert mail.subject == hostile.TEXT
    elif name.endswith("_name"):
        assert [a.filename for a in mail.attachments] == [hostile.FILE_NAME]
    else:
        assert mail.text == hostile.TEXT
    if name == "date_impossible":
        assert mail.date is None and any("99999999999" in d for d in mail.defects)
