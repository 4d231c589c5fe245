"""``aidnews replay``: pywb, in its own virtual environment and process, over the data folder's WARCs.

pywb is GPLv3, pins redis 2.10 and pulls a ``brotli`` that shadows Scrapy's, and switches a process to
gevent: so it never shares the crawler's environment or process. It gets its own venv
(``.venv-replay`` beside ``.venv``), a ``config.yaml`` naming the collection ``archive`` (the WARC
folder, no copying) and the project's sorted CDXJ index, and is bound to 127.0.0.1.

Replay is framed by default: pywb's banner (capture date, the calendar of a URL's captures) above the
page, which plays in a frame at ``<timestamp>mp_/<url>``; ``frameless`` replays the page alone. The
start page is pywb's home page (``templates/index.html``), so the printed URL opens it.

Stopping: every stop signal stops every child. pywb runs in its own process group; :func:`serve`
turns SIGTERM, SIGINT and SIGHUP into a stop of that group (uwsgi's master and workers included),
and the child is also told by the kernel (``PR_SET_PDEATHSIG``) when the parent dies any other way.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import FrameType

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


def prepare(paths: DataPaths, frameless: bool = False, banner: str | None = None) -> Path:
    """Write the CDXJ index and pywb's config; returns the replay folder. ``banner``: a pywb (Jinja)
    template written as ``templates/aidnews_banner.html`` and used as pywb's banner (``aidnews serve``
    adds its link back to the app)."""
    from archive.catalog import Catalog
    from archive.cdxj import write_cdxj

    folder = paths.root / "replay"
    (folder / "indexes").mkdir(parents=True, exist_ok=True)
    (folder / "static").mkdir(exist_ok=True)
    catalog = Catalog(paths.catalog_url)
    write_cdxj(catalog, folder / "indexes" / "index.cdxj")
    (folder / "config.yaml").write_text(
        "# Written by aidnews replay: the WARC folder in place, the project's sorted CDXJ index.\n"
        "collections:\n"
        f"  {COLLECTION}:\n"
        f"    archive_paths: {paths.warcs.resolve()}/\n"
        f"    index_paths: {(folder / 'indexes').resolve()}/\n"
        f"framed_replay: {'false' if frameless else 'true'}\n"
        "static_dir: static\n"
        + ("banner_html: aidnews_banner.html\n" if banner is not None else ""),
        encoding="utf-8",
    )
    if banner is not None:
        (folder / "templates").mkdir(exist_ok=True)
        (folder / "templates" / "aidnews_banner.html").write_text(banner, encoding="utf-8")
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


def command(wayback: Path, folder: Path, port: int, workers: int, mount: str = "") -> list[str]:
    """One pywb process (``wayback``), or ``workers`` of them under uwsgi on the same port (pywb's own
    production setup: a gevent loop per process, 100 connections each). ``mount``: a path prefix
    (``/replay``) pywb is served under, as its ``SCRIPT_NAME``, so the links it writes carry the
    prefix (``aidnews serve`` proxies it there); uwsgi mounts it, even for one process."""
    if workers <= 1 and not mount:
        return [str(wayback), "--bind", "127.0.0.1", "--port", str(port), "-d", str(folder)]
    app = ["--mount", f"{mount}=pywb.apps.wayback:application", "--manage-script-name"] if mount else \
        ["--wsgi", "pywb.apps.wayback"]
    return [str(wayback.with_name("uwsgi")), "--http-socket", f"127.0.0.1:{port}", "--master", "--processes",
            str(max(workers, 1)), "--gevent", "100", "--gevent-early-monkey-patch", *app,
            "--chdir", str(folder), "--die-on-term", "--no-orphans",
            # an idle gevent worker can sit on its stop signal; two seconds, then the master kills it
            "--worker-reload-mercy", "2", "--reload-mercy", "2", "--buffer-size", "65536", "--disable-logging"]


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies (a SIGKILL or a crash of aidnews)."""
    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the signal handlers of serve() still stop it
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def start(paths: DataPaths, port: int, venv: Path | None = None, workers: int = 1,
          frameless: bool = False, mount: str = "", banner: str | None = None,
          start_page: bool = True) -> tuple[subprocess.Popen[bytes], str]:
    """Start pywb on 127.0.0.1:port for the data folder, its start page at ``/`` (at ``mount/`` when
    mounted under a prefix; ``start_page=False``: none, as under ``aidnews serve``, whose own pages
    replace it); returns the process (the leader of pywb's process group: :func:`stop` it) and the
    base URL (without the mount)."""
    from aidnews.start_page import write_start_page

    if workers < 1:
        raise ReplayError(f"--workers must be >= 1, got {workers}")
    wayback = ensure_pywb(venv)
    folder = prepare(paths, frameless, banner)
    base = f"http://127.0.0.1:{port}/"
    if start_page:
        write_start_page(paths, f"{base}{mount.strip('/') + '/' if mount else ''}{COLLECTION}/")
    process = subprocess.Popen(command(wayback, folder, port, workers, mount), cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                               preexec_fn=_die_with_parent)
    try:
        wait_until_up(f"{base}{mount.strip('/')}/" if mount else base)
    except BaseException:  # ReplayError, or a stop signal while waiting
        stop(process)
        raise
    return process, base


def group_members(group: int) -> list[int]:
    """The live (not zombie) processes of process group ``group``, from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):  # gone while we looked
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def stop(process: subprocess.Popen[bytes], grace: float = 5) -> None:
    """Stop pywb and every process it started (its whole process group): SIGTERM, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if process.poll() is not None and not group_members(process.pid):
                return
            time.sleep(0.05)
    process.wait()


def serve(paths: DataPaths, port: int, workers: int = 1, frameless: bool = False, venv: Path | None = None,
          say: Callable[[str], None] | None = None) -> int:
    """``aidnews replay`` in the foreground: start pywb, print its URL, run until a stop signal (SIGTERM,
    SIGINT, SIGHUP) or until pywb exits, and stop every child either way. Returns the exit status."""
    say = say or (lambda line: print(line, flush=True))
    stopping: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)
        raise KeyboardInterrupt  # out of the start or the wait below, into the finally

    # before the start: a signal while pywb comes up must stop it too
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    process = None
    try:
        process, base = start(paths, port, venv, workers, frameless)
        say(f"replay: {base} (start page; {'frameless' if frameless else 'framed, with the capture banner'})")
        say(f"replay: permalinks {base}{COLLECTION}/<timestamp>/<url> (raw bytes: <timestamp>id_)")
        process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)  # a second signal must not cut the stop short
        if process is not None:
            stop(process)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if stopping or (process is not None and process.returncode == 0) else 1
