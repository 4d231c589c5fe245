"""Pieces of the pages: highlighted snippets and query parameters (no server needed)."""

from __future__ import annotations

import pytest
from starlette.datastructures import QueryParams

from aidnews.web import params
from aidnews.web.errors import BadRequest
from aidnews.web.pages import highlighted


def test_highlights_are_marked_and_everything_else_escaped() -> None:
    snippet = "<b>援藏</b>工作&援藏"
    assert str(highlighted(snippet, [[3, 5], [12, 14]])) == "&lt;b&gt;<mark>援藏</mark>&lt;/b&gt;工作&amp;<mark>援藏</mark>"


def test_overlapping_and_outside_spans_are_merged_and_clipped() -> None:
    assert str(highlighted("对口支援", [[0, 2], [1, 3], [3, 99]])) == "<mark>对口</mark><mark>支</mark><mark>援</mark>"
    assert str(highlighted("abc", [])) == "abc"


@pytest.mark.parametrize(("query", "message"), [
    ("limit=0", "limit"), ("limit=x", "limit"), ("cursor=-1", "cursor"), ("cursor=99999999999", "cursor"),
])
def test_bad_paging_parameters_say_which(query: str, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        params.limit(QueryParams(query)) if message == "limit" else params.cursor(QueryParams(query))


def test_parameters() -> None:
    assert params.limit(QueryParams("")) == 50 and params.limit(QueryParams("limit=200")) == 200
    assert params.cursor(QueryParams("cursor=12")) == 12 and params.cursor(QueryParams("cursor=")) is None
    assert params.flag(QueryParams("x=true"), "x") is True and params.flag(QueryParams("x=0"), "x") is False
    assert str(params.day(QueryParams("d=2025-02-17"), "d")) == "2025-02-17"
    for bad in ("d=2025-2-17", "d=2025-02-30", "d=x"):
        with pytest.raises(BadRequest, match="YYYY-MM-DD"):
            params.day(QueryParams(bad), "d")
    with pytest.raises(BadRequest, match="NUL"):
        params.text(QueryParams("q=a%00b"), "q")
