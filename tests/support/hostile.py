"""Hostile and oversized mails built in code, for tests/test_hostile.py and benchmarks/hostile.py."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from urllib.parse import quote

SPACES = " " * 40_000
CJK = "中" * 40_000
# Lines that made the reply stripper and the field extractor backtrack for seconds.
ADVERSARIAL_LINES = {
    "spaces": SPACES,
    "cjk": CJK,
    "quotes": ">" * 40_000,
    "colons": ":" * 40_000,
    "fullwidth_colons": "：" * 40_000,
    "from_repeats": "发件人" * 13_000,
    "from_colon_repeats": "发件人：" * 10_000,
    "from_then_spaces": "发件人" + SPACES + "x",
    "star_from_spaces": "*" + SPACES + "*From" + SPACES + "x",
    "dashes_then_spaces": "--" + SPACES + "x",
    "on_wrote_repeats": "On " + "wrote " * 7_000,
    "zh_attribution_spaces": "在" + "写道" * 100 + SPACES + "x",
    "date_attribution": "2026年1月1日" * 4_000,
    "label_spaces": "出错时间" + SPACES + "x",
    "version_spaces": "版本" + SPACES + "x",
    "period_spaces": "上午" + SPACES + "x",
    "step_spaces": "step 1" + SPACES + "x",
    "error_spaces": "Error" + SPACES + "x",
    "open_quotes": "“" * 40_000,
    "digits_dots": "1." * 20_000,
    "today_spaces": "today" + SPACES + "at",
}


def mail(
    body: bytes | str = "Hello",
    *,
    subject: str = "Hostile",
    headers: bytes = b"",
    content_type: str = "text/plain; charset=utf-8",
    encoding: str = "8bit",
    sender: str = "attacker@example.net",
) -> bytes:
    """One mail to support@example.com with `body` as it is (no encoding applied)."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    head = (
        f"From: {sender}\r\nTo: support@example.com\r\nSubject: {subject}\r\n"
        f"Message-ID: <{hashlib.sha256(subject.encode() + headers + data).hexdigest()[:32]}@hostile.example>"
        "\r\n"
        f"Date: Mon, 2 Nov 2026 10:00:00 +0800\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: {encoding}\r\n"
    ).encode()
    return head + headers + b"\r\n" + data


def line_mail(name: str) -> bytes:
    """A mail whose body has one adversarial line between ordinary words."""
    return mail(f"你好，\n{ADVERSARIAL_LINES[name]}\n谢谢", subject=f"line {name}")


def nested(depth: int) -> bytes:
    """Multiparts nested `depth` deep, a short text at the bottom."""
    body = "Content-Type: text/plain; charset=utf-8\r\n\r\ndeep inside\r\n"
    for level in range(depth):
        boundary = f"b{level}"
        body = (
            f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
            f"--{boundary}\r\n{body}\r\n--{boundary}--\r\n"
        )
    head, _, rest = body.partition("\r\n\r\n")
    return mail(rest, subject=f"nested {depth}", content_type=head.split(": ", 1)[1])


def many_parts(count: int) -> bytes:
    """A multipart/mixed with `count` small attachments."""
    parts = [
        "--many\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n",
        *(
            "--many\r\nContent-Type: application/octet-stream\r\n"
            f'Content-Disposition: attachment; filename="f{n}.bin"\r\nContent-Transfer-Encoding: base64'
            f"\r\n\r\n{base64.b64encode(bytes([n % 256]) * 8).decode()}\r\n"
            for n in range(count)
        ),
        "--many--\r\n",
    ]
    return mail("".join(parts), subject=f"parts {count}", content_type='multipart/mixed; boundary="many"')


def attachment_named(filename_param: str, data: bytes = b"root:x:0:0\n") -> bytes:
    """A text part and one attachment whose Content-Disposition carries `filename_param` as written."""
    body = (
        "--att\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n附件见内\r\n"
        "--att\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Disposition: attachment; {filename_param}"
        f"\r\nContent-Transfer-Encoding: base64\r\n\r\n{base64.b64encode(data).decode()}\r\n--att--\r\n"
    )
    return mail(body, subject="attachment", content_type='multipart/mixed; boundary="att"')


def html_mail(html: str, subject: str = "html") -> bytes:
    return mail(html, subject=subject, content_type="text/html; charset=utf-8")


