"""tibet.cn (中国西藏网): section lists, TRS-CMS script pagination, article pages."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scrapy.http import TextResponse

from crawler.sources import Source
from crawler.spiders.base import SourceSpider

# TRS-CMS writes its pager with a script call: createPageHTML(pages, current, "index", "html").
_PAGER = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']\s*\)")


class TibetCnSpider(SourceSpider):
    """Section lists -> pagination -> articles, for the structure of www.tibet.cn."""

    name = "tibet_cn"

    def extra_list_urls(self, response: TextResponse, source: Source) -> Iterator[str]:
        match = _PAGER.search(response.text)
        if not match:
            return
        pages, _current, stem, ext = int(match[1]), int(match[2]), match[3], match[4]
        for number in range(1, min(pages, 500)):
            yield response.urljoin(f"{stem}_{number}.{ext}")
