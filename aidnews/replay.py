"""``aidnews replay``: pywb, in its own virtual environment and process, over the data folder's WARCs.

pywb is GPLv3, pins redis 2.10 and pulls a ``brotli`` that shadows Scrapy's, and switches a process to
gevent: so it never shares the crawler's environment or process. It gets its own venv
(``.venv-replay`` beside ``.venv``), a ``config.yaml`` naming the collection ``archive`` (the WARC
folder, no copying) and the project's sorted CDXJ index, and is bound to 127.0.0.1.
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from aidnews.paths import DataPaths
from dedupe.report.writers import embed_json

COLLECTION = "archive"
PYWB = ("pywb==2.10.*", "wacz>=0.5", "uwsgi>=2.0")  # uwsgi runs several pywb processes on one port
ROOT = Path(__file__).resolve().parent.parent


class ReplayError(Exception):
    """pywb could not be installed or started."""


def replay_venv() -> Path:
    return Path(os.environ.get("AIDNEWS_REPLAY_VENV") or ROOT / ".venv-replay")


def ensure_pywb(venv: Path | None = None) -> Path:
    """The ``wayback`` executable, installing pywb into its own venv the first time."""
    venv = venv or replay_venv()
    wayback = venv / "bin" / "wayback"
    if wayback.exists():
        return wayback
    print(f"replay: installing {', '.join(PYWB)} into {venv} (once) ...", file=sys.stderr, flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", *PYWB], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ReplayError(f"cannot install pywb into {venv}: {exc}") from exc
    return wayback


def prepare(paths: DataPaths) -> Path:
    """Write the CDXJ index, pywb's config and the start page; returns the replay folder."""
    from archive.catalog import Catalog
    from archive.cdxj import write_cdxj

    folder = paths.root / "replay"
    (folder / "indexes").mkdir(parents=True, exist_ok=True)
    catalog = Catalog(paths.catalog_url)
    write_cdxj(catalog, folder / "indexes" / "index.cdxj")
    (folder / "config.yaml").write_text(
        "# Written by aidnews replay: the WARC folder in place, the project's sorted CDXJ index.\n"
        "collections:\n"
        f"  {COLLECTION}:\n"
        f"    archive_paths: {paths.warcs.resolve()}/\n"
        f"    index_paths: {(folder / 'indexes').resolve()}/\n"
        "framed_replay: false\n",
        encoding="utf-8",
    )
    catalog.close()
    return folder


def start_page(paths: DataPaths, replay_url: str) -> Path:
    """A page listing sources, then captures by date, with links into replay."""
    from sqlalchemy import select

    from archive.catalog import Catalog
    from archive.catalog.models import Article, Capture, ClusterMember, Source

    catalog = Catalog(paths.catalog_url)
    with catalog.session() as session:
        sources = list(session.scalars(select(Source).order_by(Source.id)))
        rows = session.execute(
            select(Capture.url, Capture.timestamp, Capture.source_id, Article.title, ClusterMember.cluster_id)
            .join(Article, Article.record_id == Capture.record_id, isouter=True)
            .join(ClusterMember, ClusterMember.article_id == Article.id, isouter=True)
            .where(Capture.status == 200, Capture.mime == "text/html").order_by(Capture.timestamp.desc())
        ).all()
    catalog.close()
    esc = html.escape
    # The captures travel as JSON and the page draws the first matches only: a 20,000-capture archive
    # opens as fast as a small one, and the search never re-lays out thousands of list items.
    data = [{"u": url, "t": ts, "s": source or "", "h": title or "", "c": cluster} for url, ts, source, title, cluster in rows]
    listing = "".join(f"<li>{esc(s.name)} <small>({esc(s.id)}, {esc(s.kind)})</small></li>" for s in sources)
    page = paths.root / "replay" / "start.html"
    page.write_text(
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>aidnews archive</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}li{margin:2px 0}small{color:#777}</style>"
        f"</head><body><h1>aidnews archive</h1><h2>Sources</h2><ul>{listing}</ul><h2>Captures</h2>"
        "<input id='q' size='40' placeholder='search URL or title'> <span id='n'></span><ul id='caps'></ul>"
        f"<script type='application/json' id='data'>{embed_json(data)}</script>"
        f"<script>{_START_SCRIPT % {'replay': json.dumps(replay_url)}}</script></body></html>",
        encoding="utf-8",
    )
    return page


_START_SCRIPT = """
var caps = JSON.parse(document.getElementById('data').textContent), replay = %(replay)s, SHOW = 200;
function draw() {
  var q = document.getElementById('q').value.toLowerCase(), list = document.getElementById('caps'), shown = 0, found = 0;
  list.textContent = '';
  for (var i = 0; i < caps.length; i++) {
    var c = caps[i];
    if (q && (c.u + ' ' + c.h).toLowerCase().indexOf(q) < 0) continue;
    found++;
    if (shown >= SHOW) continue;
    shown++;
    var li = document.createElement('li'), a = document.createElement('a');
    li.appendChild(document.createTextNode(c.t.slice(0, 4) + '-' + c.t.slice(4, 6) + '-' + c.t.slice(6, 8) + ' '));
    if (/^https?:\\/\\//.test(c.u)) a.href = replay + c.t + '/' + c.u;
    a.textContent = c.h || c.u; li.appendChild(a);
    var s = document.createElement('small'); s.textContent = ' ' + c.s; li.appendChild(s);
    if (c.c !== null) {
      var r = document.createElement('a'); r.href = '../reports/report.html#cluster=' + c.c;
      r.textContent = ' cluster ' + c.c; li.appendChild(r);
    }
    list.appendChild(li);
  }
  document.getElementById('n').textContent = found + ' captures' + (found > SHOW ? ', the first ' + SHOW + ' shown' : '');
}
document.getElementById('q').addEventListener('input', draw);
draw();
"""


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise ReplayError(f"pywb did not answer at {url} within {seconds:.0f} s")


def command(wayback: Path, folder: Path, port: int, workers: int) -> list[str]:
    """One pywb process (``wayback``), or ``workers`` of them under uwsgi on the same port (pywb's own
    production setup: a gevent loop per process, 100 connections each)."""
    if workers <= 1:
        return [str(wayback), "--bind", "127.0.0.1", "--port", str(port), "-d", str(folder)]
    return [str(wayback.with_name("uwsgi")), "--http-socket", f"127.0.0.1:{port}", "--master", "--processes",
            str(workers), "--gevent", "100", "--gevent-early-monkey-patch", "--wsgi", "pywb.apps.wayback",
            "--chdir", str(folder), "--die-on-term", "--buffer-size", "65536", "--disable-logging"]


def start(paths: DataPaths, port: int, venv: Path | None = None, workers: int = 1) -> tuple[subprocess.Popen[bytes], str]:
    """Start pywb on 127.0.0.1:port for the data folder; returns the process and its base URL."""
    if workers < 1:
        raise ReplayError(f"--workers must be >= 1, got {workers}")
    wayback = ensure_pywb(venv)
    folder = prepare(paths)
    process = subprocess.Popen(command(wayback, folder, port, workers), cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(base)
    except ReplayError:
        process.kill()
        raise
    return process, base
