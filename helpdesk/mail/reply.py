"""Split a reply's new text from quoted history and signatures, for Chinese and English clients.

Each line is classed as text, quote, attribution, separator, header or signature; the new
text ends at the first line that opens the quoted history or the signature. Patterns are
anchored to whole lines, so a keyword inside a sentence ("I wrote: …") never cuts.
"""

from __future__ import annotations

import re

# Every pattern runs on a stripped line and in linear time: quantifiers next to one another
# over the same characters are possessive (`*+`), so no input makes the engine try every split
# of a run of spaces; lines longer than _LONGEST_MARK are never an attribution, header or signature.
_LONGEST_MARK = 1000
_COLON = r"\s*+[:：]"
# "On Mon, 3 Nov 2026 at 10:00, Li <li@x.com> wrote:", also wrapped over two lines by Gmail.
_ON_WROTE = re.compile(r"On\b.{4,300}\bwrote\s*+:$", re.I | re.S)
_WROTE_END = re.compile(r"(\bwrote|写道|寫道|a écrit|schrieb|escribió|ha scritto)\s*+[:：]?$", re.I)
_ZH_ATTRIBUTION = re.compile(r"(在|于|於).{2,200}(写道|寫道)\s*+[:：]?$")
_ZH_DATE_ATTRIBUTION = re.compile(r".{0,120}\d{4}[年/-]\d{1,2}[月/-]\d{1,2}.{0,120}(写道|寫道)\s*+[:：]?$")
_SEPARATOR = re.compile(
    r"(-{2,}+\s*+(Original Message|原始邮件|原始郵件|邮件原件|原邮件|Reply Message|回复的原邮件)\s*+-{2,}"
    r"|_{20,}|-{20,}|={20,})$",
    re.I,
)
_HEADER_FIRST = re.compile(r"\**+\s*+(From|发件人|發件人|寄件者|Von|De)\s*+\**+" + _COLON, re.I)
_HEADER_NEXT = re.compile(
    r"\**+\s*+(Sent|Date|To|Cc|Subject|发送时间|发送日期|時間|时间|日期|收件人|抄送|主题|主旨|"
    r"寄件日期|收件者|副本|Gesendet|An|Betreff|Envoyé|Objet|À)\s*+\**+" + _COLON,
    re.I,
)
_SIGNATURE = re.compile(
    r"(--|—"
    r"|(发自|來自|来自|发送自)\s*+我的.{1,24}"
    r"|发自\s*+(网易邮箱|手机QQ邮箱|QQ邮箱|新浪邮箱|Foxmail|企业微信|钉钉|华为|小米|荣耀).{0,20}"
    r"|从我的.{1,20}发送"
    r"|Sent from (my|Mail for|Outlook|Yahoo).{0,40}"
    r"|Sent with .{1,30}"
    r"|Get Outlook for .{1,20}"
    r"|获取\s*+Outlook\s*+for\s*+.{1,20}"
    r"|Envoyé de mon .{1,20}|Von meinem .{1,30} gesendet)$",
    re.I,
)
_ON = re.compile(r"On\b", re.I)


def _quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _mark(line: str) -> str:
    """The line as the structural patterns read it: stripped, and empty when too long to be a mark."""
    text = line.strip()
    return text if len(text) <= _LONGEST_MARK else ""


def _signature(line: str) -> bool:
    return _SIGNATURE.match(_mark(line)) is not None


def _separator(line: str) -> bool:
    return _SEPARATOR.match(_mark(line)) is not None


def _header_first(line: str) -> bool:
    return _HEADER_FIRST.match(_mark(line)) is not None


def _zh_attribution(line: str) -> bool:
    text = _mark(line)
    if "写道" not in text and "寫道" not in text:
        return False
    return _ZH_ATTRIBUTION.match(text) is not None or _ZH_DATE_ATTRIBUTION.match(text) is not None


def _wrote_end(line: str) -> bool:
    return _WROTE_END.search(_mark(line)) is not None


def split_reply(text: str) -> str:
    """The sender's new text: everything above the quoted history and signature, trimmed.

    When the mail starts with '>'-quoted history (inline or bottom posting), the unquoted
    lines between the quotes are the new text instead; a mail that starts with a separator
    or a header block has no new text.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _first_cut(lines)
    head = "\n".join(lines[:cut]).strip()
    if head or cut == len(lines):
        return head
    opening = lines[cut]
    if _separator(opening) or (_header_first(opening) and _header_block_follows(lines, cut)):
        return ""  # a forwarded or quoted mail with nothing written above it
    return _interleaved(lines[cut:])


def _first_cut(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        if _opens_history(lines, index) or _signature(line):
            return index
    return len(lines)


def _opens_history(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _quote(line) or _separator(line) or _zh_attribution(line):
        return True
    text = _mark(line)
    if _ON_WROTE.match(text):
        return True
    following = lines[index + 1] if index + 1 < len(lines) else ""
    if _ON.match(text) and _wrote_end(following):
        return _ON_WROTE.match(_mark(text + " " + following)) is not None
    if _wrote_end(line) and _followed_by_quote(lines, index):
        return True
    return _header_first(line) and _header_block_follows(lines, index)


def _followed_by_quote(lines: list[str], index: int) -> bool:
    """An attribution in any language is a line ending 'wrote:' right above a quoted block."""
    for line in lines[index + 1 : index + 3]:
        if line.strip():
            return _quote(line)
    return False


def _header_block_follows(lines: list[str], index: int) -> bool:
    """A 'From:' line opens history only when a header line follows within two lines."""
    return any(_HEADER_NEXT.match(_mark(line)) for line in lines[index + 1 : index + 4])


def _interleaved(lines: list[str]) -> str:
    """Answers written between quoted lines; with no quoted line at all, what follows the
    attribution is the quote itself, written by a client that marks nothing."""
    if not any(_quote(line) for line in lines):
        return ""
    kept = []
    for index, line in enumerate(lines):
        if _signature(line):
            break
        if _quote(line) or _opens_history(lines, index):
            continue
        kept.append(line)
    return "\n".join(kept).strip()
