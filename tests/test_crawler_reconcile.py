"""crawler.reconcile and the resume step (bug 4 of issue 17): a crawl with its own ``--seeds`` folder,
and a plain ``scrapy crawl``, finish what a killed crawl left and catalog it with the right sources."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from archive.catalog import Catalog, catalog_url_for
from crawler.reconcile import reconcile
from crawler.sources import load_sources
from sampleweb.process import SampleWebProcess
from tests.conftest import BIN, ROOT, run_cli
from tests.helpers import exchange, pinned_writer
from tests.test_crawler_articles import BIG5_PAGE, TITLE, URL, write_big5_seeds

QUIET = ["-s", "PROGRESS_ENABLED=0", "-s", "LOG_LEVEL=WARNING"]


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return write_big5_seeds(tmp_path / "seeds")


def _killed_crawl(data: Path) -> str:
    """A WARC file as a killed crawl leaves it: still named .open, held by no writer, not in the catalog."""
    writer = pinned_writer(data / "warcs")
    ref = writer.write_exchange(exchange(URL, BIG5_PAGE, [(b"Content-Type", b"text/html")]))
    writer.close()
    [closed] = (data / "warcs").glob("*.warc.gz")
    closed.rename(closed.with_name(closed.name + ".open"))
    return ref.record_id


def _titles(data: Path) -> dict[str, str]:
    catalog = Catalog(catalog_url_for(data))
    titles = {a.url: a.title for a in catalog.articles()}
    catalog.close()
    return titles


def test_reconcile_repairs_indexes_rebuilds_and_writes_cdxj(tmp_path: Path, seeds: Path) -> None:
    record_id = _killed_crawl(tmp_path)
    catalog = Catalog(catalog_url_for(tmp_path))
    sources = load_sources(seeds)
    assert reconcile(tmp_path / "warcs", catalog, sources, repair="no", only_repaired=True).records == 0
    assert list((tmp_path / "warcs").glob("*.open"))  # "no" touches no file
    done = reconcile(tmp_path / "warcs", catalog, sources, only_repaired=True, cdxj=tmp_path / "index.cdxj")
    assert [r.cut_bytes for r in done.repaired] == [0] and done.records == 1 and done.articles == 1
    assert done.cdxj_lines == 1 and "big5.example" in (tmp_path / "index.cdxj").read_text(encoding="utf-8")
    [article] = catalog.articles()
    assert article.record_id == record_id and article.title == TITLE and article.source_id == "big5site"
    again = reconcile(tmp_path / "warcs", catalog, sources, only_repaired=True)
    assert again.repaired == [] and again.files == 0  # nothing left: the quick check does nothing
    catalog.close()


def test_reconcile_without_a_warc_folder_does_nothing(tmp_path: Path, seeds: Path) -> None:
    catalog = Catalog(catalog_url_for(tmp_path))
    assert reconcile(tmp_path / "missing", catalog, load_sources(seeds)).files == 0
    catalog.close()


@pytest.mark.slow
def test_aidnews_crawl_resumes_with_its_own_seeds(sample_web: SampleWebProcess, tmp_path: Path, seeds: Path) -> None:
    data = tmp_path / "data"
    _killed_crawl(data)
    result = run_cli("crawl", "--data", str(data), "--seeds", str(seeds), "--sample-web", sample_web.url, *QUIET)
    assert result.returncode == 0, result.stderr[-2000:]
    assert _titles(data) == {URL: TITLE}  # rebuilt with the seeds folder's source and its encoding hint
    assert not list((data / "warcs").glob("*.open"))


@pytest.mark.slow
def test_plain_scrapy_crawl_resumes(sample_web: SampleWebProcess, tmp_path: Path, seeds: Path) -> None:
    data = tmp_path / "data"
    _killed_crawl(data)
    env = {**os.environ, "AIDNEWS_DATA": str(data), "AIDNEWS_SAMPLE_WEB": sample_web.url}
    result = subprocess.run([str(BIN / "scrapy"), "crawl", "configured", "-a", f"seeds={seeds}", *QUIET],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert _titles(data) == {URL: TITLE}
    assert not list((data / "warcs").glob("*.open"))
