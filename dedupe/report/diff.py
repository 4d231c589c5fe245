"""Paragraph diff of a copy against its canonical article, for the side-by-side view."""

from __future__ import annotations

import difflib

from dedupe.normalise import repair_entities, to_simplified

MAX_CHARS = 6000


def comparable(text: str) -> list[str]:
    """Paragraphs in simplified script with entities repaired; pinyin and spam stay visible."""
    return [line.strip() for line in to_simplified(repair_entities(text)).split("\n") if line.strip()]


def paragraph_diff(canonical: str, copy: str, limit: int = MAX_CHARS) -> list[list[str]]:
    """``[[op, text], ...]`` with op ``=`` (both), ``-`` (dropped by the copy), ``+`` (added by it).

    A changed paragraph is shown as its dropped and added forms. Output stops
    after ``limit`` characters with a final ``["…", "N more characters"]``.
    """
    a, b = comparable(canonical), comparable(copy)
    ops: list[list[str]] = []
    used = 0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            chunk = [["=", line] for line in a[i1:i2]]
        else:
            chunk = [["-", line] for line in a[i1:i2]] + [["+", line] for line in b[j1:j2]]
        for op in chunk:
            if used >= limit:
                remaining = sum(len(line) for line in a) + sum(len(line) for line in b) - used
                ops.append(["…", f"{max(remaining, 0)} more characters"])
                return ops
            ops.append(op)
            used += len(op[1])
    return ops
