"""The database driver's own connection under SQLAlchemy's: what psycopg's COPY needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection


def raw_cursor(connection: Connection) -> Any:
    """A cursor of the driver (psycopg on PostgreSQL) in ``connection``'s transaction."""
    raw = connection.connection.driver_connection
    assert raw is not None
    return raw.cursor()
