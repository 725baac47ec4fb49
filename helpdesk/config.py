"""Load and validate the helpdesk's YAML config; every default lives here and in the example file."""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from helpdesk.config_mailboxes import MailboxEntry, Watched, check_distinct, watched
from helpdesk.config_numbering import NumberingConfig
from helpdesk.errors import ConfigError
from helpdesk.yamlpos import YamlSyntaxError, line_of, load_with_lines, read_text

ENV_PREFIX = "HELPDESK_"
# Shipped data (templates, rules): the source tree's folders, linked in, and copied into wheels.
BUNDLED = Path(__file__).resolve().parent / "bundled"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseConfig(_Section):
    url: str = "sqlite:///helpdesk.db"


class BackoffConfig(_Section):
    initial: float = Field(1.0, gt=0, description="first wait, seconds")
    maximum: float = Field(300.0, gt=0, description="longest wait, seconds")


class _Connection(_Section):
    security: Literal["none", "starttls", "tls"] = "none"
    ca_file: Path | None = Field(None, description="CA bundle for the server's certificate")

    def tls_context(self) -> ssl.SSLContext | None:
        """A verifying TLS context (system CAs, or `ca_file`), or None without TLS."""
        if self.security == "none":
            return None
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)


class ImapConfig(_Connection):
    host: str = "127.0.0.1"
    port: int = Field(143, ge=1, le=65535)
    username: str = "support@example.com"
    password: str = ""
    folder: str = "INBOX"
    processed_action: Literal["move", "flag"] = "move"
    processed_folder: str = "Processed"
    processed_flag: str = "$HelpdeskDone"
    quarantine_folder: str = "Quarantine"
    idle: bool = True
    idle_renew_seconds: float = Field(600.0, gt=0)
    poll_seconds: float = Field(30.0, gt=0)
    timeout_seconds: float = Field(60.0, gt=0)
    reconnect: BackoffConfig = BackoffConfig()

    @field_validator("processed_flag")
    @classmethod
    def _own_keyword(cls, value: str) -> str:
        if value.startswith("\\"):
            raise ValueError(
                f"processed_flag {value!r} is a system flag that people set and clear themselves;"
                " use a keyword of the helpdesk's own, such as $HelpdeskDone"
            )
        if not value or any(char in value for char in ' (){%*"]\\') or not value.isascii():
            raise ValueError(f"processed_flag {value!r} is not an IMAP keyword (ASCII, no space or specials)")
        return value


class RetryConfig(_Section):
    initial_seconds: float = Field(30.0, gt=0)
    max_seconds: float = Field(3600.0, gt=0)
    factor: float = Field(2.0, ge=1)
    jitter: float = Field(0.2, ge=0, le=1)
    max_attempts: int = Field(12, ge=1)


class SmtpConfig(_Connection):
    host: str = "127.0.0.1"
    port: int = Field(25, ge=1, le=65535)
    username: str = ""
    password: str = ""
    timeout_seconds: float = Field(30.0, gt=0)
    poll_seconds: float = Field(2.0, gt=0)
    retry: RetryConfig = RetryConfig()
    lease_seconds: float = Field(
        300.0,
        gt=0,
        description=(
            "how long a sender holds the mails it took before sending them; a sender that dies"
            " leaves them to another (or to itself after a restart) once this has passed"
        ),
    )
    reconnect: BackoffConfig = Field(
        BackoffConfig(), description="waits between tries while the server refuses us (connection, login)"
    )


class CommandsConfig(_Section):
    """Who may move tickets by mail: staff always; with require_authentication, only when our
    receiving server (authserv_id in Authentication-Results) saw DKIM or DMARC pass."""

    require_authentication: bool = False
    authserv_id: str = ""

    @model_validator(mode="after")
    def _needs_server(self) -> CommandsConfig:
        if self.require_authentication and not self.authserv_id:
            raise ValueError("require_authentication needs authserv_id: the name your mail server stamps")
        return self


class PrivacyConfig(_Section):
    """How long the mails as received (the only unmasked copy) are kept."""

    raw_retention_days: int = Field(
        365, ge=0, description="days the raw mail is kept, then deleted (0: kept forever)"
    )
    staff_names: Literal["full", "masked"] = Field(
        "full", description="how mail to customers names an engineer: 王伟, or masked as 王工 / Engineer Wang"
    )


class AttachmentsConfig(_Section):
    """The customer's attachments in the owner's assignment notice."""

    forward_limit: int = Field(
        5 * 1024 * 1024,
        ge=0,
        description="bytes in all the notice carries; above, it lists them and the command that fetches them",
    )


class PathsConfig(_Section):
    templates: Path = BUNDLED / "templates" / "email"
    rules: Path = BUNDLED / "rules"
    data: Path = Path("var")


