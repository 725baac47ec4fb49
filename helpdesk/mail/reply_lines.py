"""Read one line of a reply, or the few lines around it, as a quote mark: attribution, separator,
header block or signature, in any language of `attribution/*.yaml`.

Every check reads stripped lines of at most _LONGEST_MARK characters and a bounded window after
them, so the whole split stays linear in the mail's length.
"""

from __future__ import annotations

import functools
import re

from helpdesk.mail.reply_words import squeezed, words

_LONGEST_MARK = 1000
_WINDOW = 3  # Gmail wraps a long attribution over up to three lines
_WINDOW_CHARS = 400
_DECORATION = " \t\u00a0\u3000*-=_~—"  # around "-----Original Message-----", "---- On … wrote ----"
_SENTENCE_END = tuple("。！？.!?")
_DATE = re.compile(r"\d{1,2}:\d{2}|(?<!\d)(?:19|20)\d{2}(?!\d)|\d{1,4}[./\-年]\s*+\d{1,2}|\d{1,2}\s*+月")
_EMAIL = re.compile(r"[^\s<>()\[\]@:：;]{1,64}+@[^\s<>()\[\]@]{1,255}+")
_EMAIL_END = re.compile(r"[^\s<>()\[\]@:：;]{1,64}+@[^\s<>()\[\]@]{1,255}+[>)\]]?$")
# After "schrieb"/"skrev": the writer's name, then perhaps their address in <>, [mailto:] or ().
# Hungarian puts the date there instead: "… ezt írta (időpont: 2019. nov. 18., H, 11:30):".
_NAME_TAIL = re.compile(
    r"\s++(?:[^:：<>\[\]()]{1,100}?)?\s*+(?:<[^<>]{1,255}>|\[mailto:[^\]]{1,255}\]|\([^()]{1,255}\))?"
)
_LINK_TAIL = re.compile(r"\s*+(?:<https?://[^<>\s]{1,500}>|\(https?://[^()\s]{1,500}\)|https?://\S{1,500})$")
_OPEN_ANGLE, _CLOSE_ANGLE = re.compile(r"<\s++"), re.compile(r"\s++>")  # "Name <\nli@x.cn>" unwrapped
_PIPES = re.compile(r"[|｜\s]+")
_SOLO_SIGNATURES = frozenset({"--", "—"})
_QUOTE_REACH = 40  # lines below a header block searched for the quote that makes it history
_QUOTED_LINE = re.compile(r"^\s*+>", re.M)
_RULE_LINE = re.compile(r"[-_=*~—\s]++")
_UNDERLINE = re.compile(r"_{2,}")  # a mailing list's footer rule, Outlook's line above its header block


def mark(line: str) -> str:
    """The line as the patterns read it: stripped, and empty when too long to be a mark."""
    text = line.strip()
    return text if len(text) <= _LONGEST_MARK else ""


def quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def rule(line: str) -> bool:
    """A line of dashes, underscores or the like ("-----", "_____"), drawn between text and history."""
    return _RULE_LINE.fullmatch(line.strip()) is not None


def separator(line: str) -> str | None:
    """'forward' or 'separator' for a "-----Original Message-----" line in any language, else None."""
    text = mark(line).replace("&nbsp;", " ")  # QQ Mail's plain part keeps the HTML's entities
    core = text.strip(_DECORATION)
    colon = core.endswith((":", "："))
    phrase = core.rstrip(":： ").lower()
    if phrase not in words().separators:
        return None
    forward = phrase in words().forwards
    decorated = any(run in text for run in ("--", "==", "__", "~~", "——")) or text.startswith("*")
    if decorated or (colon and forward):  # "Begin forwarded message:" stands alone
        return "forward" if forward else "separator"
    return None


def signature_start(lines: list[str], index: int) -> int | None:
    """Where the signature on line `index` begins ("-- ", "Sent from my iPhone", a signature card)."""
    text = mark(lines[index])
    if not text:
        return None
    if text in _SOLO_SIGNATURES or _UNDERLINE.fullmatch(text):
        return index
    bare = _LINK_TAIL.sub("", text).rstrip(".。")  # "Get Outlook for iOS<https://aka.ms/o0ukef>"
    if words().signature.fullmatch(bare):
        return index
    if words().card.fullmatch(bare):
        return _card_start(lines, index)
    return None


