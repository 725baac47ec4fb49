"""The ticket states the helpdesk itself sets; their names for people live in rules/workflows.yaml."""

from __future__ import annotations

NEW = "new"
INFO_PENDING = "info_pending"
ASSIGNED = "assigned"
RESOLVED = "resolved"
CLOSED = "closed"
REOPENED = "reopened"
CLOSED_STATES = frozenset({RESOLVED, CLOSED})
