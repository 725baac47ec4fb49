"""`helpdesk init DIR`: a starter config, rules with placeholder people and a secrets file, passing check."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click
import yaml

from helpdesk.config import BUNDLED
from helpdesk.console import errors

CONFIG = """\
# helpdesk configuration written by `helpdesk init`. Lines marked EDIT need your values;
# every other key and its default is described in deploy/helpdesk.example.yaml.
# Relative paths are taken relative to this file's folder.
# Passwords are not kept here: HELPDESK_IMAP_PASSWORD and HELPDESK_SMTP_PASSWORD come from the
# environment, e.g. from secrets.env (systemd: EnvironmentFile=; a shell: set -a; . ./secrets.env).

support_address: support@example.com   # EDIT: the address customers write to
support_name: {zh: 技术支持中心, en: Technical Support}   # EDIT: the name we sign and send with, per language
timezone: Asia/Shanghai                  # EDIT: the desk's time zone
default_language: zh                     # zh or en, when a customer's language cannot be told

database:
  url: sqlite:///var/helpdesk.db         # or postgresql://helpdesk@db.internal/helpdesk

imap:
  host: imap.example.com                 # EDIT
  port: 993
  security: tls                          # none | starttls | tls
  username: support@example.com          # EDIT; password from HELPDESK_IMAP_PASSWORD
  folder: INBOX

smtp:
  host: smtp.example.com                 # EDIT
  port: 587
  security: starttls                     # none | starttls | tls
  username: support@example.com          # EDIT (empty: no login); password from HELPDESK_SMTP_PASSWORD

commands:
  # Turn this on once your mail server stamps Authentication-Results (see the README's trust model).
  require_authentication: false
  authserv_id: ""

paths:
  rules: rules                           # EDIT the people in rules/staff.yaml before the first start
  data: var                              # attachments
"""

SECRETS = """\
# Secrets for the helpdesk, read from the environment; keep this file mode 0600 and out of git.
HELPDESK_IMAP_PASSWORD=change-me
HELPDESK_SMTP_PASSWORD=change-me
"""

STAFF_HEADER = """\
# EDIT: placeholder people, written by `helpdesk init`. Replace each with a real person (id, name,
# email), keeping teams, levels and reports_to (the escalation chain: engineer → manager → director).
# Ids are used in the routing rules too (set_owner, add_collaborators): rename them there as well.
"""


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def init(folder: Path, force: bool) -> None:
    """Write a starter configuration into FOLDER: helpdesk.yaml, rules/ and secrets.env."""
    rules = sorted((BUNDLED / "rules").glob("*.yaml"))
    people = _placeholders(yaml.safe_load((BUNDLED / "rules" / "staff.yaml").read_text(encoding="utf-8")))
    files = {
        folder / "helpdesk.yaml": CONFIG,
        **{folder / "rules" / path.name: _rules_file(path, people) for path in rules},
    }
    secrets = folder / "secrets.env"
    existing = [path for path in [*files, secrets] if path.exists()]
    if existing and not force:
        errors([f"{path}: exists already (--force overwrites it)" for path in existing])
    (folder / "rules").mkdir(parents=True, exist_ok=True)
    (folder / "var").mkdir(exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    # Created 0600 from the start: the file never exists readable by others, not even for a moment.
    descriptor = os.open(secrets, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(SECRETS)
    os.chmod(secrets, 0o600)
    config = folder / "helpdesk.yaml"
    click.echo(f"wrote {config}, {folder / 'rules'}/ ({len(rules)} files) and {secrets} (mode 600)")
    click.echo(  # unwrapped: the commands are to be copied
        "next:\n"
        f"  1. edit the lines marked EDIT in {config} (addresses, IMAP and SMTP servers)\n"
        f"  2. put the passwords in {secrets}\n"
        f"  3. replace the placeholder people (engineer1, manager1, …) in {folder / 'rules' / 'staff.yaml'}\n"
        f"  4. set -a; . {secrets}; set +a; helpdesk --config {config} check --live\n"
        f"  5. helpdesk --config {config} run --backlog from-now   (the first start: see run --help)"
    )


def _placeholders(staff: dict) -> dict[str, dict]:
    """The demo's people renamed by role: engineer1…, product1, manager1, director1 (id → entry)."""
    counts: dict[str, int] = {}
    renamed: dict[str, dict] = {}
    for person in staff["people"]:
        kind = {"manager": "manager", "director": "director", "product_manager": "product"}.get(
            person.get("role", ""), "engineer"
        )
        counts[kind] = counts.get(kind, 0) + 1
        new_id = f"{kind}{counts[kind]}"
        renamed[person["id"]] = {
            "id": new_id,
            "name": f"{kind.capitalize()} {counts[kind]}",
            "email": f"{new_id}@example.com",
        }
    return renamed


def _rules_file(path: Path, people: dict[str, dict]) -> str:
    """A bundled rules file with the demo's people replaced by placeholders."""
    text = path.read_text(encoding="utf-8")
    if path.name == "staff.yaml":
        staff = yaml.safe_load(text)
        staff["people"] = [
            {**person, **people[person["id"]]}
            | ({"reports_to": people[person["reports_to"]]["id"]} if person.get("reports_to") else {})
            for person in staff["people"]
        ]
        for team in staff.get("teams", {}).values():
            if team.get("manager"):
                team["manager"] = people[team["manager"]]["id"]
        return STAFF_HEADER + yaml.safe_dump(staff, allow_unicode=True, sort_keys=False, width=100)
    for old, new in people.items():
        text = re.sub(rf"(?<![\w.]){re.escape(old)}(?![\w.])", new["id"], text)
    return text
