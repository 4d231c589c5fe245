"""The replay start page: sources, captures by month, search by URL and title, links into pywb.

The replay server serves it as its home page (``/``: pywb's ``templates/index.html`` in the replay
folder), and ``DATA/replay/start.html`` is the same page for ``file://``. It stays small whatever
the archive's size: it carries the sources, a count per month and the latest captures. Each
month's captures live in ``static/captures/YYYYMM.js`` and everything searchable in
``static/captures/all.js`` (pywb serves the folder's ``static/`` at ``/static/``); the page loads
them with ``<script>`` elements (which also works from ``file://``) when a month is opened or a
search starts, and on archives up to 100,000 captures loads the search data right after the page is
drawn, so a search typed into the page finds it loaded. ``#q=TEXT`` and ``#month=YYYYMM`` are
permalinks. Every string from the web travels as escaped JSON and is drawn with ``textContent``;
the served page is a constant template whose data (``summary.js``) is a static file, so no title
ever passes through pywb's template engine.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from aidnews.paths import DataPaths
from dedupe.report.writers import embed_json

LATEST = 200  # captures drawn when the page opens
PREFETCH = 100_000  # up to this many captures the search data loads right after the page is drawn


def capture_rows(paths: DataPaths) -> tuple[list[dict[str, Any]], list[tuple[str, str, str]]]:
    """HTML captures, newest first, as ``{u, t, s, h, c}`` rows; and the sources ``(id, name, kind)``."""
    from archive.catalog import Catalog

    catalog = Catalog(paths.catalog_url)
    try:
        sources = [(s.id, s.name, s.kind) for s in catalog.sources()]
        rows = catalog.html_captures()
    finally:
        catalog.close()
    return [{"u": u, "t": t, "s": s or "", "h": h or "", "c": c} for u, t, s, h, c in rows], sources


def write_start_page(paths: DataPaths, replay_url: str) -> Path:
    """Write the page (``start.html`` and the served ``templates/index.html``) and its data files;
    returns ``start.html``."""
    rows, sources = capture_rows(paths)
    folder = paths.root / "replay"
    data = folder / "static" / "captures"
    data.mkdir(parents=True, exist_ok=True)
    for old in data.glob("*.js"):
        old.unlink()
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_month[row["t"][:6]].append(row)
    for month, month_rows in by_month.items():
        _write_data(data / f"{month}.js", month, month_rows)
    _write_data(data / "all.js", "all", rows)
    per_source = Counter(row["s"] for row in rows)
    summary = {
        "replay": replay_url, "total": len(rows), "prefetch": len(rows) <= PREFETCH, "latest": packed(rows[:LATEST]),
        "months": sorted(((m, len(r)) for m, r in by_month.items()), reverse=True),
        "sources": [{"id": i, "name": n, "kind": k, "captures": per_source.get(i, 0)} for i, n, k in sources],
    }
    (data / "summary.js").write_text(f"var AIDNEWS_SUMMARY = {embed_json(summary)};\n", encoding="utf-8")
    page = folder / "start.html"
    page.write_text(_page("static/captures/", f"<script type='application/json' id='summary'>{embed_json(summary)}"
                                              "</script>"), encoding="utf-8")
    templates = folder / "templates"
    templates.mkdir(exist_ok=True)
    # pywb renders templates with Jinja: the page is constant text, kept raw.
    served = _page("/static/captures/", "<script src='/static/captures/summary.js'></script>")
    assert "{% endraw %}" not in served
    (templates / "index.html").write_text("{% raw %}" + served + "{% endraw %}", encoding="utf-8")
    return page


def _page(data_url: str, summary: str) -> str:
    return (
        f"<!DOCTYPE html><html lang='zh-CN' data-captures='{data_url}'><head><meta charset='utf-8'>"
        f"<title>aidnews archive</title><style>{_STYLE}</style></head><body><h1>aidnews archive</h1>"
        "<h2>Sources</h2><ul id='sources'></ul><h2>Captures by month</h2><p id='months'></p>"
        "<h2>Captures</h2><p><input id='q' size='40' placeholder='search URL or title' autocomplete='off'> "
        "<span id='n'></span></p><ul id='caps'></ul>"
        f"{summary}<script>{_SCRIPT}</script></body></html>"
    )


def _line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def packed(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows as a few long strings, one line per capture, which the page splits natively and searches
    with ``indexOf`` on the whole column: no per-row object to parse, no per-row string to search.

    URLs are split at their last ``/``: ``P`` lists each distinct folder once, ``p`` numbers it per
    row and ``u`` keeps the rest (a month of one site's articles shares one folder).
    """
    folders: dict[str, int] = {}
    index, rest = [], []
    for row in rows:
        head, slash, tail = _line(row["u"]).rpartition("/")
        index.append(str(folders.setdefault(head + slash, len(folders))))
        rest.append(tail)
    return {
        "n": len(rows), "P": list(folders), "p": ",".join(index), "u": "\n".join(rest),
        "t": "\n".join(row["t"] for row in rows), "s": "\n".join(_line(row["s"]) for row in rows),
        "h": "\n".join(_line(row["h"]) for row in rows),
        "c": ",".join("" if row["c"] is None else str(row["c"]) for row in rows),
    }


def _write_data(path: Path, name: str, rows: list[dict[str, Any]]) -> None:
    # embed_json keeps "<", "&" and line separators escaped: valid JS that no page text can break out of.
    path.write_text(f"aidnewsLoaded({json.dumps(name)},{embed_json(packed(rows))});\n", encoding="utf-8")


_STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:auto}li{margin:2px 0}small{color:#777}"
          "#months a{margin-right:.8em;white-space:nowrap}")

