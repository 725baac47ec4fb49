"""Error messages as customers give them: pasted whole, quoted after "提示", typed as a code, described.

"TypeError: Cannot read properties of undefined (reading 'id')" is kept whole (the quote inside
is part of it); "页面提示“模板不存在”" gives the quoted words; "错误码：0x80070005" the code;
"截图上写着：文件大小超过限制" the words after the verb that shows them.
"""

from __future__ import annotations

import re

# A quote cannot hold its closing mark, so giving characters back never helps: possessive. An
# apostrophe inside a word ("We're", "it's") neither opens nor closes one.
QUOTED = re.compile(
    r"(?:[“\"「『‘]|(?<![A-Za-z])')((?:[^”\"」』’'\n]|(?<=[A-Za-z])'(?=[A-Za-z])){2,300}+)(?:[”\"」』’]|'(?![A-Za-z]))"
)
# Pasted error text: an exception or error class with its message, an HTTP status, a coded error.
ERROR_TEXT = re.compile(
    r"(?<![\w.])(?:[A-Za-z_][\w$]*+\.)*+\w*?(?:Exception|Error)\b(?:\s*+\d{3})?\s*+[:：]\s*+\S.*"
    r"|\b(?:HTTP\s*+)?[45]\d\d\s++[A-Z][\w ]+"
    r"|\b(?:ORA|ERR|E)-?\d{3,}\b.*"
)
_HEX = re.compile(r"(?<![\w])0x[0-9A-Fa-f]{4,8}(?![\w])")
_CODE_WORDS = re.compile(
    r"错误码|错误代码|错误号|代码|error\s*+code|code|错误|报错|出错|error|失败|fail", re.I
)
# What stands right before a quote that is the message: the verb or noun that shows it.
_SHOWS = re.compile(
    r"(?:提示|报错|报|错误|出错|显示|弹出|弹窗|写着|内容|信息|说|(?<![a-z])(?:saying|says|said|shows|showing"
    r"|displays|reads|with|message|error|popup|getting|gets|got|get|see|seeing|saw|receive|received))"
    r"\s*+(?:了|为|是|框|窗|出)?\s*+[:：,，]?\s*+$",
    re.I,
)
# An error described without quotes, after the verb that shows it: "页面显示数据加载失败". After a
# colon the words are the message's, commas and all; without one the first clause is.
_SHOWN = re.compile(
    r"(?:提示|显示|弹出|写着|显示为|报错|reads|says|shows|displays)(?:框|窗|信息)?(?:了|为|是)?\s*+"
    r"(?:[:：]\s*+(?=[^，,、\s])([^。；;！!？?\n]{2,200}+)|(?=[^，,、\s:：])([^。；;！!？?，,\n]{2,200}+))",
    re.I,
)
_FAILURE = re.compile(
    r"失败|错误|异常|无法|不能|超时|拒绝|不存在|已满|找不到|未找到|超限|超过|不足|不允许|禁止|过期|不正确"
    r"|denied|failed|failure|error|not found|invalid|timeout|timed out|refused|rejected|expired|not allowed"
    r"|unable|exceeds",
    re.I,
)


def error_in(line: str) -> str | None:
    """The error message a line of the customer's text gives, without a label, or None."""
    pasted = ERROR_TEXT.search(line)
    quoted = _shown_quote(line)
    if pasted and (quoted is None or quoted.start() >= pasted.start()):
        return _trim(pasted.group(0))
    if quoted:
        return quoted.group(1).strip()
    for shown in _SHOWN.finditer(line):
        words = (shown.group(1) or shown.group(2)).strip(" ，,")
        code = _HEX.search(words)
        if code and _FAILURE.search(words[: code.start()]):
            return words[: code.end()]  # "shows Sync error 0x8004010F for every teacher"
        if _FAILURE.search(words) and not code:
            return _trim(words)
    if (code := _HEX.search(line)) and _CODE_WORDS.search(line):
        return code.group(0)
    return None


def error_value(value: str) -> str | None:
    """What follows an error label: a leading quotation is the message; a pasted error is whole."""
    value = value.strip()
    if not value:
        return None
    quoted = QUOTED.search(value)
    introduced = quoted and (quoted.start() == 0 or _SHOWS.search(value[: quoted.start()]))
    if introduced and not ERROR_TEXT.match(value):
        return quoted.group(1).strip()
    if code := _HEX.fullmatch(value.strip(" 。.;；")):
        return code.group(0)
    return _trim(value) or None


def _shown_quote(line: str) -> re.Match[str] | None:
    """The first quotation that a showing word introduces ("提示“…”", 'says "…"')."""
    for quoted in QUOTED.finditer(line):
        shown = _SHOWS.search(line[max(0, quoted.start() - 24) : quoted.start()])
        if shown or _FAILURE.search(quoted.group(1)):
            return quoted
    return None


def _trim(text: str) -> str:
    """Without the sentence's own end: spaces, 。 ; and one full stop (an ellipsis stays)."""
    text = text.strip().rstrip("。;；，, ")
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text
