"""Split a reply's new text from quoted history and signatures, in every language a support desk meets.

Each line is read as text, quote (`>`), attribution, separator, header block or signature
(`reply_lines`, with the words of `attribution/*.yaml`); the new text ends at the first line that
opens the quoted history or the signature. Answers written between quoted lines are new text too.
Marks are whole lines, so a keyword inside a sentence ("I wrote: …") never cuts.
"""

from __future__ import annotations

from helpdesk.mail.reply_lines import (
    attribution_end,
    header_block_end,
    mark,
    quote,
    quote_follows,
    rule,
    separator,
    signature_start,
)


def split_reply(text: str) -> str:
    """The sender's new text: everything above the quoted history and signature, trimmed.

    Unquoted lines between '>'-quoted ones are answers and kept (inline or bottom posting). A
    mail that opens with a separator, a header block or an attribution over unmarked lines has
    no new text. A forward keeps the forwarded mail below what was written above it: the report
    a customer forwards ("FYI, see below") is what the ticket needs.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found = _first_cut(lines)
    if found is None:
        return _tidy(lines)
    cut, kind = found
    head = _tidy(lines[:cut])
    if kind == "signature":
        return head
    if kind == "forward":
        return f"{head}\n\n{_forwarded(lines, cut)}" if head else _forwarded(lines, cut)
    if head:
        answers = _answers(lines, cut, trailing=_greeting(head))
        return f"{head}\n\n{answers}" if answers else head
    if kind in {"separator", "header"}:
        return ""  # a quoted mail with nothing written above it
    return _answers(lines, cut, trailing=True)


def _greeting(head: str) -> bool:
    """A lone "Hi John," above the quote: the writer answers below it (bottom posting)."""
    return "\n" not in head and len(head) <= 40 and head.endswith((",", "，", ":", "："))


def _first_cut(lines: list[str]) -> tuple[int, str] | None:
    for index in range(len(lines)):
        kind = _opener(lines, index)
        if kind:
            return index, kind
        start = signature_start(lines, index)
        if start is not None:
            return start, "signature"
    return None


def _opener(lines: list[str], index: int) -> str:
    """The kind of quoted history line `index` opens, or '' when it opens none."""
    line = lines[index]
    if quote(line):
        return "quote"
    if not mark(line):
        return ""
    kind = separator(line)
    if kind:
        return kind
    if attribution_end(lines, index) is not None:
        return "attribution"
    return "header" if header_block_end(lines, index) is not None else ""


def _answers(lines: list[str], start: int, trailing: bool) -> str:
    """The writer's lines between '>'-quoted ones, from `start` on, until unmarked history or a signature.

    Text after the last quote is an answer too when the writer answered between quotes, or
    wrote nothing but a greeting above them (bottom posting); otherwise it is a list footer or
    a disclaimer. A history with no '>' line at all is a quote from a client that marks
    nothing: no answers.
    """
    runs: list[tuple[int, int]] = []  # first and last line of each answer
    last_quote = -1
    soft = False  # the quoted line above ended in an undecoded quoted-printable soft break
    index = start
    while index < len(lines):
        line = lines[index]
        if quote(line) or soft:
            last_quote = index
            soft = line.rstrip().endswith("=")
        elif mark(line):
            end = attribution_end(lines, index)
            if end is not None and quote_follows(lines, end):
                index = end + 1
                continue
            if end is not None or signature_start(lines, index) is not None or _opener(lines, index):
                break
            if runs and runs[-1][1] > last_quote:
                runs[-1] = (runs[-1][0], index)
            else:
                runs.append((index, index))
        index += 1
    between = any(last_quote > run[1] for run in runs)
    if last_quote < 0 or not (between or trailing):
        return ""
    return _joined(lines, runs)


def _joined(lines: list[str], runs: list[tuple[int, int]]) -> str:
    """The answers, a blank line between two that had one between them in the mail."""
    parts: list[str] = []
    for number, (first, last) in enumerate(runs):
        if number:
            gap = lines[runs[number - 1][1] + 1 : first]
            parts.append("\n\n" if any(not g.strip() for g in gap) else "\n")
        parts.append("\n".join(lines[first : last + 1]).strip())
    return "".join(parts)


def _forwarded(lines: list[str], cut: int) -> str:
    """A forward: its separator and header block, then the forwarded mail's own words."""
    body = cut + 1
    while body < len(lines) and not lines[body].strip():
        body += 1
    end = header_block_end(lines, body) if body < len(lines) else None
    if end is not None:
        body = end + 1
    forwarded = split_reply("\n".join(lines[body:]))
    top = _tidy(lines[cut:body])
    return f"{top}\n\n{forwarded}" if forwarded else top


def _tidy(lines: list[str]) -> str:
    """`lines` joined and trimmed, without the rule lines ("-----", "_____") left above a cut."""
    end = len(lines)
    while end and (not lines[end - 1].strip() or rule(lines[end - 1])):
        end -= 1
    return "\n".join(lines[:end]).strip()
