"""The ``AIDNEWS_*`` environment variables: read here and nowhere else, with the defaults they fall back to.

``AIDNEWS_DATA`` (data folder), ``AIDNEWS_CATALOG_URL``, ``AIDNEWS_SAMPLE_WEB`` (offline crawls
through the sample web), ``AIDNEWS_REDIS_URL`` (distributed crawls), ``AIDNEWS_CLOCK`` (a simulated
start time for tests, :mod:`crawler.clock`), ``AIDNEWS_SERVE_TOKEN`` (``aidnews serve``'s token, kept off
the command line). Passwords in URLs travel
between processes by environment (:func:`child_env`), never on a command line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DATA = "AIDNEWS_DATA"
CATALOG_URL = "AIDNEWS_CATALOG_URL"
SAMPLE_WEB = "AIDNEWS_SAMPLE_WEB"
REDIS_URL = "AIDNEWS_REDIS_URL"
CLOCK = "AIDNEWS_CLOCK"
SERVE_TOKEN = "AIDNEWS_SERVE_TOKEN"


@dataclass(frozen=True)
class Environment:
    data: str = ""
    catalog_url: str = ""
    sample_web: str = ""
    redis_url: str = ""
    clock: str = ""

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None) -> Environment:
        env = os.environ if environ is None else environ
        return cls(env.get(DATA, ""), env.get(CATALOG_URL, ""), env.get(SAMPLE_WEB, ""), env.get(REDIS_URL, ""),
                   env.get(CLOCK, ""))


def serve_token(explicit: str | None = None) -> str | None:
    """``aidnews serve``'s token: ``explicit`` (``--token``), else ``$AIDNEWS_SERVE_TOKEN``, else none."""
    return explicit or os.environ.get(SERVE_TOKEN) or None


def data_root(explicit: str | None = None) -> Path:
    """The data folder: ``explicit``, else ``$AIDNEWS_DATA``, else ``./data``."""
    return Path(explicit or Environment.read().data or "data")


def default_catalog_url(data: Path) -> str:
    """The catalog when none is named: ``$AIDNEWS_CATALOG_URL``, else ``sqlite:///DATA/catalog.sqlite``."""
    from archive.catalog import catalog_url_for  # SQLAlchemy loads only for callers that need a catalog

    return Environment.read().catalog_url or catalog_url_for(data)


def child_env(catalog_url: str, redis_url: str | None = None) -> dict[str, str]:
    """The environment of a child ``aidnews`` process: this one's, plus the URLs it must not see in argv."""
    env = {**os.environ, CATALOG_URL: catalog_url}
    if redis_url is not None:
        env[REDIS_URL] = redis_url
    return env
