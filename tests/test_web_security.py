"""Safety of ``aidnews serve``: escaping, CSP, read-only, traversal, redirects, the token, loopback."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from aidnews.web.errors import WebError
from aidnews.web.security import APP_CSP, check_bind, local_path, safe_relative, token_matches
from aidnews.web.server import open_catalog
from archive.catalog import Catalog
from tests.builders import web_catalog
from tests.conftest import run_cli
from tests.web import HOSTILE, client


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("web-safety")
    web_catalog(folder).close()
    return folder


@pytest.fixture(scope="module")
def catalog_url(data: Path) -> str:
    return f"sqlite:///{data / 'catalog.sqlite'}"


@pytest.fixture(scope="module")
def web(catalog_url: str) -> Iterator[TestClient]:
    with client(catalog_url) as test_client:
        yield test_client


def _hostile_id(catalog_url: str) -> int:
    found = [a for a in Catalog(catalog_url, migrate=False).articles() if a.title.startswith(HOSTILE)]
    assert found, "the sample web's hostile page is in the catalog"
    return found[0].id


def test_hostile_page_shows_as_text(web: TestClient, catalog_url: str) -> None:
    article = _hostile_id(catalog_url)
    cluster = web.get(f"/api/articles/{article}").json()["cluster"]
    pages = [f"/articles/{article}", "/clusters", "/"]
    if cluster:
        pages.append(f"/clusters/{cluster['id']}")
    for path in pages:
        page = web.get(path).text
        assert HOSTILE not in page and "<img src=x onerror" not in page, path
    page = web.get(f"/articles/{article}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;安全提示" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


@pytest.mark.parametrize("path", ["/", "/clusters", "/sites", "/search?q=x", "/api/sources", "/openapi.json",
                                  "/nothing", "/feeds/copies.atom"])
def test_every_answer_has_the_csp(web: TestClient, path: str) -> None:
    answer = web.get(path)
    assert answer.headers["content-security-policy"] == APP_CSP
    assert "'unsafe-inline'" not in APP_CSP and "script-src 'self'" in APP_CSP
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(web: TestClient, catalog_url: str) -> None:
    """The CSP forbids inline code; a page that relied on it would break in a browser."""
    for path in ["/", f"/articles/{_hostile_id(catalog_url)}", "/clusters/1", "/sites", "/search"]:
        page = web.get(path).text
        assert "<script>" not in page and " style=" not in page and "onclick" not in page, path


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_read_only(web: TestClient, data: Path, method: str) -> None:
    before = hashlib.sha256((data / "catalog.sqlite").read_bytes()).hexdigest()
    for path in ["/", "/api/articles", "/api/articles/1", "/replay/archive/", "/static/app.css"]:
        answer = web.request(method, path)
        assert answer.status_code == 405 and answer.headers["allow"] == "GET, HEAD"
    assert hashlib.sha256((data / "catalog.sqlite").read_bytes()).hexdigest() == before


def test_an_old_schema_is_refused_not_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = Catalog(url, migrate=False)
    old.upgrade("0004")
    # Closed first: its last connection checkpoints the WAL into the file, which an unclosed catalog
    # would do whenever the garbage collector got to it (and the bytes would differ by that alone).
    old.close()
    before = (tmp_path / "old.sqlite").read_bytes()
    with pytest.raises(WebError, match="migrate"):
        open_catalog(url)
    assert (tmp_path / "old.sqlite").read_bytes() == before


@pytest.mark.parametrize("path", [
    "/static/../pyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/..%2f..%2fpyproject.toml",
    "/replay/..%2f..%2fconfig.yaml", "/replay/%2e%2e/config.yaml", "/replay/static/..%252f..%252fconfig.yaml",
    "/static/%5c..%5cpyproject.toml",
])
def test_path_traversal_is_refused(web: TestClient, path: str) -> None:
    answer = web.get(path)
    assert answer.status_code in (400, 404), path
    assert "[project]" not in answer.text and "collections:" not in answer.text


@pytest.mark.parametrize("path", ["/go?url=http://evil.example/", "/go?url=//evil.example/", "//evil.example/",
                                  "/go?url=%2F%2Fevil.example", "/\\evil.example", "/go"])
def test_no_open_redirect(web: TestClient, path: str) -> None:
    answer = web.get(path, follow_redirects=False)
    location = answer.headers.get("location", "")
    assert not location or (location.startswith("/") and not location.startswith("//")), location
    assert "evil.example" not in location


def test_go_redirects_to_the_articles_own_page(web: TestClient) -> None:
    url = "http://www.tibet.cn/cn/aid_tibet/news/202502/t20250217_7766001.html"
    answer = web.get("/go", params={"url": url}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/articles/")
    assert url in web.get(answer.headers["location"]).text


def test_local_path_keeps_redirects_on_the_site() -> None:
    assert local_path("/articles/3") == "/articles/3"
    for target in ("//evil.example", "http://evil.example", "/\\evil", "evil", "/a\r\nSet-Cookie: x"):
        assert local_path(target) == "/"


def test_safe_relative() -> None:
    assert safe_relative("archive/2030/http://www.tibet.cn/a.html")
    for bad in ("../x", "a/../../x", "%2e%2e/x", "%252e%252e/x", "a\\..\\x", "/etc/passwd", "a%00b"):
        assert not safe_relative(bad), bad


def test_token_required_when_set(catalog_url: str) -> None:
    with client(catalog_url, token="s3cret-token") as web:
        assert web.get("/").status_code == 401
        assert web.get("/api/sources").status_code == 401
        assert web.get("/", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert web.get("/", headers={"authorization": "Bearer s3cret-token"}).status_code == 200
        basic = base64.b64encode(b"anyone:s3cret-token").decode()
        assert web.get("/api/sources", headers={"authorization": f"Basic {basic}"}).status_code == 200
        assert web.get("/", headers={"authorization": "Basic !!!"}).status_code == 401


def test_token_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    assert token_matches("Bearer abc", "abc") and not token_matches("Bearer abd", "abc")
    assert not token_matches("Bearer ab", "abc") and not token_matches(None, "abc")
    assert calls == [(b"abc", b"abc"), (b"abd", b"abc"), (b"ab", b"abc")]


def test_only_loopback_without_a_token() -> None:
    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    check_bind("0.0.0.0", "t")
    for host in ("0.0.0.0", "192.168.1.5", "::", "example.org"):
        with pytest.raises(WebError, match="--token"):
            check_bind(host, None)


def test_cli_refuses_a_public_address_without_a_token(data: Path) -> None:
    result = run_cli("serve", "--data", str(data), "--host", "0.0.0.0", "--port", "0", "--no-replay",
                     env={"AIDNEWS_SERVE_TOKEN": ""}, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip().startswith("aidnews: error: refusing to bind 0.0.0.0 without --token")
    assert "Traceback" not in result.stderr
