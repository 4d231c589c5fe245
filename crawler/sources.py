"""Source definitions: seeds/*.toml, one ``[source]`` table per file. Adding a source needs no Python."""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.errors import SourceError
from crawler.recheck import Ladder
from dedupe.extract import Selectors

DEFAULT_SEEDS = Path(__file__).resolve().parent.parent / "seeds"
KINDS = ("origin", "aggregator", "mirror")
_HOST = re.compile(r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?")


@dataclass(frozen=True)
class Politeness:
    download_delay: float = 1.0
    concurrency: int = 2
    max_pages: int = 0  # 0 = no limit
    depth: int = 100  # list-page hops from a start URL (pagination counts)


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    kind: str
    spider: str
    hosts: tuple[str, ...]
    start_urls: tuple[str, ...]
    list_patterns: tuple[re.Pattern[str], ...]
    article_patterns: tuple[re.Pattern[str], ...]
    selectors: Selectors = field(default_factory=Selectors)
    encoding: str = ""
    politeness: Politeness = field(default_factory=Politeness)
    path: str = ""
    revisit_days: float = 0.0  # recheck known articles this old; 0 = never (list pages always)
    cron: str = ""  # schedule, e.g. "0 6 * * *"; empty = not scheduled
    timezone: str = "Asia/Shanghai"
    recheck: Ladder = field(default_factory=Ladder)  # when known articles are fetched again

    def is_article(self, url: str) -> bool:
        return any(p.search(url) for p in self.article_patterns)

    def is_list(self, url: str) -> bool:
        return any(p.search(url) for p in self.list_patterns)


def _need(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise SourceError(f"{where}: missing field '{key}'", "")
    value = table[key]
    if not isinstance(value, kind):
        raise SourceError(f"{where}: field '{key}' must be {kind.__name__}, got {type(value).__name__}", key)
    return value


def _strings(table: dict[str, Any], key: str, where: str, required: bool = True) -> tuple[str, ...]:
    if key not in table and not required:
        return ()
    values = _need(table, key, list, where)
    if required and not values:
        raise SourceError(f"{where}: field '{key}' must not be empty", key)
    for value in values:
        if not isinstance(value, str):
            raise SourceError(f"{where}: field '{key}' must hold strings, got {value!r}", key)
    return tuple(values)


def _patterns(table: dict[str, Any], key: str, where: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for text in _strings(table, key, where):
        try:
            compiled.append(re.compile(text))
        except re.error as exc:
            raise SourceError(f"{where}: field '{key}' has a bad regular expression {text!r}: {exc}", key) from exc
    return tuple(compiled)


def parse_source(data: dict[str, Any], where: str) -> Source:
    """Validate one decoded TOML document; errors name ``where`` and the field (checked in file order
    of importance: kind, id, selectors, politeness, hosts, start URLs, revisit, schedule, spider)."""
    table = data.get("source")
    if not isinstance(table, dict):
        raise SourceError(f"{where}: missing [source] table")
    kind = _need(table, "kind", str, where)
    if kind not in KINDS:
        raise SourceError(f"{where}: field 'kind' must be one of {', '.join(KINDS)}, got {kind!r}", "kind")
    ident = _need(table, "id", str, where)
    if not re.fullmatch(r"[a-z0-9_]{1,64}", ident):
        raise SourceError(f"{where}: field 'id' must be 1-64 of a-z, 0-9, _; got {ident!r}", "id")
    selectors = _selectors(table.get("selectors", {}), where)
    politeness = _politeness(table.get("politeness", {}), where)
    hosts = _hosts(table, where)
    start_urls = _start_urls(table, hosts, where)
    days, cron, zone = _revisit_and_schedule(table, where)
    recheck = _recheck(table, where)
    spider, encoding = _spider_and_encoding(table, where)
    return Source(
        id=ident, name=_need(table, "name", str, where), kind=kind,
        spider=spider, hosts=hosts,
        start_urls=start_urls,
        list_patterns=_patterns(table, "list_patterns", where),
        article_patterns=_patterns(table, "article_patterns", where),
        selectors=selectors, encoding=encoding, politeness=politeness, path=where,
        revisit_days=days, cron=cron, timezone=zone, recheck=recheck,
    )


def _recheck(table: dict[str, Any], where: str) -> Ladder:
    recheck = table.get("recheck", {})
    if not isinstance(recheck, dict):
        raise SourceError(f"{where}: [source.recheck] must be a table", "recheck")
    try:
        return Ladder.from_table(recheck)
    except ValueError as exc:
        field = next((f for f in ("after", "then", "max_per_run") if f"'{f}'" in str(exc)), "")
        raise SourceError(f"{where}: [source.recheck] {exc}", f"recheck.{field}" if field else "recheck") from None


def _selectors(selectors: Any, where: str) -> Selectors:
    if not isinstance(selectors, dict):
        raise SourceError(f"{where}: [source.selectors] must be a table", "selectors")
    unknown = set(selectors) - set(Selectors.__dataclass_fields__)
    if unknown:
        first = sorted(unknown)[0]
        raise SourceError(f"{where}: unknown selector field(s) {', '.join(sorted(unknown))}", f"selectors.{first}")
    for key, value in selectors.items():
        if not isinstance(value, str):
            raise SourceError(f"{where}: [source.selectors] field '{key}' must be a string (a CSS selector)",
                              f"selectors.{key}")
    return Selectors(**{k: str(v) for k, v in selectors.items()})


def _hosts(table: dict[str, Any], where: str) -> tuple[str, ...]:
    hosts = tuple(h.lower() for h in _strings(table, "hosts", where))
    for host in hosts:
        if not _HOST.fullmatch(host):
            raise SourceError(f"{where}: field 'hosts' holds {host!r}, which is not a host name", "hosts")
    return hosts


def _start_urls(table: dict[str, Any], hosts: tuple[str, ...], where: str) -> tuple[str, ...]:
    start_urls = _strings(table, "start_urls", where)
    for url in start_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in hosts:
            raise SourceError(f"{where}: field 'start_urls' holds {url!r}: an http(s) URL on one of the hosts "
                              "is needed", "start_urls")
    return start_urls


def _revisit_and_schedule(table: dict[str, Any], where: str) -> tuple[float, str, str]:
    """``(articles_days, cron, timezone)``."""
    revisit = table.get("revisit", {})
    schedule = table.get("schedule", {})
    if not isinstance(revisit, dict) or not isinstance(schedule, dict):
        raise SourceError(f"{where}: [source.revisit] and [source.schedule] must be tables",
                          "revisit" if not isinstance(revisit, dict) else "schedule")
    days = revisit.get("articles_days", 0)
    if isinstance(days, bool) or not isinstance(days, int | float) or not 0 <= days < 1e6:
        raise SourceError(f"{where}: [source.revisit] field 'articles_days' must be a number >= 0, got {days!r}",
                          "revisit.articles_days")
    cron = schedule.get("cron", "")
    zone = schedule.get("timezone", "Asia/Shanghai")
    if cron:
        from croniter import croniter

        if not isinstance(cron, str) or not croniter.is_valid(cron):
            raise SourceError(f"{where}: [source.schedule] field 'cron' is not a valid cron expression: {cron!r}",
                              "schedule.cron")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise SourceError(f"{where}: [source.schedule] field 'timezone' is not a time zone: {zone!r}",
                          "schedule.timezone") from None
    return float(days), cron, zone


def _spider_and_encoding(table: dict[str, Any], where: str) -> tuple[str, str]:
    spider = table.get("spider", "configured")
    encoding = table.get("encoding", "")
    if not isinstance(spider, str) or not isinstance(encoding, str):
        raise SourceError(f"{where}: fields 'spider' and 'encoding' must be strings",
                          "spider" if not isinstance(spider, str) else "encoding")
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise SourceError(f"{where}: field 'encoding' names no known encoding: {encoding!r}", "encoding") from None
    return spider, encoding


def _politeness(polite: Any, where: str) -> Politeness:
    if not isinstance(polite, dict):
        raise SourceError(f"{where}: [source.politeness] must be a table", "politeness")
    fields = Politeness.__dataclass_fields__
    for key, value in polite.items():
        if key not in fields:
            raise SourceError(f"{where}: [source.politeness] has unknown field '{key}' (known: {', '.join(fields)})",
                              f"politeness.{key}")
        wanted = float if key == "download_delay" else int
        if isinstance(value, bool) or not isinstance(value, wanted | int) or not 0 <= value < 1e9:
            raise SourceError(f"{where}: [source.politeness] field '{key}' must be a number >= 0, got {value!r}",
                              f"politeness.{key}")
    return Politeness(**polite)


def line_of(text: str, field: str) -> int:
    """The line (1-based) where ``field`` (``hosts``, ``politeness.concurrency``, ``selectors``) is set
    in a source file: its assignment, else its table's header, else the enclosing table's; else 1."""
    parts = field.split(".") if field else []
    for depth in range(len(parts), -1, -1):  # the key itself, then the tables around it
        found = _find(text, ["source", *parts[:depth]], parts[depth] if depth < len(parts) else "")
        if found:
            return found
    return 1


def _find(text: str, tables: list[str], key: str) -> int:
    header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(map(re.escape, tables)) + r"\s*\]")
    assignment = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("["):
            inside = bool(header.match(line))
            if inside and not key:
                return number
        elif inside and key and assignment.match(line):
            return number
    return 0


def load_source(path: Path) -> Source:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib ends its message with "(at line L, column C)" or "(at end of document)": say file:line
        message = str(exc)
        at = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if at:
            line, message = int(at.group(1)), f"{message[:at.start()]} (column {at.group(2)})"
        else:
            line, message = max(1, len(text.splitlines())), message.replace(" (at end of document)", " at the end")
        raise SourceError(f"{path}:{line}: invalid TOML: {message}") from None
    try:
        return parse_source(data, str(path))
    except SourceError as exc:
        where = f"{path}: "
        message = str(exc)
        line = line_of(text, exc.field)
        raise SourceError(f"{path}:{line}: {message.removeprefix(where)}", exc.field) from None


def load_sources(directory: Path | None = None, only: list[str] | None = None) -> list[Source]:
    """Every source in ``directory`` (default: the bundled seeds/, sorted by id); ``only`` selects ids
    and rejects unknown ones."""
    directory = directory or DEFAULT_SEEDS
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise SourceError(f"{directory}: no source files (*.toml)")
    sources = [load_source(f) for f in files]
    seen: dict[str, str] = {}
    for source in sources:
        if source.id in seen:
            raise SourceError(f"{source.path}: source id {source.id!r} already defined in {seen[source.id]}")
        seen[source.id] = source.path
    if only:
        missing = [s for s in only if s not in seen]
        if missing:
            raise SourceError(f"unknown source(s): {', '.join(missing)} (known: {', '.join(sorted(seen))})")
        sources = [s for s in sources if s.id in only]
    return sorted(sources, key=lambda s: s.id)


def host_map(sources: Sequence[Source]) -> dict[str, str]:
    """host -> source id, for sources whose hosts do not overlap."""
    return {host: s.id for s in sources for host in s.hosts}


def catalog_rows(sources: Sequence[Source]) -> list[dict[str, str]]:
    """Rows of the catalog's ``sources`` table."""
    return [{"id": s.id, "name": s.name, "kind": s.kind, "hosts": " ".join(s.hosts)} for s in sources]
