"""Plain-data views of tickets and queue entries, shared by the CLI's tables and its --json output."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from helpdesk.tickets.models import OutboxMail, QuarantinedMail, Ticket


def _time(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat(timespec="seconds") if value else None


def ticket_summary(ticket: Ticket, zone: ZoneInfo) -> dict:
    return {
        "number": ticket.number,
        "status": ticket.status,
        "type": ticket.type,
        "priority": ticket.priority,
        "subcategory": ticket.subcategory,
        "team": ticket.team,
        "owner": ticket.owner,
        "collaborators": ticket.collaborators,
        "tags": ticket.tags,
        "incomplete": ticket.incomplete,
        "information_requests": ticket.information_requests,
        "requester": ticket.requester_email,
        "requester_name": ticket.requester_name,
        "subject": ticket.subject,
        "language": ticket.language,
        "created": _time(ticket.created_at, zone),
        "updated": _time(ticket.updated_at, zone),
    }


def ticket_detail(ticket: Ticket, zone: ZoneInfo) -> dict:
    """Everything `tickets show` prints: the thread, attachments, events and the outbox state."""
    detail = ticket_summary(ticket, zone)
    detail["related"] = ticket.related.number if ticket.related else None
    detail["description"] = ticket.description
    detail["fields"] = {
        row.name: {"value": row.value, "message_id": row.message_id, "line": row.line, "source": row.source}
        for row in ticket.fields
    }
    detail["messages"] = [
        {
            "direction": message.direction,
            "message_id": message.message_id,
            "sender": message.sender,
            "recipients": message.recipients,
            "time": _time(message.created_at, zone),
            "subject": message.subject,
            "text": message.new_text or message.text,
            "full_text": message.text,
            "automatic": message.auto_reason,
            "defects": message.defects,
            "attachments": [
                {"name": a.filename, "type": a.content_type, "size": a.size, "sha256": a.sha256}
                for a in message.attachments
            ],
        }
        for message in ticket.messages
    ]
    detail["events"] = [
        {
            "time": _time(event.at, zone),
            "actor": event.actor,
            "kind": event.kind,
            "detail": event.detail,
            "reason": event.reason,
        }
        for event in ticket.events
    ]
    detail["outbox"] = [outbox_entry(row, zone) for row in ticket.outbox]
    detail["clocks"] = [
        {
            "name": clock.name,
            "working_time": clock.working_time,
            "started": _time(clock.started_at, zone),
            "due": _time(clock.due_at, zone),
            "met": _time(clock.met_at, zone),
            "breached": _time(clock.breached_at, zone),
            "paused_since": _time(clock.paused_at, zone),
            "paused_seconds": clock.paused_seconds,
            "escalation_level": clock.escalation_level,
            "escalated_to": clock.escalated_to,
            "acknowledged": _time(clock.acknowledged_at, zone),
        }
        for clock in ticket.clocks
    ]
    return detail


def outbox_entry(row: OutboxMail, zone: ZoneInfo) -> dict:
    return {
        "id": row.id,
        "kind": row.kind,
        "recipient": row.recipient,
        "subject": row.subject,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt": _time(row.next_attempt_at, zone) if row.status == "pending" else None,
        "sent": _time(row.sent_at, zone),
        "last_error": row.last_error,
    }


def quarantine_entry(entry: QuarantinedMail, zone: ZoneInfo) -> dict:
    return {
        "id": entry.id,
        "status": entry.status,
        "stage": entry.stage,
        "error": entry.error,
        "sender": entry.sender,
        "subject": entry.subject,
        "folder": entry.folder,
        "uid": entry.uid,
        "size": len(entry.raw.data),
        "created": _time(entry.created_at, zone),
        "retried": _time(entry.retried_at, zone),
    }


def automatic_entry(entry: QuarantinedMail, zone: ZoneInfo) -> dict:
    """A machine's mail kept aside: when it came, who sent it, and why it was judged automatic."""
    return {
        "id": entry.id,
        "status": entry.status,
        "when": _time(entry.created_at, zone),
        "sender": entry.sender,
        "subject": entry.subject,
        "reason": entry.error,
        "ticketed": _time(entry.retried_at, zone) if entry.status == "released" else None,
    }
