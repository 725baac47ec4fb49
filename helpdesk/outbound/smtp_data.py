"""One mail transaction over an open aiosmtplib connection, its DATA streamed a piece at a time.

aiosmtplib's `sendmail` takes the whole message as one bytes object and copies it several times
(line endings, dot-stuffing, the terminating dot, the transport's buffer): about eight times an
attachment's size at once for the owner's notice that carries it. Here the same bytes go out
(line endings made CRLF, a leading "." doubled, RFC 5321 4.5.2), a line-complete block at a time,
waiting whenever the socket's buffer is full; the commands, their replies and the errors raised
for them stay aiosmtplib's, as does RSET after a refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Iterator

import aiosmtplib
from aiosmtplib.email import parse_address

# aiosmtplib's own patterns: a lone CR or LF is a line ending; a line's leading dot.
from aiosmtplib.protocol import LINE_ENDINGS_REGEX, PERIOD_REGEX


def blocks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """`chunks` joined and cut into blocks of whole lines, each line ending in CRLF (the last one
    too, as aiosmtplib makes it): a line cut between two chunks is carried to the next block."""
    carry, empty = b"", True
    for chunk in chunks:
        carry += chunk
        cut = carry.rfind(b"\n") + 1
        if cut:
            yield LINE_ENDINGS_REGEX.sub(b"\r\n", carry[:cut])
            carry, empty = carry[cut:], False
    if carry or empty:
        carry = LINE_ENDINGS_REGEX.sub(b"\r\n", carry)
        yield carry if carry.endswith(b"\r\n") else carry + b"\r\n"


async def sendmail(
    smtp: aiosmtplib.SMTP, sender: str, recipients: list[str], chunks: Iterable[bytes]
) -> None:
    """`smtp.sendmail(sender, recipients, b"".join(chunks))`, without holding the message: the same
    commands and bytes on the wire, the same exceptions (SMTPRecipientsRefused when every recipient
    is refused, SMTPResponseException for a refused MAIL or DATA, ValueError for an address no
    server takes, SMTPServerDisconnected and SMTPTimeoutError when the connection fails).

    `chunks` is read twice: for SIZE, if the server announces it, and to send. Every wait is
    bounded by the connection's timeout. The connection has one user at a time (the sender), so
    aiosmtplib's sendmail lock is not taken."""
    parse_address(sender)  # every address checked before a command goes out, as sendmail does
    for recipient in recipients:
        parse_address(recipient)
    if smtp.is_ehlo_or_helo_needed:
        try:
            await smtp.ehlo()
        except aiosmtplib.SMTPHeloError:
            if not smtp.is_connected:
                raise
            await smtp.helo()
    options = []
    if smtp.supports_extension("size"):
        options.append(f"size={sum(len(block) for block in blocks(chunks))}")
    try:
        await smtp.mail(sender, options=options)
        refused = []
        for recipient in recipients:
            try:
                await smtp.rcpt(recipient)
            except aiosmtplib.SMTPRecipientRefused as exc:
                refused.append(exc)
        if len(refused) == len(recipients):
            raise aiosmtplib.SMTPRecipientsRefused(refused)
        await _data(smtp, chunks)
    except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
        with contextlib.suppress(ConnectionError, aiosmtplib.SMTPResponseException):
            await smtp.rset()  # the refusal, not how the reset went, is what the caller hears
        raise


async def _data(smtp: aiosmtplib.SMTP, chunks: Iterable[bytes]) -> None:
    """DATA, the message a block at a time, the final dot, and the server's verdict on it."""
    start = await smtp.execute_command(b"DATA")
    if start.code != aiosmtplib.SMTPStatus.start_input:
        raise aiosmtplib.SMTPDataError(start.code, start.message)
    protocol = smtp.protocol
    try:
        if protocol is None:
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        # A reply is expected from here on: aiosmtplib keeps what the server says while the
        # message flows (an early refusal) only while this is set, as its own DATA sets it.
        protocol._response_pending = True
        try:
            await _stream(smtp, protocol, chunks)
            protocol._response_pending = True
            protocol.write(b".\r\n")
            reply = await protocol.read_response(timeout=smtp.timeout)
        except aiosmtplib.SMTPServerDisconnected:
            early = _early_reply(protocol)
            if early is None or early.code == aiosmtplib.SMTPStatus.completed:
                raise
            # The server refused the message before it ended (552: too big) and hung up, while
            # a block or the final dot was going out: that refusal, as aiosmtplib's DATA reports
            # it, not a lost connection.
            raise aiosmtplib.SMTPDataError(early.code, early.message) from None
    except BaseException:
        # Half a message sent: only closing the connection keeps the server from taking
        # whatever comes next (QUIT, another mail) as its text.
        smtp.close()
        raise
    if reply.code != aiosmtplib.SMTPStatus.completed:
        raise aiosmtplib.SMTPDataError(reply.code, reply.message)


async def _stream(smtp: aiosmtplib.SMTP, protocol, chunks: Iterable[bytes]) -> None:
    """The message's blocks, dots doubled, each written once the socket's buffer has room."""
    for block in blocks(chunks):
        protocol.write(PERIOD_REGEX.sub(b"..", block))
        try:
            # Wait while the socket's buffer is above its high-water mark (asyncio's flow
            # control, as StreamWriter.drain does), so no more than about a block is held.
            await asyncio.wait_for(protocol._drain_helper(), smtp.timeout)
        except TimeoutError as exc:
            raise aiosmtplib.SMTPTimeoutError("Timed out sending the message") from exc
        except ConnectionError as exc:
            raise aiosmtplib.SMTPServerDisconnected("Connection lost") from exc


def _early_reply(protocol) -> aiosmtplib.SMTPResponse | None:
    """A reply the server sent while the message was still flowing, if the protocol holds one."""
    waiter = protocol._response_waiter
    if waiter is None or not waiter.done() or waiter.cancelled() or waiter.exception() is not None:
        return None
    return waiter.result()
