"""a released request's stable period: when it ends, the ticket closes as 已闭环

The sweep finds the released tickets whose stable period has ended by this indexed column, so it
never reads every released ticket. Tickets released before this revision have none: they stay
released until their owner moves them or their next [已上线] starts a period.

Revision ID: 0013_stable_until
Revises: 0012_mailbox_claims
Create Date: 2026-12-02 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import helpdesk.tickets.models

revision = "0013_stable_until"
down_revision = "0012_mailbox_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stable_until", helpdesk.tickets.models.UTCDateTime(), nullable=True))
        batch_op.create_index("ix_tickets_stable_until", ["stable_until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_stable_until")
        batch_op.drop_column("stable_until")
