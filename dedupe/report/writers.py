"""Write the report as JSON (streamed, stable key order), CSV (one row per member) or one HTML file."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import re
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from dedupe.report.svg import site_bars, syndication_graph

CSV_COLUMNS = ["cluster", "canonical_article", "article", "is_canonical", "site", "site_name", "url", "title", "origin",
               "published", "captured", "delay_hours", "distance", "similarity", "kinds", "warc", "offset", "replay_url"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_json(report: dict[str, Any], out: TextIO) -> None:
    """The report as JSON, one cluster at a time (a large report never sits whole in one string)."""
    head = {k: v for k, v in report.items() if k != "clusters"}
    out.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "clusters": [')
    for i, cluster in enumerate(report["clusters"]):
        out.write(("," if i else "") + "\n  " + json.dumps(cluster, ensure_ascii=False))
    out.write("\n ]\n}\n")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text taken from the web (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(report: dict[str, Any], out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for cluster in report["clusters"]:
        canonical = cluster["canonical"]["article"]
        for m in cluster["members"]:
            replay = m.get("replay") or {}
            row = [cluster["id"], canonical, m["article"], int(m["article"] == canonical), safe_cell(m["site"]),
                   safe_cell(m["site_name"]), safe_cell(m["url"]), safe_cell(m["title"]), safe_cell(m["origin"]),
                   m["published"] or "", m["captured"] or "", "" if m["delay_hours"] is None else m["delay_hours"],
                   "" if m["distance"] is None else m["distance"], "" if m["similarity"] is None else m["similarity"],
                   ";".join(m["kinds"]), safe_cell(replay.get("warc", "")), replay.get("offset", ""),
                   safe_cell(replay.get("url") or "")]
            writer.writerow(row)


def embed_json(data: Any) -> str:
    """JSON that cannot close its <script> element or open a comment, whatever the page text holds."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, safe in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, safe)
    return text


def _summary_table(summary: dict[str, Any]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("site", "kind", "articles", "originals", "copies made",
                                              "copies received", "mirror pages with spam", "pages with a repeated body"))
    rows = "".join(
        f"<tr><td>{escape(s['name'])} <span class='muted'>({escape(s['site'])})</span></td><td>{escape(s['kind'])}</td>"
        f"<td>{s['articles']}</td><td>{s['originals']}</td><td>{s['copies_made']}</td><td>{s['copies_received']}</td>"
        f"<td>{s['mirrors_with_spam']}</td><td>{s['repeated_body']}</td></tr>"
        for s in summary["sites"]
    )
    return f"<table class='sites'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def render_html(report: dict[str, Any]) -> str:
    template = resources.files("dedupe.report").joinpath("template.html").read_text(encoding="utf-8")
    script = resources.files("dedupe.report").joinpath("report.js").read_text(encoding="utf-8")
    style = resources.files("dedupe.report").joinpath("report.css").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    summary = report["summary"]
    values = {
        "{{CSP}}": f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-{digest}'",
        "{{STYLE}}": style,
        "{{GENERATED}}": escape(report["generated"]),
        "{{SOURCES}}": str(summary["sources"]),
        "{{ARTICLES}}": str(summary["articles"]),
        "{{CLUSTERS}}": str(summary["clusters"]),
        "{{COPIES}}": str(summary["copies"]),
        "{{COPY_SHARE}}": f"{100 * summary['copy_share']:.1f}%",
        "{{SITES_TABLE}}": _summary_table(summary),
        "{{CHART}}": site_bars(summary["sites"]),
        "{{GRAPH}}": syndication_graph(summary["sites"], report["graph"]),
        "{{DATA}}": embed_json({"clusters": report["clusters"], "sites": summary["sites"],
                                "timelines": report.get("timelines", [])}),
        "{{SCRIPT}}": script,
    }
    # One pass: text inserted for one placeholder is never scanned for another.
    return re.sub(r"\{\{[A-Z_]+\}\}", lambda m: values[m.group(0)], template)


def write_html(report: dict[str, Any], path: Path) -> None:
    path.write_text(render_html(report), encoding="utf-8")
