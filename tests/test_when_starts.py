"""WHEN, led by a look-ahead for the first characters of its forms, finds exactly what the plain
alternation of the forms finds: over times as customers write them, odd-case letters and the corpus."""

from __future__ import annotations

import re

from helpdesk.intake.when import FORMS, WHEN
from tests.support.corpus import readable_mails

PLAIN = re.compile("|".join(FORMS), re.IGNORECASE)
WRITTEN = [
    "昨天下午三点左右 上周五 下午两点半 since Monday 11/20/2026 3:45 PM today 10:30",
    "2026年11月23日 上午9点, 半小时前, 两个多小时前, 三天前, 2 hours ago, half an hour ago",
    "月底前 本月末 这个年底, 12月20日, Dec 3rd, 2026 at 9, 3 December 2026, around 3:45 pm today",
    "JUST NOW, Last Night, THIS MORNING at 8, ſince Sunday, 10 ᴀm",  # case and odd letters
    "１２月３日 ３：４５, ٣ hours ago, 9am, 9 p.m.",  # other digits
]


def _texts() -> list[str]:
    return WRITTEN + [text for mail in readable_mails() for text in (mail.subject, mail.text)]


def test_the_same_times_as_the_plain_alternation() -> None:
    for text in _texts():
        expected = [(m.start(), m.group(0)) for m in PLAIN.finditer(text)]
        assert [(m.start(), m.group(0)) for m in WHEN.finditer(text)] == expected
    written = sum(len(PLAIN.findall(text)) for text in WRITTEN)
    assert written >= 26  # the written times above are found (with or without the corpus)