def _card_start(lines: list[str], index: int) -> int:
    """NetEase MailMaster's card draws its name and address between `|` lines above its last line;
    read from its HTML it is the short lines just above, one of them the address."""
    start = index
    for above in range(index - 1, max(index - 10, -1), -1):
        text = mark(lines[above])
        if len(text) > 40 or text.endswith(_SENTENCE_END):
            break
        if text and _PIPES.fullmatch(text):
            start = above
    if start < index:
        return start
    bottom = index - 1 if index and not mark(lines[index - 1]) else index
    top = bottom
    while top > max(bottom - 3, 0) and 0 < len(mark(lines[top - 1])) <= 40:
        top -= 1
    return top if any("@" in line for line in lines[top:bottom]) else index


def quote_follows(lines: list[str], index: int) -> bool:
    """Whether the first non-blank line within three lines after `index` is '>'-quoted."""
    for line in lines[index + 1 : index + 4]:
        if line.strip():
            return quote(line)
    return False


def _last(lines: list[str], index: int) -> bool:
    """Whether nothing but blank lines follows: the quote below was markup, already dropped."""
    return all(not lines[at].strip() for at in range(index + 1, len(lines)))  # stops at the first text


def attribution_end(lines: list[str], index: int) -> int | None:
    """The last line of an attribution ("On … wrote:", "Am … schrieb …:", "于 … 写道：") starting
    at `index`, read over up to three wrapped lines; None when none starts there."""
    end = _window_end(lines, index, index + _WINDOW)
    if end is None or end == index:
        return end
    # A wrapped match that also reads from a later line leaves this line to the writer, unless
    # the date or the address starts on this line ("On Sat, … Support <" / "support@x.com> wrote:").
    first = mark(lines[index])
    if _DATE.search(first) or "@" in first or first.rfind("<") > first.rfind(">"):
        return end
    for later in range(index + 1, end + 1):
        if _window_end(lines, later, end + 1) is not None:
            return None
    return end


def _window_end(lines: list[str], index: int, stop: int) -> int | None:
    parts: list[str] = []
    for end in range(index, min(stop, len(lines))):
        part = mark(lines[end])
        if not part or quote(lines[end]) or (parts and parts[-1].endswith(_SENTENCE_END)):
            return None
        parts.append(part)
        if part[-1].lower() not in words().endings:
            continue
        text = _unwrapped(parts)
        if len(text) > _WINDOW_CHARS:
            return None
        text = _OPEN_ANGLE.sub("<", _CLOSE_ANGLE.sub(">", text)).strip(_DECORATION)
        if _attribution(text, quote_follows(lines, end) or _last(lines, end)):
            return end
    return None


def _unwrapped(parts: list[str]) -> str:
    """The window's lines as one; a line ending in '=' is a quoted-printable soft break left undecoded."""
    text = ""
    for part in parts:
        text = text[:-1] + part if text.endswith("=") else f"{text} {part}" if text else part
    return text


def _attribution(text: str, quoted_below: bool) -> bool:
    body = text.rstrip(":： ").lower()
    colon = len(body) < len(text.rstrip())
    verb = _verb_at(body)
    if verb is not None:
        before = body[:verb]
        if _self(before):
            return False  # "On Monday I wrote:" is the writer's own sentence
        if quoted_below:
            return True
        # Without a colon a verb may end a note ("11월 21일 보고서 작성"): only an address proves it.
        return bool(_EMAIL.search(before) or (colon and _DATE.search(before)))
    if colon and body.startswith(words().opening) and _DATE.search(body):
        return quoted_below or bool(_EMAIL.search(body))  # "Wiadomość napisana przez … w dniu …:"
    if not quoted_below:
        return False
    # A line ending in a colon right above the quote, naming a date or an address, is an attribution
    # in any language, listed or not ("ב-21 בנוב׳ 2026, בשעה 10:02, Support <x> כתב/ה:").
    if colon and (_DATE.search(body) or _EMAIL.search(body)):
        return True
    # Gmail's date-first attribution: "2016-03-03 17:21 GMT+01:00 Name <x>:", "2013/7/20 name <x>".
    return bool(_EMAIL_END.search(body[-320:]) and _DATE.search(body[:60]))


