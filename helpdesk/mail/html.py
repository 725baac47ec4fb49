"""Turn an HTML body into readable plain text, keeping line structure (lists, paragraphs, tables)."""

from __future__ import annotations

import re

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig

_CONFIG = ParserConfig(css=CSS_PROFILES["strict"], display_links=False)
_BLANKS = re.compile(r"\n[ \t]*(\n[ \t]*){2,}")
# Outlook puts the quoted thread after <div id="divRplyFwdMsg"> or <div id="appendonsend">;
# those markers become lines the reply stripper already recognises once turned to text.


def html_to_text(html: str) -> str:
    """Readable text of `html`: scripts and styles dropped, entities decoded, blank runs folded."""
    if not html.strip():
        return ""
    text = get_text(html, _CONFIG)
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return _BLANKS.sub("\n\n", text).strip()
