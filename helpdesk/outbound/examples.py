"""Example mails: every template, for a sample ticket of each type, in both languages, rendered
through the same context code the daemon uses, so a support lead can review the wording
(`helpdesk mails render docs/mails`) and a test can check every template speaks the house voice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from helpdesk.clock import ManualClock
from helpdesk.config import Config
from helpdesk.errors import TemplateError
from helpdesk.outbound.attach import SampleFiles, size_words
from helpdesk.outbound.context import local_time, thread_history, ticket_context
from helpdesk.outbound.examples_data import (
    CUSTOMERS,
    HANDLING,
    LIFECYCLE_SAMPLES,
    SIMILAR,
    VARIANTS,
    figures,
    knowledge,
    report,
)
from helpdesk.outbound.outbox import Notifier
from helpdesk.outbound.phrases import LANGUAGES, LIFECYCLE, bilingual, clock_name, pick
from helpdesk.outbound.phrases_reasons import reason
from helpdesk.outbound.render import Rendered, Renderer
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Person
from helpdesk.sla.digest import Digests
from helpdesk.tickets.models import Message, Ticket, TicketField
from helpdesk.tickets.numbering import subject_tag
from helpdesk.tickets.periodic_reports import Period, report_context
from helpdesk.tickets.status import RELEASED
from helpdesk.workflow.editing import keyword_line
from helpdesk.workflow.stable import CLOSED_LOOP, ran_stable, stable_end, stable_period
from helpdesk.workflow.staff import command_spellings

# A mail to a staff member says so on its first line; every other template is a mail to the customer.
STAFF_MARK = "{# to: staff #}"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Monday


# The customer's files in the assignment notices: carried with the mail, or listed over the limit.
def _sent(language: str, attached: bool) -> SampleFiles:
    sizes = [size_words(48 * 1024, language), size_words(6 * 1024 * 1024, language)]
    named = zip(("screenshot.png", CUSTOMERS[language]["log_name"]), sizes, strict=True)
    files = [{"name": name, "size": size} for name, size in named]
    return SampleFiles(files, attached=attached, total=sizes[1], number="202611-001")


FILES = {language: _sent(language, True) for language in LANGUAGES}
LISTED = {language: _sent(language, False) for language in LANGUAGES}


@dataclass(frozen=True)
class Example:
    """One rendered example: which template, in which language, for which ticket, and how it reads."""

    template: str
    language: str
    variant: str
    rendered: Rendered


class Examples:
    """Builds sample tickets and renders templates for them as the daemon would."""

    def __init__(self, rules: RuleSet, renderer: Renderer, config: Config | None = None) -> None:
        self.rules = rules
        self.renderer = renderer
        self.config = config or Config()
        self.notifier = Notifier(self.config, renderer, ManualClock(NOW))

    def templates(self) -> list[str]:
        """Every template in the folder (both languages), by name."""
        root = Path(self.renderer.root)
        return sorted({p.name.split(".")[0] for lang in LANGUAGES for p in (root / lang).glob("*.txt.j2")})

    def to_staff(self, template: str) -> bool:
        """Whether `template` is a mail to a staff member: it is marked so (or names them, or shows
        the thread, which only staff read)."""
        source = Path(self.renderer.root) / "zh" / f"{template}.txt.j2"
        text = source.read_text("utf-8") if source.exists() else ""
        return STAFF_MARK in text or "person_name" in text or "history" in text

    def ticket(self, language: str, type_: str, state: str) -> Ticket:
        """A sample ticket of `type_` in `state`, as the customer writing `language` reported it."""
        who, wrote = CUSTOMERS[language], report(language, type_)
        kind = self.rules.catalog.types[type_]
        scale = self.rules.names.scale_of(type_)
        ticket = Ticket(
            number="202611-001",
            subject=wrote["subject"],
            status=state,
            type=type_,
            priority=scale[1] if len(scale) > 1 else kind.default_priority,
            team="operations" if type_ == "fault" else "rnd",
            owner=who["staff"],
            requester_email=who["email"],
            requester_name=who["name"],
            language=language,
            description=wrote["text"],
            incomplete=False,
            solution=wrote["solution"] if state in ("resolved", "closed") else "",
            created_at=NOW - timedelta(minutes=30),
            updated_at=NOW,
            resolved_at=NOW if state in ("resolved", "closed") else None,
            eta=NOW + timedelta(days=1),
        )
        if state == RELEASED:  # the applier sets it on the release
            ticket.stable_until = stable_end(self.rules, type_, ticket.team, NOW)
        staff = self.rules.directory.person(who["staff"])
        said = (
            (who["email"], wrote["text"], 30, "m1", "in"),
            (self.config.support_address, "(acknowledgement)", 30, "m2", "out"),
            (staff.email if staff else who["email"], wrote["words"], 15, "m3", "in"),
            (who["email"], who["reply"], 5, "m4", "in"),
        )
        for sender, text, minutes, key, direction in said:
            _message(ticket, direction, sender, text, NOW - timedelta(minutes=minutes), key)
        first = ticket.messages[0]
        for name, value in who["fields"].items() if type_ == "fault" else ():
            if name in self.rules.catalog.fields:
                ticket.fields.append(
                    TicketField(
                        name=name,
                        value=value,
                        message_id=first.message_id,
                        line=1,
                        source="body",
                        updated_at=NOW,
                    )
                )
        return ticket

    def context(self, template: str, language: str, ticket: Ticket, extra: dict | None = None) -> dict:
        """The context the applier (or the digest) builds for `template` to its reader."""
        who = CUSTOMERS[language]
        missing = list(self.rules.catalog.types[ticket.type].required[-2:])
        fields = {f.name: f.value for f in ticket.fields}
        zone = self.config.zone
        context = ticket_context(self.rules, zone, ticket, fields, language, missing)
        if self.to_staff(template):
            staff = self.rules.directory.person(who["staff"])
            context["person_name"] = staff.name if staff else ""
            context["history"] = thread_history(ticket, zone)
        else:
            context |= {
                "message": "",
                "solution": ticket.solution,
                "eta": local_time(ticket.eta, zone),
                "eta_reason": "",
                "customer_name": ticket.requester_name,
            }
        context |= _extras(self.rules, template, language, ticket) | (extra or {})
        return context | {"tag": subject_tag(self.config.numbering, ticket.number)} | self.notifier.voice()

    def render(self, template: str, language: str, ticket: Ticket, extra: dict | None = None) -> Rendered:
        if template == "digest":
            return self.renderer.render("digest", language, self.digest_context(language))
        if template == "period_report":
            context = self.period_context(language, (extra or {}).get("period", "weekly"))
            return self.renderer.render(template, language, context)
        return self.renderer.render(template, language, self.context(template, language, ticket, extra))

    def digest_context(self, language: str) -> dict:
        person, digests = self._manager(language)
        day = figures(language)
        return digests.context(
            person,
            date(2026, 11, 22),
            {"day": day, "month": day, "handling": HANDLING, "knowledge": knowledge(language)},
        )

    def period_context(self, language: str, kind: str) -> dict:
        """A weekly (the week to the digest's day) or monthly (November) report's context."""
        person, digests = self._manager(language)
        first = date(2026, 11, 16) if kind == "weekly" else date(2026, 11, 1)
        period = Period(kind, first, date(2026, 11, 22 if kind == "weekly" else 30))
        return report_context(digests, person, period, figures(language) | HANDLING)

    def _manager(self, language: str) -> tuple[Person, Digests]:
        """The first manager, reading `language`, and the digests that write to them."""
        person = next(p for p in self.rules.directory.people if p.role in ("manager", "director"))
        person = person.model_copy(update={"language": language})
        return person, Digests(self.config, self.rules, self.renderer, self.notifier, ManualClock(NOW))

    def variants(self, template: str) -> list[tuple[str, str, str, dict]]:
        """(title, type, state, extra) for each way `template`'s wording differs by ticket."""
        if template in VARIANTS:
            return VARIANTS[template]
        if template == "status_update":
            found = [("no news, automatic update", "fault", "in_progress", {})]
            found.append(("engineer's words", "fault", "in_progress", {"message": "{words}"}))
            found.append(("ETA moved", "fault", "in_progress", {"eta_reason": "{cause}"}))
            for type_, flow in sorted(self.rules.workflows.workflows.items()):
                for state, mail in flow.notify.items():
                    if mail == "status_update":
                        found.append(
                            (f"{type_}: {state}", _type_of(self.rules, type_), state, {"moved": True})
                        )
            return found
        if template in ("resolution", "confirmation_reminder", "close_notice"):
            state = "closed" if template == "close_notice" else "resolved"
            causes = {"fault": {"cause": "{cause}"}}
            found = [(type_, type_, state, causes.get(type_, {})) for type_ in self.rules.catalog.types]
            return found + (self._closed_loop() if template == "close_notice" else [])
        if template in ("assignment", "urgent_assignment"):
            found = [("fault", "fault", "in_progress", {})]
            found.append(("similar solved tickets", "fault", "in_progress", {"similar": SIMILAR}))
            return [
                *found,
                ("the customer's attachments, attached", "fault", "in_progress", {"customer_files": FILES}),
                ("attachments over the forwarding limit", "fault", "in_progress", {"customer_files": LISTED}),
            ]
        if template == "collaboration":
            with_files = (
                "with a time point and the customer's files",
                "fault",
                "in_progress",
                {"customer_files": FILES},
            )
            return [with_files, ("no time point", "fault", "in_progress", {"due": ""})]
        return [("fault", "fault", "in_progress", {})]

    def _closed_loop(self) -> list[tuple[str, str, str, dict]]:
        """Each type with a stable period, closed as 已闭环 by the sweep (workflow/stable.py)."""
        found = []
        for type_ in self.rules.sla.stable:
            period = stable_period(self.rules.sla, type_)
            why = {lang: ran_stable(period, lang) for lang in LANGUAGES}
            extra = {"closure": CLOSED_LOOP, "why": why, "message": ""}  # the sweep's: nobody's words
            found.append((f"{type_}: closed, loop complete", type_, "closed", extra))
        return found

    def all(self, template: str) -> list[Example]:
        found = []
        for language in LANGUAGES:
            for title, type_, state, extra in self.variants(template):
                words = CUSTOMERS[language]
                filled = {
                    k: v.format(**words) if isinstance(v, str) else pick(v, language)
                    for k, v in extra.items()
                }
                ticket = self.ticket(language, type_, state)
                found.append(
                    Example(template, language, title, self.render(template, language, ticket, filled))
                )
        return found

    def write(self, folder: Path) -> list[Path]:
        """Write `LANG/NAME.txt` under `folder` (each variant's subject and text part); returns the files.
        A template that fails to render is named in the TemplateError raised after the others are written."""
        written, failed = [], []
        for template in self.templates():
            try:
                examples = self.all(template)
            except TemplateError as exc:
                failed.append(str(exc))
                continue
            for language in LANGUAGES:
                path = folder / language / f"{template}.txt"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(document([e for e in examples if e.language == language]), encoding="utf-8")
                written.append(path)
        if failed:
            raise TemplateError("\n".join(failed))
        return written


def document(examples: list[Example]) -> str:
    """The examples of one template in one language, as a reviewer reads them."""
    parts = []
    for example in examples:
        rendered = example.rendered
        header = f"==== {example.template} · {example.variant} ===="
        tag = "" if example.template in ("digest", "period_report", "on_behalf_refused") else "[#202611-001] "
        parts.append(f"{header}\nSubject: {tag}{rendered.subject}\n\n{rendered.text}")
    return "\n\n".join(parts)


def _message(ticket: Ticket, direction: str, sender: str, text: str, at: datetime, key: str) -> Message:
    message = Message(
        direction=direction,
        message_id=f"{key}@example.com",
        sender=sender,
        subject=ticket.subject,
        text=text,
        new_text=text,
        language=ticket.language,
        defects=[],
        created_at=at,
    )
    ticket.messages.append(message)
    return message


def _type_of(rules: RuleSet, workflow: str) -> str:
    """A ticket type that runs `workflow` (the default workflow: the first type without its own)."""
    if workflow in rules.catalog.types:
        return workflow
    return next(t for t in rules.catalog.types if t not in rules.workflows.workflows)


def _extras(rules: RuleSet, template: str, language: str, ticket: Ticket) -> dict:
    """What the deciders add for `template` (the Notify's extra), for the sample ticket."""
    who, said = CUSTOMERS[language], LIFECYCLE_SAMPLES[language]
    labels = rules.labels
    state = bilingual("state", "in_progress", labels)
    lead = rules.directory.person("liu.yang").name
    extras: dict[str, dict] = {name: {} for name in ("status_update", "confirmation_reminder", "assignment")}
    extras |= {"progress_reminder": {}, "digest": {}}
    extras |= {
        "acknowledgement": {"customer_name": who["name"]},
        "information_request": {"customer_name": who["name"]},
        "resolution": {"message": report(language, ticket.type or "")["words"], "moved": True},
        "confirmation_unclear": {"closes_without_answer": rules.workflows.confirmation.close_without_answer},
        "sensitive_masked": {"kinds": ["id_card", "mobile"]},
        "customer_reply": {"message": who["reply"], "attachments": ["screenshot.png"]},
        "deadline_warning": {"clock": clock_name("resolution", language), "due": "2026-11-23 18:00"},
        "collaboration": {"asked_by": rules.directory.person("li.na").name, "due": "2026-11-24 18:00"},
        "escalation": {
            "clock": clock_name("first_response", language),
            "due": "2026-11-23 10:30",
            "level": 1,
        },
        "reopened": {
            "why": {"zh": "客户反馈：未解决，不满意", "en": "the customer says: not resolved, unsatisfied"}[
                language
            ],
            "message": who["reply"],
        },
        "evaluation_report": {"outcome": "feasible", "report": said["report"]},
        "scope_frozen": {"scope": said["scope"]},
        "change_request": {"change": {"number": 1, "description": said["change"]}, "scope": said["scope"]},
        "stage_assignment": {"stage": LIFECYCLE["development"], "due": "2026-12-10 18:00", "asked_by": lead},
        "approval_request": {
            "solution": report(language, ticket.type or "")["solution"],
            "cause": who["cause"],
            "message": who["words"],
            "asked_by": rules.directory.person(who["staff"]).name,
            "why": "",
            "approved": False,
        },
        "on_behalf_refused": {  # helpdesk/on_behalf_held.py
            "rejected": [
                {
                    "line": "#代报 李雷 <li.lei@example.cn> 传真"
                    if language == "zh"
                    else "#on-behalf Anna Smith <anna@example.com> fax",
                    "why": reason("on_behalf_channel", value="传真" if language == "zh" else "fax"),
                }
            ]
        },
        "receipt": {
            "applied": [
                "#优先级 紧急" if language == "zh" else "#priority urgent",
                reason("moved", state=state),
            ],
            "rejected": [
                {
                    "line": "#优先级 超级紧急" if language == "zh" else "#priority super urgent",
                    "why": reason(
                        "unknown_priority",
                        value="超级紧急" if language == "zh" else "super urgent",
                        known=[bilingual("priority", p, labels) for p in rules.catalog.priorities],
                    ),
                },
                {
                    "line": keyword_line("released", labels),
                    "why": reason(
                        "move_not_allowed",
                        current=bilingual("state", "in_progress", labels),
                        target=bilingual("state", "released", labels),
                        options=[bilingual("state", s, labels) for s in ("waiting", "testing", "resolved")],
                    ),
                },
            ],
            "commands": command_spellings(),
        },
    }
    if template in extras:
        return extras[template]
    # A template we do not know yet: every value any decider passes, so it renders.
    generic: dict = {"eta": local_time(ticket.eta, UTC), "eta_reason": who["cause"], "why": ""}
    for values in extras.values():
        generic |= values
    return generic
