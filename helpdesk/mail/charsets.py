"""Decode mail bytes by their declared charset, reading each legacy CJK charset as its superset."""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import functools
import re

from helpdesk.mail.detect import detect, naturalness

# Mail clients label text with the old standard but write characters only the superset has
# (e.g. 镕 or 啰 in "gb2312" mail), so decoding by the label alone loses them.
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "hz",
    "big5": "cp950",
    "x-big5": "cp950",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "iso-8859-1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    # Logical and explicit bidi variants name the same bytes as the plain ISO charset.
    "iso-8859-6-i": "iso8859_6",
    "iso-8859-6-e": "iso8859_6",
    "iso-8859-8-i": "iso8859_8",
    "iso-8859-8-e": "iso8859_8",
}
# Python codecs that are no charset a mail may name: each would decode by a rule, not a table.
_NOT_CHARSETS = frozenset({"undefined", "unicode-escape", "raw-unicode-escape", "idna", "punycode"})
ISO2022JP = {"iso-2022-jp", "csiso2022jp", "iso2022jp", "iso-2022-jp-ms", "cp50220", "cp50221"}

_ESCAPE = re.compile(rb"\x1b(\$@|\$B|\$\(D|\(B|\(J|\(I)")
# One RFC 2047 word; each part excludes "?", so a failed match never backtracks far.
WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_MOST_WORDS = 200  # encoded words decoded in one header; each may need a charset detector's guess
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_HIGH = bytes(range(0x80, 0x100))
_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")
# Bidirectional overrides and isolates reorder what a reader sees ("gpj.exe" shown as "exe.jpg").
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def codec_for(charset: str | None) -> str | None:
    """The Python codec that reads `charset` best, or None when Python knows no such codec."""
    name = _label(charset)
    for candidate in (name, name.removeprefix("x-")) if name else ():
        try:
            info = codecs.lookup(SUPERSETS.get(candidate, candidate))
            b"a".decode(info.name)  # a bytes-to-bytes codec (base64, zlib, rot13…) refuses here
        except (LookupError, ValueError):  # ValueError: NUL or 8-bit bytes in the name
            continue
        return None if info.name in _NOT_CHARSETS else info.name
    return None


def _label(charset: str | None) -> str:
    return (charset or "").strip().strip('"').strip().lower()


def decode_iso2022jp(data: bytes) -> str:
    """Decode ISO-2022-JP as Microsoft's superset (CP50221): NEC and IBM extensions included.

    Each JIS X 0208 pair is mapped to its Shift_JIS bytes and read as CP932, which knows
    the extension rows (①, Ⅲ, ㈱, 髙…) that the strict codec rejects.
    """
    out: list[str] = []
    mode = b"(B"
    pos = 0
    for match in _ESCAPE.finditer(data):
        out.append(_decode_iso2022_run(data[pos : match.start()], mode))
        mode = match.group(1)
        pos = match.end()
    out.append(_decode_iso2022_run(data[pos:], mode))
    return "".join(out)


def _decode_iso2022_run(run: bytes, mode: bytes) -> str:
    if mode in (b"(B", b"(J"):
        return run.decode("cp932", "replace")
    if mode == b"(I":  # JIS X 0201 half-width katakana
        return bytes(b + 0x80 if 0x21 <= b <= 0x5F else b for b in run).decode("cp932", "replace")
    sjis = bytearray()
    for index in range(0, len(run) - 1, 2):
        high, low = run[index], run[index + 1]
        if high in (0x0A, 0x0D):  # a line break inside a double-byte run
            sjis += bytes((high, low))
            continue
        s1 = (high + 1) // 2 + (0x70 if high <= 0x5E else 0xB0)
        s2 = low + (0x1F if high % 2 else 0x7E)
        if s2 >= 0x7F and high % 2:
            s2 += 1
        sjis += bytes((s1, s2))
    return bytes(sjis).decode("cp932", "replace")


