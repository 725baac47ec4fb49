"""A private Dovecot IMAP server for the tests: its own config, port and maildirs under a temp folder."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from helpdesk.localservers import free_port, wait_for_port

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
}}
"""


def available() -> bool:
    return shutil.which("dovecot") is not None


class Dovecot:
    """Dovecot on loopback; every user name logs in with `password` and gets a fresh maildir."""

    name = "dovecot"

    def __init__(self, root: Path, password: str = "secret", extra: str = "") -> None:
        self.root = root
        self.password = password
        self.extra = extra  # more settings, appended to the config (plugins, capabilities, ACLs)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> Dovecot:
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "mail").chmod(0o777)
        self.root.chmod(0o755)
        conf = self.root / "dovecot.conf"
        conf.write_text(CONFIG.format(root=self.root, port=self.port, password=self.password) + self.extra)
        self.process = subprocess.Popen(["dovecot", "-F", "-c", str(conf)])
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)

    def restart(self) -> None:
        """Stop and start again on the same port (maildirs survive, connections do not)."""
        self.stop()
        self.process = subprocess.Popen(["dovecot", "-F", "-c", str(self.root / "dovecot.conf")])
        wait_for_port(self.port)
