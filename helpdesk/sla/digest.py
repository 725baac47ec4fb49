"""The managers' daily digest: rendered for any day, sent once a day at the configured local time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from helpdesk.calendar import person_zone
from helpdesk.clock import Clock
from helpdesk.config import Config
from helpdesk.knowledge.trends import trends
from helpdesk.outbound import phrases
from helpdesk.outbound.outbox import Notifier
from helpdesk.outbound.render import Rendered, Renderer
from helpdesk.rules.ruleset import RuleSet
from helpdesk.rules.schema import Person
from helpdesk.sla.handling import handling
from helpdesk.tickets.due import Among
from helpdesk.tickets.figures import manager_figures
from helpdesk.tickets.repository import Repository
from helpdesk.tickets.statistics import Scope, statistics

MANAGERS = ("manager", "director")
WEEK = 7  # days the 知识沉淀 part looks back over, the digest's day the last
CAUSE = 80  # characters of a repeated cause shown


@dataclass(frozen=True)
class Digests:
    """One rules folder's digests: its managers, of the tickets of `mailboxes` (the mailboxes using the
    folder; None: every ticket), claimed under `claim` + the person's id ("" for paths.rules), sent
    from the address and with the signature of mailbox `sender` ("": the top level's)."""

    config: Config
    rules: RuleSet
    renderer: Renderer
    notifier: Notifier
    clock: Clock
    mailboxes: Among | None = None
    claim: str = ""
    sender: str = ""

    def recipients(self, person_id: str | None = None) -> list[Person]:
        people = [p for p in self.rules.directory.people if p.role in MANAGERS]
        return [p for p in people if person_id in (None, p.id)]

    def scope(self, person: Person) -> Scope:
        teams = frozenset(
            name for name, team in self.rules.directory.teams.items() if team.manager == person.id
        )
        return Scope(None if person.role == "director" or not teams else teams, self.mailboxes)

    def figures(self, repo: Repository, person: Person, day: date) -> dict:
        zone = self.config.zone
        start = datetime.combine(day, time(), zone)
        end = start + timedelta(days=1)
        now = min(self.clock.now(), end)
        scope = self.scope(person)
        month = datetime.combine(day.replace(day=1), time(), zone)
        return {
            "day": statistics(repo, scope, start, end, now),
            "month": statistics(repo, scope, month, end, now),
            "handling": manager_figures(repo, scope, month, end, now),
            "knowledge": trends(repo, scope, end - timedelta(days=WEEK), end),
        }

    def render(self, repo: Repository, person: Person, day: date) -> Rendered:
        context = self.context(person, day, self.figures(repo, person, day))
        return self.renderer.render("digest", person.language, context)

    def context(self, person: Person, day: date, figures: dict) -> dict:
        """What the digest template sees: every name, state and clock in the manager's language,
        people by name, times on the manager's clock."""
        language = person.language
        daily = figures["day"]
        label = self.rules.labels.of
        zone = person_zone(person, self.config.zone)  # the day is the desk's; its times, the manager's

        def name(person_id: str | None) -> str:
            found = self.rules.directory.person(person_id)
            return found.name if found else person_id or phrases.UNASSIGNED[language]

        return self.notifier.voice(self.sender) | {
            "person_name": person.name,
            "day": day.isoformat(),
            "empty": not (daily["tickets"] or daily["escalations"] or daily["overdue"] or daily["waiting"]),
            "today": self.labelled(daily, language),
            "month": self.labelled(figures["month"], language),
            "escalations": [
                e | {"clock": phrases.clock_name(e["clock"], language), "to": name(e["to"])}
                for e in daily["escalations"]
            ],
            "overdue": [
                o
                | {
                    "clock": phrases.clock_name(o["clock"], language),
                    "due": o["due"].astimezone(zone).strftime("%m-%d %H:%M"),
                    "owner": name(o["owner"]),
                }
                for o in daily["overdue"]
            ],
            "waiting": [w | {"status": label("state", w["status"], language)} for w in daily["waiting"]],
            "handling": handling(self.rules, figures["handling"], language),
            "knowledge": self._knowledge(figures["knowledge"], day, language),
        }

    def _knowledge(self, found: dict, day: date, language: str) -> dict:
        """The week's 知识沉淀 to the digest's day: types and sub-categories by label, each repeated
        cause's first line (cut at CAUSE characters) with its tickets' numbers."""
        label = self.rules.labels.of
        comma = "、" if language == "zh" else ", "
        repeated = []
        for row in found["repeated"]:
            cause = row["cause"].splitlines()[0]
            cause = cause if len(cause) <= CAUSE else cause[: CAUSE - 1].rstrip() + "…"
            repeated.append(
                {"cause": cause, "count": len(row["numbers"]), "numbers": comma.join(row["numbers"])}
            )
        return {
            "first": (day - timedelta(days=WEEK - 1)).isoformat(),
            "types": [
                row
                | {
                    "type": label("type", row["type"], language),
                    "subcategories": [
                        s | {"name": label("category", s["name"], language)} for s in row["subcategories"]
                    ],
                }
                for row in found["types"]
            ],
            "repeated": repeated,
        }

    def labelled(self, figures: dict, language: str) -> dict:
        label = self.rules.labels.of
        return {
            "tickets": figures["tickets"],
            "by_type": {label("type", k, language): v for k, v in figures["by_type"].items()},
            "by_priority": {label("priority", k, language): v for k, v in figures["by_priority"].items()},
            "by_team": {label("team", k, language): v for k, v in figures["by_team"].items()},
            "compliance": {label("priority", k, language): v for k, v in figures["compliance"].items()},
            "satisfaction": {
                phrases.ANSWERS.get(k, {}).get(language, k): v for k, v in figures["satisfaction"].items()
            },
        }

    def due_day(self, repo: Repository) -> date | None:
        """The day whose digest is due now (yesterday, once the local digest time has passed), or
        None: too early, or the helpdesk was not running yet on that day."""
        now = self.clock.now().astimezone(self.config.zone)
        hour, minute = map(int, self.rules.sla.digest.time.split(":"))
        if now.time() < time(hour, minute):
            return None
        if not repo.has_tickets_before(datetime.combine(now.date(), time(), self.config.zone)):
            return None  # no digest for days before the helpdesk's first ticket
        return now.date() - timedelta(days=1)

    def send(self, repo: Repository, person: Person, day: date) -> bool:
        """Queue `person`'s digest of `day` unless it went already; claimed first, so two daemons
        never both send it."""
        if not repo.claim_digest(self.claim + person.id, day.isoformat(), self.clock.now()):
            return False
        rendered = self.render(repo, person, day)
        self.notifier.enqueue_rendered(
            repo, rendered, recipient=person.email, kind="digest", mailbox=self.sender
        )
        return True
