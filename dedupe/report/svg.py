"""Inline SVG charts for the HTML report (no external assets). Every label is escaped."""

from __future__ import annotations

import math
from html import escape
from typing import Any


def site_bars(sites: list[dict[str, Any]]) -> str:
    """Horizontal bars per site: originals and copies made."""
    rows = [s for s in sites if s["originals"] or s["copies_made"]]
    if not rows:
        return '<p class="muted">No clusters yet.</p>'
    top = max(max(s["originals"], s["copies_made"]) for s in rows) or 1
    height = 28 * len(rows) + 30
    parts = [f'<svg class="chart" role="img" aria-label="originals and copies per site" viewBox="0 0 640 {height}" '
             f'width="640" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for i, site in enumerate(rows):
        y = 10 + 28 * i
        original = 380 * site["originals"] / top
        copied = 380 * site["copies_made"] / top
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(site["name"])}</text>')
        parts.append(f'<rect x="200" y="{y}" width="{original:.1f}" height="10" fill="#2f6fb0"><title>originals: {site["originals"]}</title></rect>')
        parts.append(f'<rect x="200" y="{y + 11}" width="{copied:.1f}" height="10" fill="#d9822b"><title>copies made: {site["copies_made"]}</title></rect>')
        parts.append(f'<text x="{206 + max(original, copied):.1f}" y="{y + 16}" font-size="11">{site["originals"]} / {site["copies_made"]}</text>')
    legend_y = height - 8
    parts.append(f'<rect x="200" y="{legend_y - 9}" width="10" height="10" fill="#2f6fb0"/><text x="214" y="{legend_y}" font-size="11">originals</text>')
    parts.append(f'<rect x="290" y="{legend_y - 9}" width="10" height="10" fill="#d9822b"/><text x="304" y="{legend_y}" font-size="11">copies made</text>')
    parts.append("</svg>")
    return "".join(parts)


def syndication_graph(sites: list[dict[str, Any]], edges: list[dict[str, Any]]) -> str:
    """Sites on a circle; an arrow from the original's site to the copier, labelled with the count."""
    names = {s["site"]: s["name"] for s in sites}
    nodes = sorted({e["from"] for e in edges} | {e["to"] for e in edges})
    if not nodes:
        return '<p class="muted">No copies between sites yet.</p>'
    size, radius = 520, 180
    where = {
        node: (size / 2 + radius * math.cos(2 * math.pi * i / len(nodes) - math.pi / 2),
               size / 2 + radius * math.sin(2 * math.pi * i / len(nodes) - math.pi / 2))
        for i, node in enumerate(nodes)
    }
    parts = [f'<svg class="graph" role="img" aria-label="which sites copy which" viewBox="0 0 {size} {size}" '
             f'width="{size}" height="{size}" xmlns="http://www.w3.org/2000/svg">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>']
    top = max(e["count"] for e in edges)
    for edge in edges:
        (x1, y1), (x2, y2) = where[edge["from"]], where[edge["to"]]
        if edge["from"] == edge["to"]:
            continue
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1
        x1, y1 = x1 + dx / length * 30, y1 + dy / length * 30
        x2, y2 = x2 - dx / length * 30, y2 - dy / length * 30
        width = 1 + 4 * edge["count"] / top
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#555" '
                     f'stroke-width="{width:.1f}" marker-end="url(#arrow)"><title>{escape(names.get(edge["from"], edge["from"]))} '
                     f'→ {escape(names.get(edge["to"], edge["to"]))}: {edge["count"]}</title></line>')
        parts.append(f'<text x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2 - 4:.1f}" font-size="12" text-anchor="middle">{edge["count"]}</text>')
    for node, (x, y) in where.items():
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="26" fill="#eef3f8" stroke="#2f6fb0"/>')
        parts.append(f'<text x="{x:.1f}" y="{y + 44:.1f}" font-size="12" text-anchor="middle">{escape(names.get(node, node))}</text>')
    parts.append("</svg>")
    return "".join(parts)
