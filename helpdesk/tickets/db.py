"""Open the database and bring its schema to the newest Alembic revision.

Alembic (with Mako and Pygments, about 10 MiB) is imported only when the schema is behind or
a command needs its scripts: a start on a current schema reads the revision with one query.
"""

from __future__ import annotations

import ast
import fcntl
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import sessionmaker

from helpdesk.errors import SchemaMismatch, StoreUnavailable

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# `revision = "0001"` and `down_revision = None` in each migration script, as Alembic writes them.
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and enforced foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


# SQLSTATE classes and codes that are the server's state, not the data: connection (08),
# transaction rollback: serialization failure, deadlock (40), insufficient resources: disk
# full, out of memory (53), operator intervention: shutdown (57), read-only transaction (25006).
_TRANSIENT_CLASSES = ("08", "40", "53", "57")
_TRANSIENT_CODES = frozenset({"25006"})


def is_transient(exc: DBAPIError) -> bool:
    """Whether a database error is the database's trouble (connection, lock, timeout, read-only,
    full disk), not the data's: the work is retried later instead of failing."""
    if exc.connection_invalidated or isinstance(exc, OperationalError):
        return True
    state = getattr(exc.orig, "sqlstate", None) or ""
    return state in _TRANSIENT_CODES or state[:2] in _TRANSIENT_CLASSES


@contextmanager
def unavailable_when_transient() -> Iterator[None]:
    """Raise the database's own trouble as StoreUnavailable (retry later); other errors pass."""
    try:
        yield
    except DBAPIError as exc:
        if is_transient(exc):
            raise StoreUnavailable(f"{type(exc.orig).__name__}: {exc.orig}") from exc
        raise


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None: an empty database), read with one query."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:  # branches this helpdesk never makes: Alembic says what is wrong
        from alembic.migration import MigrationContext

        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    return rows[0] if rows else None


@cache
def newest_revision() -> str | None:
    """The head of the migration scripts, read from their `revision` and `down_revision` lines
    without importing Alembic; None unless they make one line of revisions with one head."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(script.read_text(encoding="utf-8")))
        try:
            revision, parent = ast.literal_eval(found["revision"]), ast.literal_eval(found["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str) or not isinstance(parent, str | None):
            return None  # a merge (a tuple of parents): Alembic's own reading decides
        revisions.add(revision)
        parents.update([parent] if parent else [])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def require_current(engine: Engine) -> None:
    """Raise SchemaMismatch unless the database is at the newest revision this helpdesk knows;
    for commands that only read and must never migrate on their own."""
    current = schema_revision(engine)
    if current is not None and current == newest_revision():
        return
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config(engine))
    head = scripts.get_current_head()
    if current == head:
        return
    if current is None or current in {script.revision for script in scripts.walk_revisions()}:
        raise SchemaMismatch(
            f"the database schema is at revision {current or '(none: an empty database)'}, this helpdesk "
            f"needs {head}: run `helpdesk migrate` (the daemon also migrates when it starts)"
        )
    raise SchemaMismatch(
        f"the database schema is at revision {current}, newer than this helpdesk knows ({head}): "
        "upgrade the helpdesk package"
    )


def upgrade_sql(engine: Engine) -> str:
    """The SQL `upgrade` would run on this database now, as text; nothing is run or changed."""
    from alembic import command

    current = schema_revision(engine)
    output = io.StringIO()
    config = alembic_config(engine)
    config.output_buffer = output
    command.upgrade(config, f"{current}:head" if current else "head", sql=True)
    return output.getvalue()


def upgrade(engine: Engine) -> None:
    """Apply every pending migration (safe to call at each start, by several processes at once:
    one migrates, the others wait for it and then find nothing to do). A schema already at the
    newest revision costs one query, and Alembic is not imported."""
    current = schema_revision(engine)
    if current is not None and current == newest_revision():
        return
    from alembic import command

    with _migration_lock(engine):
        command.upgrade(alembic_config(engine), "head")


# pg_advisory_lock's key for "the schema is being migrated" ("hdsk").
_MIGRATION_KEY = 0x6864736B


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """One migrator at a time: a PostgreSQL advisory lock, or a file lock beside the SQLite file."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_KEY})
                connection.commit()
        return
    database = engine.url.database or ""
    if engine.dialect.name != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        yield  # nothing on disk to share, or a read-only URI that cannot migrate anyway
        return
    with open(f"{database}.migrate-lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
