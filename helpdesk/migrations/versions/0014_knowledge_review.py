"""a knowledge entry's review (复盘) on its own, no longer appended to the cause

Entries written before this revision have none (NULL): their review, if any, stays inside their
cause until `helpdesk search --reindex` writes them again from their tickets.

Revision ID: 0014_knowledge_review
Revises: 0013_stable_until
Create Date: 2026-12-02 01:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_knowledge_review"
down_revision = "0013_stable_until"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.drop_column("review")