class MetricsConfig(_Section):
    """The Prometheus /metrics and /healthz endpoint, served by the daemon; off unless enabled."""

    enabled: bool = False
    host: str = Field("127.0.0.1", description="address to listen on; loopback unless you mean otherwise")
    port: int = Field(9464, ge=1, le=65535)
    unhealthy_after_seconds: float = Field(
        300.0,
        gt=0,
        description=(
            "/healthz fails once IMAP or the database has been unreachable this long,"
            " or the oldest mail waiting in the outbox is older than this"
        ),
    )


class LoggingConfig(_Section):
    """What `helpdesk run` logs: the level, and plain text or one JSON object per line."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class LimitsConfig(_Section):
    """How much of one mail is read: beyond these a mail is quarantined, or ticketed with its text cut."""

    max_message_bytes: int = Field(
        25 * 1024 * 1024, ge=1024, description="a larger mail is quarantined whole, unparsed (stage parse)"
    )
    max_header_bytes: int = Field(
        256 * 1024, ge=1024, description="a mail whose header block is larger is quarantined (stage parse)"
    )
    max_mime_depth: int = Field(20, ge=1, description="multiparts nested deeper: quarantined (stage parse)")
    max_parts: int = Field(500, ge=1, description="a mail of more MIME parts is quarantined (stage parse)")
    max_body_chars: int = Field(
        200_000, ge=1000, description="text characters analysed and kept; more is cut, with a defect"
    )
    max_html_bytes: int = Field(
        512 * 1024, ge=1024, description="HTML bytes converted to text; more is cut, with a defect"
    )


class SupportName(_Section):
    """The name our mail is signed and sent with (From), one per language; a single string
    serves both."""

    zh: str = "技术支持中心"
    en: str = "Technical Support"

    @model_validator(mode="before")
    @classmethod
    def _one_for_both(cls, value: object) -> object:
        return {"zh": value, "en": value} if isinstance(value, str) else value

    def of(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


class Config(_Section):
    support_address: str = "support@example.com"
    support_name: SupportName = SupportName()
    timezone: str = "Asia/Shanghai"
    default_language: Literal["zh", "en"] = "zh"
    auto_reply_daily_limit: int = Field(
        20,
        ge=0,
        description=(
            "a loop breaker: at most this many automatic answers (acknowledgement, information request,"
            " receipt) to one address per local day; a person opening ten tickets a day gets all ten"
        ),
    )
    database: DatabaseConfig = DatabaseConfig()
    imap: ImapConfig = ImapConfig()
    smtp: SmtpConfig = SmtpConfig()
    numbering: NumberingConfig = NumberingConfig()
    paths: PathsConfig = PathsConfig()
    commands: CommandsConfig = CommandsConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    attachments: AttachmentsConfig = AttachmentsConfig()
    metrics: MetricsConfig = MetricsConfig()
    logging: LoggingConfig = LoggingConfig()
    limits: LimitsConfig = LimitsConfig()
    mailboxes: list[MailboxEntry] = Field(
        default_factory=list, description="several support addresses; without it, the one above"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def watched(self) -> list[Watched]:
        """The mailboxes to watch: the `mailboxes` list, else the single one of the top level."""
        if not self.mailboxes:
            return [Watched("", self.support_address, self.support_name, self.imap, self.paths.rules)]
        return [watched(entry, self.imap, self.support_name, self.paths.rules) for entry in self.mailboxes]

    def for_mailbox(self, box: Watched) -> Config:
        """This config as seen by one mailbox's mail: its address, name, IMAP account and rules."""
        return self.model_copy(
            update={
                "support_address": box.address,
                "support_name": box.support_name,
                "imap": box.imap,
                "paths": self.paths.model_copy(update={"rules": box.rules}),
            }
        )

    def own_addresses(self) -> frozenset[str]:
        """Our addresses, lower-case: the support address and every watched mailbox's; no customer."""
        return frozenset({self.support_address.lower(), *(box.address.lower() for box in self.watched())})

    def sender_of(self, mailbox: str | None) -> tuple[str, SupportName]:
        """The address and name mail on a ticket of `mailbox` is sent with (the top level's for "")."""
        for box in self.watched():
            if box.name == (mailbox or ""):
                return box.address, box.support_name
        return self.support_address, self.support_name


MailboxEntry.model_rebuild(_types_namespace={"ImapConfig": ImapConfig, "SupportName": SupportName})


