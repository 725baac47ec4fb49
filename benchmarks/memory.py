"""Measure memory: what each import costs, and the peak RSS of `helpdesk run --once` over a backlog.

Imports: each top-level dependency and our main modules alone in a fresh interpreter (RSS after
the import, above a bare interpreter's), then `import helpdesk.cli` with every module's own cost
attributed to its package (a module's RSS growth while it loads, minus what the modules it
imports grew), and the heavy packages a started daemon has loaded.
Backlog: N customer mails (the corpus first, where present, then synthetic ones; about a third
carry attachments of 5-150 KB, one in 200 one of 1-5 MB) delivered into a private Dovecot, then
`helpdesk run --once --backlog answer` in its own process with an SMTP sink, once on an empty
folder (start-up and migration alone) and once over the backlog; its peak RSS (VmHWM) each time,
and that peak split at the outbox's drain: start-up and ingest, then sending.
Run: python benchmarks/memory.py [--mails 10000] [--no-backlog] [--no-imports]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import yaml
from imapclient import IMAPClient

from helpdesk.demo import SUPPORT, customer_mail
from helpdesk.localservers import SmtpSink

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support import dovecot  # noqa: E402  (the tests' private Dovecot, reused)

CORPUS = ROOT.parent / "shared" / "corpus"
PASSWORD = "secret"
PACKAGES = [
    "sqlalchemy",
    "sqlalchemy.orm",
    "alembic",
    "psycopg",
    "pydantic",
    "jinja2",
    "imapclient",
    "aiosmtplib",
    "charset_normalizer",
    "inscriptis",
    "holidays",
    "prometheus_client",
    "rich.console",
    "rich.table",
    "click",
    "yaml",
    "schedule",
    "authres",
    "mailparser",
    "nh3",
]
OURS = ["helpdesk.config", "helpdesk.mail.parse", "helpdesk.pipeline", "helpdesk.daemon", "helpdesk.cli"]
# Loaded by a started daemon only if something on its path needs them.
HEAVY = ["alembic", "mako", "rich", "holidays", "psycopg", "prometheus_client", "inscriptis", "pydantic"]

_RSS = "int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20"

# Runs in a fresh interpreter: a meta-path finder that times nothing but measures each module's
# RSS growth around create_module (a C extension's dlopen) and exec_module, minus its children's.
_ATTRIBUTE = f"""
import importlib.abc, sys
def rss():
    return {_RSS}
