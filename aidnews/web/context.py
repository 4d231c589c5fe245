"""What every request handler needs: the catalog, the templates, and where pywb is (if it runs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from jinja2 import Environment
from starlette.requests import Request

from archive.catalog import Catalog


@dataclass(frozen=True)
class WebContext:
    """``replay_base``: the app-relative collection URL (``/replay/archive/``) when pywb runs behind
    ``/replay/``, else None (pages then leave replay links out); ``pywb``: pywb's own base URL."""

    catalog: Catalog
    templates: Environment
    replay_base: str | None = None
    pywb: str | None = None
    search_enabled: bool = False


def context_of(request: Request) -> WebContext:
    return cast(WebContext, request.app.state.aidnews)
