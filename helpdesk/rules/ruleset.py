"""The loaded rules: the raw models, and the router, directory, labels and calendars built from them once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from helpdesk.rules.calendars import Calendars
from helpdesk.rules.conditions import Names
from helpdesk.rules.directory import StaffDirectory
from helpdesk.rules.labels import Labels
from helpdesk.rules.routing import Router
from helpdesk.rules.schema import Catalog, Sla, Staff, Workflows


@dataclass(frozen=True)
class RuleSet:
    """The validated catalog, staff, workflows and sla, with the lookups the rest of the helpdesk uses."""

    catalog: Catalog
    staff: Staff
    workflows: Workflows
    sla: Sla
    names: Names
    router: Router
    directory: StaffDirectory
    labels: Labels
    calendars: Calendars
    sensitive: tuple[re.Pattern[str], ...] = ()  # catalog.yaml's own patterns, compiled once
    customers: Mapping[str, str] = field(default_factory=dict)  # customers.yaml: mail domain → company
