"""The `mailboxes` section of the config: several support addresses, each its own IMAP mailbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

if TYPE_CHECKING:  # config.py rebuilds MailboxEntry with these once it has defined them
    from helpdesk.config import ImapConfig, SupportName

MAILBOX_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


class MailboxEntry(BaseModel):
    """One support address as written in helpdesk.yaml; what it leaves out comes from the top level.

    `imap` is laid over the top-level `imap` section (so host and port are written once);
    `name` is the mailbox's key in the database: its checkpoint, its claimed UIDs, its tickets."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="lower-case letters, digits, - and _: the mailbox's key, never renamed")
    address: str = Field(description="the address customers write to; our mail on its tickets comes from it")
    support_name: SupportName | None = Field(
        None, description="the name our mail is sent with; else the top level's"
    )
    imap: ImapConfig | None = Field(None, description="laid over the top-level imap section, key by key")
    rules: Path | None = Field(None, description="its own rules folder; else paths.rules")
    team: str | None = Field(None, description="the team its new tickets go to unless a rule says otherwise")
    _where: str = PrivateAttr("")  # "file:line" of the entry, for problems found later (its team)

    @field_validator("name")
    @classmethod
    def _key(cls, value: str) -> str:
        if not MAILBOX_NAME.fullmatch(value):
            raise ValueError(f"mailbox name {value!r}: lower-case letters, digits, - and _ (e.g. billing)")
        return value

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        if value.count("@") != 1 or any(char.isspace() for char in value):
            raise ValueError(f"{value!r} is not a mail address")
        return value.lower()


@dataclass(frozen=True)
class Watched:
    """One mailbox the daemon watches, every setting resolved; `name` "" is the single mailbox
    of a config without a `mailboxes` list (its checkpoints and tickets from before keep that key)."""

    name: str
    address: str
    support_name: SupportName
    imap: ImapConfig
    rules: Path
    team: str | None = None
    where: str = ""  # "file:line" of its entry in helpdesk.yaml

    @property
    def label(self) -> str:
        """How the log names it: the address, and the mailbox's name where there are several."""
        return f"{self.name} <{self.address}>" if self.name else self.address


def watched(entry: MailboxEntry, imap: ImapConfig, support_name: SupportName, rules: Path) -> Watched:
    """The entry with what it leaves out taken from the top level (`imap` key by key)."""
    own = entry.imap
    merged = imap.model_copy(update={key: getattr(own, key) for key in own.model_fields_set}) if own else imap
    return Watched(
        entry.name,
        entry.address,
        entry.support_name or support_name,
        merged,
        entry.rules or rules,
        entry.team,
        entry._where,
    )


def check_distinct(boxes: list[Watched]) -> list[tuple[int, str, str]]:
    """(index, key, problem) for each mailbox repeating an earlier one's name, address or folder."""
    problems = []
    seen: dict[str, set] = {"name": set(), "address": set(), "imap": set()}
    for index, box in enumerate(boxes):
        folder = (box.imap.host, box.imap.port, box.imap.username.lower(), box.imap.folder)
        for key, value, problem in (
            ("name", box.name, f"a second mailbox named {box.name}"),
            ("address", box.address, f"{box.address} is watched by an earlier mailbox already"),
            ("imap", folder, f"folder {box.imap.folder} of {box.imap.username} is watched already"),
        ):
            if value in seen[key]:
                problems.append((index, key, problem))
            seen[key].add(value)
    return problems
