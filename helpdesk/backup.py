"""Back up and restore the helpdesk: the database (SQLite online backup, or pg_dump) and the data folder."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.engine import make_url

from helpdesk.errors import HelpdeskError

MANIFEST = "backup.json"
SQLITE_FILE, PG_FILE, DATA_DIR = "helpdesk.db", "helpdesk.pgdump", "data"


class BackupError(HelpdeskError):
    """Raised when a backup or restore cannot be made: the message says what to do."""


@dataclass(frozen=True)
class Target:
    """Where the helpdesk keeps its state: the database URL and the data folder (attachments)."""

    database_url: str
    data: Path


def backup(target: Target, destination: Path, revision: str | None) -> dict:
    """Write a consistent copy to `destination` (a new folder): the database first, then the data
    folder, so every attachment a copied row names is in the copy. Returns the manifest."""
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty: back up into a new folder")
    destination.mkdir(parents=True, exist_ok=True)
    url = make_url(target.database_url)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database) as source, sqlite3.connect(destination / SQLITE_FILE) as copy:
            source.backup(copy)  # online: the daemon may keep running
        kind = "sqlite"
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={destination / PG_FILE}",
              *_pg_args(target.database_url)])  # fmt: skip
        kind = "postgresql"
    if target.data.exists():
        shutil.copytree(target.data, destination / DATA_DIR)
    manifest = {"made_at": datetime.now(UTC).isoformat(), "database": kind, "schema_revision": revision}
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def restore(target: Target, source: Path) -> dict:
    """Put a backup back in place; the daemon must be stopped. Returns the backup's manifest."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a helpdesk backup ({MANIFEST}: {exc})") from exc
    url = make_url(target.database_url)
    kind = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
    if manifest.get("database") != kind:
        raise BackupError(f"the backup holds a {manifest.get('database')} database; the config names {kind}")
    if kind == "sqlite":
        database = Path(url.database)
        for leftover in (Path(f"{database}-wal"), Path(f"{database}-shm")):
            leftover.unlink(missing_ok=True)
        with sqlite3.connect(source / SQLITE_FILE) as copy, sqlite3.connect(database) as live:
            copy.backup(live)
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              *_pg_args(target.database_url, dbname_flag=True), str(source / PG_FILE)])  # fmt: skip
    if (source / DATA_DIR).exists():
        shutil.copytree(source / DATA_DIR, target.data, dirs_exist_ok=True)
    return manifest


def _pg_args(database_url: str, dbname_flag: bool = False) -> list[str]:
    """pg_dump/pg_restore arguments for a SQLAlchemy or libpq URL: the connection, and the schema
    when the URL pins one with `options=-csearch_path=…`."""
    parts = urlsplit(database_url.replace("postgresql+psycopg://", "postgresql://"))
    options = parse_qs(parts.query).get("options", [""])[0]
    plain = parts._replace(query="").geturl()
    args = [f"--dbname={plain}"] if dbname_flag else [plain]
    if options.startswith("-csearch_path="):
        args.append(f"--schema={options.removeprefix('-csearch_path=')}")
    return args


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed: install PostgreSQL's client tools") from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()[-500:]}") from exc
