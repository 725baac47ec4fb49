"""Migration 0010 makes exactly the models plus the raw-SQL full-text objects the models cannot describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from helpdesk.knowledge.schema import FTS_TABLES, include_name
from helpdesk.tickets.db import make_engine, upgrade
from helpdesk.tickets.models import Base


def test_the_schema_is_the_models_and_the_full_text_index(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"include_name": include_name}), Base.metadata
        )
        tables = set(inspect(connection).get_table_names())
        columns = {c["name"] for c in inspect(connection).get_columns("search_documents")}
    engine.dispose()
    assert diff == []
    if db_url.startswith("sqlite"):
        assert tables >= FTS_TABLES
    else:
        assert "tsv" in columns
