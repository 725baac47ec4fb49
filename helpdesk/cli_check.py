"""What `helpdesk check` looks at: the config, the rules and the templates, and with --live the servers."""

from __future__ import annotations

import imaplib
import os
import smtplib
from pathlib import Path

from imapclient.exceptions import IMAPClientError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from helpdesk.config import Config, ImapConfig, PathsConfig, SmtpConfig, load_config
from helpdesk.errors import ConfigError, MailboxError, SchemaMismatch
from helpdesk.ingest.mailbox import log_in
from helpdesk.ingest.mailbox_rules import mailbox_rules
from helpdesk.outbound.render import Renderer
from helpdesk.rules.load import load_rules
from helpdesk.rules.ruleset import RuleSet
from helpdesk.tickets.db import make_engine, require_current
from helpdesk.yamlpos import YamlSyntaxError, line_of, load_with_lines, read_text

LIVE_TIMEOUT = 15.0  # seconds; a check should answer soon even where the config waits longer


def problems_in(
    config_path: Path | None, templates: list[str]
) -> tuple[Config | None, RuleSet | None, list[str]]:
    """Every problem in the config, its rules folders (paths.rules and each mailbox's) and its
    templates, found in one pass.

    A config that fails still has its rules and templates checked, at the paths it names."""
    problems: list[str] = []
    config = None
    try:
        config = load_config(config_path)
        paths = config.paths
    except ConfigError as exc:
        problems += exc.problems
        paths = _paths_alone(config_path)
    problems += Renderer(paths.templates).check(templates, ["zh", "en"])
    ruleset = None
    try:
        ruleset = load_rules(paths.rules)
    except ConfigError as exc:
        problems += exc.problems
    if config is not None and ruleset is not None:
        problems += _numbered_types(config, ruleset, config_path)
        try:
            mailbox_rules(config.watched(), ruleset, config.paths.rules)
        except ConfigError as exc:
            problems += exc.problems
    return config, ruleset, problems


def _numbered_types(config: Config, ruleset: RuleSet, config_path: Path | None) -> list[str]:
    """A `numbering.by_type` key that names no type would silently number by the default scheme."""
    unknown = [name for name in config.numbering.by_type if name not in ruleset.catalog.types]
    if not unknown or config_path is None:
        return []
    _, lines = load_with_lines(read_text(config_path), str(config_path))
    known = ", ".join(ruleset.catalog.types)
    return [
        f"{config_path}:{line_of(lines, ('numbering', 'by_type', name))}: numbering.by_type.{name}: "
        f"not a ticket type of the catalog (known: {known})"
        for name in unknown
    ]


def _paths_alone(config_path: Path | None) -> PathsConfig:
    """The file's `paths` section on its own (relative to the file), or the defaults if it fails too."""
    if config_path is None:
        return PathsConfig()
    try:
        data, _ = load_with_lines(read_text(config_path), str(config_path))
        given = (data or {}).get("paths") or {}
        paths = PathsConfig.model_validate(given)
    except (OSError, YamlSyntaxError, ValidationError, AttributeError):
        return PathsConfig()
    base = config_path.parent
    return paths.model_copy(
        update={
            key: base / getattr(paths, key)
            for key in given
            if key in PathsConfig.model_fields and not getattr(paths, key).is_absolute()
        }
    )


def live(config: Config) -> list[tuple[bool, str]]:
    """Try each mailbox's IMAP login and folders, the SMTP login and the database: one (ok, line) each."""
    boxes = [_imap(box.imap) for box in config.watched()]
    return [*boxes, _smtp(config.smtp), _database(config.database.url)]


def _imap(cfg: ImapConfig) -> tuple[bool, str]:
    where = f"IMAP {cfg.username} at {cfg.host}:{cfg.port}"
    try:
        client = log_in(cfg, min(cfg.timeout_seconds, LIVE_TIMEOUT))
    except MailboxError as exc:
        return False, str(exc)
    try:
        if not client.folder_exists(cfg.folder):
            return False, f"{where}: logged in, but there is no folder {cfg.folder!r}"
        count = client.select_folder(cfg.folder, readonly=True)[b"EXISTS"]
        wanted = [cfg.quarantine_folder] + ([cfg.processed_folder] if cfg.processed_action == "move" else [])
        absent = [folder for folder in wanted if not client.folder_exists(folder)]
        later = f"; {', '.join(absent)} will be created at the first start" if absent else ""
        return True, f"{where}: logged in; {cfg.folder} holds {count} mail(s){later}"
    except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
        return False, f"{where}: {_reason(exc)}"
    finally:
        try:
            client.logout()
        except (OSError, IMAPClientError, imaplib.IMAP4.error):
            client.shutdown()


def _smtp(cfg: SmtpConfig) -> tuple[bool, str]:
    where = f"SMTP {cfg.host}:{cfg.port}"
    timeout = min(cfg.timeout_seconds, LIVE_TIMEOUT)
    try:
        if cfg.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                cfg.host, cfg.port, timeout=timeout, context=cfg.tls_context()
            )
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if cfg.security == "starttls":
                smtp.starttls(context=cfg.tls_context())
                smtp.ehlo()
            if not cfg.username:
                return True, f"{where}: connected (no login configured)"
            smtp.login(cfg.username, cfg.password)
            return True, f"{where}: logged in as {cfg.username}"
    except smtplib.SMTPAuthenticationError as exc:
        return False, f"{where}: login as {cfg.username} refused: {exc.smtp_code} {_text(exc.smtp_error)}"
    except smtplib.SMTPResponseException as exc:
        return False, f"{where}: refused: {exc.smtp_code} {_text(exc.smtp_error)}"
    except (OSError, smtplib.SMTPException) as exc:
        return False, f"{where}: unreachable: {_reason(exc)}"


def _database(url: str) -> tuple[bool, str]:
    try:
        engine = make_engine(url)
    except (SQLAlchemyError, ImportError) as exc:
        return False, f"database: the URL cannot be used: {exc}"
    shown = engine.url.render_as_string(hide_password=True)
    try:
        if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            path = Path(engine.url.database)
            if not path.exists():  # checking never creates a database
                folder = path.parent
                if folder.is_dir() and os.access(folder, os.W_OK):
                    return True, f"database {shown}: not created yet; the first start creates it"
                return False, f"database {shown}: its folder {folder} is missing or not writable"
        require_current(engine)
        return True, f"database {shown}: connected; the schema is current"
    except SchemaMismatch as exc:
        return "newer than" not in str(exc), f"database {shown}: connected; {exc}"
    except DBAPIError as exc:
        return False, f"database {shown}: cannot connect: {_reason(exc.orig)}"
    except SQLAlchemyError as exc:
        return False, f"database {shown}: {exc}"
    finally:
        engine.dispose()


def _reason(exc: BaseException) -> str:
    """One line: the error's own words (first line), or its kind when it has none (a timeout)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__.replace("TimeoutError", "timed out")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
