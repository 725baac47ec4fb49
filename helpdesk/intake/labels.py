"""Where a label stands in a report, and the text that follows it: "版本: 3.2.1", or a table's next cell.

A label counts wherever it stands in a line ("补充：版本 3.2.1，出错时间今天 9:05"), followed by
its value; in a table (cells apart by a tab, two or more spaces or a bar, as pasted from Excel or
Word, or an HTML table as text) a cell holding only the label gives the next cell as its value.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from helpdesk.rules.words import words_pattern

# Reads the value from `rest` (what follows the label; a whole cell when `cell`), given all lines
# and the 1-based line number, for values that continue below the label.
# A line longer than this is no field line; the patterns read only its start, so any line costs the same.
LONGEST_LINE = 2000
COLON = re.compile(r"\s*+[:：]\s*+")
_QUOTE_MARK = re.compile(r"^\s*+[>＞]")
_HEADER_FROM = re.compile(r"^\s*+\**+\s*+(?:From|发件人|發件人|寄件者)\s*+\**+\s*+[:：]", re.I)
_HEADER = re.compile(
    r"^\s*+\**+\s*+(?:Sent|Date|To|Cc|Subject|发送时间|发送日期|日期|时间|收件人|抄送|主题|寄件日期|收件者|副本|主旨)"
    r"\s*+\**+\s*+[:：]",
    re.I,
)
Reader = Callable[[str, bool, list[str], int], "str | None"]
_CELLS = re.compile(r"\t++|[ \u3000]{2,}+|\s*+[|｜]\s*+")
_CELL_END = re.compile(r"\s*+[:：]$")
NEXT_LABEL = re.compile(r"\s++[^\s:：，,。]{1,8}\s*+[:：]|[\t]|[ \u3000]{2,}+")
NEXT_LINE_LABEL = re.compile(r"^\s*+[^\s:：]{1,16}\s*+[:：]")
# A label right after an opening quote is the start of quoted words ('with "Error: queue stuck".'),
# read whole by the field's own reader, not a label with the rest of the line as its value.
_OPENS_QUOTE = re.compile(r"[“\"「『‘']\s*+$")


@dataclass(frozen=True)
class Found:
    """A field value and where it came from: the line of the text (1-based, 0 for none), and its
    source: text, attachment, signature, domain or customers (rules/customers.yaml)."""

    value: str
    line: int
    source: str = "text"


def report_lines(text: str) -> list[str]:
    """The text's lines as the readers see them: '>'-quoted history and the header block of a
    forwarded mail (From/Date/To/Subject: its Date is no time of the fault) blanked, each bounded."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = ["" if _QUOTE_MARK.match(line) else line[:LONGEST_LINE] for line in lines]
    for start, line in enumerate(lines):
        if not _HEADER_FROM.match(line):
            continue
        end = start + 1
        while end < len(lines) and _HEADER.match(lines[end]):
            end += 1
        if end - start >= 2:
            lines[start:end] = [""] * (end - start)
    return lines


def label_pattern(labels: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for all `labels`, longest first; English labels only as whole words."""
    return _label_pattern(tuple(sorted(set(labels), key=len, reverse=True)))


@functools.lru_cache(maxsize=256)  # a field's labels, compiled once, not on every mail
def _label_pattern(ordered: tuple[str, ...]) -> re.Pattern[str] | None:
    return words_pattern(ordered, "a-z", re.IGNORECASE) if ordered else None


def find_labelled(
    pattern: re.Pattern[str] | None,
    lines: list[str],
    read: Reader,
    refuse: Callable[[str, int], bool] | None = None,
) -> tuple[str, int] | None:
    """The first value after one of the labels, and its line; `refuse(line, start)` skips a label."""
    if pattern is None or not lines:
        return None
    # One search of the whole text finds the next line holding a label (no label holds a line
    # break, and one reads the same before a break as at a line's ends); a line without one has
    # no value, in a table cell neither: a cell that is a label is one in its line too.
    text = "\n".join(lines)
    starts = list(itertools.accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
    at = 0
    while (hit := pattern.search(text, at)) is not None:
        number = bisect.bisect_right(starts, hit.start())
        line = lines[number - 1]
        for found in pattern.finditer(line):
            if _OPENS_QUOTE.search(line[: found.start()]):
                continue
            if refuse is not None and refuse(line, found.start()):
                continue
            value = read(line[found.end() :], False, lines, number)
            if value:
                return value, number
        if value := _in_cells(pattern, line, read, lines, number):
            return value, number
        if number == len(lines):
            break
        at = starts[number]
    return None


def _in_cells(pattern: re.Pattern[str], line: str, read: Reader, lines: list[str], number: int) -> str | None:
    if not _CELLS.search(line.strip()):
        return None
    cells = [cell.strip() for cell in _CELLS.split(line.strip())]
    for index, cell in enumerate(cells[:-1]):
        name = _CELL_END.sub("", cell)
        value = read(cells[index + 1], True, lines, number) if name and pattern.fullmatch(name) else None
        if value:
            return value
    return None


def until_next_label(value: str) -> str:
    """A one-line value without the next "label: value" on its line ("华信科技 所属部门：财务部")."""
    found = NEXT_LABEL.search(value)
    return value[: found.start()] if found else value
