"""confirmation asked again, and answered

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import helpdesk.tickets.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confirmation_asked_at", helpdesk.tickets.models.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("confirmation_answered_at", helpdesk.tickets.models.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("confirmation_answered_at")
        batch_op.drop_column("confirmation_asked_at")
