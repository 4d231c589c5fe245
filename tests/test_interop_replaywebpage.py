"""ReplayWeb.page (npm ``replaywebpage``, its prebuilt ``ui.js`` and ``sw.js``) opens the exported WACZ in
Debian's headless Chromium and renders the seed article; a screenshot of it is saved.

The page, the two scripts and the WACZ come from a loopback server with Range support (ReplayWeb.page
reads a WACZ in ranges: the zip directory, the index, then each record). ``make test`` fetches the
package into ``.venv-replay/node/package`` (``npm pack``: the bundles need none of its dependencies).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from aidnews.replay import replay_venv
from archive.catalog import Catalog
from archive.wacz import export_wacz
from tests.browser import chromium
from tests.conftest import Crawled

pytestmark = pytest.mark.slow
SEED = "http://www.tibet.cn/cn/aid_tibet/news/202502/t20250217_7766001.html"
TITLE = "对口支援结硕果 砥砺前行再出发"
TEXT = "对口支援"
# A run of the seed article's body (not its title): ReplayWeb.page's search matches whole runs between
# spaces and punctuation, so it finds this only through the text in pages.jsonl.
BODY_WORDS = "湖北省援藏干部化身带货主播"
SCREENSHOTS = Path(os.environ.get("AIDNEWS_SCREENSHOTS", Path(__file__).resolve().parent.parent / "bench" / "out"))


def _package() -> Path:
    package = Path(os.environ.get("AIDNEWS_REPLAYWEBPAGE", replay_venv() / "node" / "package"))
    if not (package / "sw.js").exists():
        if os.environ.get("CI"):
            pytest.fail(f"ReplayWeb.page is missing at {package}: `make test` fetches it (npm pack replaywebpage)")
        pytest.skip(f"ReplayWeb.page is not at {package} (make interop)")
    return package


# ReplayWeb.page's embed registers sw.js (scope /replay/) and, once it is registered, not yet active,
# opens its frame on /replay/?source=..., a page the service worker serves itself (serveIndex=1). A
# frame that loads before the worker controls it asks this server instead; the embed reloads it three
# times, 100 ms apart, then leaves it be. Under load sw.js (1.2 MB) takes longer than that to start,
# and the frame stayed on a 404 for good: no page text at all. The server has the worker's own index
# (getIndexHtml in sw.js), whose app waits for the worker to take control before it opens the archive.
_REPLAY_INDEX = (
    b"<!doctype html><html><head><script src='./ui.js'></script></head>"
    b"<body><replay-app-main></replay-app-main></body></html>"
)


def _embed_page(wacz: str, attributes: str = f"url='{SEED}' embed='replayonly'") -> bytes:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><script src='/ui.js'></script>"
        "<style>html,body{margin:0;height:100%}</style></head><body>"
        f"<replay-web-page source='/{wacz}' {attributes} replaybase='/replay/'></replay-web-page></body></html>"
    ).encode()


class _Files(BaseHTTPRequestHandler):
    files: dict[str, tuple[str, bytes | Path]] = {}

    def do_HEAD(self) -> None:
        self._send(head=True)

    def do_GET(self) -> None:
        self._send(head=False)

    def _send(self, head: bool) -> None:
        found = self.files.get(self.path.split("?", 1)[0])
        if found is None:
            self.send_error(404)
            return
        kind, content = found
        data = content.read_bytes() if isinstance(content, Path) else content
        start, end, status = 0, len(data) - 1, 200
        asked = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if asked and (asked.group(1) or asked.group(2)):
            if asked.group(1):
                start = int(asked.group(1))
                end = min(int(asked.group(2)), end) if asked.group(2) else end
            else:  # the last N bytes
                start = max(0, len(data) - int(asked.group(2)))
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.end_headers()
        if not head:
            self.wfile.write(data[start:end + 1])

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(crawled: Crawled, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    package = _package()
    chromium()
    folder = tmp_path_factory.mktemp("rwp")
    catalog = Catalog(crawled.catalog_url)
    export_wacz(catalog, crawled.warcs, folder / "plain.wacz")
    export_wacz(catalog, crawled.warcs, folder / "zipnum.wacz", zipnum_above=0, block_lines=40)
    catalog.close()
    js = "application/javascript"
    _Files.files = {
        "/ui.js": (js, package / "ui.js"), "/replay/ui.js": (js, package / "ui.js"),
        "/replay/sw.js": (js, package / "sw.js"),
        "/replay/": ("text/html; charset=utf-8", _REPLAY_INDEX),
        "/replay/index.html": ("text/html; charset=utf-8", _REPLAY_INDEX),
        "/plain.wacz": ("application/wacz", folder / "plain.wacz"),
        "/zipnum.wacz": ("application/wacz", folder / "zipnum.wacz"),
        "/plain.html": ("text/html; charset=utf-8", _embed_page("plain.wacz")),
        "/zipnum.html": ("text/html; charset=utf-8", _embed_page("zipnum.wacz")),
        "/search.html": ("text/html; charset=utf-8", _embed_page("plain.wacz", f"view='pages' query='{BODY_WORDS}'")),
        "/nothing.html": ("text/html; charset=utf-8", _embed_page("plain.wacz", "view='pages' query='没有这样的词语'")),
    }
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


# Walks every document, shadow root and same-origin frame (ReplayWeb.page nests the archived page
# several levels down), depth first, calling see(root); a truthy result ends the walk and is returned.
_EVERY_ROOT = r"""
function everyRoot(root, depth, limit, see) {
  if (!root || depth > limit) return null;
  const seen = see(root);
  if (seen) return seen;
  for (const el of (root.querySelectorAll ? root.querySelectorAll('*') : [])) {
    let inner = el.shadowRoot;
    if (!inner && el.tagName === 'IFRAME') {
      try { inner = el.contentDocument; } catch (e) { inner = null; }
    }
    const found = inner ? everyRoot(inner, depth + 1, limit, see) : null;
    if (found) return found;
  }
  return null;
}
"""

# The article's title and text in some document; ReplayWeb.page's not-found page is reported too.
_FIND = _EVERY_ROOT + r"""
(() => {
  const title = %s, text = %s;
  return everyRoot(document, 0, 20, root => {
    if (root.nodeType !== 9 || !root.body) return null;
    const shown = root.body.innerText || '';
    if (shown.includes(title) && shown.includes(text)) return 'found: ' + root.title;
    if (shown.includes('Archived Page Not Found')) return 'not found: ' + shown.slice(0, 300);
    return null;
  });
})()
"""


# On a failure: each frame's address and text, and whether a service worker controls it.
_FRAMES = _EVERY_ROOT + r"""
(() => {
  const out = [];
  everyRoot(document, 0, 20, root => {
    if (root.nodeType === 9) {
      const sw = root.defaultView && root.defaultView.navigator.serviceWorker;
      out.push(root.URL + (sw && sw.controller ? ' (service worker)' : '') + ': '
               + JSON.stringify((root.body ? root.body.innerText : '').slice(0, 300)));
    }
    return null;
  });
  return out.join('\n');
})()
"""


@pytest.mark.parametrize("page", ["plain", "zipnum"])
def test_replaywebpage_renders_the_seed_article(server: str, page: str, tmp_path: Path) -> None:
    import json

    from bench.chromium import Browser

    with Browser() as browser:
        browser.call("Page.enable", session=browser.session)
        browser.navigate(f"{server}{page}.html")
        found = ""
        for _ in range(240):  # twice a second (see _settled); "not found" may show while the index loads
            time.sleep(0.5)
            found = str(browser.evaluate(_FIND % (json.dumps(TITLE), json.dumps(TEXT))) or "")
            if found.startswith("found"):
                break
        shot = browser.call("Page.captureScreenshot", {"format": "png"}, browser.session)
        frames = "" if found.startswith("found") else str(browser.evaluate(_FRAMES))
    png = tmp_path / f"replaywebpage-{page}.png"
    png.write_bytes(base64.b64decode(shot["data"]))
    assert found.startswith("found"), f"{found!r}; the page showed (screenshot {png}):\n{frames}"
    assert png.stat().st_size > 10_000
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, SCREENSHOTS / png.name)


# All text of the page: documents' visible text and every shadow root's (the pages list is in one).
_ALL_TEXT = _EVERY_ROOT + r"""
(() => {
  const out = [];
  everyRoot(document, 0, 25, root => {
    if (root.nodeType === 11) out.push(root.textContent);
    if (root.nodeType === 9 && root.body) out.push(root.body.innerText);
    return null;
  });
  const text = out.join('\n');
  return /\d+ pages?\b|No matching pages found/.test(text) ? text : null;
})()
"""


def _matches(text: str) -> int | None:
    """The search's count of matching pages ("2 pages"), not the unfiltered list's ("100 of 245 pages")."""
    counts = re.findall(r"(?<!of )(?<![\d,])(\d+) pages?\b", " ".join(text.split()))
    return int(counts[-1]) if counts else None


def _settled(browser: Any, url: str, found: bool, polls: int = 240) -> str:
    """The page's text once the pages list shows matches (``found``) or "No matching pages found".

    Polled twice a second (walking every shadow root is heavy; polling faster starves the page). The
    search may say "no matching pages" before the text index has loaded, so a search expected to find
    waits for its matches."""
    browser.navigate(url)
    text = ""
    for _ in range(polls):
        time.sleep(0.5)
        text = str(browser.evaluate(_ALL_TEXT) or "")
        # "Initializing Search... 0 pages" comes first, for longer on a busy machine: wait for a count.
        if ((_matches(text) or 0) > 0 and "Initializing Search" not in text) if found else (
                "No matching pages found" in text):
            return text
    return text


def test_replaywebpage_search_finds_article_text(server: str) -> None:
    """pages.jsonl carries the article text: a phrase of the body finds the article."""
    from bench.chromium import Browser

    with Browser() as browser:
        found = _settled(browser, f"{server}search.html", found=True)
        nothing = _settled(browser, f"{server}nothing.html", found=False)
    assert (_matches(found) or 99) <= 5 and TITLE in found and "No matching pages found" not in found, " ".join(found.split())[-3000:]
    assert "No matching pages found" in nothing and TITLE not in nothing
