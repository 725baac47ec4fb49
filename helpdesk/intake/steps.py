"""Steps to reproduce as customers write them: numbered lines, bullets, table rows, or a sentence of
"首先…然后…最后…" / "first… then…".

Each reader returns the steps (one per line, as written; a table row "| 1 | 打开 |" becomes
"1. 打开") and the 1-based line they start on, or None.
"""

from __future__ import annotations

import re

NUMBERED = re.compile(
    r"^\s*+(?:\d{1,2}\s*+[.、)）]|[（(]\d{1,2}[)）]|第[一二三四五六七八九十]++步|步骤\s*+\d+|step\s*+\d+\s*+[:.：]?)\s*+\S",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*+[-*•·●◆▪‣▶➢]\s*+\S")
_TABLE_ROW = re.compile(r"^\s*+[|｜]\s*+(\d{1,2})\s*+[|｜]\s*+([^|｜]+?)\s*+[|｜]?\s*+$")
_ANSWER = re.compile(r"^\s*+(?:\d{1,2}\s*+[.、)）]|[（(]\d{1,2}[)）])\s*+[^\s:：，,。]{1,12}\s*+[:：]\s*+\S")
_LABEL_LINE = re.compile(r"^\s*+[^\s:：]{1,16}\s*+[:：]")
_ACTION = re.compile(
    r"^\s*+[-*•·●◆▪‣▶➢]?\s*+(?:打开|点击|点开|点|进入|选择|选中|输入|登录|登陆|切换|上传|下载|导出|导入|提交"
    r"|保存|修改|新建|新增|删除|填写|勾选|双击|右键|返回|刷新|启动|运行|关闭|执行|查询|搜索"
    r"|open|click|go to|select|choose|enter|log in|sign in|type|press|navigate|upload|download|export"
    r"|import|submit|save|edit|create|delete"
    r"|fill|tick|double-click|right-click|refresh|start|run|close|search)",
    re.IGNORECASE,
)
_ZH_SEQUENCE = re.compile(
    r"(?:首先|(?:^|(?<=[，,。；;！!？?：:\s]))(?:我们|我|用户)?先(?![生前后是]))"
    r"[^。！？!?\n]{1,300}?(?:然后|接着|随后|之后|最后|[，,]\s*+再)[^。！？!?\n]{0,300}+"
)
_EN_SEQUENCE = re.compile(
    r"(?:^|(?<=[.!?:;]\s))(?:first(?:ly)?|to start(?: with)?)\b,?\s++(?:I|we|you|they|open|click|go|log|sign"
    r"|select|choose|enter|type|press|navigate|upload|create)\b[^.!?\n]{1,300}?\bthen\b[^.!?\n]{0,300}+",
    re.IGNORECASE,
)
_LONGEST_PARAGRAPH = 2000


def step_line(line: str) -> str | None:
    """The line as a step when it is one (numbered, a bullet, a numbered table row), else None."""
    if row := _TABLE_ROW.match(line):
        return f"{row.group(1)}. {row.group(2).strip()}"
    if NUMBERED.match(line) or _BULLET.match(line):
        return line.strip()
    return None


def block_below(lines: list[str], number: int) -> str | None:
    """The steps under a label on line `number` (1-based): step lines, else plain lines to a blank one."""
    following = lines[number:]
    if following and not following[0].strip():
        following = following[1:]  # one blank line between a label and its list
    if not following or not following[0].strip():
        return None
    plain = step_line(following[0]) is None
    block = []
    for line in following[:20]:
        if not line.strip() or (plain and _LABEL_LINE.match(line)):
            break
        step = line.strip() if plain else step_line(line)
        if step is None:
            break
        block.append(step)
    return "\n".join(block) or None


def listed_steps(lines: list[str]) -> tuple[str, int] | None:
    """Two or more consecutive numbered lines or table rows, or bullets of which two are actions."""
    for accept in (_numbered, _action_bullets):
        start, run = 0, []
        for number, line in enumerate(lines, 1):
            step = step_line(line) if accept(line) else None
            if step is not None:
                start = start if run else number
                run.append(step)
                continue
            if _enough(run, accept):
                return "\n".join(run), start
            if line.strip():
                run = []
        if _enough(run, accept):
            return "\n".join(run), start
    return None


def _numbered(line: str) -> bool:
    """A numbered line or table row; "1. 发生时间：昨天" answers a numbered question and is no step."""
    return bool((NUMBERED.match(line) and not _ANSWER.match(line)) or _TABLE_ROW.match(line))


def _action_bullets(line: str) -> bool:
    return bool(_BULLET.match(line))


def _enough(run: list[str], accept) -> bool:
    if accept is _numbered:
        return len(run) >= 2
    return sum(1 for step in run if _ACTION.match(step)) >= 2


def sequence_steps(lines: list[str]) -> tuple[str, int] | None:
    """A sentence that orders its steps: "首先…然后…最后…", "我先…然后…", "First… then…".

    Lines are read as paragraphs, since mail clients wrap a long sentence over several lines.
    """
    for paragraph, starts in _paragraphs(lines):
        for pattern in (_ZH_SEQUENCE, _EN_SEQUENCE):
            if found := pattern.search(paragraph):
                line = next(number for offset, number in reversed(starts) if offset <= found.start())
                return found.group(0).strip(" ，,"), line
    return None


def _paragraphs(lines: list[str]) -> list[tuple[str, list[tuple[int, int]]]]:
    """Runs of non-blank lines joined into one text, each with (offset, line number) of its lines."""
    paragraphs: list[tuple[str, list[tuple[int, int]]]] = []
    text, starts = "", []
    for number, line in enumerate([*lines, ""], 1):
        line = line.strip()
        if not line or len(text) > _LONGEST_PARAGRAPH:
            if text:
                paragraphs.append((text, starts))
            text, starts = "", []
            if not line:
                continue
        glue = " " if text and text[-1].isascii() and line[0].isascii() else ""
        starts.append((len(text) + len(glue), number))
        text += glue + line
    return paragraphs
