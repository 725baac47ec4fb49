"""Masking skips the searches a text cannot match (no secret's label, no long run of digits, no
full-width or odd-case letter; a position where no label starts) and masks exactly what the full
search masks: on every real mail of the corpus and on the letters re.IGNORECASE reads as ASCII."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpdesk.mail import redact
from helpdesk.mail.limits import MailLimits
from helpdesk.mail.parse import parse_message
from helpdesk.mail.redact import redact_text

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TRICKY = [
    "PAſſWORD: hunter2",  # long s: IGNORECASE reads it as s
    "pİn = 4321",
    "api-\u212aey：sk-123 and more",  # the Kelvin sign as k
    "ＰＡＳＳＷＯＲＤ：ｓｅｃｒｅｔ１",  # full-width, read as ASCII first
    "验证码是 482913，手机 138 0013 8000",
    "card 4111 1111 1111 1111, id 11010519491231002X",
    "٤١١١١١١١١١١١١١١١ arabic-indic digits",
    "shipping capital passed tokens, nothing secret: here",
    "no digits, no labels, 只是一句话。",
]


# A tail that makes every search run (a label, a run of digits, a full-width space, a long s) and
# matches none itself: no separator after the label, and 11 digits that are no mobile, ID or card
# number; masked, its ideographic space reads as a space.
FORCE = "\npassword 00000000000\u3000\u017f"
FORCED = "\npassword 00000000000 \u017f"
# The secret's pattern without the look-ahead for a label's first two characters, and the number
# patterns without theirs for the first character.
PLAIN_SECRET = re.compile(redact._SECRET.pattern.removeprefix(redact._LABEL_START), re.IGNORECASE)
NUMBERS = [redact._ID18, redact._CARD, redact._ID15, redact._MOBILE]
PLAIN_NUMBERS = [re.compile(p.pattern[p.pattern.index(")") + 1 :]) for p in NUMBERS]


def same_as_full_search(text: str) -> bool:
    quick, full = redact_text(text), redact_text(text + FORCE)
    wide = text.translate(redact._WIDTH)
    same_secrets = redact._SECRET.sub("*", wide) == PLAIN_SECRET.sub("*", wide)
    pairs = zip(NUMBERS, PLAIN_NUMBERS, strict=True)
    same_numbers = all(led.sub("*", wide) == plain.sub("*", wide) for led, plain in pairs)
    return full.text == quick.text + FORCED and full.kinds == quick.kinds and same_secrets and same_numbers


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts_are_masked_as_by_the_full_search(text):
    assert same_as_full_search(text)


def test_every_corpus_mail_is_masked_as_by_the_full_search():
    index = CORPUS / "INDEX.tsv"
    if not index.exists():
        pytest.skip("no corpus")
    texts = []
    for line in index.read_text().splitlines():
        try:
            mail = parse_message((CORPUS / line.split("\t")[0]).read_bytes(), frozenset(), "zh", MailLimits())
        except Exception:
            continue
        texts += [mail.subject, mail.text, mail.new_text, mail.html]
    assert texts
    assert all(same_as_full_search(t) for t in texts)
