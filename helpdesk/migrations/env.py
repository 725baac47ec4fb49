"""Alembic environment: runs migrations on the engine the helpdesk hands over, or prints them (--sql)."""

from alembic import context

import helpdesk.tickets.models_knowledge  # noqa: F401  (the knowledge tables, in Base.metadata too)
from helpdesk.knowledge.schema import include_name
from helpdesk.tickets.models import Base

engine = context.config.attributes["engine"]
batch = engine.dialect.name == "sqlite"
if context.is_offline_mode():  # `helpdesk migrate --sql`: the SQL an upgrade would run, nothing run
    context.configure(
        url=engine.url,
        target_metadata=Base.metadata,
        render_as_batch=batch,
        literal_binds=True,
        include_name=include_name,  # the search index's raw-SQL objects are not in the models
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    with engine.begin() as connection:
        if batch:
            # Python's sqlite3 runs DDL outside any transaction unless one is open: open it, so a
            # kill -9 mid-migration rolls the whole upgrade back instead of leaving half a schema.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=batch,
            include_name=include_name,
        )
        context.run_migrations()
