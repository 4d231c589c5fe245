"""crawler.recheck: the ladder in seeds/, when a known article is due, and which rechecks a capped run makes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.catalog.changes_store import Tracked
from crawler.errors import SourceError
from crawler.recheck import Ladder, next_wake, parse_duration, plan
from crawler.sources import load_source, load_sources

T0 = datetime(2025, 3, 3, tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def test_every_bundled_source_declares_its_ladder() -> None:
    for source in load_sources():
        text = Path(source.path).read_text(encoding="utf-8")
        assert "[source.recheck]" in text, source.path
        assert source.recheck == Ladder()  # the default ladder, written out


def test_durations_and_bad_tables() -> None:
    assert parse_duration("90s") == timedelta(seconds=90) and parse_duration("2w") == timedelta(days=14)
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")
    assert Ladder.from_table({"then": "never"}).then is None
    for table, message in (({"after": ["1d", "1h"]}, "increasing"), ({"max_per_run": -1}, "max_per_run"),
                           ({"every": "1d"}, "unknown field")):
        with pytest.raises(ValueError, match=message):
            Ladder.from_table(table)


def test_a_bad_ladder_names_file_line_and_field(tmp_path: Path) -> None:
    text = Path(load_sources()[0].path).read_text(encoding="utf-8").replace('then = "30d"', 'then = "monthly"')
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=r"bad\.toml:\d+: \[source\.recheck\] field 'then': not a duration: 'monthly'") as caught:
        load_source(path)
    assert caught.value.field == "recheck.then"
    line = int(str(caught.value).split(":")[1])
    assert text.splitlines()[line - 1].startswith("then =")


def test_the_next_step_after_the_latest_capture() -> None:
    ladder = Ladder()
    assert ladder.next_due(T0, T0) == T0 + timedelta(hours=1)
    assert ladder.next_due(T0, T0 + timedelta(hours=1, minutes=5)) == T0 + timedelta(hours=6)
    # A crawler down for days makes one recheck, then goes on with the ladder from there.
    assert ladder.next_due(T0, T0 + timedelta(days=2)) == T0 + timedelta(days=3)
    assert ladder.next_due(T0, T0 + timedelta(days=31)) == T0 + timedelta(days=61)  # then: every 30 days
    assert Ladder(then=None).next_due(T0, T0 + timedelta(days=31)) is None


def test_a_capped_run_takes_the_most_overdue_first() -> None:
    now = T0 + timedelta(days=10)
    tracked = [Tracked("http://a/new.html", "s", _stamp(now - timedelta(hours=2)), _stamp(now - timedelta(hours=2))),
               Tracked("http://a/old.html", "s", _stamp(T0), _stamp(T0 + timedelta(days=3, minutes=1))),
               Tracked("http://a/fresh.html", "s", _stamp(now), _stamp(now)),
               Tracked("http://a/mid.html", "s", _stamp(T0 + timedelta(days=2)), _stamp(T0 + timedelta(days=2)))]
    capped = plan("s", Ladder(max_per_run=2), tracked, now)
    assert capped.due == 3 and capped.capped == 1
    assert capped.urls == ("http://a/mid.html", "http://a/old.html")  # 8 d and 3 d overdue; new.html 1 h
    assert plan("s", Ladder(max_per_run=2), tracked, now, "all").urls == tuple(sorted(t.url for t in tracked))
    assert plan("s", Ladder(), tracked, now, "none").urls == ()
    assert next_wake({"s": Ladder()}, tracked) == T0 + timedelta(days=2, hours=1)
