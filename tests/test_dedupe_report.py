"""The dedupe report: JSON schema and golden output, CSV, and the HTML page in a real Chromium."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from archive.catalog import Catalog
from dedupe.report import ReportOptions, build_report, write_csv, write_html, write_json
from dedupe.report.writers import render_html
from tests.browser import console_errors, load
from tests.builders import sample_catalog
from tests.conftest import ROOT, run_cli

GOLDEN = Path(__file__).parent / "data" / "golden" / "report.json"
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
FIXED = ReportOptions(replay_base="http://127.0.0.1:8080/archive/", clock=lambda: datetime(2025, 3, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return sample_catalog(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def report(catalog: Catalog) -> dict:
    return build_report(catalog, FIXED)


def _json(report: dict) -> str:
    out = io.StringIO()
    write_json(report, out)
    return out.getvalue()


def test_json_matches_schema_and_golden(report: dict) -> None:
    text = _json(report)
    data = json.loads(text)
    jsonschema.validate(data, SCHEMA)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_seed_clusters_who_copied_whom(report: dict) -> None:
    by_url = {c["canonical"]["url"]: c for c in report["clusters"]}
    tibet = by_url["http://www.tibet.cn/cn/aid_tibet/news/202502/t20250217_7766001.html"]
    kinds = {m["site"]: m["kinds"] for m in tibet["members"]}
    assert kinds["tibet_cn"][0] == "original"
    assert {"mirror", "traditional-script copy", "spam appended"} <= set(kinds["tibet_mirror"])
    assert "syndicated" in kinds["tianxia_finance"]
    qianlong = by_url["http://www.qianlong.com/yz/2024/0903/8312000.shtml"]
    copy = qianlong["members"][1]
    assert copy["site"] == "tianxia_finance" and "repeated in page" in copy["kinds"]
    assert copy["delay_hours"] > 0 and copy["origin"] == "千龙网"
    assert copy["replay"]["url"].startswith("http://127.0.0.1:8080/archive/")
    assert any(op[0] == "+" for m in tibet["members"][1:] for op in m["diff"])  # the spam the mirror added
    sites = {s["site"]: s for s in report["summary"]["sites"]}
    assert sites["tibet_mirror"]["mirrors_with_spam"] > 0 and sites["tianxia_finance"]["repeated_body"] > 0
    assert {"from": "qianlong", "to": "tianxia_finance", "count": sites["qianlong"]["copies_received"]} in report["graph"]


def test_csv_rows_and_formula_injection(report: dict) -> None:
    out = io.StringIO()
    write_csv(report, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == sum(len(c["members"]) for c in report["clusters"])
    hostile = dict(report, clusters=[json.loads(json.dumps(report["clusters"][0]))])
    hostile["clusters"][0]["members"][0]["title"] = '=HYPERLINK("http://evil.example","x")'
    hostile["clusters"][0]["members"][1]["url"] = "@SUM(1+1)"
    out = io.StringIO()
    write_csv(hostile, out)
    cells = [c for row in csv.reader(io.StringIO(out.getvalue())) for c in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and "'@SUM(1+1)" in cells
    assert not any(c.startswith(("=", "@", "+")) for c in cells)


def test_html_escapes_page_text_everywhere(report: dict) -> None:
    page = render_html(report)
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x onerror" not in page
    assert page.count("<script") == 2  # the JSON data block and our one script, nothing from pages


def test_html_in_chromium(report: dict, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_html(report, path)
    shot = tmp_path / "report.png"
    page = load(f"{path.as_uri()}#q=对口支援结硕果", screenshot=shot)
    assert 'data-ready="1"' in page.dom, page.log[-2000:]
    assert "data-errors" not in page.dom and console_errors(page.log) == []
    assert "对口支援结硕果 砥砺前行再出发" in page.dom and "tibet-cn.mirror.example" in page.dom
    assert shot.exists() and shot.stat().st_size > 10_000
    hostile = load(f"{path.as_uri()}#q=alert")
    assert 'data-ready="1"' in hostile.dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;安全提示" in hostile.dom  # shown as text
    assert "<script>alert(1)</script>" not in hostile.dom and "<img src=\"x\"" not in hostile.dom


def test_cli_report_formats(tmp_path: Path, catalog: Catalog) -> None:
    data = Path(catalog.url.removeprefix("sqlite:///")).parent
    for fmt in ("html", "json", "csv"):
        out = tmp_path / f"r.{fmt}"
        result = run_cli("report", "--data", str(data), "--format", fmt, "--output", str(out))
        assert result.returncode == 0, result.stderr
        assert out.stat().st_size > 1000
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["schema"] == "aidnews-report/1"
    bad = run_cli("report", "--data", str(data), "--replay-base", "javascript:alert(1)//")
    assert bad.returncode == 2 and "replay_base" in bad.stderr
