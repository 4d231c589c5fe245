"""Run ``aidnews sample-web`` as a child process (tests and benchmarks): its own process, its own core."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PREFIX = "sample web: "


@dataclass
class SampleWebProcess:
    url: str
    process: subprocess.Popen[str]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def spawn(scale: int = 1, port: int = 0) -> SampleWebProcess:
    """Start the server and return once it prints that it listens."""
    command = [str(Path(sys.executable).parent / "aidnews"), "sample-web", "--port", str(port), "--scale", str(scale)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith(PREFIX + "http://127.0.0.1:"):
        process.kill()
        error = process.stderr.read() if process.stderr else ""
        raise RuntimeError(f"sample web did not start: {line!r} {error}")
    return SampleWebProcess(line.removeprefix(PREFIX), process)


@contextmanager
def serving(scale: int = 1) -> Iterator[SampleWebProcess]:
    server = spawn(scale)
    try:
        yield server
    finally:
        server.stop()
