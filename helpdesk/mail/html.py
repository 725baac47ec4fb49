"""Turn an HTML body into readable plain text, and find the part of an HTML reply its writer wrote.

Mail clients mark quoted history by structure rather than by text: a `<blockquote>`, Gmail's
`gmail_quote`, Outlook's `divRplyFwdMsg`/`appendonsend`/`OLK_SRC_BODY_SECTION` or its bordered
header block (in any language), Foxmail's `origbody`, QQ Mail's `QQMailQuote`, Thunderbird's
`moz-cite-prefix`, Zimbra's `zwchr` divider. The quote is dropped from the tag stream (one pass
of the stdlib's tolerant HTML parser) before the text is read.
"""

from __future__ import annotations

import re
from functools import cache
from html import escape
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from helpdesk.mail.reply_words import words

if TYPE_CHECKING:
    from inscriptis.model.config import ParserConfig

_BLANKS = re.compile(r"\n[ \t]*(\n[ \t]*){2,}")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "wbr"}
)
# Quoted blocks: dropped with their content; what follows (an inline answer) is kept.
_QUOTE_MARKS = ("gmail_quote", "gmail_attr", "moz-cite-prefix", "yahoo_quoted", "protonmail_quote")
# History openers: the element and everything after it are the quoted thread.
_HISTORY_IDS = frozenset(
    {
        "divrplyfwdmsg",
        "appendonsend",
        "origbody",
        "qqmailquote",
        "stopspelling",
        "mail-editor-reference-message-container",  # new Outlook, Outlook for Mac
        "ms-outlook-mobile-reference-message",  # Outlook for iOS and Android
        "isreplycontent",  # NetEase 163/126
        "olk_src_body_section",  # Outlook for Mac
        "zwchr",  # Zimbra's divider above the quoted mail
    }
)
_HISTORY_MARKS = ("foxmail_quote", "foxmailquote", "qqmail_quote", "qqmailquote")
# Outlook's reply header: a block with a top border whose first lines are From:/Sent: in any
# language of attribution/*.yaml (Von:/Gesendet:, De :/Envoyé :, 发件人：/发送时间：, 差出人:/送信日時:).
_BORDER_TOP = re.compile(r"border-top\s*:\s*(solid|[0-9.]+\s*(pt|px|cm|mm)\s+solid)", re.I)
_HEADER_WINDOW = 600  # characters of text after a bordered block's start that may hold its header
_COMMENT_CLOSE = re.compile(r"--!?\s*+>")


@cache
def _config() -> ParserConfig:
    from inscriptis.css_profiles import CSS_PROFILES
    from inscriptis.model.config import ParserConfig

    return ParserConfig(css=CSS_PROFILES["strict"], display_links=False)


def html_to_text(html: str) -> str:
    """Readable text of `html`: scripts and styles dropped, entities decoded, blank runs folded."""
    if not html.strip():
        return ""
    from inscriptis import get_text  # with lxml, 4.7 MiB: loaded at the first HTML-only mail

    text = get_text(html, _config())
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return _BLANKS.sub("\n\n", text).strip()


def without_quotes(html: str) -> str:
    """`html` with the quoted history its mail client marked removed, as HTML again."""
    stripper = _QuoteStripper()
    stripper.feed(_terminated(html))
    stripper.close()
    return stripper.result()


def _terminated(html: str) -> str:
    """`html` without the unterminated constructs the stdlib parser rescans to the end once per `<`.

    An unclosed comment, or a tag or declaration left open after the last `>`, runs to the end of
    the document (HTML5 drops it there too), so it is cut; a marked section (`<![CDATA[`, never
    markup in mail) becomes text. What is left is read in linear time.
    """
    last_gt = html.rfind(">")
    opened = html.find("<", last_gt + 1)
    if opened >= 0:
        html = html[:opened]
    html = html.replace("<![", "&lt;![")
    closed = 0
    for found in _COMMENT_CLOSE.finditer(html):
        closed = found.end()
    unclosed = html.find("<!--", closed)
    return html[:unclosed] if unclosed >= 0 else html


class _QuoteStripper(HTMLParser):
    """Re-emits the tag stream, leaving out quoted elements and cutting at a history opener."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_tag = ""  # the quoted element being left out, and how deeply it is nested
        self.skip_depth = 0
        self.cut = False
        self.candidate: int | None = None  # out index where a bordered block began
        self.candidate_text: list[str] = []

    def result(self) -> str:
        return "".join(self.out)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closed=True)

    def handle_endtag(self, tag: str) -> None:
        if self.cut:
            return
        if self.skip_tag:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skip_tag = ""
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.cut or self.skip_tag:
            return
        self.out.append(escape(data, quote=False))
        if self.candidate is not None:
            self.candidate_text.append(data[:_HEADER_WINDOW])  # the window is all that is read
            seen = "\n".join(self.candidate_text)[:_HEADER_WINDOW]  # one field per fragment
            if words().sender_field.search(seen) and words().dated_field.search(seen):
                del self.out[self.candidate :]
                self.cut = True
            elif len(seen) >= _HEADER_WINDOW:
                self.candidate, self.candidate_text = None, []

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        if self.cut:
            return
        if self.skip_tag:
            if tag == self.skip_tag and not closed:
                self.skip_depth += 1
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        marks = " ".join(values.get(k, "") for k in ("id", "class", "name")).lower()
        # Outlook prefixes the ids of a quoted mail's markup with "x_" each time it is quoted again.
        element_id = re.sub(r"^(x_)+", "", values.get("id", "").lower())
        if element_id in _HISTORY_IDS or any(m in marks for m in _HISTORY_MARKS):
            self.cut = True
            return
        if tag == "blockquote" or any(m in marks for m in _QUOTE_MARKS):
            if not closed and tag not in _VOID:
                self.skip_tag, self.skip_depth = tag, 1
            return
        if self.candidate is None and _BORDER_TOP.search(values.get("style", "")):
            self.candidate, self.candidate_text = len(self.out), []
        rendered = "".join(f' {name}="{escape(value or "")}"' for name, value in attrs)
        self.out.append(f"<{tag}{rendered}{' /' if closed else ''}>")
