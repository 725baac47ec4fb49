"""Ticket statuses known so far, with the names customers and engineers read."""

from __future__ import annotations

NEW = "new"
INFO_PENDING = "info_pending"
ASSIGNED = "assigned"
CLOSED_STATES = frozenset({"resolved", "closed"})

LABELS = {
    NEW: {"zh": "新建", "en": "New"},
    INFO_PENDING: {"zh": "信息待补充", "en": "Information pending"},
    ASSIGNED: {"zh": "已分配", "en": "Assigned"},
}


def label(status: str, language: str) -> str:
    return LABELS.get(status, {}).get(language, status)
