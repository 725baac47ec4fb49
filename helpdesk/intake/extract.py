"""Find a report's fields in the customer's own words: labelled values, times, versions, errors, steps.

Each kind has a value pattern. A label ("版本", "Version", "错误提示") followed by a value of
the right shape counts wherever it stands in a line, or in the next cell of a table row (see
`helpdesk.intake.labels`). Without a label, times, version numbers, error messages and steps are
recognised on their own; a field we asked for is read more generously. Lines quoted with ">" are
history and never read. A time is resolved against the mail's date in the desk's time zone, and
what the customer wrote is kept beside it as `<field>_written`. `read_report` adds the record's
own fields (company, department, phone…, see `helpdesk.intake.record_fields`).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from datetime import datetime, tzinfo

from helpdesk.intake import error_text, labels, steps, versions, when
from helpdesk.intake.labels import Found
from helpdesk.intake.record_fields import read_record
from helpdesk.intake.signature import forwarded_sender
from helpdesk.mail.message import InboundMessage
from helpdesk.rules.schema import FieldDef

_SEPARATOR = re.compile(r"\s*+(?:[:：]|是|为|在)?\s*+(?:是|在|为|从)?\s*+")
WRITTEN = "_written"


def extract_fields(
    fields: Mapping[str, FieldDef],
    text: str,
    attachment_names: list[str],
    asked: frozenset[str] = frozenset(),
    reference: datetime | None = None,
) -> dict[str, Found]:
    """Every field of `fields` that `text` (the customer's new words) or an attachment gives.

    With `reference` (the mail's date, local to the desk), a time is stored resolved and the
    customer's words as `<name>_written`.
    """
    lines = labels.report_lines(text)
    found: dict[str, Found] = {}
    for name, field in fields.items():
        hit = _labelled(field, lines) or _unlabelled(field, lines, name in asked, reference)
        if hit is None:
            hit = _attachment(field, attachment_names)
        if hit is None:
            continue
        resolved = when.resolve(hit.value, reference) if reference and field.kind == "datetime" else None
        if resolved:
            found[name + WRITTEN] = hit
            hit = Found(resolved, hit.line, hit.source)
        found[name] = hit
    missing_asked = [name for name in asked if name not in found]
    if len(missing_asked) == 1 and len(asked) == 1 and text.strip() and len(text) <= 500:
        # One question, one short answer without a label: the answer is the whole reply.
        name = missing_asked[0]
        if fields[name].kind in ("text", "error", "steps"):
            found[name] = Found(text.strip(), 1)
    return found


def _labelled(field: FieldDef, lines: list[str]) -> Found | None:
    def read(rest: str, cell: bool, lines: list[str], number: int) -> str | None:
        return _value(field, rest, cell, lines, number)

    refuse = _not_when if field.kind == "datetime" else None
    hit = labels.find_labelled(labels.label_pattern(field.labels), lines, read, refuse)
    return Found(*hit) if hit else None


def _not_when(line: str, start: int) -> bool:
    """'期望上线时间', 'go-live date': a label that names a deadline or a wish, not when it happened."""
    return when.FUTURE.search(line[max(0, start - 8) : start]) is not None


def _value(field: FieldDef, rest: str, cell: bool, lines: list[str], number: int) -> str | None:
    """The value in `rest` (what follows a label, or its table cell) for a field of this kind."""
    if field.kind == "version":
        return versions.version_after_label(rest, 0)
    if field.kind == "datetime":
        start = 0 if cell else _SEPARATOR.match(rest).end()
        found = when.WHEN.match(rest, start)
        return found.group(0).strip() if found else None
    colon = labels.COLON.match(rest)
    if colon is None and not cell:
        return None
    value = rest[colon.end() :].strip() if colon else rest.strip()
    if not value and field.kind == "steps":
        return steps.block_below(lines, number)
    if not value and field.kind == "text":
        return _text_below(lines, number)
    if field.kind == "error":
        return error_text.error_value(value)
    return value.strip(" 。.;；") or None


def _text_below(lines: list[str], number: int) -> str | None:
    """Lines below a label, up to a blank one or the next "label: value" line."""
    block = []
    for following in lines[number:]:
        if not following.strip() or labels.NEXT_LINE_LABEL.match(following):
            break
        block.append(following.strip())
    return "\n".join(block) or None


def _unlabelled(field: FieldDef, lines: list[str], asked: bool, reference: datetime | None) -> Found | None:
    if field.kind == "steps":
        hit = steps.listed_steps(lines) or steps.sequence_steps(lines)
        return Found(*hit) if hit else None
    previous = ""
    for number, line in enumerate(lines, 1):
        value = None
        if field.kind == "datetime":
            value = _when_in(line, reference)
        elif field.kind == "version":
            value = versions.version_in(line, asked, previous)
        elif field.kind == "error":
            value = error_text.error_in(line)
        if value:
            return Found(value, number)
        previous = line
    return None


def _when_in(line: str, reference: datetime | None) -> str | None:
    """The first time in the line that is not a deadline or a wish ("12月20日前上线", "下周一"), nor
    a day after the mail was sent ("许可证 2026-12-31 到期"): a fault has happened already."""
    for found in when.WHEN.finditer(line):
        if _NEXT.search(line[max(0, found.start() - 2) : found.end()]):
            continue
        resolved = when.resolve(found.group(0), reference) if reference else None
        if resolved and resolved[:10] > f"{reference:%Y-%m-%d}":
            continue
        before = line[max(0, found.start() - 20) : found.start()]
        after = line[found.end() : found.end() + 8]
        if not (
            when.FUTURE.search(before) or when.FUTURE.match(after.lstrip(" 之以")) or _AHEAD.match(after)
        ):
            return found.group(0).strip()
    return None


_AHEAD = re.compile(r"\s*+(?:之|以)?前\s*+(?:要|需要|得)?\s*+(?:上线|完成|交付|提供|用|使用|开通|解决|处理)")
_NEXT = re.compile(r"下个?(?:周|星期|礼拜|月)|明天|后天|\bnext\b|\btomorrow\b", re.I)


def _attachment(field: FieldDef, names: list[str]) -> Found | None:
    matches = [n for n in names if any(fnmatch.fnmatch(n.lower(), g.lower()) for g in field.attachments)]
    return Found(", ".join(matches), 0, "attachment") if matches else None


def _reference(mail: InboundMessage, zone: tzinfo | None) -> datetime | None:
    """The mail's Date in the desk's zone (naive); None without one, or one no calendar counts from."""
    if mail.date is None or not 1900 < mail.date.year < 9000:
        return None
    return (mail.date.astimezone(zone) if zone else mail.date).replace(tzinfo=None)


def read_report(
    fields: Mapping[str, FieldDef],
    mail: InboundMessage,
    asked: frozenset[str] = frozenset(),
    zone: tzinfo | None = None,
    customers: Mapping[str, str] | None = None,
) -> dict[str, Found]:
    """The fields a mail gives: its sender's new text (never the quoted history) and attachments,
    then the record's fields (company, department, phone…) from the text, signature and sender.

    Times are resolved against the mail's Date in `zone` (the desk's; the mail's own offset
    without it). `customers` maps mail domains to company names; only a new report is named by
    its sender's domain, so an answer never overwrites the company its report stated.
    """
    local = _reference(mail, zone)
    reply = bool(mail.in_reply_to or mail.references)
    # No new words in a reply means nothing new: its quoted history (our own questions and their
    # examples among it) is never read. A new mail with none is a forward: the report is its text.
    text = mail.new_text or ("" if reply else mail.text)
    found = extract_fields(fields, text, [a.filename for a in mail.attachments], asked, local)
    reporter = forwarded_sender(text) or ("" if reply else mail.sender.email)
    record = read_record(text, mail.text, reporter, local, customers or {})
    return {**record, **found}
