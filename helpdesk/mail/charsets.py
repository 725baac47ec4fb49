"""Decode mail bytes by their declared charset, reading each legacy CJK charset as its superset."""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata

import charset_normalizer

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
}
ISO2022JP = {"iso-2022-jp", "csiso2022jp", "iso2022jp", "iso-2022-jp-ms", "cp50220", "cp50221"}

_CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u2018-\u201d]")
_ESCAPE = re.compile(rb"\x1b(\$@|\$B|\$\(D|\(B|\(J|\(I)")
# One RFC 2047 word; each part excludes "?", so a failed match never backtracks far.
WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_MOST_WORDS = 200  # encoded words decoded in one header; each may need a charset detector's guess
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")
# Bidirectional overrides and isolates reorder what a reader sees ("gpj.exe" shown as "exe.jpg").
_SAMPLE = 256 * 1024  # bytes charset-normalizer reads to guess a charset
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def codec_for(charset: str | None) -> str | None:
    """The Python codec that reads `charset` best, or None when Python knows no such codec."""
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    name = SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


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


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode `data` declared as `charset`; return (text, defect or None).

    Undeclared or unknown charsets are detected (UTF-8 first, then charset-normalizer); a
    declared charset that does not fit is detected too, and the defect says so.
    """
    name = (charset or "").strip().strip('"').lower()
    if name in ISO2022JP:
        return decode_iso2022jp(data), None
    codec = codec_for(name)
    if codec:
        try:
            return data.decode(codec), None
        except UnicodeDecodeError:
            text = _detect(data)
            return text, f"charset {charset!r} does not fit the bytes; detected instead"
    text = _detect(data)
    if name:
        return text, f"unknown charset {charset!r}; detected instead"
    return text, None


def _detect(data: bytes) -> str:
    """UTF-8, else GB18030 when it reads as Chinese, else charset-normalizer's best guess.

    Our senders write Chinese or English; short GBK text is often guessed as Korean or
    Cyrillic by statistical detectors, so a clean GB18030 reading that is mostly Han wins.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    wide = _wide(text)
    if wide and _chinese(text) >= 0.9 * wide:
        return text
    # The detector reads a sample; the whole text is then decoded by its guess, in one pass.
    best = charset_normalizer.from_bytes(data[:_SAMPLE]).best()
    if best is not None:
        return data.decode(best.encoding, "replace")
    return data.decode("gb18030", "replace")


def _wide(text: str) -> int:
    """How many characters of `text` are not ASCII, counted without a list per character."""
    return len(text) - len(text.encode("ascii", "ignore"))


def _chinese(text: str) -> int:
    return len(text) - len(_CHINESE.sub("", text))


def decode_header_value(raw: str | None) -> str:
    """Decode one header: RFC 2047 encoded words by superset codecs, raw 8-bit bytes by detection.

    The stdlib (compat32) hands raw 8-bit header bytes over as surrogate escapes; they are
    recovered and detected (once, for the whole value) rather than shown as garbage. Encoded
    words are found by WORD in one linear pass: the stdlib's decode_header takes quadratic time
    on a header of many unclosed `=?…?q?` openers.
    """
    if not raw:
        return ""
    text = _FOLD.sub("", raw)
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        text = decode_raw_header(text.encode("utf-8", "surrogateescape"))
    return neutralise(decode_words(text))


def decode_raw_header(data: bytes) -> str:
    """Raw 8-bit header bytes (no RFC 2047) as text whose ASCII characters are the input's ASCII
    bytes, so an address structure read from it is the one that was sent.

    A multi-byte codec consumes its trail bytes (GBK's "@" or "\\" inside a character), which
    reading byte by byte would mistake for structure; a detector's guess that rewrites ASCII
    (UTF-16 for short Big5 or broken UTF-8) is refused.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for codec in ("gb18030", "cp950"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _chinese(text) >= 0.9 * _wide(text):
            return text
    text = decode_bytes(data, None)[0]
    if [ch for ch in text if ch < "\x80"] == [chr(b) for b in data if b < 0x80]:
        return text
    return data.decode("utf-8", "replace")


def neutralise(text: str) -> str:
    """`text` safe for one header line: control characters (CR, LF, NUL…) become spaces, bidi
    overrides go, and whitespace runs fold into one space."""
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text if ch not in _BIDI
    )
    return " ".join(cleaned.split())


def decode_words(text: str) -> str:
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
        decoded = _decode_word(match.group(1), match.group(2), match.group(3))
        out.append(match.group(0) if decoded is None else decoded)
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def _decode_word(charset: str, encoding: str, payload: str) -> str | None:
    charset = charset.partition("*")[0]  # RFC 2231 language suffix: utf-8*zh
    data = payload.encode("utf-8", "surrogateescape")
    try:
        if encoding in "bB":
            raw = base64.b64decode(data + b"=" * (-len(data) % 4))
        else:
            raw = _HEX.sub(lambda m: bytes((int(m.group(1), 16),)), data.replace(b"_", b" "))
    except (binascii.Error, ValueError):
        return None
    return decode_bytes(raw, charset)[0]