own, stack = {{}}, []
class Measured(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader
    def _run(self, name, call, *args):
        stack.append([rss(), 0.0])
        try:
            return call(*args)
        finally:
            start, children = stack.pop()
            grown = rss() - start
            parts = name.split(".")
            key = ".".join(parts[:2]) if parts[0] == "helpdesk" else parts[0]
            own[key] = own.get(key, 0.0) + grown - children
            if stack:
                stack[-1][1] += grown
    def create_module(self, spec):
        return self._run(spec.name, self.loader.create_module, spec)
    def exec_module(self, module):
        module.__spec__.loader = module.__loader__ = self.loader  # resources read the real loader
        return self._run(module.__name__, self.loader.exec_module, module)
class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = Measured(spec.loader)
                return spec
        return None
base = rss()
sys.meta_path.insert(0, Finder())
import helpdesk.cli
print(repr((rss() - base, own)))
"""


def _python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False).stdout


def import_figures() -> None:
    """Each import alone above a bare interpreter, then `helpdesk.cli`'s cost by package."""
    bare = float(_python(f"print({_RSS})"))
    print(f"bare interpreter: {bare:.1f} MiB RSS")
    print("RSS each import adds alone, in a fresh interpreter (shared dependencies counted in each):")
    for name in PACKAGES + OURS:
        out = _python(f"import {name}\nprint({_RSS})")
        figure = f"{float(out) - bare:6.1f} MiB" if out else "  (not installed)"
        print(f"  {name:22} {figure}")
    total, own = eval(_python(_ATTRIBUTE))  # our own script's repr of floats and a dict
    print(f"`import helpdesk.cli`: {total:.1f} MiB above the bare interpreter; each package's own share:")
    for key, mib in sorted(own.items(), key=lambda item: -item[1])[:25]:
        print(f"  {key:28} {mib:6.1f} MiB")
    print(f"  {'(the rest)':28} {sum(sorted(own.values(), reverse=True)[25:]):6.1f} MiB")


def synthetic(n: int, rng: random.Random) -> bytes:
    """A customer's mail; about a third with an attachment, one in 200 with a large one."""
    name = f"客户{n}" if rng.random() < 0.7 else f"Customer {n}"
    text = "今天早上开始系统无法登录，提示“验证码错误”。版本 3.2.1\n" * rng.randint(1, 20)
    sender = f"{name} <c{n}@customer{n % 37}.example.cn>"
    chance = rng.random()
    if chance > 0.33:
        return customer_mail(sender, f"系统无法登录 #{n}", text)
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, SUPPORT, f"系统无法登录 #{n}"
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = make_msgid(domain=f"customer{n % 37}.example.cn")
    mail.set_content(text)
    size = rng.randint(1 << 20, 5 << 20) if chance < 0.005 else rng.randint(5 << 10, 150 << 10)
    maintype, subtype = rng.choice([("application", "pdf"), ("image", "png"), ("application", "zip")])
    mail.add_attachment(
        rng.randbytes(size), maintype=maintype, subtype=subtype, filename=f"附件{n}.{subtype}"
    )
    return mail.as_bytes()


def backlog(count: int, corpus: Path, seed: int) -> Iterator[bytes]:
    """The corpus's mails first (where present), then synthetic ones up to `count`."""
    index = corpus / "INDEX.tsv"
    real = [corpus / line.split("\t")[0] for line in index.read_text().splitlines()] if index.exists() else []
    for path in real[:count]:
        yield path.read_bytes()
    rng = random.Random(seed)
    for n in range(count - min(count, len(real))):
        yield synthetic(n, rng)


# `helpdesk run --once` as the console script runs it, then which heavy packages it loaded and
# its peak RSS: VmHWM, its own memory's high-water mark. (wait4's ru_maxrss would not do: Linux
# carries the parent's RSS at the fork into the child's, and this script holds the whole app.)
# The peak is also split at the outbox's drain: VmHWM read there, then reset to the RSS of the
# moment (clear_refs 5), so the second figure is the drain's own high-water mark.
_RUN = f"""
import sys
from helpdesk.cli import main
from helpdesk.outbound.sender import Sender

def hwm():
    line = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024

drain, phases = Sender.drain, []
def measured(self, *args, **kwargs):
    phases.append(hwm())
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    try:
        return drain(self, *args, **kwargs)
    finally:
        phases.append(hwm())
Sender.drain = measured
try:
    main(["--config", "helpdesk.yaml", "run", "--once", "--backlog", "answer"], standalone_mode=False)
finally:
    print("loaded:", " ".join(n for n in {HEAVY!r} if n in sys.modules) or "none of " + " ".join({HEAVY!r}))
    print("peak", max([hwm(), *phases]), *phases)
"""


def run_once(work: Path) -> tuple[float, float, str]:
    """(peak RSS MiB, seconds, output) of one `helpdesk run --once` in its own process; the output
    ends with the peak before the outbox's drain (start-up and ingest) and the drain's own."""
    began = time.monotonic()
    with (work / "daemon.log").open("ab") as log:
        done = subprocess.run([sys.executable, "-c", _RUN], cwd=work, stdout=subprocess.PIPE, stderr=log)
    lines = done.stdout.decode().strip().splitlines()
    peaks = [[float(word) for word in line.split()[1:]] for line in lines if line.startswith("peak ")]
    if done.returncode:
        lines.append(f"exit {done.returncode}: see {work / 'daemon.log'}")
    said = "; ".join(line for line in lines if not line.startswith("peak "))
    if peaks and len(peaks[0]) == 3:
        said += f"; peak until the drain {peaks[0][1]:.1f} MiB, during it {peaks[0][2]:.1f} MiB"
    return (peaks[0][0] if peaks else float("nan")), time.monotonic() - began, said


def backlog_figures(count: int, corpus: Path, seed: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="helpdesk-memory-"))
    work.chmod(0o755)  # Dovecot's mail processes run as nobody
    imap = dovecot.Dovecot(work / "dovecot", PASSWORD).start()
    sink = SmtpSink().start()
    config = {
        "support_address": SUPPORT,
        "database": {"url": f"sqlite:///{work / 'helpdesk.db'}"},
        "imap": {"host": "127.0.0.1", "port": imap.port, "username": SUPPORT, "password": PASSWORD},
        "smtp": {"host": "127.0.0.1", "port": sink.port},
        "paths": {"data": "var", "rules": str(ROOT / "rules")},
    }
    (work / "helpdesk.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    try:
        peak, _seconds, line = run_once(work)
        print(f"`helpdesk run --once`, empty folder, fresh database: peak RSS {peak:.1f} MiB; {line}")
        peak, seconds, line = run_once(work)
        print(f"the same, schema current: peak RSS {peak:.1f} MiB; {line}")
        client = IMAPClient("127.0.0.1", port=imap.port, ssl=False, timeout=60)
        client.login(SUPPORT, PASSWORD)
        size = delivered = 0
        for raw in backlog(count, corpus, seed):
            client.append("INBOX", raw)
            size, delivered = size + len(raw), delivered + 1
        client.logout()
        print(f"{delivered} mails delivered, {size / 2**20:.0f} MiB, largest batch held at 4 MiB")
        peak, seconds, line = run_once(work)
        print(f"`helpdesk run --once` over them: peak RSS {peak:.1f} MiB, {seconds:.0f} s; {line}")
    finally:
        sink.stop()
        imap.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=10_000, help="backlog size (default 10000)")
    parser.add_argument(
        "--corpus", type=Path, default=CORPUS, help=f"real mails to include (default {CORPUS})"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-imports", action="store_true", help="skip the import figures")
    parser.add_argument("--no-backlog", action="store_true", help="skip the backlog run")
    args = parser.parse_args()
    if not args.no_imports:
        import_figures()
    if not args.no_backlog:
        if not dovecot.available():
            sys.exit("the backlog run needs Dovecot (apt-get install dovecot-imapd)")
        backlog_figures(args.mails, args.corpus, args.seed)


if __name__ == "__main__":
    main()
