"""A header value made safe: every control character and line or paragraph separator (by Unicode's
own categories) becomes a space, bidi overrides go, whitespace folds; nothing else changes."""

import sys
import unicodedata

from helpdesk.mail.charsets import neutralise

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def by_category(text: str) -> str:
    kept = (" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text if c not in BIDI)
    return " ".join("".join(kept).split())


def test_every_code_point_is_treated_by_its_unicode_category():
    every = "".join(chr(c) for c in range(sys.maxunicode + 1))
    assert neutralise(every) == by_category(every)


def test_an_injected_header_stays_on_its_line():
    assert (
        neutralise("已收到\r\nBcc: victim@evil.example\u2028\u202eX\x00")
        == "已收到 Bcc: victim@evil.example X"
    )


def test_text_of_printable_characters_only_is_folded_and_nothing_else():
    printable = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isprintable())
    assert neutralise(printable) == by_category(printable)
    assert neutralise("  王芳   <wang.fang@example.cn> ") == "王芳 <wang.fang@example.cn>"
