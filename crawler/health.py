"""Source health: is a source still yielding what it used to, and do its selectors still match?"""

from __future__ import annotations

from statistics import median


def assess(article_links: int, recent_links: list[int], parsed: int, selector_misses: int) -> list[str]:
    """Reasons a run looks wrong (empty when healthy).

    ``article_links``: article links seen on list pages this run; ``recent_links``: the same count in
    the source's recent finished runs; ``parsed``: article pages parsed; ``selector_misses``: of
    those, pages where the site's body selector found nothing (the template changed).
    """
    reasons = []
    if len(recent_links) >= 2:
        usual = median(recent_links)
        if usual >= 10 and article_links < 0.5 * usual:
            reasons.append(f"far fewer article links than recent runs ({article_links} vs a median of {usual:g})")
    if parsed >= 5 and selector_misses >= 0.5 * parsed:
        reasons.append(f"site selectors stopped matching on {selector_misses} of {parsed} article pages")
    return reasons
