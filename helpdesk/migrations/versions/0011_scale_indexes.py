"""indexes for the periodic work and the reports at a million tickets

The digest and `report` read the period's escalations (events by kind and time), the tickets
created in the period, the ratings of the tickets closed in it (or still open) and the tickets
ever reopened (a partial index of the reopenings); without these each of those reads scans its
whole table or probes each ticket. Measured by benchmarks/scale.py.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 23:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = (
    ("events", "ix_events_kind_at", ["kind", "at"]),
    ("tickets", "ix_tickets_created_at", ["created_at"]),
    ("tickets", "ix_tickets_closed_at", ["closed_at"]),
)


# The reopenings alone (a status change to 'reopened'), as models.REOPENING says in each dialect:
# written out here, so that this migration stays as it is whatever the models become.
REOPENING = {
    "postgresql": "kind = 'status_changed' AND (detail ->> 'to') = 'reopened'",
    "sqlite": "kind = 'status_changed' AND json_extract(detail, '$.to') = 'reopened'",
}


def upgrade() -> None:
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_reopened",
            ["ticket_id"],
            unique=False,
            postgresql_where=sa.text(REOPENING["postgresql"]),
            sqlite_where=sa.text(REOPENING["sqlite"]),
        )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_reopened")
    for table, name, _ in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
