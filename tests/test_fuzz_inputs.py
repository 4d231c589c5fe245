"""Generated hostile input for every reader of outside data: nothing crashes, every rejection names
the input and its line (or offset).

`make test` runs a small sample of each; `make fuzz` (part of `make soak`) runs 10,000 cases each:
``AIDNEWS_FUZZ_EXAMPLES=10000 pytest tests/test_fuzz_inputs.py``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from archive.errors import WarcReadError
from archive.repair import complete_length
from archive.warc_reader import iter_records
from crawler.errors import SourceError
from crawler.sources import load_source, parse_source
from dedupe.decode import decode_html
from dedupe.errors import InputError
from dedupe.extract import Extracted, extract
from dedupe.jsonl import JsonlSource
from dedupe.normalise import normalise
from tests.helpers import exchange, pinned_writer

EXAMPLES = int(os.environ.get("AIDNEWS_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# -- HTML and bytes from the web ---------------------------------------------------------------
_TAGS = ["<html>", "</html>", "<head>", "<meta charset='gbk'>", "<meta charset=utf-8>", "<meta http-equiv='Content-Type' "
         "content='text/html; charset=big5'>", "<title>", "</title>", "<body>", "<div id='text'>", "<div class='TRS_Editor'>",
         "</div>", "<p>", "</p>", "<br>", "<script>", "</script>", "<style>", "<!--", "-->", "<![CDATA[", "<h1>", "</h1>",
         "&nbsp;", "&amp;", "&#12345;", "&#x4e2d;", "&ldquo", "&#;", "&#xFFFFFFFF;", "<a href='javascript:x'>", "</a>",
         "<table><tr><td>", "<?xml version='1.0'?>", "<!DOCTYPE html>", "<", ">", "\x00", "\ufeff", "\u202e"]
_WORDS = ["援藏", "西藏自治区", "發展", "fā zhǎn", "来源：中国西藏网", "2025年01月02日 08:00", "责编：王", "　", "\r\n", "=cmd|'/c calc'!A1"]
html_text = st.lists(st.sampled_from(_TAGS) | st.sampled_from(_WORDS) | st.text(max_size=30), max_size=60).map("".join)
encodings = st.sampled_from(["utf-8", "gbk", "gb18030", "big5", "utf-16", "latin-1"])
content_types = st.one_of(st.none(), st.text(max_size=60),
                          st.sampled_from(["text/html", "text/html; charset=gbk", "text/html; charset=nonsense",
                                           "text/html; charset=", "application/octet-stream", "text/html; charset=utf-7"]))


@st.composite
def web_bodies(draw: st.DrawFn) -> bytes:
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return draw(st.binary(max_size=3000))
    text = draw(html_text)
    body = text.encode(draw(encodings), errors="replace")
    if choice == 2 and body:  # a cut: truncated transfer, a multi-byte character split
        body = body[: draw(st.integers(0, len(body)))]
    return body


@FUZZ
@given(web_bodies(), content_types)
@example(b"\xff\xfe\x00<\x00h", "text/html; charset=utf-16")
@example(b"<html><body>" + "援藏".encode("gbk") * 500 + b"</body></html>", "text/html; charset=utf-8")
def test_decoding_always_gives_text(body: bytes, content_type: str | None) -> None:
    text, encoding = decode_html(body, content_type)
    assert isinstance(text, str) and isinstance(encoding, str) and encoding


@FUZZ
@given(web_bodies(), content_types)
@example(b"<html><body><p>a<script>x</script>\x01b</p></body></html>", None)  # a control character lxml refuses
def test_extraction_never_crashes(body: bytes, content_type: str | None) -> None:
    found = extract(body, "http://www.tibet.cn/cn/a.html", content_type)
    assert isinstance(found, Extracted)
    assert isinstance(found.title, str) and isinstance(found.text, str)
    assert found.published is None or re.match(r"\d{4}-\d\d-\d\dT", found.published)


@FUZZ
@given(st.text(max_size=2000) | html_text)
def test_normaliser_is_total_and_idempotent(text: str) -> None:
    once = normalise(text)
    assert isinstance(once.text, str)
    assert normalise(once.text).text == normalise(normalise(once.text).text).text


# -- `aidnews dedupe --input` JSONL -------------------------------------------------------------
_json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                            max_leaves=8)
_documents = st.fixed_dictionaries({}, optional={"id": st.text(max_size=8) | _json_values, "url": st.text(max_size=20) | _json_values,
                                                 "text": st.text(max_size=80) | _json_values, "html": html_text | _json_values,
                                                 "title": _json_values, "published": st.text(max_size=25) | _json_values})
_lines = st.one_of(_documents.map(lambda d: json.dumps(d, ensure_ascii=False).encode()),
                   _json_values.map(lambda v: json.dumps(v).encode()),
                   st.binary(max_size=60).filter(lambda b: b"\n" not in b),
                   st.just(b""), st.just(b"{\"id\": \"a\", \"text\": \"x\""))


@FUZZ
@given(st.lists(_lines, min_size=1, max_size=8))
def test_jsonl_input_is_read_or_rejected_with_its_line(lines: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "docs.jsonl"
        path.write_bytes(b"\n".join(lines))
        try:
            documents = list(JsonlSource(path))
        except InputError as exc:
            match = re.match(rf"{re.escape(str(path))}:(\d+): \S", str(exc))
            assert match, str(exc)
            assert 1 <= int(match.group(1)) <= len(lines)
        else:
            assert all(isinstance(d.id, str) and d.id for d in documents)


# -- seeds/*.toml ------------------------------------------------------------------------------
_real = [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.toml"))]
_toml_values = st.recursive(st.booleans() | st.integers(-5, 10**12) | st.floats(allow_nan=False, allow_infinity=False)
                            | st.text(max_size=30) | st.sampled_from(["origin", "mirror", "0 6 * * *", "Asia/Shanghai", "(", "gbk"]),
                            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
                            max_leaves=6)


@st.composite
def mutated_sources(draw: st.DrawFn) -> dict:  # type: ignore[type-arg]
    """A real source file with some fields replaced, removed or added, at any depth."""
    data = json.loads(json.dumps(draw(st.sampled_from(_real))))
    for _ in range(draw(st.integers(1, 4))):
        table = data.get("source") if isinstance(data.get("source"), dict) else data
        if draw(st.booleans()) and table:
            sub = table.get(draw(st.sampled_from(sorted(table))))
            if isinstance(sub, dict) and sub:
                table = sub
        key = draw(st.sampled_from(sorted(table) + ["extra", "politeness", "kind"])) if table else "source"
        action = draw(st.integers(0, 2))
        if action == 0:
            table.pop(key, None)
        else:
            table[key] = draw(_toml_values)
    return data


@FUZZ
@given(mutated_sources())
def test_source_definitions_are_accepted_or_rejected_with_their_field(data: dict) -> None:  # type: ignore[type-arg]
    try:
        source = parse_source(data, "seeds/x.toml")
    except SourceError as exc:
        assert str(exc).startswith("seeds/x.toml: "), str(exc)
        assert "field" in str(exc) or "[source" in str(exc) or "selector" in str(exc), str(exc)
    else:
        assert source.hosts and source.start_urls


@FUZZ
@given(st.sampled_from(sorted(SEEDS.glob("*.toml"))), st.data())
def test_source_files_cut_or_garbled_are_rejected_with_file_and_line(path: Path, data: st.DataObject) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    cut = data.draw(st.integers(0, len(lines)))
    garbage = data.draw(st.sampled_from(["", "kind = \"blog\"\n", "hosts = 3\n", "[source.politeness]\nconcurrency = \"x\"\n",
                                         "= broken\n", "[source\n", "\x00\n", "id = \"Bad Id\"\n"]) | st.text(max_size=20))
    with tempfile.TemporaryDirectory() as folder:
        broken = Path(folder) / path.name
        broken.write_text("".join(lines[:cut]) + garbage + "".join(lines[cut:]) if data.draw(st.booleans())
                          else "".join(lines[:cut]) + garbage, encoding="utf-8")
        try:
            load_source(broken)
        except SourceError as exc:
            assert re.match(rf"{re.escape(str(broken))}:\d+: \S", str(exc)), str(exc)


# -- WARC files ----------------------------------------------------------------------------------
def _sample_warc() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        writer = pinned_writer(Path(folder))
        for i in range(3):
            writer.write_exchange(exchange(f"http://www.tibet.cn/{i}.html", "援藏新闻".encode() * (50 + i)))
        writer.close()
        (path,) = Path(folder).glob("*.warc.gz")
        return path.read_bytes()


SAMPLE_WARC = _sample_warc()


@FUZZ
@given(st.data())
def test_damaged_warc_files_are_read_or_rejected_with_an_offset(data: st.DataObject) -> None:
    raw = bytearray(SAMPLE_WARC)
    damage = data.draw(st.sampled_from(["cut", "flip", "insert", "garbage"]))
    if damage == "cut":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif damage == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    elif damage == "insert":
        at = data.draw(st.integers(0, len(raw)))
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=50))
    else:
        raw = bytearray(data.draw(st.binary(max_size=500)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.warc.gz"
        path.write_bytes(bytes(raw))
        try:
            refs = list(iter_records(path))
        except WarcReadError as exc:
            assert str(exc).startswith(str(path)) and re.search(r"offset \d+", str(exc)), str(exc)
        else:
            assert all(r.offset + r.length <= len(raw) for r in refs)
        keep = complete_length(path)  # what `index --repair` would keep: a prefix of whole records
        assert 0 <= keep <= len(raw)
        if damage == "cut":  # a torn tail, what repair is for (a flipped bit mid-file is only reported)
            kept = list(iter_records(_prefix(path, keep, folder)))  # the kept part reads cleanly (no raise)
            assert all(r.offset + r.length <= keep for r in kept)


def _prefix(path: Path, length: int, folder: str) -> Path:
    out = Path(folder) / "kept.warc.gz"
    out.write_bytes(path.read_bytes()[:length])
    return out


def test_the_fuzz_budget_is_what_the_docs_say() -> None:
    """`make fuzz` must really run 10,000 cases per target (the Makefile sets the variable)."""
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text(encoding="utf-8")
    assert "AIDNEWS_FUZZ_EXAMPLES=10000" in makefile
    assert EXAMPLES >= 100

