"""`helpdesk demo`: the real daemon over throwaway IMAP and SMTP servers, fed a handful of customer mails."""

from __future__ import annotations

import base64
import logging
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import yaml
from imapclient import IMAPClient
from rich.console import Console
from rich.table import Table

from helpdesk.config import load_config
from helpdesk.console import plain
from helpdesk.daemon import Helpdesk
from helpdesk.demo_story import WORDS, Story, reader_language
from helpdesk.localservers import PymapServer, SmtpSink
from helpdesk.tickets.repository import Repository

SUPPORT = "support@example.com"


def customer_mail(sender: str, subject: str, body: str, **headers: str) -> bytes:
    """A plain UTF-8 mail to the support address, as a customer's client would send it."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = SUPPORT
    mail["Subject"] = subject
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].rstrip(">"))
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail.as_bytes()


def _gbk_mail() -> bytes:
    """A mail as old Chinese clients write it: labelled gb2312, with a character only GBK has (镕)."""
    body = "您好：\n\n朱镕基路分公司的打印服务从今天上午起一直报错“打印队列已满”，重启无效。\n\n王芳\n"
    return (
        "From: =?gb2312?B?{name}?= <wang.fang@example.cn>\r\n"
        "To: support@example.com\r\n"
        "Subject: =?gb2312?B?{subject}?=\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\n"
        f"Message-ID: {make_msgid(domain='example.cn')}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=gb2312\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).format(name=_b64("王芳".encode("gb18030")), subject=_b64("打印服务报错".encode("gb18030"))).encode(
        "ascii"
    ) + body.replace("\n", "\r\n").encode("gb18030")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _wait(what: str, condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"demo: gave up waiting for {what}")
        time.sleep(0.1)


def run_demo(console: Console, keep: Path | None, language: str | None = None) -> None:
    """Start the servers, run the daemon, deliver the sample mails, tell what happened, clean up.

    Without `keep` the files live in a temporary folder removed at the end; SIGTERM, like Ctrl-C,
    stops the daemon and both servers before the process ends."""
    words = WORDS[reader_language(language)]
    # The story replaces log lines; pymap's IDLE answers make imapclient reconnect now and then.
    quiet = [logging.getLogger(name) for name in ("mail.log", "helpdesk", "imapclient")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.ERROR)
    previous = signal.signal(signal.SIGTERM, _terminate)
    workdir = Path(keep or tempfile.mkdtemp(prefix="helpdesk-demo-"))
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        app, sink = _run(console, workdir, words)
        _report(console, app, sink, reader_language(language))
    finally:
        signal.signal(signal.SIGTERM, previous)
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    if keep is None:
        console.print("\n" + words["removed"], markup=False, highlight=False)
    else:
        console.print(
            "\n" + words["kept"].format(workdir=workdir, config=workdir / "helpdesk.yaml"),
            markup=False,
            highlight=False,
        )


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _run(console: Console, workdir: Path, words: dict) -> tuple[Helpdesk, SmtpSink]:
    sink = SmtpSink().start()
    imap = PymapServer(SUPPORT, "demo").start()
    stop = threading.Event()
    daemon: threading.Thread | None = None
    try:
        config_path = workdir / "helpdesk.yaml"
        config_path.write_text(
            yaml.safe_dump(
                {
                    "support_address": SUPPORT,
                    "database": {"url": "sqlite:///helpdesk.db"},
                    "imap": {
                        "host": "127.0.0.1",
                        "port": imap.port,
                        "username": SUPPORT,
                        "password": "demo",
                        "poll_seconds": 2,
                    },
                    "smtp": {"host": "127.0.0.1", "port": sink.port, "poll_seconds": 0.2},
                    "paths": {"data": "var"},
                },
                allow_unicode=True,
            ),
            encoding="utf-8",
        )
        console.print(words["title"].format(workdir=workdir), style="bold", markup=False, highlight=False)
        console.print(words["servers"].format(imap=imap.port, smtp=sink.port), highlight=False)
        app = Helpdesk(load_config(config_path))
        daemon = threading.Thread(target=app.run, args=(stop,), name="daemon")
        daemon.start()
        _deliver(console, app, imap, sink, words)
    finally:
        stop.set()
        if daemon is not None:
            daemon.join()
        imap.stop()
        sink.stop()
    return app, sink


def _deliver(console: Console, app: Helpdesk, imap: PymapServer, sink: SmtpSink, words: dict) -> None:
    client = IMAPClient("127.0.0.1", port=imap.port, ssl=False)
    client.login(SUPPORT, "demo")
    first = [
        customer_mail(
            "李雷 <li.lei@example.cn>",
            "系统无法登录",
            "你好，\n\n今天早上开始 OA 系统一直提示“验证码错误”，无法登录。\n"
            "版本 3.2.1，Chrome 浏览器。\n\n谢谢\n李雷",
        ),
        customer_mail(
            "Anna Smith <anna@example.com>",
            "Export to Excel fails",
            "Hi,\n\nSince this morning the monthly report export stops at 90% with\n"
            '"Error 500: template not found". Version 4.1.\n\nBest regards\nAnna',
        ),
        _gbk_mail(),
        customer_mail(
            "Anna Smith <anna@example.com>",
            "Automatic reply: Export to Excel fails",
            "I am out of the office until Monday.",
            Auto_Submitted="auto-replied",
        ),
    ]
    for raw in first:
        client.append("INBOX", raw)
    console.print(words["delivered"].format(count=len(first)), markup=False, highlight=False)
    _wait("three acknowledgements", lambda: len(sink.received) >= 3)
    ack = next(r.message for r in sink.received if "li.lei@example.cn" in r.recipients)
    reply = customer_mail(
        "李雷 <li.lei@example.cn>",
        f"回复：{ack['Subject']}",
        "补充一下：出错时间是今天 9:05。\n操作步骤：\n1. 打开 OA 登录页\n2. 输入账号密码后点击登录"
        "\n\n发自我的iPhone\n\n"
        "------------------ 原始邮件 ------------------\n"
        f'发件人: "技术支持" <{SUPPORT}>\n发送时间: 今天\n主题: {ack["Subject"]}\n\n'
        "您好，已收到您的需求，我们将尽快处理并同步进展。",
        In_Reply_To=ack["Message-ID"],
        References=ack["Message-ID"],
    )
    client.append("INBOX", reply)
    console.print(words["replied"], markup=False, highlight=False)

    def replied() -> bool:
        with app.sessions() as session:
            return Repository(session).messages_from("li.lei@example.cn") >= 2

    _wait("the reply to join its ticket", replied)
    # The reply completes the report, so its owner is told.
    _wait(
        "the assignment notice",
        lambda: any("wang.wei@example.com" in r.recipients for r in sink.received),
    )
    client.logout()


def _report(console: Console, app: Helpdesk, sink: SmtpSink, language: str) -> None:
    words = WORDS[language]
    try:
        with app.sessions() as session:
            repo = Repository(session)
            tickets = sorted(repo.list_tickets(), key=lambda t: t.id)
            automatic = [(entry.subject, entry.sender) for entry in repo.kept_automatic(None)]
            Story(console, app.rules, language).tell(tickets, automatic)
    finally:
        app.close()
    sent = Table(words["to"], words["subject"], words["first_line"], title=words["sent"])
    for item in sink.received:
        mail = item.message
        lines = [ln for ln in mail.get_body(("plain",)).get_content().splitlines() if ln.strip()]
        sent.add_row(*plain(", ".join(item.recipients), mail["Subject"], lines[1] if len(lines) > 1 else ""))
    console.print()
    console.print(sent)
