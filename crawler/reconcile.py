"""Make the catalog match the WARC files: repair, index, re-extract, and (optionally) write the CDXJ.

The WARC files are the source of truth. After a crawl died, its abandoned ``.open`` files are
finished, their records indexed and the articles whose rows were never flushed re-extracted;
``aidnews index`` does the same for the whole folder. Every caller (``aidnews index``, a crawl
resuming through :class:`crawler.extensions.reconcile.ReconcileExtension`, the coordinator of a
distributed crawl) goes through :func:`reconcile`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from archive.catalog import Catalog
from archive.cdxj import write_cdxj
from archive.indexer import index_warcs
from archive.repair import Repaired, repair_folder
from crawler.rebuild import rebuild_articles
from crawler.sources import Source, host_map
from dedupe.search import index_pending


@dataclass
class Reconciled:
    repaired: list[Repaired] = field(default_factory=list)
    files: int = 0  # WARC files indexed
    records: int = 0
    unreadable: list[str] = field(default_factory=list)  # torn or damaged files; their complete records count
    articles: int = 0  # rebuilt from the archive
    cdxj_lines: int | None = None  # None: no CDXJ asked for


Repair = Literal["no", "abandoned", "all"]


def reconcile(warcs: Path, catalog: Catalog, sources: Sequence[Source], repair: Repair = "abandoned", *,
              only_repaired: bool = False, cdxj: Path | None = None,
              progress: Callable[[str, int], None] | None = None) -> Reconciled:
    """Repair, index, re-extract, and write ``cdxj`` when given.

    ``repair``: ``"abandoned"`` finishes the ``.open`` files no live crawl holds (a writer keeps
    its file locked), ``"all"`` also cuts torn last records off closed files (``aidnews index
    --repair``, when no crawl runs), ``"no"`` leaves every file as it is. ``only_repaired`` indexes just the files repaired now and does nothing when there
    were none: a resuming crawl's quick check. ``sources`` name the captures' sources and give
    the selectors (and encoding hints) for re-extraction.
    """
    done = Reconciled()
    if not warcs.is_dir():
        return done
    done.repaired = repair_folder(warcs, include_closed=True) if repair == "all" else (
        repair_folder(warcs) if repair == "abandoned" else [])
    if only_repaired and not done.repaired:
        return done
    only = [r.name for r in done.repaired] if only_repaired else None
    report = index_warcs(warcs, catalog, host_map(sources), progress=progress, only=only)
    done.files, done.records, done.unreadable = report.files, report.records, report.unreadable
    done.articles = rebuild_articles(catalog, warcs, sources)
    index_pending(catalog)  # the rebuilt articles (and any a crawl wrote but could not index) become searchable
    if cdxj is not None:
        done.cdxj_lines = write_cdxj(catalog, cdxj)
    return done
