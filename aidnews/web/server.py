"""Run the app: open the catalog read-only, start pywb behind ``/replay/``, serve with uvicorn, stop all.

The catalog is opened without migrating (``Catalog(url, migrate=False)``): serving never changes a
schema; a catalog at another revision than this aidnews's is refused with what to run. pywb is
started by :func:`aidnews.replay.start` (its own venv and process group) mounted at ``/replay``.
uvicorn listens on a socket bound here, so ``--port 0`` is known before the first line is printed.

Stopping: SIGTERM, SIGINT and SIGHUP end uvicorn's loop (uvicorn's own handlers, then ours), and
pywb's whole process group is stopped in ``finally``, whatever ended the loop; pywb also gets
SIGTERM from the kernel if this process dies without running it (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from aidnews.paths import DataPaths
from aidnews.web.errors import WebError

if TYPE_CHECKING:
    from archive.catalog import Catalog

MOUNT = "/replay"


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    token: str | None = None
    replay: bool = True  # start pywb behind /replay/
    replay_venv: str | None = None


def open_catalog(url: str) -> Catalog:
    """The catalog, read as it is: no migration; a schema other than this code's head is refused."""
    from alembic.script import ScriptDirectory

    from archive.catalog import Catalog
    from archive.catalog.store import migrations_config
    from archive.errors import CatalogError

    try:
        catalog = Catalog(url, migrate=False)
        revision = catalog.schema_revision()
    except CatalogError as exc:
        raise WebError(str(exc)) from exc
    head = ScriptDirectory.from_config(migrations_config()).get_current_head()
    if revision != head:
        catalog.close()
        raise WebError(f"the catalog is at schema {revision or 'none'}, this aidnews reads {head}: "
                       "run `aidnews dedupe` (or a crawl) once to migrate it; serve never writes")
    return catalog


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise WebError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(128)
    sock.set_inheritable(False)
    return sock


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(paths: DataPaths, options: ServeOptions, say: Callable[[str], None] | None = None) -> int:
    """``aidnews serve`` in the foreground until a stop signal; returns the exit status."""
    import uvicorn

    from aidnews import replay
    from aidnews.web.app import build_app
    from aidnews.web.context import WebContext
    from aidnews.web.pages import environment
    from aidnews.web.search_view import available
    from aidnews.web.security import check_bind

    say = say or (lambda line: print(line, flush=True))
    check_bind(options.host, options.token)
    catalog = open_catalog(paths.catalog_url)
    stopping: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    pywb: subprocess.Popen[bytes] | None = None
    sock: socket.socket | None = None
    try:
        pywb_base = None
        if options.replay and paths.warcs.is_dir():
            banner = resources.files("aidnews.web").joinpath("replay_templates/aidnews_banner.html").read_text("utf-8")
            venv = Path(options.replay_venv) if options.replay_venv else None
            try:
                pywb, pywb_base = replay.start(paths, _free_port(), venv=venv, mount=MOUNT, banner=banner,
                                               start_page=False)
            except replay.ReplayError as exc:
                print(f"serve: replay unavailable ({exc}); pages and API still work", file=sys.stderr, flush=True)
        sock = _bind(options.host, options.port)
        context = WebContext(catalog=catalog, templates=environment(),
                             replay_base=f"{MOUNT}/{replay.COLLECTION}/" if pywb_base else None,
                             pywb=pywb_base, search_enabled=available())
        app = build_app(context, token=options.token)
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False,
                                timeout_graceful_shutdown=5)
        server = uvicorn.Server(config)
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host

        async def main() -> None:
            task = asyncio.create_task(server.serve(sockets=[sock]))
            while not server.started and not task.done():
                await asyncio.sleep(0.02)
            if server.started:
                say(f"serve: http://{shown}:{port}/")
            await task

        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    finally:
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)  # a second signal must not cut the stop short
        if pywb is not None:
            replay.stop(pywb)
        if sock is not None:
            sock.close()
        catalog.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
