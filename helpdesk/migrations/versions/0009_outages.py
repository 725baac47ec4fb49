"""outages: why the sender cannot reach its SMTP server, for `outbox list`

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 18:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import helpdesk.tickets.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outages",
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("since", helpdesk.tickets.models.UTCDateTime(), nullable=False),
        sa.Column("tried_at", helpdesk.tickets.models.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("service", name=op.f("pk_outages")),
    )


def downgrade() -> None:
    op.drop_table("outages")
