"""The data folder fills up or turns read-only mid-crawl: the crawl stops with a clear message,
what is archived stays readable, and the next run resumes.

Uses real small file systems (tmpfs, mounted as root, as `make test` runs in CI); where mounting
is not allowed the tests skip and say why.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.catalog import Catalog
from archive.warc_reader import iter_records, load_response
from tests.conftest import BIN, run_cli


def _mount(path: Path, *options: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(path)],
                            capture_output=True, text=True)
    if result.returncode != 0:  # not root, or a container without CAP_SYS_ADMIN: say so in the skip
        pytest.skip(f"cannot mount a tmpfs (needs root with CAP_SYS_ADMIN): {result.stderr.strip()}")


@pytest.fixture
def mounts() -> Iterator[list[Path]]:
    mounted: list[Path] = []
    yield mounted
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _crawl(data: Path, web: str, *settings: str) -> subprocess.CompletedProcess[str]:
    args = ["crawl", "--data", str(data), "--sample-web", web, "-s", "PROGRESS_ENABLED=0"]
    for setting in settings:
        args += ["-s", setting]
    return run_cli(*args)


def _check_archive(data: Path) -> set[str]:
    """Every WARC file passes `warcio check` and every catalog capture points at its record."""
    records = set()
    for path in sorted((data / "warcs").glob("*.warc.gz")):
        check = subprocess.run([str(BIN / "warcio"), "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout
        records |= {r.record_id for r in iter_records(path)}
    catalog = Catalog(f"sqlite:///{data / 'catalog.sqlite'}")
    for capture in catalog.captures():
        stored = load_response(data / "warcs" / capture.filename, capture.offset, capture.length)
        assert stored.url == capture.url
    return {a.url for a in catalog.articles()}


def test_a_full_disk_stops_the_crawl_and_the_next_run_resumes(sample_web, tmp_path: Path, mounts) -> None:  # type: ignore[no-untyped-def]
    clean = tmp_path / "clean"
    assert _crawl(clean, sample_web.url).returncode == 0
    clean_articles = _check_archive(clean)

    # A disk with room for about half of what the whole crawl writes (WARC files, catalog, logs),
    # measured rather than assumed: the sizes vary with the machine's file system and log volume.
    needed = sum(f.stat().st_size for f in clean.rglob("*") if f.is_file())
    data = tmp_path / "small"
    _mount(data, f"size={needed // 2 // 1024}k")
    mounts.append(data)
    full = _crawl(data, sample_web.url)
    assert full.returncode == 1, full.stderr[-2000:]
    assert "No space left on device" in full.stderr or "disk is full" in full.stderr
    assert "stopped early" in full.stderr
    _check_archive(data)  # what was archived before the disk filled is intact

    subprocess.run(["mount", "-o", "remount,size=64m", str(data)], check=True)
    resumed = _crawl(data, sample_web.url)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    run_cli("index", "--data", str(data), check=True)  # captures the full disk kept out of the catalog
    assert _check_archive(data) == clean_articles


def test_a_warc_folder_turned_read_only_stops_the_crawl_and_repair_finishes_it(sample_web, tmp_path: Path, mounts) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    crawl = subprocess.Popen(
        [str(BIN / "aidnews"), "crawl", "--data", str(data), "--sample-web", sample_web.url, "-s", "PROGRESS_ENABLED=0",
         "-s", "WARC_MAX_SIZE=30000", "-s", "CONCURRENT_REQUESTS=2"],
        stdout=(tmp_path / "out").open("w"), stderr=(tmp_path / "err").open("w"))
    deadline = time.monotonic() + 60
    while len(list((data / "warcs").glob("*.warc.gz"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    # A read-only file system over the folder: the open file keeps its (hidden) inode, but the next
    # file cannot be created and the finished one cannot be renamed, as on a disk remounted read-only.
    _mount(data / "warcs", "ro", "size=1m")
    mounts.append(data / "warcs")
    assert crawl.wait(timeout=120) == 1
    err = (tmp_path / "err").read_text()
    assert "Read-only file system" in err and "warc_write_error" in err
    subprocess.run(["umount", str(data / "warcs")], check=True)
    mounts.remove(data / "warcs")
    assert list((data / "warcs").glob("*.open"))  # left as it was when the disk turned read-only
    repaired = run_cli("index", "--data", str(data), "--repair", check=True)
    assert "repair:" in repaired.stdout
    assert not list((data / "warcs").glob("*.open"))
    assert _crawl(data, sample_web.url).returncode == 0
    run_cli("index", "--data", str(data), check=True)
    assert _check_archive(data)


def test_a_stats_file_that_cannot_be_written_fails_the_crawl_after_its_summary(sample_web, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    (data / "logs" / "last-crawl-stats.json").mkdir(parents=True)  # in the way: writing it fails as a full disk does
    crawl = _crawl(data, sample_web.url)
    assert crawl.returncode == 1
    assert "cannot write" in crawl.stderr and "last-crawl-stats.json" in crawl.stderr
    assert "crawl: " in crawl.stdout and " articles" in crawl.stdout  # the outcome is still reported
