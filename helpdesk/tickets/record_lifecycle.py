"""A development request's life in its record (what `tickets show` prints and --json gives): the
evaluations, the frozen scope and the changes after it, each stage's owner, planned date and the
actual start and end its state's status changes give, the acceptance tests, the release plan and
the reviews, from the events the commands left (workflow/lifecycle.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from helpdesk.outbound.phrases import LIFECYCLE
from helpdesk.tickets.models import Event
from helpdesk.workflow.lifecycle_words import STAGE_STATES


def _time(value: datetime | str | None, zone: ZoneInfo) -> str | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(zone).isoformat(timespec="seconds") if value else None


def development_record(events: list[Event], zone: ZoneInfo) -> dict:
    """Each lifecycle command's record, oldest first; the latest freeze and release plan stand."""

    def said(kind: str, *keys: str) -> list[dict]:
        return [
            {"time": _time(e.at, zone), "by": e.actor} | {key: e.detail.get(key) for key in keys}
            for e in events
            if e.kind == kind
        ]

    releases = said("command_release", "planned_at", "rollback")
    for item in releases:
        item["planned_at"] = _time(item["planned_at"], zone)
    frozen = said("command_freeze", "scope")
    return {
        "evaluations": said("command_evaluation", "outcome", "report"),
        "scope": frozen[-1] if frozen else None,
        "changes": said("command_change", "number", "description"),
        "stages": _stages(events, zone),
        "acceptance": said("command_uat", "result", "accepted_by", "notes"),
        "release": releases[-1] if releases else None,
        "reviews": said("command_review", "review"),
    }


def _stages(events: list[Event], zone: ZoneInfo) -> list[dict]:
    """Each stage that has an owner or has begun: its owner and planned date (the latest #stage),
    started when its state was first entered, ended when that state was last left."""
    found = []
    for stage, state in STAGE_STATES.items():
        named = [e for e in events if e.kind == "command_stage" and e.detail.get("stage") == stage]
        moves = [e for e in events if e.kind == "status_changed"]
        entered = [e.at for e in moves if e.detail.get("to") == state]
        left = [e.at for e in moves if e.detail.get("from") == state]
        if not named and not entered:
            continue
        last = named[-1].detail if named else {}
        ended = left[-1] if left and entered and left[-1] >= entered[-1] else None
        found.append(
            {
                "stage": stage,
                "state": state,
                "owner": last.get("owner"),
                "planned": _time(last.get("planned"), zone),
                "started": _time(entered[0], zone) if entered else None,
                "ended": _time(ended, zone),
            }
        )
    return found


class Words(Protocol):
    """What the section needs of record_text.RecordText: names, labels and the reader's language."""

    language: str

    def pick(self, zh: str, en: str) -> str: ...

    def person(self, who: str | None) -> str: ...


def development_lines(words: Words, record: dict, when: Callable[[str | None], str | None]) -> list[str]:
    """The development record as lines in the reader's language (none for a ticket without one)."""
    r, pick, lines = record, words.pick, []

    def word(name: str | None) -> str:
        return LIFECYCLE[name][words.language] if name in LIFECYCLE else name or "-"

    def head(item: dict) -> str:
        return f"{when(item['time'])} {words.person(item['by'])}"

    for item in r["evaluations"]:
        lines.append(
            pick(
                f"评估 {head(item)}：{word(item['outcome'])}",
                f"assessed {head(item)}: {word(item['outcome'])}",
            )
        )
        lines.append(f"  {item['report']}")
    if r["scope"]:
        lines.append(pick(f"范围冻结 {head(r['scope'])}：", f"scope frozen {head(r['scope'])}:"))
        lines.append(f"  {r['scope']['scope']}")
    for item in r["changes"]:
        number, text = item["number"], item["description"]
        lines.append(pick(f"变更 {number} {head(item)}：{text}", f"change {number} {head(item)}: {text}"))
    for item in r["stages"]:
        owner, planned = words.person(item["owner"]), when(item["planned"]) or "-"
        started, ended = when(item["started"]) or "-", when(item["ended"]) or "-"
        lines.append(
            pick(
                f"{word(item['stage'])}阶段：负责人 {owner}，计划 {planned}，实际 {started} 至 {ended}",
                f"{word(item['stage'])} stage: owner {owner}, planned {planned}, actual {started} to {ended}",
            )
        )
    for item in r["acceptance"]:
        notes = item["notes"] or ""
        lines.append(
            pick(
                f"验收 {head(item)}：{word(item['result'])}，验收人 {item['accepted_by']}"
                + (f"，{notes}" if notes else ""),
                f"acceptance {head(item)}: {word(item['result'])}, by {item['accepted_by']}"
                + (f", {notes}" if notes else ""),
            )
        )
    if r["release"]:
        item = r["release"]
        planned, rollback = when(item["planned_at"]), item["rollback"]
        lines.append(
            pick(
                f"上线计划 {planned}，回滚方案：{rollback}",
                f"release planned {planned}, rollback: {rollback}",
            )
        )
    for item in r["reviews"]:
        lines.append(pick(f"复盘 {head(item)}：{item['review']}", f"review {head(item)}: {item['review']}"))
    return lines
