"""A mail is read line by line for its impact only when it holds a word every such match holds:
each line the impact patterns match holds one, over the record tests' sentences and the corpus."""

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
