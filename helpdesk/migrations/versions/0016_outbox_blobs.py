"""the outbox keeps the customer's files forwarded in a mail as references to their blobs

A mail queued from this revision on stores its bytes without the files (`data`) and where each
stored blob's base64 goes (`blobs`), joined in when it is sent. Rows queued before have none
([]): their `data` is the whole mail, as before.

Revision ID: 0016_outbox_blobs
Revises: 0015_quarantine_mailbox
Create Date: 2026-12-02 01:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_outbox_blobs"
down_revision = "0015_quarantine_mailbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blobs", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("blobs")
