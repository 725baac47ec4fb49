"""Split a reply's new text from quoted history and signatures, for Chinese and English clients.

Each line is classed as text, quote, attribution, separator, header or signature; the new
text ends at the first line that opens the quoted history or the signature. Patterns are
anchored to whole lines, so a keyword inside a sentence ("I wrote: …") never cuts.
"""

from __future__ import annotations

import re

_COLON = r"\s*[:：]"
# "On Mon, 3 Nov 2026 at 10:00, Li <li@x.com> wrote:", also wrapped over two lines by Gmail.
_ON_WROTE = re.compile(r"^\s*On\b.{4,300}\bwrote\s*:\s*$", re.I | re.S)
_WROTE_END = re.compile(r"(\bwrote|写道|寫道|a écrit|schrieb|escribió|ha scritto)\s*[:：]?\s*$", re.I)
_ZH_ATTRIBUTION = re.compile(r"^\s*(在|于|於).{2,200}(写道|寫道)\s*[:：]?\s*$")
_ZH_DATE_ATTRIBUTION = re.compile(r"^.{0,120}\d{4}[年/-]\d{1,2}[月/-]\d{1,2}.{0,120}(写道|寫道)\s*[:：]?\s*$")
_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(Original Message|原始邮件|原始郵件|邮件原件|原邮件|Reply Message|回复的原邮件)\s*-{2,}"
    r"|_{20,}|-{20,}|={20,})\s*$",
    re.I,
)
_HEADER_FIRST = re.compile(r"^\s*\**\s*(From|发件人|發件人|寄件者|Von|De)\s*\**" + _COLON, re.I)
_HEADER_NEXT = re.compile(
    r"^\s*\**\s*(Sent|Date|To|Cc|Subject|发送时间|发送日期|時間|时间|日期|收件人|抄送|主题|主旨|"
    r"寄件日期|收件者|副本|Gesendet|An|Betreff|Envoyé|Objet|À)\s*\**" + _COLON,
    re.I,
)
_SIGNATURE = re.compile(
    r"^\s*(--\s*|—\s*"
    r"|(发自|來自|来自|发送自)\s*我的.{1,24}"
    r"|发自\s*(网易邮箱|手机QQ邮箱|QQ邮箱|新浪邮箱|Foxmail|企业微信|钉钉|华为|小米|荣耀).{0,20}"
    r"|从我的.{1,20}发送"
    r"|Sent from (my|Mail for|Outlook|Yahoo).{0,40}"
    r"|Sent with .{1,30}"
    r"|Get Outlook for .{1,20}"
    r"|获取\s*Outlook\s*for\s*.{1,20}"
    r"|Envoyé de mon .{1,20}|Von meinem .{1,30} gesendet)\s*$",
    re.I,
)
_QUOTE = re.compile(r"^\s*>")


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
    if _SEPARATOR.match(opening) or (_HEADER_FIRST.match(opening) and _header_block_follows(lines, cut)):
        return ""  # a forwarded or quoted mail with nothing written above it
    return _interleaved(lines[cut:])


def _first_cut(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        if _opens_history(lines, index) or _SIGNATURE.match(line):
            return index
    return len(lines)


def _opens_history(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _QUOTE.match(line) or _SEPARATOR.match(line):
        return True
    if _ZH_ATTRIBUTION.match(line) or _ZH_DATE_ATTRIBUTION.match(line):
        return True
    if _ON_WROTE.match(line):
        return True
    following = lines[index + 1] if index + 1 < len(lines) else ""
    if re.match(r"^\s*On\b", line, re.I) and _WROTE_END.search(following):
        return _ON_WROTE.match(line + " " + following) is not None
    if _WROTE_END.search(line) and _followed_by_quote(lines, index):
        return True
    return _HEADER_FIRST.match(line) is not None and _header_block_follows(lines, index)


def _followed_by_quote(lines: list[str], index: int) -> bool:
    """An attribution in any language is a line ending 'wrote:' right above a quoted block."""
    for line in lines[index + 1 : index + 3]:
        if line.strip():
            return _QUOTE.match(line) is not None
    return False


def _header_block_follows(lines: list[str], index: int) -> bool:
    """A 'From:' line opens history only when a header line follows within two lines."""
    return any(_HEADER_NEXT.match(line) for line in lines[index + 1 : index + 4])


def _interleaved(lines: list[str]) -> str:
    kept = []
    for index, line in enumerate(lines):
        if _SIGNATURE.match(line):
            break
        if _QUOTE.match(line) or _opens_history(lines, index):
            continue
        kept.append(line)
    return "\n".join(kept).strip()
