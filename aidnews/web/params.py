"""Query parameters of pages, API and feeds: parsed and checked once, a bad one is a 400 that says why.

Cursors are opaque to clients; here they are the last id of the page before (keyset paging), so a
cursor from a page keeps working while the crawl adds rows.
"""

from __future__ import annotations

from datetime import date

from starlette.datastructures import QueryParams

from aidnews.web.errors import BadRequest
from archive.catalog.models import CHANGE_KINDS

MAX_LIMIT = 200
MAX_QUERY = 200  # characters of a search query
MAX_ID = 2**31 - 1  # the catalog's ids are 32-bit INTEGER columns (PostgreSQL refuses larger values)


def limit(params: QueryParams, default: int = 50) -> int:
    raw = params.get("limit")
    if raw is None:
        return default
    value = integer("limit", raw)
    if not 1 <= value <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}, got {value}")
    return value


def integer(name: str, raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18 or int(raw) > MAX_ID:
        raise BadRequest(f"{name} must be a whole number up to {MAX_ID}, got {raw[:40]!r}")
    return int(raw)


def cursor(params: QueryParams) -> int | None:
    raw = params.get("cursor")
    if raw is None or raw == "":
        return None
    return integer("cursor", raw)


def optional_int(params: QueryParams, name: str) -> int | None:
    raw = params.get(name)
    return None if raw is None or raw == "" else integer(name, raw)


def text(params: QueryParams, name: str, longest: int = MAX_QUERY) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if len(raw) > longest or "\x00" in raw:
        raise BadRequest(f"{name} must be at most {longest} characters, without NUL")
    return raw


def change_kind(params: QueryParams, name: str = "kind") -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if raw not in CHANGE_KINDS:
        raise BadRequest(f"{name} must be one of {', '.join(CHANGE_KINDS)}, got {raw[:40]!r}")
    return raw


def day(params: QueryParams, name: str) -> date | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else _bad_day(name, raw)
    except ValueError:
        return _bad_day(name, raw)


def _bad_day(name: str, raw: str) -> date:
    raise BadRequest(f"{name} must be a date YYYY-MM-DD, got {raw[:40]!r}")


def flag(params: QueryParams, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise BadRequest(f"{name} must be true or false, got {raw[:40]!r}")
