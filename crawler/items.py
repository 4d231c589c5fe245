"""Items the spiders yield."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class ArticleItem:
    """An extracted article and the WARC record it came from."""

    url: str
    source_id: str
    section: str
    title: str
    published: datetime | None
    origin: str  # 来源 as the page states it
    editor: str  # 责编
    author: str
    text: str
    record_id: str | None
    captured_at: datetime
