"""Read what an engineer's mail asks for: a status keyword in the subject, command lines atop the body."""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpdesk.rules.conditions import normalise

_BRACKETED = re.compile(r"\[([^\[\]]{1,40})\]")
# A command's word ends at white space (a Chinese keyboard's full-width one too) or a colon.
_WORD = re.compile(r"\s*([^\s:：]*)[:：]?(.*)", re.DOTALL)
# Every spelling of a command, Chinese and English, to its one name.
COMMANDS = {
    "priority": ("priority", "优先级", "紧急程度"),
    "assign": ("assign", "owner", "指派", "分配", "负责人"),
    "eta": ("eta", "预计完成", "预计完成时间"),
    "reason": ("reason", "原因"),
    "solution": ("solution", "解决方案"),
    "note": ("note", "internal", "备注", "内部备注"),
    "type": ("type", "类型", "需求类型"),
    "collaborators": ("collaborators", "cc", "协作", "协作方"),
    "approve": ("approve", "批准", "审批通过"),
    "reject": ("reject", "驳回", "审批驳回"),
    # a development request's life (lifecycle.py)
    "evaluation": ("evaluation", "evaluate", "评估", "可行性评估"),
    "freeze": ("freeze", "signoff", "sign-off", "范围冻结", "设计确认"),
    "change": ("change", "变更", "需求变更"),
    "stage": ("stage", "阶段"),
    "uat": ("uat", "acceptance", "验收"),
    "release": ("release", "上线计划"),
    "review": ("review", "复盘"),
    # the record's category and initial judgement (edits_record.py)
    "category": ("category", "分类", "问题分类"),
    "judgement": ("judgement", "judgment", "初步判断"),
}
_SPELLINGS = {normalise(word): name for name, words in COMMANDS.items() for word in words}


@dataclass(frozen=True)
class Command:
    """One command line: its name (None when unknown), argument and the line as written."""

    name: str | None
    arg: str
    line: str


def subject_keyword(subject: str, keywords: dict[str, list[str]]) -> str | None:
    """The state a bracketed subject keyword names ("[RESOLVED]", "【已解决】", "[in progress]")."""
    wanted = {normalise(word).strip(): state for state, words in keywords.items() for word in words}
    # NFKC makes ［］ into [] but leaves 【】, so those are mapped by hand.
    text = normalise(subject).replace("【", "[").replace("】", "]")
    for match in _BRACKETED.finditer(text):
        state = wanted.get(" ".join(match.group(1).split()))
        if state:
            return state
    return None


def parse_commands(text: str) -> tuple[list[Command], str]:
    """Command lines at the top of `text` (the engineer's new words) and the text after them.

    A command line starts with '#' (or '＃'); blank lines between them are allowed; the
    first other line ends the commands. `#solution` with nothing after it takes the rest.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    commands: list[Command] = []
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        if not line:
            index += 1
            continue
        if not line.startswith(("#", "＃")):
            break
        word, arg = _WORD.match(line[1:]).groups()
        commands.append(Command(_SPELLINGS.get(normalise(word)), arg.strip(), line))
        index += 1
    rest = "\n".join(lines[index:]).strip()
    for position, command in enumerate(commands):
        if command.name == "solution" and not command.arg and rest:
            commands[position] = Command("solution", rest, command.line)
            rest = ""
    return commands, rest
