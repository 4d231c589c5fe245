"""schemathesis against ``/openapi.json``: every API answer conforms to the document, on SQLite and PostgreSQL.

Generated requests (hypothesis) hit every documented operation; the checks are schemathesis's own:
no server error, a status and a content type the document declares, a body its schema accepts.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.builders import web_catalog
from tests.services import postgres_module_url  # noqa: F401 - a fixture
from tests.web import app_for


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web_schema(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data = tmp_path_factory.mktemp(f"schema-{request.param}")
    url = request.getfixturevalue("postgres_module_url") if request.param == "postgresql" else None
    web_catalog(data, url).close()
    app = app_for(url or f"sqlite:///{data / 'catalog.sqlite'}")
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    app.state.aidnews.catalog.close()


def test_api_conforms_to_its_openapi_document(web_schema) -> None:  # type: ignore[no-untyped-def]
    # Each operation's strategy driven by hypothesis here (schemathesis's pytest plugin reads a private
    # attribute that pytest 9 no longer has).
    tested = []
    for result in web_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: schemathesis.Case) -> None:
            if case.operation.path != "/api/search":
                case.call_and_validate()
                return
            # A search cursor is opaque (it encodes the query it belongs to), since/until must be in order
            # and a query needs a word (whitespace or "" has none): a generated one is rightly refused.
            # Those, and only those, may be a 400.
            response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
            if response.status_code == 400:
                query = case.query or {}
                since, until = str(query.get("since") or ""), str(query.get("until") or "")
                assert query.get("cursor") or (since and until and since > until) or not _has_words(
                    str(query.get("q", ""))), response.text

        check()
        tested.append(operation.path)
    assert {"/api/articles", "/api/clusters/{cluster_id}", "/api/sites", "/api/replay-info"} <= set(tested)


def _has_words(query: str) -> bool:
    from dedupe.search import parse_query

    try:
        parse_query(query)
    except ValueError:
        return False
    return True

