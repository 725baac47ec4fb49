"""The field reader on a labelled set of realistic reports: recall and precision per field, and the target.

Each report of tests/mails/extract_labelled_reports.yaml is built into a mail, parsed, masked and
read exactly as the pipeline reads a new mail; benchmarks/extract.py prints the same figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from helpdesk.intake.extract import read_report
from helpdesk.mail.parse import parse_message
from helpdesk.mail.redact import masked_message
from helpdesk.rules.load import load_rules
from tests.conftest import MAILS, SHIPPED_RULES

LABELLED = MAILS / "extract_labelled_reports.yaml"
HOLDOUT = MAILS / "extract_holdout_reports.yaml"  # written after the reader was tuned on the first
HOLDOUT2 = MAILS / "extract_holdout2_reports.yaml"  # written after the second was measured and fixed
HOLDOUT3 = MAILS / "extract_holdout3_reports.yaml"  # written after the third was measured and fixed
HOLDOUT4 = MAILS / "extract_holdout4_reports.yaml"  # written after the fourth was measured and fixed
HOLDOUT5 = MAILS / "extract_holdout5_reports.yaml"  # written after the fifth was measured and fixed
SETS = [LABELLED, HOLDOUT, HOLDOUT2, HOLDOUT3, HOLDOUT4, HOLDOUT5]
_MARKER = re.compile(r"^\s*+(?:\|\s*+)?(?:\d{1,2}\s*+(?:[.、)）|]|$)|[（(]\d{1,2}[)）]|[-*•·●◆▪])\s*+")
_REPLY = re.compile(r"^(?:re|回复)\s*+[:：]", re.IGNORECASE)
_EDGES = " \t\"'“”‘’「」『』。.;；，,!！|"


@dataclass
class Tally:
    """Per field: values expected, values found, and found values that were right."""

    expected: int = 0
    found: int = 0
    right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0


def labelled_set(path: Path = LABELLED) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def build_mail(report: dict) -> bytes:
    """The report as a customer's client would send it: plain or HTML, with its attachments."""
    message = EmailMessage()
    message["From"] = report["from"]
    message["To"] = "support@example.com"
    message["Subject"] = report["subject"]
    message["Date"] = report["date"]
    message["Message-ID"] = f"<{report['name']}@labelled.example>"
    if _REPLY.match(report["subject"]):  # a reply names the mail it answers, as every client does
        message["In-Reply-To"] = "<asked@support.example.com>"
    if "html" in report:
        message.set_content(report["html"], subtype="html")
    else:
        message.set_content(report["body"])
    for name in report.get("attachments", []):
        message.add_attachment(b"\x89PNG\r\n", maintype="image", subtype="png", filename=name)
    return message.as_bytes()


def normalised(name: str, value: str) -> str:
    lines = [line for line in value.replace("\r\n", "\n").split("\n") if line.strip()]
    if name == "steps":
        lines = [_MARKER.sub("", line) for line in lines]
    return "\n".join(" ".join(line.split()).strip(_EDGES) for line in lines)


def read_labelled(data: dict) -> list[tuple[dict, dict[str, str]]]:
    """Each report with the values the reader found in it."""
    rules = load_rules(SHIPPED_RULES)
    zone = ZoneInfo(data["zone"])
    customers = data.get("customers", {})
    results = []
    for report in data["reports"]:
        mail, _ = masked_message(parse_message(build_mail(report), frozenset({"support@example.com"})))
        found = read_report(rules.catalog.fields, mail, zone=zone, customers=customers)
        results.append((report, {name: hit.value for name, hit in found.items()}))
    return results


def score(results: list[tuple[dict, dict[str, str]]], fields: list[str]) -> dict[str, Tally]:
    tallies = {name: Tally() for name in fields}
    for report, found in results:
        expected = report.get("fields") or {}
        for name, tally in tallies.items():
            want = normalised(name, str(expected[name])) if name in expected else None
            got = normalised(name, found[name]) if name in found else None
            tally.expected += want is not None
            tally.found += got is not None
            if want is not None and got == want:
                tally.right += 1
            elif want is not None or got is not None:
                tally.misses.append(f"{report['name']}: expected {want!r}, found {got!r}")
    return tallies


def scored_fields(data: dict) -> list[str]:
    names: list[str] = []
    for report in data["reports"]:
        names += [name for name in report.get("fields") or {} if name not in names]
    return names


@pytest.fixture(
    scope="module",
    params=SETS,
    ids=["labelled", "holdout", "holdout2", "holdout3", "holdout4", "holdout5"],
)
def tallies(request) -> dict[str, Tally]:
    data = labelled_set(request.param)
    return score(read_labelled(data), scored_fields(data))


def test_the_set_covers_every_field_the_reader_knows():
    data = labelled_set()
    assert {
        "occurred_at", "error_message", "system_version", "steps", "company", "department", "phone",
        "impact", "frequency", "nature", "customer_priority", "expected_live",
    } <= set(scored_fields(data))  # fmt: skip


@pytest.mark.parametrize(
    "name",
    [
        "occurred_at", "error_message", "system_version", "steps", "company", "department", "phone",
        "impact", "frequency", "nature", "customer_priority", "expected_live",
    ],
)  # fmt: skip
def test_recall_and_precision_per_field_meet_the_target(tallies, name):
    tally = tallies.get(name, Tally())
    assert tally.recall >= 0.9 and tally.precision >= 0.95, "\n".join(tally.misses)
