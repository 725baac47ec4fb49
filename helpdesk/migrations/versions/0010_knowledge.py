"""knowledge entries and the search index (FTS5 on SQLite, a tsvector GIN index on PostgreSQL)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import helpdesk.tickets.models

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# SQLite: an FTS5 index over search_documents' analysed terms (external content: the terms are
# stored once, in the table), kept in step by triggers in the writer's own transaction.
_ADD = (
    "INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);"
)
_REMOVE = (
    "INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)"
    " VALUES ('delete', old.id, old.title_terms, old.body_terms);"
)
SQLITE_UP = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_terms, body_terms, content='search_documents',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN {_ADD} END",
    f"CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN {_REMOVE} END",
    "CREATE TRIGGER search_documents_au AFTER UPDATE OF title_terms, body_terms ON search_documents"
    f" BEGIN {_REMOVE} {_ADD} END",
)
# PostgreSQL: the terms are already split and lower-cased, so the 'simple' configuration only
# reads them; the title weighs A, the body D. A generated column is kept current by the server.
POSTGRES_UP = (
    "ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS"
    " (setweight(to_tsvector('simple'::regconfig, title_terms), 'A')"
    " || setweight(to_tsvector('simple'::regconfig, body_terms), 'D')) STORED",
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)",
)


def upgrade() -> None:
    op.create_table(
        "knowledge_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("symptoms", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("solution", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=True),
        sa.Column("subcategory", sa.String(length=64), nullable=True),
        sa.Column("product", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("confirmation", sa.String(length=16), nullable=True),
        sa.Column("satisfaction", sa.String(length=16), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("archived_at", helpdesk.tickets.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_knowledge_entries_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_entries")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_knowledge_entries_ticket_id")),
    )
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("title_terms", sa.Text(), nullable=False),
        sa.Column("body_terms", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("customer", sa.String(length=320), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("at", helpdesk.tickets.models.UTCDateTime(), nullable=False),
        sa.Column("source_updated_at", helpdesk.tickets.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_search_documents_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("kind", "ticket_id", name=op.f("uq_search_documents_kind_ticket_id")),
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_documents_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_documents_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index("ix_search_documents_kind_source", ["kind", "source_updated_at"], unique=False)
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_updated_at", ["updated_at"], unique=False)
    dialect = op.get_context().dialect.name
    for statement in SQLITE_UP if dialect == "sqlite" else POSTGRES_UP if dialect == "postgresql" else ():
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for trigger in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_updated_at")
    op.drop_table("search_documents")
    op.drop_table("knowledge_entries")
