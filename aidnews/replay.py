"""``aidnews replay``: pywb, in its own virtual environment and process, over the data folder's WARCs.

pywb is GPLv3, pins redis 2.10 and pulls a ``brotli`` that shadows Scrapy's, and switches a process to
gevent: so it never shares the crawler's environment or process. It gets its own venv
(``.venv-replay`` beside ``.venv``), a ``config.yaml`` naming the collection ``archive`` (the WARC
folder, no copying) and the project's sorted CDXJ index, and is bound to 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from aidnews.paths import DataPaths

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
