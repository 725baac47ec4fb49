"""the mailbox a held mail came to, so `helpdesk quarantine retry` runs it through that mailbox's pipeline

Mails held before this revision have none (NULL): they are retried through the first mailbox's.

Revision ID: 0015_quarantine_mailbox
Revises: 0014_knowledge_review
Create Date: 2026-12-02 01:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_quarantine_mailbox"
down_revision = "0014_knowledge_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mailbox", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_column("mailbox")
