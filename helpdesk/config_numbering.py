"""The `numbering` section of the config: ticket number schemes, one by default and one per type."""

from __future__ import annotations

from datetime import datetime
from string import Formatter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class NumberScheme(BaseModel):
    """One way of numbering tickets: the format and when its {seq} starts again."""

    model_config = ConfigDict(extra="forbid")

    format: str = "{date:%Y%m}-{seq:03d}"
    reset: Literal["daily", "monthly", "yearly", "never"] = "monthly"

    @field_validator("format")
    @classmethod
    def _has_seq(cls, value: str) -> str:
        if "{seq" not in value:
            raise ValueError("the number format needs a {seq} field, e.g. '{date:%Y%m}-{seq:03d}'")
        return value

    @model_validator(mode="after")
    def _unique_in_period(self) -> NumberScheme:
        """A number must not come round again: {seq} restarts each period, so the format has to
        carry the date fields that tell the periods apart (monthly: year and month)."""
        try:
            specs = [spec or "" for _, field, spec, _ in Formatter().parse(self.format) if field == "date"]
            self.format.format(date=datetime(2026, 11, 22), seq=1)
        except KeyError as exc:
            raise ValueError(f"format {self.format!r}: unknown field {exc}; use {{date}}, {{seq}}") from exc
        except (ValueError, IndexError, AttributeError) as exc:
            raise ValueError(f"format {self.format!r} cannot be used: {exc}") from exc
        needed = _PERIOD_FIELDS[self.reset]
        have = "".join(specs)
        missing = [name for name, codes in needed if not any(code in have for code in codes)]
        if missing:
            example = {"daily": "{date:%Y%m%d}-{seq:03d}", "monthly": "{date:%Y%m}-{seq:03d}"}
            raise ValueError(
                f"with reset {self.reset} the format {self.format!r} repeats its numbers: {{seq}} starts"
                f" again each {_PERIOD_NAME[self.reset]}, so the format needs the {' and '.join(missing)}"
                f" in {{date:...}}, e.g. {example.get(self.reset, '{date:%Y}-{seq:04d}')!r}"
            )
        return self

    @property
    def literal(self) -> str:
        """The format's fixed text ('TS', '-'): what tells its numbers from another scheme's."""
        return "".join(text for text, _, _, _ in Formatter().parse(self.format))


class NumberingConfig(NumberScheme):
    """The default scheme (YYYYMM-NNN), and one per ticket type where wanted, e.g. the seeds'
    fault: {format: 'TS{date:%Y%m%d}{seq:03d}', reset: daily} and 'RD…' for development.

    A ticket's number is given when its first mail arrives, from the type the rules give that
    mail; a later #type keeps the number (every subject line of the thread carries it)."""

    subject_tag: str = "[#{number}]"
    by_type: dict[str, NumberScheme] = Field(default_factory=dict)

    @field_validator("subject_tag")
    @classmethod
    def _has_number(cls, value: str) -> str:
        if "{number}" not in value:
            raise ValueError("the subject tag needs a {number} field, e.g. '[#{number}]'")
        return value

    @model_validator(mode="after")
    def _schemes_apart(self) -> NumberingConfig:
        """Two different schemes must differ in their fixed text, or their numbers could meet."""
        seen: dict[str, tuple[str, str]] = {self.literal: (self.format, self.reset)}
        for name, scheme in self.by_type.items():
            other = seen.setdefault(scheme.literal, (scheme.format, scheme.reset))
            if other != (scheme.format, scheme.reset):
                raise ValueError(
                    f"by_type.{name}: the format {scheme.format!r} has the same fixed text"
                    f" {scheme.literal!r} as {other[0]!r} (reset {other[1]}): their numbers could be"
                    " the same; give each scheme its own letters, e.g. 'TS…' and 'RD…'"
                )
        return self

    def scheme(self, ticket_type: str | None) -> NumberScheme:
        """The scheme numbering a ticket of `ticket_type` (the default one for any other)."""
        return self.by_type.get(ticket_type or "", self)


# The strftime codes that tell one period from the next, per reset.
_YEAR = ("year", ("%Y", "%y", "%G"))
_PERIOD_FIELDS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "daily": [_YEAR, ("month", ("%m", "%b", "%B", "%j")), ("day", ("%d", "%j"))],
    "monthly": [_YEAR, ("month", ("%m", "%b", "%B"))],
    "yearly": [_YEAR],
    "never": [],
}
_PERIOD_NAME = {"daily": "day", "monthly": "month", "yearly": "year", "never": ""}