def load_config(path: Path | None, environ: Mapping[str, str] | None = None) -> Config:
    """Read `path` (or the embedded defaults when None), apply HELPDESK_* overrides, validate.

    Relative paths in the file are taken relative to the file's folder. Raises ConfigError
    listing every problem as "file:line: message"."""
    environ = os.environ if environ is None else environ
    source = str(path) if path else "<defaults>"
    data, lines = {}, {}
    if path is not None:
        try:
            text = read_text(path)
        except OSError as exc:
            raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
        try:
            loaded, lines = load_with_lines(text, source)
        except YamlSyntaxError as exc:
            raise ConfigError([str(exc)]) from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError([f"{source}:1: the config must be a mapping of sections"])
        data = loaded or {}
    data, from_environment = _apply_environment(data, environ)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = ".".join(str(part) for part in loc) or "(top)"
            variable = from_environment.get(loc[:2]) or from_environment.get(loc[:1])
            if variable:  # the value came from the environment: name the variable, not a line
                problems.append(f"environment variable {variable}: {where}: {error['msg']}")
            else:
                problems.append(f"{source}:{line_of(lines, loc)}: {where}: {error['msg']}")
        raise ConfigError(problems) from exc
    if path is not None:
        config = _resolve_paths(config, path.parent, data.get("paths") or {})
    mailboxes = [_secret(entry, environ) for entry in config.mailboxes]
    for index, entry in enumerate(mailboxes):
        entry._where = f"{source}:{line_of(lines, ('mailboxes', index))}"
    config = config.model_copy(update={"mailboxes": mailboxes})
    problems = [
        f"{source}:{line_of(lines, ('mailboxes', index, key))}: mailboxes.{index}.{key}: {problem}"
        for index, key, problem in check_distinct(config.watched())
    ]
    if problems:
        raise ConfigError(problems)
    return config


def _apply_environment(data: dict, environ: Mapping[str, str]) -> tuple[dict, dict[tuple, str]]:
    """Overlay HELPDESK_SECTION_KEY (e.g. HELPDESK_IMAP_PASSWORD) and HELPDESK_KEY variables;
    also returns which setting each variable set, so an error can name the variable."""
    merged = {key: (dict(value) if isinstance(value, dict) else value) for key, value in data.items()}
    used: dict[tuple, str] = {}
    for name, field in Config.model_fields.items():
        section = field.annotation
        if isinstance(section, type) and issubclass(section, _Section):
            for key in section.model_fields:
                variable = f"{ENV_PREFIX}{name}_{key}".upper()
                value = environ.get(variable)
                if value is not None:
                    target = merged.setdefault(name, {})
                    if isinstance(target, dict):
                        target[key] = value
                        used[(name, key)] = variable
        else:
            variable = f"{ENV_PREFIX}{name}".upper()
            value = environ.get(variable)
            if value is not None:
                merged[name] = value
                used[(name,)] = variable
    return merged, used


def _resolve_paths(config: Config, base: Path, given: dict) -> Config:
    """Make the paths the file named relative to its folder; untouched defaults stay as they are."""
    updates = {
        key: (base / getattr(config.paths, key))
        for key in PathsConfig.model_fields
        if key in given and not getattr(config.paths, key).is_absolute()
    }
    sections = {}
    for name in ("imap", "smtp"):
        section = getattr(config, name)
        if section.ca_file is not None and not section.ca_file.is_absolute():
            sections[name] = section.model_copy(update={"ca_file": base / section.ca_file})
    mailboxes = [_resolve_mailbox(entry, base) for entry in config.mailboxes]
    url = config.database.url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and ":memory:" not in url:
        url = "sqlite:///" + str(base / url.removeprefix("sqlite:///"))
    return config.model_copy(
        update={
            "paths": config.paths.model_copy(update=updates),
            "database": config.database.model_copy(update={"url": url}),
            "mailboxes": mailboxes,
            **sections,
        }
    )


def _secret(entry: MailboxEntry, environ: Mapping[str, str]) -> MailboxEntry:
    """A mailbox's IMAP password from HELPDESK_MAILBOX_<NAME>_PASSWORD (billing-eu: BILLING_EU), if set."""
    password = environ.get(f"{ENV_PREFIX}MAILBOX_{entry.name.upper().replace('-', '_')}_PASSWORD")
    if password is None:
        return entry
    imap = (entry.imap or ImapConfig()).model_copy(update={"password": password})  # set: laid over imap
    return entry.model_copy(update={"imap": imap})


def _resolve_mailbox(entry: MailboxEntry, base: Path) -> MailboxEntry:
    """A mailbox's rules folder and CA file relative to the config file's folder."""
    update: dict = {}
    if entry.rules is not None and not entry.rules.is_absolute():
        update["rules"] = base / entry.rules
    own = entry.imap
    if own is not None and own.ca_file is not None and not own.ca_file.is_absolute():
        update["imap"] = own.model_copy(update={"ca_file": base / own.ca_file})
    return entry.model_copy(update=update) if update else entry