def decode_bytes(data: bytes, charset: str | None, hints: tuple[str, ...] = ()) -> tuple[str, str | None]:
    """Decode `data` declared as `charset`; return (text, defect or None).

    The declared charset is trusted first: bytes it cannot read cost one U+FFFD each while
    they are few (at most one in ten of the non-ASCII characters). When it fails badly, or is
    missing, unknown or no charset at all (`rot13`, `base64`…), the bytes are detected: UTF-8
    first, then `hints` (the charsets the message declares elsewhere) and the usual charsets,
    by how natural each reading looks (helpdesk.mail.detect). ISO-2022-JP is 7-bit: 8-bit
    bytes under that label are UTF-8 or Shift_JIS.
    """
    name = _label(charset)
    if name in ISO2022JP:
        if b"\x1b$" in data or data.isascii():
            return decode_iso2022jp(data), None
        return _fallback(data, ("cp932", *hints), None), _misfit(charset)
    codec = codec_for(name)
    if codec is None:
        defect = f"unknown charset {charset!r}; detected instead" if name else None
        return _fallback(data, hints, None), defect
    if _single_byte(codec) and not data.isascii():
        # Valid UTF-8 under a Latin or Cyrillic label: no real 8-bit text forms its sequences.
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("utf-8"), _misfit(charset)
    try:
        return data.decode(codec), None
    except UnicodeDecodeError:
        pass
    with contextlib.suppress(UnicodeDecodeError):  # the label fails and the bytes are UTF-8: mislabelled
        return data.decode("utf-8"), _misfit(charset)
    replaced = data.decode(codec, "replace")
    if _few_errors(replaced, data):
        return replaced, f"bytes that charset {charset!r} cannot read are shown as U+FFFD"
    return _fallback(data, (codec, *hints), replaced), _misfit(charset)


@functools.cache
def _single_byte(codec: str) -> bool:
    """Whether `codec` reads each byte as one character (Latin-1, windows-1251, KOI8-R…)."""
    text = _HIGH.decode(codec, "replace")  # UTF-8 makes 128 U+FFFD of them: not single-byte
    return len(text) == len(_HIGH) and text.count("\ufffd") < len(_HIGH) // 4


def _misfit(charset: str | None) -> str:
    return f"charset {charset!r} does not fit the bytes; detected instead"


def _few_errors(replaced: str, data: bytes) -> bool:
    """Whether a reading with replacements lost at most one character in ten of its non-ASCII ones."""
    bad = replaced.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    return bad * 10 <= _wide(replaced) - bad


