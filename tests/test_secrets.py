"""A catalog password never shows: not in logs, output, stats, WARC files, reports or `ps`."""

from __future__ import annotations

import gzip
import logging

from hypothesis import given
from hypothesis import strategies as st

from aidnews.distributed import worker_command, worker_env
from aidnews.paths import DataPaths
from archive.redact import RedactingFilter, redact_url
from tests.conftest import run_cli
from tests.services import postgres_url  # noqa: F401 - fixture

SECRET = "Pw-0f-the-Catalog"


def test_redact_url_masks_passwords_and_keeps_the_rest() -> None:
    assert redact_url("postgresql+psycopg://user:s3cret@db:5432/aid") == "postgresql+psycopg://user:***@db:5432/aid"
    assert redact_url("redis://:hunter2@127.0.0.1:6379/0") == "redis://:***@127.0.0.1:6379/0"
    assert redact_url("sqlite:////data/catalog.sqlite") == "sqlite:////data/catalog.sqlite"
    assert redact_url("http://www.tibet.cn:80/cn/") == "http://www.tibet.cn:80/cn/"
    assert redact_url("error at 'postgresql://a:b@h/d' and redis://:c@r") == "error at 'postgresql://a:***@h/d' and redis://:***@r"


@given(st.text(st.characters(blacklist_characters="@/\\ \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0", blacklist_categories=("Cs", "Zs", "Zl", "Zp")), min_size=1, max_size=40))
def test_no_password_survives(password: str) -> None:
    text = f"cannot open catalog 'postgresql://aid:{password}@127.0.0.1:5432/test': refused"
    assert f":{password}@" not in redact_url(text)


def test_log_filter_masks_messages_and_tracebacks() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "connect %s failed", ("postgresql://u:pw1@h/d",), None)
    RedactingFilter().filter(record)
    assert "pw1" not in record.getMessage()
    try:
        raise RuntimeError("postgresql://u:pw2@h/d refused")
    except RuntimeError:
        import sys

        failing = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    RedactingFilter().filter(failing)
    assert "pw2" not in (failing.exc_text or "") and "***" in (failing.exc_text or "")


def test_worker_processes_get_the_urls_by_environment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    paths = DataPaths(tmp_path, f"postgresql://aid:{SECRET}@127.0.0.1/test")
    command = worker_command(paths, "p", "w0", [], None, [])
    assert not [part for part in command if SECRET in part or "redis://" in part]
    env = worker_env(paths, f"redis://:{SECRET}@127.0.0.1:6379/0")
    assert SECRET in env["AIDNEWS_CATALOG_URL"] and SECRET in env["AIDNEWS_REDIS_URL"]


def test_a_crawl_dedupe_and_report_on_postgresql_never_print_the_password(sample_web, tmp_path, postgres_url) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    # PostgreSQL here trusts local connections, so any password is accepted: the URL is realistic.
    url = postgres_url.replace("postgresql+psycopg://postgres@", f"postgresql+psycopg://postgres:{SECRET}@")
    data = tmp_path / "data"
    outputs = []
    for args in (["crawl", "--sample-web", sample_web.url, "-s", "PROGRESS_ENABLED=0", "tibet_cn"],
                 ["dedupe"], ["report"], ["stats"]):
        result = run_cli("-v", args[0], "--data", str(data), "--catalog", url, *args[1:])
        assert result.returncode == 0, result.stderr[-2000:]
        outputs += [result.stdout, result.stderr]
    broken = run_cli("stats", "--data", str(data), "--catalog", url.replace("5432", "1"))  # unreachable: an error
    assert broken.returncode != 0
    outputs += [broken.stdout, broken.stderr]
    assert not [o for o in outputs if SECRET in o]
    assert "***" in broken.stderr
    for path in data.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            text = gzip.decompress(raw) if path.name.endswith(".warc.gz") else raw
            assert SECRET.encode() not in text, path
