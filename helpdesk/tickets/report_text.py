"""`helpdesk report` as the operator reads it, in the desk's language: the period's distribution,
deadlines kept, satisfaction, response and resolution times, the reopen rate, and each engineer."""

from __future__ import annotations

from datetime import date

from helpdesk.rules.ruleset import RuleSet
from helpdesk.workflow.feedback import LABELS as FEEDBACK

_WORDS = {
    "tickets": ("{first} – {last}：共 {count} 张工单", "{first} – {last}: {count} tickets"),
    "by_type": ("按类型", "by type"),
    "by_priority": ("按优先级", "by priority"),
    "by_team": ("按团队", "by team"),
    "satisfaction": ("满意度", "satisfaction"),
    "compliance": (
        "时限（{priority}）：按时 {rate}%（按时 {met}，超时 {missed}）",
        "deadlines {priority}: {rate}% on time ({met} met, {missed} late)",
    ),
    "first_response": (
        "首次响应：平均 {average}，中位 {median}（{count} 次）",
        "first response: average {average}, median {median} ({count})",
    ),
    "resolution": (
        "解决用时：平均 {average}，中位 {median}（{count} 张）",
        "resolution: average {average}, median {median} ({count})",
    ),
    "by_priority_line": (
        "    {priority}：平均 {average}，中位 {median}（{count}）",
        "    {priority}: average {average}, median {median} ({count})",
    ),
    "reopened": (
        "二次处理率：{rate}%（已解决 {resolved} 张，其中重开 {reopened} 张）",
        "reopened: {rate}% ({reopened} of {resolved} resolved)",
    ),
    "no_reopen": ("二次处理率：-（期间无已解决工单）", "reopened: - (nothing resolved in the period)"),
    "escalations": (
        "升级 {escalations} 次；当前超时 {overdue} 项",
        "escalations: {escalations}; overdue now: {overdue}",
    ),
    "engineers": ("工程师", "engineer"),
    "open": ("在手", "open"),
    "overdue": ("超时", "overdue"),
    "resolved": ("期间已解决", "resolved"),
    "none": ("无", "none"),
}
_UNITS = {"zh": ("天", "小时", "分钟"), "en": (" d", " h", " min")}


def duration(seconds: int | None, language: str) -> str:
    """A length of time as a manager reads it: 3小时5分钟 / 3 h 5 min, to the nearest minute."""
    if seconds is None:
        return "-"
    minutes = (seconds + 30) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    day, hour, minute = _UNITS[language]
    parts = [f"{n}{unit}" for n, unit in ((days, day), (hours, hour), (minutes, minute)) if n]
    return ("" if language == "zh" else " ").join(parts) or f"0{minute}"


class ReportText:
    """The lines of one report in one language, from the rules' labels and the staff's names."""

    def __init__(self, rules: RuleSet, language: str) -> None:
        self.rules = rules
        self.language = language

    def word(self, key: str, **values: object) -> str:
        zh, en = _WORDS[key]
        return (zh if self.language == "zh" else en).format(**values)

    def lines(self, figures: dict, first: date, last: date) -> list[str]:
        label = self.rules.labels.of
        lines = [self.word("tickets", first=first, last=last, count=figures["tickets"])]
        colon, comma = ("：", "，") if self.language == "zh" else (": ", ", ")
        for key, kind in (("by_type", "type"), ("by_priority", "priority"), ("by_team", "team")):
            counts = comma.join(f"{label(kind, k, self.language)} {v}" for k, v in figures[key].items())
            lines.append(f"  {self.word(key)}{colon}{counts or '-'}")
        rated = comma.join(
            f"{FEEDBACK[k][self.language] if k in FEEDBACK else k} {v}"
            for k, v in figures["satisfaction"].items()
        )
        lines.append(f"  {self.word('satisfaction')}{colon}{rated or '-'}")
        for priority, row in figures["compliance"].items():
            lines.append(
                "  " + self.word("compliance", priority=label("priority", priority, self.language), **row)
            )
        for key in ("first_response", "resolution"):
            lines += self._durations(key, figures[key])
        reopened = figures["reopened"]
        lines.append(
            "  "
            + (self.word("reopened", **reopened) if reopened["rate"] is not None else self.word("no_reopen"))
        )
        lines.append(
            "  "
            + self.word(
                "escalations", escalations=len(figures["escalations"]), overdue=len(figures["overdue"])
            )
        )
        return lines

    def _durations(self, key: str, row: dict) -> list[str]:
        def shown(values: dict) -> dict:
            return {
                "average": duration(values["average"], self.language),
                "median": duration(values["median"], self.language),
                "count": values["count"],
            }

        lines = ["  " + self.word(key, **shown(row))]
        for priority, values in row["by_priority"].items():
            name = self.rules.labels.of("priority", priority, self.language)
            lines.append(self.word("by_priority_line", priority=name, **shown(values)))
        return lines

    def engineers(self, figures: dict) -> list[list[str]]:
        """The engineers' table: a header, then name, open, overdue, resolved in the period."""
        rows = [[self.word(k) for k in ("engineers", "open", "overdue", "resolved")]]
        for owner, row in figures["engineers"].items():
            person = self.rules.directory.person(owner)
            rows.append(
                [
                    person.name if person else owner,
                    str(row["open"]),
                    str(row["overdue"]),
                    str(row["resolved"]),
                ]
            )
        return rows
