"""Write MIME by hand: header fields folded and RFC 2047/2231-encoded, text parts, attachments.

The standard library's EmailMessage parses every header it is given back into a tree and
folds it again on output, which cost more than rendering the mail's templates. What we send is
always the same few shapes, so they are written straight to bytes here; the text parts get
the transfer encoding `email.contentmanager` would pick (7bit, 8bit, quoted-printable or
base64, by the same rule), so a reader sees the same mail.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from email import quoprimime
from urllib.parse import quote

CRLF = b"\r\n"
LINE = 78  # the line length RFC 5322 recommends, and the standard library's policy folds at
_WORD_BYTES = 45  # bytes of UTF-8 per encoded word: "=?utf-8?b?" + 60 base64 characters + "?=" < 75
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ")

Part = tuple[list[tuple[str, str]], bytes]  # header fields, body


def header(name: str, atoms: list[str]) -> bytes:
    """`name: atoms…`, the atoms separated by spaces and folded onto continuation lines at LINE."""
    lines, line = [], f"{name}:"
    for atom in atoms:
        if len(line) + 1 + len(atom) > LINE and line != f"{name}:":
            lines.append(line)
            line = " " + atom
        else:
            line += " " + atom
    lines.append(line)
    return "\r\n".join(lines).encode("utf-8")


def encoded_words(text: str) -> list[str]:
    """`text` as RFC 2047 'B' encoded words of whole characters, each short enough for one line."""
    words, chunk, size = [], [], 0
    for char in text:
        width = len(char.encode("utf-8"))
        if size + width > _WORD_BYTES:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += width
    words.append("".join(chunk))
    encoded = (binascii.b2a_base64(word.encode("utf-8"), newline=False).decode() for word in words if word)
    return [f"=?utf-8?b?{payload}?=" for payload in encoded]


def unstructured(text: str) -> list[str]:
    """The atoms of an unstructured field (a subject) reading back as `text` (single-spaced, as
    neutralise leaves it): ASCII words as they are, each run of other words encoded together
    with its inner spaces (spaces between encoded words do not count), as does a word that
    would otherwise read as an encoded word."""
    atoms: list[str] = []
    run: list[str] = []
    for word in text.split(" "):
        if word.isascii() and "=?" not in word:
            if run:
                atoms += encoded_words(" ".join(run))
                run = []
            atoms.append(word)
        else:
            run.append(word)
    if run:
        atoms += encoded_words(" ".join(run))
    return atoms


def mailbox(name: str, address: str) -> list[str]:
    """The atoms of `Name <address>`: the name bare, quoted, or encoded, as it needs."""
    if not name:
        return [address]
    if not name.isascii():
        return [*encoded_words(name), f"<{address}>"]
    if all(char in _ATEXT for char in name):
        return [*name.split(" "), f"<{address}>"]
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return [f'"{quoted}"', f"<{address}>"]


def text_part(text: str, subtype: str) -> Part:
    """A text/`subtype` part in UTF-8, encoded as `email.contentmanager` would choose."""
    lines = text.encode("utf-8").splitlines()
    if max((len(line) for line in lines), default=0) <= LINE:
        encoding = "7bit" if all(line.isascii() for line in lines) else "8bit"
        body = CRLF.join(lines) + CRLF
    else:
        head = _quoted(lines[:10])
        if head is None:
            encoding, body = "base64", base64_lines(CRLF.join(lines) + CRLF)
        else:
            encoding = "quoted-printable"
            encoded = head + (quoprimime.body_encode(_latin(lines[10:]), LINE) if lines[10:] else "")
            body = encoded.replace("\n", "\r\n").encode("ascii")
    headers = [("Content-Type", f'text/{subtype}; charset="utf-8"'), ("Content-Transfer-Encoding", encoding)]
    return headers, body


def _quoted(head: list[bytes]) -> str | None:
    """The quoted-printable of a long-lined part's first lines, or None when it is longer than
    their base64: the choice `email.contentmanager` makes on them. Quoted-printable encodes line by
    line, so these lines' encoding is the start of the whole part's. It writes each byte at least
    once, one of 128 and up as three characters ("=E4") and each CRLF as one newline: when even
    that is longer than base64 (Chinese text), nothing need be encoded to choose."""
    sniff = CRLF.join(head) + CRLF
    size = len(binascii.b2a_base64(sniff))
    high = len(sniff.decode("latin-1").encode("utf-8")) - len(sniff)  # the bytes of 128 and up
    if len(sniff) + 2 * high - len(head) > size:
        return None
    encoded = quoprimime.body_encode(_latin(head), LINE)
    return None if len(encoded) > size else encoded


def _latin(lines: list[bytes]) -> str:
    """`lines` as quoprimime reads a body: each byte one character, each line ending in LF."""
    return (b"\n".join(lines) + b"\n").decode("latin-1")


def attachment_part(name: str, content_type: str, data: bytes) -> Part:
    """A file, base64-encoded, its name in the Content-Disposition (RFC 2231 when not ASCII)."""
    return attachment_headers(name, content_type), base64_lines(data)


def attachment_headers(name: str, content_type: str) -> list[tuple[str, str]]:
    """The header fields of a base64 attachment part named `name`."""
    if name.isascii():
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        disposition = f'attachment; filename="{quoted}"'
    else:
        encoded = quote(name, safe="")
        pieces = [encoded[i : i + 60] for i in range(0, len(encoded), 60)]
        pieces = _whole_escapes(pieces)
        if len(pieces) == 1:
            disposition = f"attachment; filename*=utf-8''{pieces[0]}"
        else:
            first = f"filename*0*=utf-8''{pieces[0]}"
            rest = [f"filename*{n}*={piece}" for n, piece in enumerate(pieces[1:], 1)]
            disposition = "attachment;\r\n " + ";\r\n ".join([first, *rest])
    return [
        ("Content-Type", content_type),
        ("Content-Transfer-Encoding", "base64"),
        ("Content-Disposition", disposition),
    ]


def multipart(subtype: str, parts: list[Part]) -> Part:
    """A multipart/`subtype` of `parts`, under a random boundary that none of them contains."""
    bodies = [part_bytes(part) for part in parts]
    boundary = "===============" + secrets.token_hex(16) + "=="
    while any(boundary.encode() in body for body in bodies):
        boundary = "===============" + secrets.token_hex(16) + "=="
    marker = b"--" + boundary.encode()
    body = b"".join(marker + CRLF + body + CRLF for body in bodies) + marker + b"--" + CRLF
    return [("Content-Type", f'multipart/{subtype};\r\n boundary="{boundary}"')], body


def message(fields: list[bytes], body: Part) -> bytes:
    """The whole mail: the (already written) header fields, MIME-Version, then `body`."""
    head = CRLF.join([*fields, b"MIME-Version: 1.0", *(_field(name, value) for name, value in body[0])])
    return head + CRLF + CRLF + body[1]


def part_bytes(part: Part) -> bytes:
    """A part as it stands inside a multipart: its header fields, a blank line, its body."""
    headers, body = part
    return CRLF.join(_field(name, value) for name, value in headers) + CRLF + CRLF + body


def _field(name: str, value: str) -> bytes:
    return f"{name}: {value}".encode("ascii")


def base64_lines(data: bytes) -> bytes:
    """Base64 in lines of 76 characters (57 bytes each), CRLF-terminated."""
    return base64.encodebytes(data).replace(b"\n", CRLF)


def _whole_escapes(pieces: list[str]) -> list[str]:
    """Pieces of a %-encoded value moved so that none ends inside a %XX escape."""
    whole: list[str] = []
    carry = ""
    for piece in pieces:
        piece = carry + piece
        cut = piece.rfind("%", len(piece) - 2)
        carry, piece = (piece[cut:], piece[:cut]) if cut != -1 else ("", piece)
        whole.append(piece)
    if carry:
        whole.append(carry)
    return [piece for piece in whole if piece]
