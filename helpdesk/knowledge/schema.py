"""The search index's objects that only raw SQL makes (FTS5 on SQLite, tsvector on PostgreSQL).

Migration 0010 creates them; SQLAlchemy's models cannot describe them, so a comparison of the
models with the database (Alembic's compare_metadata, autogenerate) leaves them out with
`include_name` below.
"""

from __future__ import annotations

# The FTS5 table and the shadow tables SQLite keeps for it.
FTS_TABLES = frozenset(
    {"search_fts", "search_fts_data", "search_fts_idx", "search_fts_docsize", "search_fts_config"}
)
PG_COLUMN = "tsv"  # search_documents' generated tsvector column
PG_INDEX = "ix_search_documents_tsv"


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's include_name hook: False for the raw-SQL search objects, True for the rest."""
    if type_ == "table":
        return name not in FTS_TABLES
    if type_ == "column":
        return not (name == PG_COLUMN and parent_names.get("table_name") == "search_documents")
    if type_ == "index":
        return name != PG_INDEX
    return True