def _verb_at(body: str) -> int | None:
    """Where an attribution verb sits at the end of `body`, or before the writer's name."""
    ending = words().wrote.match(body[::-1])
    if ending:
        return len(body) - ending.end()
    for verb in words().wrote_then_name:
        at = body.rfind(verb + " ")
        if at >= 0 and _bounded(body, at, verb) and _NAME_TAIL.fullmatch(body, at + len(verb)):
            return at
    return None


def _bounded(body: str, at: int, verb: str) -> bool:
    """A verb in an alphabetic script starts a word; in Chinese, Japanese or Korean it may follow anything."""
    if not verb[0].isalpha() or ord(verb[0]) >= 0x2E80:
        return True
    return at == 0 or not body[at - 1].isalnum()


def _self(before: str) -> bool:
    before = before.rstrip(" ,，")
    last = re.search(r"[^\W\d_]++$", before)
    if last and last.group() in words().self_words:
        return True
    return before.endswith(words().self_endings)


def header_block_end(lines: list[str], index: int) -> int | None:
    """The last line of a quoted header block (From/Sent/To/Subject in any language) starting at
    `index`: a dated field and a sender field (or two more fields) among its consecutive lines.
    A block the writer led into ("I got this mail:"), or wrote right under their text with no
    quoted line below, is pasted, not history."""
    kind = field_kind(lines[index])
    if kind is None or _led_in(lines, index):
        return None
    seen, end, loose, fields = {kind}, index, 0, 1
    for at in range(index + 1, min(index + 12, len(lines))):
        if not mark(lines[at]):
            if at + 1 < len(lines) and field_kind(lines[at + 1]) and mark(lines[at - 1]):
                continue  # one blank line between two fields
            break
        found = field_kind(lines[at])
        if found is None:
            loose += 1  # a long To: or Subject: wrapped onto the next line
            if loose > 2:
                break
            continue
        seen.add(found)
        end = at
        fields += 1
    # Thunderbird and Apple Mail may list Date:, To: and Subject: with the sender further down.
    if "date" not in seen or ("from" not in seen and fields < 3):
        return None
    return None if _under_text(lines, index) and not _quote_below(lines, end) else end


@functools.lru_cache(maxsize=4096)  # a header block's lines are read again from each line above them
def field_kind(line: str) -> str | None:
    """'from', 'date' or 'other' for a header line ("Von: …", "*Sent:* …", "| 发件人 | … |")."""
    text = mark(line)
    found = words().field.match(text) or words().table_field.match(text)
    if found is None:
        return None
    kind = words().kinds.get(squeezed(found.group(1)), "other")
    if kind == "date" and not re.search(r"\d", text[found.end() :]):
        return "other"  # "Date: tomorrow" in a sentence; a client's date has digits
    return kind


def _under_text(lines: list[str], index: int) -> bool:
    """Whether the writer's text is right on the line above (most clients leave a blank line, a
    rule or a separator there; some put the block right under the sender's name)."""
    above = mark(lines[index - 1]) if index else ""
    if above and not (rule(above) or separator(above)):
        return signature_start(lines, index - 1) is None
    return False


def _quote_below(lines: list[str], index: int) -> bool:
    return _QUOTED_LINE.search("\n".join(lines[index + 1 : index + _QUOTE_REACH])) is not None


def _led_in(lines: list[str], index: int) -> bool:
    """Whether the writer led into the block with a line ending in a colon ("原文如下：")."""
    for above in range(index - 1, max(index - 3, -1), -1):
        text = mark(lines[above])
        if text:
            return text.endswith((":", "：")) and separator(text) is None and field_kind(text) is None
    return False
