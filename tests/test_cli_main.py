"""The command line in-process through ``main(argv)``, as warcio tests its own: exit codes and stderr."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from aidnews.cli import main
from tests.conftest import BIN


class _ClosedPipe:
    """A stdout whose reader has gone away."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        raise ValueError("no file descriptor")


def _page(tmp_path: Path, paragraphs: int) -> Path:
    page = tmp_path / "big.html"
    body = "".join(f"<p>对口援藏30年，援藏干部第{i}批扎根高原，为当地群众办实事、解难题。</p>" for i in range(paragraphs))
    page.write_text(f"<html><head><title>援藏</title></head><body><div id='text'>{body}</div></body></html>",
                    encoding="utf-8")
    return page


def test_broken_pipe_is_quiet_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    page = _page(tmp_path, 20)
    monkeypatch.setattr("sys.stdout", _ClosedPipe())
    assert main(["extract", str(page)]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_broken_pipe_is_quiet_through_head(tmp_path: Path) -> None:
    page = _page(tmp_path, 4000)  # far more text than a pipe buffers
    process = subprocess.Popen([str(BIN / "aidnews"), "extract", str(page)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(100)
    process.stdout.close()  # what `head -c 100` does
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


def test_log_stream_level_and_quiet_block(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from aidnews.logs import configure, level_number, quiet_stderr

    configure("WARNING")
    logging.getLogger("aidnews.test").info("not shown")
    logging.getLogger("scrapy.test").warning("shown")
    with quiet_stderr():
        logging.getLogger("scrapy.test").error("hidden while quiet")
    logging.getLogger("scrapy.test").error("shown again")
    err = capsys.readouterr().err
    assert "not shown" not in err and "hidden" not in err
    assert "WARNING scrapy.test: shown" in err and "shown again" in err
    assert level_number("info") == 20 and level_number(10) == 10


def test_log_level_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--log-level", "loud", "stats"])
    assert "invalid choice: 'LOUD'" in capsys.readouterr().err


@pytest.fixture(scope="module")
def sample_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.builders import sample_catalog

    data = tmp_path_factory.mktemp("data")
    sample_catalog(data).close()
    return data


def test_commands_over_a_data_folder_in_process(sample_data: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from aidnews.paths import DataPaths

    data = str(sample_data)
    assert main(["index", "--data", data]) == 0
    out = capsys.readouterr().out
    assert out.startswith("index: 1 WARC files") and "0 articles rebuilt" in out
    assert DataPaths.resolve(data).cdxj.read_text(encoding="utf-8").count("\n") >= 220
    assert main(["stats", "--data", data, "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["articles"] >= 220 and stats["warc_files"] == 1
    assert main(["runs", "--data", data, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    report = tmp_path / "report.json"
    assert main(["report", "--data", data, "--format", "json", "--output", str(report)]) == 0
    assert f"-> {report}" in capsys.readouterr().out and json.loads(report.read_text(encoding="utf-8"))["clusters"]
    wacz = tmp_path / "archive.wacz"
    assert main(["export", "wacz", "--data", data, "--output", str(wacz), "--since", "2025-02-17"]) == 0
    assert wacz.is_file() and "captures" in capsys.readouterr().out


def test_commands_say_what_is_missing_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv, message in ((["runs", "--data", str(tmp_path / "none")], "no data folder"),
                          (["replay", "--data", str(tmp_path / "none")], "no WARC folder"),
                          (["report", "--data", str(tmp_path / "none")], "no data folder")):
        assert main(argv) == 2
        assert message in capsys.readouterr().err
