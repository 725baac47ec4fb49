"""indexes for the periodic work and the reports at a million tickets

The digest and `report` read the period's escalations (events by kind and time), the tickets
created in the period, and the ratings of the tickets closed in it (or still open); without these
each of those reads scans its whole table. Measured by benchmarks/scale.py.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 23:00:00.000000
"""

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


def upgrade() -> None:
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table, name, _ in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
