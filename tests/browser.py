"""Headless Chromium (Debian's package) for tests of the pages we generate."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic", "--enable-logging=stderr", "--v=0",
         "--disable-features=NetworkTimeServiceQuerying"]  # the browser's own clock check, not page traffic


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium; `make test` does it as root)")
    return found


@dataclass
class Page:
    dom: str
    log: str


def load(url: str, screenshot: Path | None = None, size: str = "1280,2000") -> Page:
    """The DOM after scripts ran, and Chromium's log (console messages land there)."""
    binary = chromium()
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                                capture_output=True, text=True, timeout=120)
        if screenshot is not None:
            subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={size}",
                            f"--screenshot={screenshot}", url], capture_output=True, text=True, timeout=120)
    return Page(result.stdout, result.stderr)


def console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if "CONSOLE" in line and ("Uncaught" in line or ":ERROR:" in line)]
