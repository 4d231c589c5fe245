"""Alembic environment: runs on the connection handed over by archive.catalog.store."""

from __future__ import annotations

from alembic import context

from archive.catalog.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the CLI always passes a connection
    raise RuntimeError("run migrations through archive.catalog.Catalog, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
