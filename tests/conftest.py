"""Shared fixtures: the sample web in a subprocess on 127.0.0.1:0, and one real crawl of it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sampleweb.process import SampleWebProcess, spawn

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
BIN = Path(sys.executable).parent


def start_sample_web(scale: int = 1) -> SampleWebProcess:
    return spawn(scale)


@pytest.fixture(scope="session")
def sample_web() -> Iterator[SampleWebProcess]:
    server = start_sample_web()
    yield server
    server.stop()


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT, check: bool = False,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(BIN / "aidnews"), *args], capture_output=True, text=True, cwd=cwd,
                            env={**os.environ, **(env or {})}, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"aidnews {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


@dataclass
class Crawled:
    data: Path
    sample_web: str

    @property
    def warcs(self) -> Path:
        return self.data / "warcs"

    @property
    def catalog_url(self) -> str:
        return f"sqlite:///{self.data / 'catalog.sqlite'}"


@pytest.fixture(scope="session")
def crawled(sample_web: SampleWebProcess, tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    """One real `scrapy crawl` per spider, from the repository root, into a fresh data folder."""
    data = tmp_path_factory.mktemp("crawl")
    env = {**os.environ, "AIDNEWS_DATA": str(data), "AIDNEWS_SAMPLE_WEB": sample_web.url}
    for spider in ("tibet_cn", "configured"):
        result = subprocess.run(
            [str(BIN / "scrapy"), "crawl", spider, "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0",
             "-s", "LOG_LEVEL=WARNING", "-s", "PROGRESS_ENABLED=0"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )
        assert result.returncode == 0, result.stderr[-3000:]
    run_cli("dedupe", "--data", str(data), check=True)
    return Crawled(data, sample_web.url)