def big_html(size: int) -> str:
    """About `size` characters of ordinary nested HTML: tables, divs and paragraphs."""
    row = "<tr><td><div><p>系统报错 <b>error</b> in the export, 第几步 step</p></div></td></tr>\n"
    return "<html><body><table>" + row * (size // len(row)) + "</table></body></html>"


def huge_header(size: int) -> bytes:
    """A Subject of `size` characters, folded at 70."""
    words = "Hostile subject " * (size // 16)
    folded = "\r\n ".join(words[i : i + 70] for i in range(0, len(words), 70))
    return mail("body", subject=folded)


# Names that are no charset: Python's bytes-to-bytes codecs, its "undefined", and broken labels.
BAD_CHARSETS = {
    "rot13": b"rot13",
    "zlib": b"zlib",
    "base64": b"base64",
    "hex": b"hex",
    "uu": b"uu",
    "bz2": b"bz2",
    "quopri": b"quopri",
    "undefined": b"undefined",
    "nul": b"utf-8\x00",
    "eight_bit": b"utf-\xe9",
}
TEXT = "打印机报错，无法打印"
RAW_GBK = "你好".encode("gbk")  # undeclared 8-bit bytes, decoded in linear time however many
FILE_NAME = "报错.log"


def labelled(label: str, charset: bytes) -> dict[str, Callable[[], bytes]]:
    """Three readable mails naming `charset`: for the text part, an encoded subject, a file name."""
    word = b"=?" + charset + b"?b?" + base64.b64encode(TEXT.encode()) + b"?="
    name = b"filename*=" + charset + b"''" + quote(FILE_NAME).encode()
    found = {
        "part": lambda: mail(TEXT, subject=f"part {label}").replace(b"utf-8", charset, 1),
        "word": lambda: mail(TEXT, subject="@").replace(b"Subject: @", b"Subject: " + word),
        "name": lambda: attachment_named("@").replace(b"; @", b"; " + name),
    }
    return {f"charset_{label}_{where}": _own_id(build, f"{label}.{where}") for where, build in found.items()}


def _own_id(build: Callable[[], bytes], tag: str) -> Callable[[], bytes]:
    """`build` with a Message-ID of its own: the variants differ only after the ID was made."""
    return lambda: build().replace(b"@hostile.example>", f".{tag}@hostile.example>".encode(), 1)


def readable() -> dict[str, Callable[[], bytes]]:
    """Hostile mails a person can read whole: each must become a ticket, never be quarantined."""
    found: dict[str, Callable[[], bytes]] = {}
    for label, charset in BAD_CHARSETS.items():
        found.update(labelled(label, charset))
    found["date_impossible"] = lambda: mail(TEXT, subject="date").replace(
        b"Date: Mon, 2 Nov 2026 10:00:00 +0800", b"Date: 99999999999"
    )
    return found


def catalogue() -> dict[str, Callable[[], bytes]]:
    """Every hostile mail by name; each is built only when called."""
    found: dict[str, Callable[[], bytes]] = {
        f"line_{name}": (lambda name=name: line_mail(name)) for name in ADVERSARIAL_LINES
    }
    found.update(
        {
            "body_10mb_one_line": lambda: mail("x" * 10_000_000, subject="one long line"),
            "body_5mb_spaces_lines": lambda: mail((SPACES + "\n") * 125, subject="space lines"),
            "html_10mb": lambda: html_mail(big_html(10_000_000)),
            "html_deep_divs": lambda: html_mail("<div>" * 100_000 + "deep" + "</div>" * 100_000),
            "html_unclosed_comments": lambda: html_mail("<p>hi</p>" + "<!--" * 50_000),
            "html_unclosed_tags": lambda: html_mail("<p>hi</p>" + "<a href='" * 50_000),
            "html_border_spaces": lambda: html_mail(
                '<div style="border-top:solid">From' + SPACES + "x Sent" + SPACES + ":</div>"
            ),
            "mime_200_deep": lambda: nested(200),
            "mime_3000_parts": lambda: many_parts(3000),
            "nul_bytes": lambda: mail(b"hello\x00world\x00" * 1000, subject="nul\x00subject"),
            "invalid_base64": lambda: mail("!!!not base64 at all===\n" * 100, encoding="base64"),
            "broken_boundary": lambda: mail(
                "--other\r\nContent-Type: text/plain\r\n\r\nno boundary of mine\r\n",
                content_type='multipart/mixed; boundary="never"',
            ),
            "unterminated_boundary": lambda: mail(
                "--b\r\nContent-Type: text/plain\r\n\r\nnever closed\r\n"
                "--b\r\nContent-Type: text/html\r\n\r\n<p>",
                content_type='multipart/alternative; boundary="b"',
            ),
            "eight_bit_headers": lambda: mail(
                "正文".encode("gbk"),
                subject="x",
                headers="X-Note: 系统报错\r\n".encode("gbk") + b"X-Raw: \xff\xfe\xfa\r\n",
                content_type="text/plain; charset=gbk",
            ).replace(b"Subject: x", "Subject: 无法登录".encode("gbk")),
            "name_traversal": lambda: attachment_named('filename="../../etc/passwd"'),
            "name_absolute": lambda: attachment_named('filename="/etc/passwd"'),
            "name_windows_traversal": lambda: attachment_named('filename="..\\\\..\\\\boot.ini"'),
            "name_rfc2231_traversal": lambda: attachment_named("filename*=utf-8''..%2F..%2Fetc%2Fcron.d%2Fx"),
            "name_nul": lambda: attachment_named('filename="ok.txt\x00../../evil"'),
            "name_10000_chars": lambda: attachment_named(f'filename="{"a" * 10_000}.txt"'),
            "header_1mb_subject": lambda: huge_header(1_000_000),
            "header_100k_references": lambda: mail(
                "body",
                headers=("References: " + " ".join(f"<{n}@x>" for n in range(100_000)) + "\r\n").encode(),
            ),
            "header_many_encoded_words": lambda: mail("body", subject="=?utf-8?q?" * 20_000),
            "header_raw_8bit_200k": lambda: mail("body", subject="raw").replace(b"raw", RAW_GBK * 50_000, 1),
            "message_over_26mb": lambda: mail(b"A" * (26 * 1024 * 1024), subject="too big"),
        }
    )
    found.update(readable())
    return found