_SCRIPT = r"""
var S = window.AIDNEWS_SUMMARY || JSON.parse(document.getElementById('summary').textContent);
var SHOW = 200, loaded = {}, waiting = {}, DATA = document.documentElement.getAttribute('data-captures');
function el(tag, text) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; }
function unpack(D) {
  function lines(text, sep) { return D.n ? text.split(sep) : []; }
  return {n: D.n, P: D.P, p: lines(D.p, ','), u: lines(D.u, '\n'), t: lines(D.t, '\n'), s: lines(D.s, '\n'),
          h: lines(D.h, '\n'), c: lines(D.c, ','), packed: D};
}
function aidnewsLoaded(name, data) {
  var table = loaded[name] = unpack(data);
  var pending = waiting[name] || []; waiting[name] = [];
  pending.forEach(function (then) { then(table); });
}
function load(name, then) {
  if (loaded[name]) return then(loaded[name]);
  (waiting[name] = waiting[name] || []).push(then);
  if (waiting[name].length > 1) return;
  var s = document.createElement('script');
  s.src = DATA + name + '.js';
  s.onerror = function () { document.getElementById('n').textContent = 'cannot load ' + DATA + name + '.js'; };
  document.head.appendChild(s);
}
function day(t) { return t.slice(0, 4) + '-' + t.slice(4, 6) + '-' + t.slice(6, 8); }
function url(T, i) { return T.P[+T.p[i]] + T.u[i]; }
function row(T, i) { return {u: url(T, i), t: T.t[i], s: T.s[i], h: T.h[i], c: T.c[i] === '' ? null : T.c[i]}; }
function matching(T, q) {
  // rows whose URL or title contains q: indexOf over each whole column (one line per row), made once
  if (!T.U) {
    var urls = new Array(T.n);
    for (var i = 0; i < T.n; i++) urls[i] = url(T, i);
    T.U = urls.join('\n').toLowerCase(); T.H = T.packed.h.toLowerCase();
  }
  var hit = new Uint8Array(T.n);
  if (q.indexOf('\n') >= 0) return hit;  // no field holds a line break; the columns do, between rows
  [T.U, T.H].forEach(function (text) {
    var at = text.indexOf(q), line = 0, start = 0, next;
    while (at >= 0) {
      while ((next = text.indexOf('\n', start)) >= 0 && next < at) { line++; start = next + 1; }
      hit[line] = 1;
      if (next < 0) break;
      at = text.indexOf(q, next + 1);
    }
  });
  return hit;
}
function item(c) {
  var li = el('li'), a = el('a', c.h || c.u), web = /^https?:\/\//.test(c.u);
  li.appendChild(document.createTextNode(day(c.t) + ' '));
  if (web) a.href = S.replay + c.t + '/' + c.u;
  li.appendChild(a); li.appendChild(el('small', ' ' + c.s + ' '));
  if (web) { var all = el('a', 'all captures'); all.href = S.replay + '*/' + c.u; li.appendChild(all); }
  if (c.c !== null) { var r = el('a', ' cluster ' + c.c); r.href = '../reports/report.html#cluster=' + c.c; li.appendChild(r); }
  return li;
}
function draw(T, q, what, began) {
  var list = document.getElementById('caps'), shown = 0, found = 0, frag = document.createDocumentFragment();
  var hit = q ? matching(T, q) : null;
  for (var i = 0; i < T.n; i++) {
    if (hit && !hit[i]) continue;
    found++;
    if (shown < SHOW) { shown++; frag.appendChild(item(row(T, i))); }
  }
  list.textContent = ''; list.appendChild(frag);
  document.getElementById('n').textContent = found + ' ' + what + (found > SHOW ? ', the first ' + SHOW + ' shown' : '');
  document.documentElement.setAttribute('data-drawn-ms', (performance.now() - began).toFixed(1));
}
function route() {
  var began = performance.now(), hash = location.hash.slice(1), value = '';
  try { value = decodeURIComponent(hash.slice(hash.indexOf('=') + 1)); } catch (e) { value = ''; }
  if (hash.indexOf('q=') === 0 && value) {
    document.getElementById('q').value = value;
    load('all', function (table) { draw(table, value.toLowerCase(), 'captures match', began); });
  } else if (hash.indexOf('month=') === 0 && /^\d{6}$/.test(value)) {
    load(value, function (table) { draw(table, '', 'captures in ' + value.slice(0, 4) + '-' + value.slice(4), began); });
  } else {
    draw(unpack(S.latest), '', 'latest captures of ' + S.total, began);
  }
}
S.sources.forEach(function (s) {
  var li = el('li', s.name + ' '); li.appendChild(el('small', '(' + s.id + ', ' + s.kind + ') ' + s.captures + ' captures'));
  document.getElementById('sources').appendChild(li);
});
S.months.forEach(function (m) {
  var a = el('a', m[0].slice(0, 4) + '-' + m[0].slice(4) + ' (' + m[1] + ')'); a.href = '#month=' + m[0];
  document.getElementById('months').appendChild(a);
});
document.getElementById('q').addEventListener('input', function (e) {
  history.replaceState(null, '', e.target.value ? '#q=' + encodeURIComponent(e.target.value) : '#');
  route();
});
window.addEventListener('hashchange', route);
route();
document.documentElement.setAttribute('data-ready-ms', performance.now().toFixed(1));
// The search data loads right after the page is drawn, so the first search typed finds it loaded.
// (A <link rel=preload> in the head gained a permalink search 12 ms and cost every open 9 ms.)
// Archives too big for that load it on the first search.
if (S.prefetch) setTimeout(function () { load('all', function () {}); }, 0);
"""
