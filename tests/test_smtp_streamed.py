"""A queued mail goes out a block at a time, not held whole: over a real aiosmtpd server the streamed
transaction puts the same commands and bytes on the wire as aiosmtplib's `sendmail` given the
whole message (a multi-MB attachment, leading dots, bare line endings included), its refusals
raise what aiosmtplib's do, a file that changes in mid-send sends no mail, and sending a 4 MiB
file holds a small part of it at once."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import random
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings

from helpdesk.localservers import free_port
from helpdesk.outbound import smtp_data
from helpdesk.outbound.stored import Blob, wire
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.models import OutboxMail
from tests.test_compose_mime import ours

ROOT = Path(__file__).resolve().parents[1]
TRICKY = [
    b"",
    b"no line ending",
    b".leading dot\r\n..two\r\n.\r\nend",
    b"bare\nline\rends\r\r\n\n.dot after bare LF\n.\r.dot after bare CR",
    b"ends in CR\r",
    b"\r\n.\r\n",
]


@dataclass
class _Recorder:
    """Every transaction as the server saw it: MAIL's options, the recipients, the content."""

    seen: list[tuple[list[str], list[str], bytes]] = field(default_factory=list)
    refuse_data: str = ""  # the reply to the end of DATA, instead of 250
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address.startswith("nobody"):
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse_data:
            return self.refuse_data
        with self.lock:
            self.seen.append((list(envelope.mail_options), list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def server():
    recorder = _Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield recorder, controller.port
    controller.stop()


async def _both(port: int, recipients: list[str], message: bytes, chunks) -> list[object]:
    """aiosmtplib's sendmail of `message`, then ours of `chunks`, on one connection: what each
    raised (None: accepted), then whether the connection still works."""
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30)
    await smtp.connect()
    outcomes: list[object] = []
    for send in (
        smtp.sendmail("support@example.com", recipients, message),
        smtp_data.sendmail(smtp, "support@example.com", recipients, chunks),
    ):
        try:
            await send
            outcomes.append(None)
        except (aiosmtplib.SMTPException, ValueError) as exc:
            code = getattr(exc, "code", None) or [e.code for e in getattr(exc, "recipients", [])]
            outcomes.append((type(exc), code))
    outcomes.append((await smtp.noop()).code)
    await smtp.quit()
    return outcomes


@pytest.mark.parametrize("data", TRICKY)
def test_line_endings_and_dots_are_aiosmtplibs_wherever_the_chunks_are_cut(data):
    wanted = PERIOD_REGEX.sub(b"..", normalize_message_line_endings(data))
    for cut in range(len(data) + 1):
        for chunks in ([data[:cut], data[cut:]], [data[:cut], b"", data[cut : cut + 1], data[cut + 1 :]]):
            blocks = list(smtp_data.blocks(chunks))
            assert b"".join(PERIOD_REGEX.sub(b"..", block) for block in blocks) == wanted
            assert all(block.endswith(b"\r\n") for block in blocks)


def test_a_random_text_cut_at_random_is_what_aiosmtplib_sends():
    rng = random.Random(7)
    data = bytes(rng.choice(b"ab.\r\n") for _ in range(20_000))
    cuts = sorted(rng.sample(range(len(data)), 300))
    chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    wanted = PERIOD_REGEX.sub(b"..", normalize_message_line_endings(data))
    assert b"".join(PERIOD_REGEX.sub(b"..", block) for block in smtp_data.blocks(chunks)) == wanted


def _notice_with(path: Path, size: int) -> OutboxMail:
    """An outbox row whose mail carries a file of `size` random bytes by reference."""
    store = BlobStore(path)
    data = random.Random(size).randbytes(size)
    digest = store.put(data)
    store.settle()
    files = (("日志.bin", "application/octet-stream", Blob(digest, size, "gone")),)
    outgoing, _ = ours("打印机队列卡住", "技术支持", ".正文\n", "<p>正文</p>", files)
    assert hashlib.sha256(data).hexdigest() == outgoing.blobs[0]["sha256"]
    return OutboxMail(message_id=outgoing.message_id, data=outgoing.data, blobs=outgoing.blobs)


def test_a_notice_with_a_3_mib_file_reaches_the_server_as_the_whole_message_would(server, tmp_path):
    recorder, port = server
    row = _notice_with(tmp_path / "blobs", 3 * 1024 * 1024 + 5)
    blobs = BlobStore(tmp_path / "blobs")
    message = b"".join(wire(row, blobs))
    assert asyncio.run(_both(port, ["li.lei@example.cn"], message, wire(row, blobs))) == [None, None, 250]
    (options, rcpt, whole), streamed = recorder.seen
    assert options == [f"SIZE={len(message)}"] and rcpt == ["li.lei@example.cn"]
    assert streamed == (options, rcpt, whole) and len(whole) > 4 * 1024 * 1024


@pytest.mark.parametrize("data", TRICKY[1:])
def test_tricky_text_reaches_the_server_as_aiosmtplib_sends_it(server, data):
    recorder, port = server
    pieces = [data[: len(data) // 2], data[len(data) // 2 :]]
    assert asyncio.run(_both(port, ["a@example.cn", "b@example.cn"], data, pieces)) == [None, None, 250]
    assert recorder.seen[0] == recorder.seen[1]


@pytest.mark.parametrize(
    ("recipients", "refuse_data", "raised"),
    [
        (["nobody@example.cn"], "", (aiosmtplib.SMTPRecipientsRefused, [550])),
        (["li.lei@example.cn"], "552 5.3.4 message too big", (aiosmtplib.SMTPDataError, 552)),
        (["li.lei@example.cn"], "451 4.3.0 try again later", (aiosmtplib.SMTPDataError, 451)),
        (["li lei@example..cn"], "", (ValueError, [])),
    ],
)
def test_a_refusal_raises_what_aiosmtplib_raises_and_the_connection_goes_on(
    server, recipients, refuse_data, raised
):
    recorder, port = server
    recorder.refuse_data = refuse_data
    outcomes = asyncio.run(
        _both(port, recipients, b"Subject: x\r\n\r\nbody\r\n", [b"Subject: x\r\n\r\nbody\r\n"])
    )
    assert outcomes == [raised, raised, 250] and recorder.seen == []


def test_a_file_changed_in_mid_send_sends_no_mail_and_closes_the_connection(server, tmp_path):
    recorder, port = server
    row = _notice_with(tmp_path / "blobs", 1024 * 1024)
    blobs = BlobStore(tmp_path / "blobs")
    outgoing = wire(row, blobs)  # checked: the file holds its bytes

    class Changing:
        """The mail, its file rewritten while the second reading (the sending) is under way."""

        readings = 0

        def __iter__(self):
            self.readings += 1
            for number, chunk in enumerate(outgoing):
                if self.readings == 2 and number == 3:
                    blobs.path(row.blobs[0]["sha256"]).write_bytes(b"other bytes")
                yield chunk

    async def send() -> bool:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30)
        await smtp.connect()
        with pytest.raises(OSError, match="no longer holds the bytes stored"):
            await smtp_data.sendmail(smtp, "support@example.com", ["li.lei@example.cn"], Changing())
        return smtp.is_connected

    assert asyncio.run(send()) is False
    assert recorder.seen == []


_CHILD = """
import asyncio, json, sys, tracemalloc
import aiosmtplib
from helpdesk.outbound import smtp_data
from helpdesk.outbound.stored import wire
from helpdesk.tickets.blobs import BlobStore
from helpdesk.tickets.models import OutboxMail

row = OutboxMail(**json.loads(sys.stdin.read()))
row.data = row.data.encode("latin-1")
blobs = BlobStore.under(__import__("pathlib").Path(sys.argv[2]))

async def send(streamed):
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=int(sys.argv[1]), timeout=30)
    await smtp.connect()
    tracemalloc.start()
    if streamed:
        await smtp_data.sendmail(smtp, "support@example.com", ["li.lei@example.cn"], wire(row, blobs))
    else:
        await smtp.sendmail("support@example.com", ["li.lei@example.cn"], b"".join(wire(row, blobs)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    await smtp.quit()
    return peak

print(json.dumps([asyncio.run(send(True)), asyncio.run(send(False))]))
"""


def test_sending_a_4_mib_file_holds_a_small_part_of_it(server, tmp_path):
    """In a process of its own (the server's thread would count too): the most Python held at
    once while streaming, against aiosmtplib's sendmail of the same mail."""
    recorder, port = server
    row = _notice_with(tmp_path / "attachments", 4 * 1024 * 1024)
    fields = {"message_id": row.message_id, "data": row.data.decode("latin-1"), "blobs": row.blobs}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(port), str(tmp_path)],
        input=json.dumps(fields),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    streamed, whole = json.loads(done.stdout)
    assert streamed < 1024 * 1024 < 4 * 4 * 1024 * 1024 < whole
    assert recorder.seen[0] == recorder.seen[1]


async def _refusing_mid_data(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, reads: int) -> None:
    """A server that takes `reads` bytes of a message, answers 552 (too big) and hangs up."""
    writer.write(b"220 ready\r\n")
    while line := await reader.readline():
        verb = line[:4].upper()
        if verb == b"EHLO":
            writer.write(b"250-here\r\n250 SIZE 100000000\r\n")
        elif verb == b"DATA":
            writer.write(b"354 go on\r\n")
            await writer.drain()
            await reader.readexactly(reads)
            writer.write(b"552 5.3.4 message too big for this system\r\n")
            await writer.drain()
            writer.close()
            return
        else:
            writer.write(b"250 ok\r\n")
        await writer.drain()


@contextlib.contextmanager
def _refusing_server(reads: int):
    """`_refusing_mid_data` on an event loop of its own thread, as a real server runs beside us."""
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(
        asyncio.start_server(functools.partial(_refusing_mid_data, reads=reads), "127.0.0.1", 0)
    )
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()


@pytest.mark.parametrize("streamed", [False, True], ids=["aiosmtplib's sendmail", "ours"])
@pytest.mark.parametrize(
    "lines, reads",
    [(40_000, 200_000), (40, 100)],
    ids=["3 MB, refused while it flows", "3 KB, refused as the final dot goes out"],
)
def test_a_refusal_the_server_sends_before_the_end_and_hangs_up_is_that_refusal(streamed, lines, reads):
    """Not a lost connection: the sender would take it for an outage and try the mail for ever.
    A small mail is all written before the server's answer, so the final dot meets the hang-up."""
    message = b"x" * 76 + b"\r\n"

    async def send(port: int) -> BaseException:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30)
        await smtp.connect()
        try:
            if streamed:
                await smtp_data.sendmail(
                    smtp, "support@example.com", ["li.lei@example.cn"], [message * lines]
                )
            else:
                await smtp.sendmail("support@example.com", ["li.lei@example.cn"], message * lines)
        except aiosmtplib.SMTPException as exc:
            return exc
        finally:
            smtp.close()
        raise AssertionError("the server took the mail")

    with _refusing_server(reads) as port:
        for _ in range(5):  # the timing varies: each try must be the refusal
            raised = asyncio.run(send(port))
            assert type(raised) is aiosmtplib.SMTPDataError
            assert (raised.code, raised.message) == (552, "5.3.4 message too big for this system")
