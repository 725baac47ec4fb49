"""The ticket states the helpdesk itself sets; their names for people live in rules/workflows.yaml."""

from __future__ import annotations

NEW = "new"
INFO_PENDING = "info_pending"
ASSIGNED = "assigned"
RESOLVED = "resolved"
CLOSED = "closed"
REOPENED = "reopened"
RELEASED = "released"  # a request gone live: its stable period runs (workflow/stable.py)
CLOSED_STATES = frozenset({RESOLVED, CLOSED})
