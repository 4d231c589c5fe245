"""The real PostgreSQL and Redis of the machine, with a fresh database and key prefix per test run.

Missing services skip their tests with how to start them; under CI (``CI`` set) they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_ADMIN = os.environ.get("AIDNEWS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("AIDNEWS_TEST_REDIS", "redis://127.0.0.1:6379/0")
PG_HINT = "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
REDIS_HINT = "start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''"


def _unavailable(what: str, hint: str, error: Exception) -> None:
    message = f"{what} is not reachable ({error}); {hint}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as connection:
        connection.execute(sql)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database (SQLAlchemy URL), dropped afterwards."""
    with postgres_database() as url:
        yield url


@contextmanager
def postgres_database() -> Iterator[str]:
    """:func:`postgres_url` for fixtures of a wider scope (a module's read-only catalog)."""
    name = f"aidnews_test_{uuid.uuid4().hex[:12]}"
    try:
        _admin(f'CREATE DATABASE "{name}"')
    except Exception as error:  # any connection failure means the service is missing
        _unavailable("PostgreSQL at 127.0.0.1:5432", PG_HINT, error)
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    yield f"{base}/{name}"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def postgres_module_url() -> Iterator[str]:
    """As ``postgres_url``, one database for a whole test module (a catalog built once, read by many tests)."""
    with postgres_database() as url:
        yield url


@pytest.fixture
def redis_prefix() -> Iterator[tuple[str, str]]:
    """``(redis URL, unique key prefix)``; every key under the prefix is deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        client.ping()
    except Exception as error:
        _unavailable("Redis at 127.0.0.1:6379", REDIS_HINT, error)
    prefix = f"aidnews-test-{uuid.uuid4().hex[:12]}"
    yield REDIS_URL, prefix
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
