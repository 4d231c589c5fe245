"""What differs under SQLAlchemy between the two catalogs: the driver's own connection (psycopg's COPY
needs it) and the dialect's INSERT with ON CONFLICT."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def raw_cursor(connection: Connection) -> Any:
    """A cursor of the driver (psycopg on PostgreSQL) in ``connection``'s transaction."""
    raw = connection.connection.driver_connection
    assert raw is not None
    return raw.cursor()


def conflict_insert(dialect: str, table: Table | Any) -> postgresql.Insert | sqlite.Insert:
    """``INSERT`` into ``table`` that takes ON CONFLICT clauses; each dialect has its own construct."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
