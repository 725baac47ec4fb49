"""several mailboxes: checkpoints and claimed UIDs keyed by mailbox, tickets know theirs

Two mailboxes (support@ and billing@, two IMAP accounts) both have an INBOX whose UIDs start at
1: the claim of a UID (seen_mails' unique key) and the folder's checkpoint (mailbox_state) name
the mailbox too, or billing's UID 7 would count as support's. Rows from before belong to the
mailbox "" (a config without a `mailboxes` list), which keeps reading them unchanged.

Revision ID: 0012_mailbox_claims
Revises: 0011
Create Date: 2026-12-02 00:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_mailbox_claims"
down_revision = "0011"
branch_labels = None
depends_on = None


def _mailbox() -> sa.Column:
    return sa.Column("mailbox", sa.String(length=64), server_default="", nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("seen_mails", schema=None) as batch_op:
        batch_op.add_column(_mailbox())
        batch_op.drop_constraint("uq_seen_mails_folder_uidvalidity_uid", type_="unique")
        batch_op.create_unique_constraint(
            "uq_seen_mails_mailbox_folder_uidvalidity_uid", ["mailbox", "folder", "uidvalidity", "uid"]
        )
    with op.batch_alter_table("mailbox_state", schema=None) as batch_op:
        batch_op.add_column(_mailbox())
        batch_op.drop_constraint("pk_mailbox_state", type_="primary")
        batch_op.create_primary_key("pk_mailbox_state", ["mailbox", "folder"])
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(_mailbox())


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("mailbox")
    with op.batch_alter_table("mailbox_state", schema=None) as batch_op:
        batch_op.drop_constraint("pk_mailbox_state", type_="primary")
        batch_op.drop_column("mailbox")
        batch_op.create_primary_key("pk_mailbox_state", ["folder"])
    with op.batch_alter_table("seen_mails", schema=None) as batch_op:
        batch_op.drop_constraint("uq_seen_mails_mailbox_folder_uidvalidity_uid", type_="unique")
        batch_op.drop_column("mailbox")
        batch_op.create_unique_constraint(
            "uq_seen_mails_folder_uidvalidity_uid", ["folder", "uidvalidity", "uid"]
        )
