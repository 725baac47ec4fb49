"""A mail is read line by line for its impact only when it holds a word every such match holds:
each line the impact patterns match holds one; and the readers led by the characters their
matches start with find what they find without; over the record tests' sentences and the corpus."""

from __future__ import annotations

import re

import pytest

from helpdesk.intake import record_fields
from helpdesk.intake.labels import report_lines
from tests.support.corpus import readable_mails

SAID = [
    "影响所有线上渠道出单",
    "It affects all our branches in Europe.",
    "半小时前开始学生都进不了直播间",
    "the calendar shows an error for every teacher",
    "目前只影响城东支行的3台柜员机，其他网点正常。",
    "About 40 USERS ARE AFFECTED since this morning",
    "约200人受影响",
    "所有门店和全公司, company-wide, the whole company, everyone is affected, all of our staff",
    "偶尔出现, 时好时坏, SOMETIMES it works, Once in a while; 每次都报错, 还是一样, It ALWAYS fails",
    "100% 复现, 3次都失败, 性能方面的问题, a Compatibility issue, 我是财务部的, I'm from the Sales Team",
]
LED = [
    record_fields._INTERMITTENT,
    record_fields._PERSISTENT,
    record_fields._NATURE_SAID,
    record_fields._MY_DEPARTMENT,
]
PAIRS = [
    (record_fields._AFFECTS, record_fields._AFFECTS_WORDS),
    (record_fields._SCOPE, record_fields._SCOPE_WORDS),
    (record_fields._COUNTED, record_fields._COUNTED_WORDS),
]


def _lines() -> list[str]:
    texts = SAID + [mail.text for mail in readable_mails()]
    return [line for text in texts for line in record_fields._said_lines(report_lines(text))]


@pytest.mark.parametrize("pattern, needs", PAIRS, ids=["affects", "scope", "counted"])
def test_every_line_an_impact_pattern_matches_holds_a_needed_word(
    pattern: re.Pattern[str], needs: re.Pattern[str]
) -> None:
    matched = [line for line in _lines() if pattern.search(line)]
    assert matched  # the sentences above are read for their impact
    assert [line for line in matched if not needs.search(line)] == []


@pytest.mark.parametrize("led", LED, ids=["intermittent", "persistent", "nature", "department"])
def test_a_reader_led_by_its_first_characters_finds_what_it_finds_without(led: re.Pattern[str]) -> None:
    plain = re.compile(led.pattern[led.pattern.index("])(?:") + 5 : -1], led.flags)
    found = 0
    for line in _lines():
        expected = [(m.start(), m.group(0)) for m in plain.finditer(line)]
        assert [(m.start(), m.group(0)) for m in led.finditer(line)] == expected
        found += len(expected)
    assert found  # the sentences above are read