def _fallback(data: bytes, hints: tuple[str, ...], declared: str | None) -> str:
    """UTF-8, else UTF-8 with a few bad bytes, else the most natural of the hinted and usual charsets;
    `declared` (the declared charset's reading with replacements) when it reads better still."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    utf8 = data.decode("utf-8", "replace")
    if _few_errors(utf8, data):
        return utf8
    codecs_ = tuple(c for c in (codec_for(h) for h in hints) if c)
    found = detect(data, codecs_)
    if found is None:
        return declared if declared is not None else data.decode("cp1252", "replace")
    if declared is not None and naturalness(declared) > naturalness(found[0]) + 0.05:
        return declared
    return found[0]


def _wide(text: str) -> int:
    """How many characters of `text` are not ASCII, counted without a list per character."""
    return len(text) - len(text.encode("ascii", "ignore"))


def decode_header_value(raw: str | None, hints: tuple[str, ...] = ()) -> str:
    """Decode one header: RFC 2047 encoded words by superset codecs, raw 8-bit bytes by detection.

    The stdlib (compat32) hands raw 8-bit header bytes over as surrogate escapes; outside the
    encoded words they are recovered and detected (`hints`: the charsets the message declares
    elsewhere, tried first), inside one they are read by the word's own charset. Encoded words
    are found by WORD in one linear pass: the stdlib's decode_header takes quadratic time on a
    header of many unclosed `=?…?q?` openers.
    """
    if not raw:
        return ""
    return neutralise(decode_words(decode_raw(_FOLD.sub("", raw), hints), hints))


def decode_raw(text: str, hints: tuple[str, ...] = ()) -> str:
    """`text` with its raw 8-bit bytes (surrogate escapes) outside encoded words decoded; the
    words are left as written, raw bytes and all, for decode_words to read by their charset."""
    if not _has_raw(text):
        return text
    out: list[str] = []
    pos = 0
    for match in WORD.finditer(text):
        out.append(_decode_gap(text[pos : match.start()], hints))
        out.append(match.group(0))
        pos = match.end()
    out.append(_decode_gap(text[pos:], hints))
    return "".join(out)


_RAW_BYTE = re.compile("[\udc80-\udcff]")  # a byte surrogateescape kept undecoded


def _has_raw(text: str) -> bool:
    return _RAW_BYTE.search(text) is not None


def _decode_gap(text: str, hints: tuple[str, ...]) -> str:
    return decode_raw_header(text.encode("utf-8", "surrogateescape"), hints) if _has_raw(text) else text


def decode_raw_header(data: bytes, hints: tuple[str, ...] = ()) -> str:
    """Raw 8-bit header bytes (no RFC 2047) as text whose ASCII characters are the input's ASCII
    bytes, so an address structure read from it is the one that was sent.

    UTF-8 first (one bad byte costs one U+FFFD), then the message's own charsets and the usual
    ones by how natural each reading looks; every candidate keeps ASCII as ASCII (a multi-byte
    codec consumes only its own trail bytes, GBK's "@" or "\\" inside a character).
    """
    return _fallback(data, hints, None)


# Unicode's control (Cc: U+0000–U+001F, U+007F–U+009F) and line and paragraph separators (Zl, Zp:
# U+2028, U+2029) become spaces, bidi overrides go: one str.translate, not a lookup per character.
_NEUTRAL = {
    **dict.fromkeys([*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029], " "),
    **dict.fromkeys(map(ord, _BIDI)),
}


def neutralise(text: str) -> str:
    """`text` safe for one header line: control characters (CR, LF, NUL…) become spaces, bidi
    overrides go, and whitespace runs fold into one space. Text of printable characters only (the
    most) holds none of them: isprintable says so faster than translate."""
    return " ".join((text if text.isprintable() else text.translate(_NEUTRAL)).split())


def decode_words(text: str, hints: tuple[str, ...] = ()) -> str:
    """Decode the RFC 2047 encoded words in `text` (superset codecs); other text stays as it is.

    Whitespace between two adjacent encoded words is dropped (RFC 2047 §6.2); a word that
    cannot be decoded stays as written, and so does everything after the first _MOST_WORDS.
    """
    out: list[str] = []
    pos = 0
    for count, match in enumerate(WORD.finditer(text)):
        if count == _MOST_WORDS:  # no person's header holds more: the rest is not worth detecting
            break
        between = text[pos : match.start()]
        if pos == 0 or between.strip():
            out.append(between)
        decoded = _decode_word(match.group(1), match.group(2), match.group(3), hints)
        out.append(match.group(0) if decoded is None else decoded)
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def _decode_word(charset: str, encoding: str, payload: str, hints: tuple[str, ...]) -> str | None:
    charset = charset.partition("*")[0]  # RFC 2231 language suffix: utf-8*zh
    data = payload.encode("utf-8", "surrogateescape")
    try:
        if encoding in "bB":
            raw = base64.b64decode(data + b"=" * (-len(data) % 4))
        else:
            raw = _HEX.sub(lambda m: bytes((int(m.group(1), 16),)), data.replace(b"_", b" "))
    except (binascii.Error, ValueError):
        return None
    return decode_bytes(raw, charset, hints)[0]
