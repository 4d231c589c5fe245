"""`aidnews dedupe --input/--output`: the stable evaluation interface, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

A = "对口援藏三十年来,各对口支援单位和援藏干部人才不忘初心,接续奋斗,成果丰硕,群众获得感不断增强。" * 3


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_clusters_json_shape(tmp_path: Path) -> None:
    docs = _write(tmp_path / "docs.jsonl", [
        json.dumps({"id": "a", "url": "http://www.tibet.cn/a.html", "text": A}, ensure_ascii=False),
        json.dumps({"id": "b", "url": "http://mirror.example/a.html", "text": A + "\n免费领取优惠券| 限时秒杀特价| 热门手游排行| 最新电影在线看"}, ensure_ascii=False),
        json.dumps({"id": "c", "url": "http://x.example/c.html", "html": f"<html><body><div id='text'><p>{A}</p></div></body></html>"}, ensure_ascii=False),
        json.dumps({"id": "d", "url": "http://x.example/d.html", "text": "完全不同的一篇文章,讲述高原上的教师和学生们的故事,内容与其他文章毫无关系。" * 2}, ensure_ascii=False),
    ])
    out = tmp_path / "clusters.json"
    result = run_cli("dedupe", "--input", str(docs), "--output", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data) == ["clusters", "repeated_in_page"]
    (cluster,) = data["clusters"]
    assert cluster["canonical"] == "a" and cluster["members"] == ["a", "b", "c"]
    for pair in cluster["pairs"]:  # each pair says why it holds: the kind and its longest shared passage
        assert set(pair) == {"a", "b", "distance", "similarity", "containment", "kind", "passage"}
        assert set(pair["passage"]) == {"chars", "a", "b", "share"} and pair["passage"]["chars"] > 40


def test_empty_input_is_fine(tmp_path: Path) -> None:
    docs = _write(tmp_path / "empty.jsonl", [])
    result = run_cli("dedupe", "--input", str(docs))
    assert result.returncode == 0 and json.loads(result.stdout) == {"clusters": [], "repeated_in_page": []}


def test_malformed_lines_name_the_line(tmp_path: Path) -> None:
    cases = {
        "{not json": "invalid JSON",
        '{"url": "u", "text": "t"}': "field 'id'",
        '{"id": "x", "url": "u"}': "needs a 'text' or an 'html'",
        '[1, 2]': "expected a JSON object",
        '{"id": "x", "text": 5}': "field 'text' must be a string",
    }
    for line, message in cases.items():
        docs = _write(tmp_path / "bad.jsonl", ['{"id": "ok", "text": "好"}', line])
        result = run_cli("dedupe", "--input", str(docs))
        assert result.returncode == 2
        assert "bad.jsonl:2: " in result.stderr and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_duplicate_ids_and_missing_file(tmp_path: Path) -> None:
    docs = _write(tmp_path / "dup.jsonl", ['{"id": "x", "text": "a"}', '{"id": "x", "text": "b"}'])
    assert "duplicate id" in run_cli("dedupe", "--input", str(docs)).stderr
    result = run_cli("dedupe", "--input", str(tmp_path / "nope.jsonl"))
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_catalog_pass_refuses_another_k_with_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    result = run_cli("dedupe", "--data", str(tmp_path / "data"), "--k", "2")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--k 2: the catalog stores 4 fingerprint bands" in result.stderr
