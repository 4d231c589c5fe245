"""The web app over a catalog, for tests: built in-process, driven through Starlette's test client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.testclient import TestClient

from aidnews.web.app import build_app
from aidnews.web.context import WebContext
from aidnews.web.pages import environment
from aidnews.web.search_view import available
from aidnews.web.server import open_catalog

HOSTILE = "<script>alert(1)</script>"


def app_for(catalog_url: str, token: str | None = None, replay_base: str | None = "/replay/archive/"):  # type: ignore[no-untyped-def]
    catalog = open_catalog(catalog_url)
    return build_app(WebContext(catalog=catalog, templates=environment(), replay_base=replay_base,
                                search_enabled=available()), token=token)


@contextmanager
def client(catalog_url: str, token: str | None = None) -> Iterator[TestClient]:
    app = app_for(catalog_url, token)
    with TestClient(app, base_url="http://127.0.0.1:8080") as test_client:
        yield test_client
    app.state.aidnews.catalog.close()
