"""The OpenAPI 3.0 document of the JSON API (``GET /openapi.json``), written out by hand.

Written rather than generated: the API is small, and a hand-written document states what the
answers promise (which fields may be null), which the schemathesis tests then hold the app to.
"""

from __future__ import annotations

from typing import Any

from aidnews.web.params import MAX_ID, MAX_LIMIT, MAX_QUERY
from archive.catalog.models import CHANGE_KINDS


def _nullable(kind: str, **more: Any) -> dict[str, Any]:
    return {"type": kind, "nullable": True, **more}


_STR = {"type": "string"}
_NO_NUL = "^[^\\u0000]*$"  # text parameters may hold anything but NUL
_INT = {"type": "integer"}
_ERROR = {"description": "a bad parameter or a missing row",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

_CURSOR = {"name": "cursor", "in": "query", "required": False, "description": "next_cursor of the page before",
           "schema": {"type": "string", "pattern": "^[0-9]{1,9}$"}}
_LIMIT: dict[str, Any] = {"name": "limit", "in": "query", "required": False,
          "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50}}
_SOURCE = {"name": "source", "in": "query", "required": False, "description": "a source id (seeds/)",
           "schema": {"type": "string", "maxLength": 64, "pattern": _NO_NUL}}


_KIND = {"name": "kind", "in": "query", "required": False, "description": "only events of this kind",
         "schema": {"type": "string", "enum": list(CHANGE_KINDS)}}


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0,
                                                                      "maximum": MAX_ID}}


def _ok(schema: str) -> dict[str, Any]:
    return {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}},
            "400": _ERROR, "404": _ERROR}


def _list_of(item: str) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "next_cursor"], "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
        "next_cursor": _nullable("string")}}


_RUN = {"type": "object", "required": ["id", "source", "status", "health", "healthy"], "properties": {
    "id": _INT, "source": _STR, "spider": _STR, "started": _nullable("string"), "finished": _nullable("string"),
    "status": _STR, "pages": _INT, "new_articles": _INT, "revisits": _INT, "errors": _INT, "health": _STR,
    "healthy": {"type": "boolean"}}}
_SOURCE_ROW = {"type": "object", "required": ["id", "name", "kind", "health", "last_runs"], "properties": {
    "id": _STR, "name": _STR, "kind": _STR, "hosts": {"type": "array", "items": _STR},
    "health": {"type": "string", "enum": ["ok", "failing", "unknown"]}, "health_reasons": _STR,
    "last_runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}}}}
_ARTICLE = {"type": "object", "required": ["id", "url", "source", "title"], "properties": {
    "id": _INT, "url": _STR, "source": _STR, "section": _STR, "title": _STR, "published": _nullable("string"),
    "origin": _STR, "author": _STR, "editor": _STR, "captured": _nullable("string"),
    "cluster_id": _nullable("integer"), "text": _STR, "text_truncated": {"type": "boolean"}}}
_MEMBER = {"type": "object", "required": ["article", "site", "url", "kinds"], "properties": {
    "article": _INT, "site": _STR, "site_name": _STR, "url": _STR, "title": _STR, "origin": _STR,
    "published": _nullable("string"), "captured": _nullable("string"), "delay_hours": _nullable("number"),
    "distance": _nullable("integer"), "similarity": _nullable("number"), "kinds": {"type": "array", "items": _STR},
    "replay": {"type": "object", "nullable": True},
    "diff": {"type": "array", "items": {"type": "array", "items": _STR}}}}
_CLUSTER = {"type": "object", "required": ["id", "canonical", "members"], "properties": {
    "id": _INT, "canonical": {"$ref": "#/components/schemas/Member"},
    "members": {"type": "array", "items": {"$ref": "#/components/schemas/Member"}}}}
_ARTICLE_DETAIL = {"allOf": [{"$ref": "#/components/schemas/Article"}, {
    "type": "object", "required": ["captures", "cluster"], "properties": {
        "captures": {"type": "array", "items": {"type": "object", "required": ["timestamp", "status"], "properties": {
            "timestamp": _STR, "status": _INT, "mime": _STR, "record_type": _STR, "warc": _STR, "offset": _INT,
            "replay": _nullable("string")}}},
        "cluster": {"allOf": [{"$ref": "#/components/schemas/Cluster"}], "nullable": True},
        "versions": {"type": "array", "items": {"$ref": "#/components/schemas/Version"}},
        "changes": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}}}}]}
_CAPTURE_REF = {"type": "object", "required": ["record_id", "replay"], "properties": {
    "record_id": _STR, "url": _STR, "timestamp": _STR, "status": _INT, "record_type": _STR, "filename": _STR,
    "offset": _INT, "length": _INT, "replay": _nullable("string")}}
_DIFF = {"type": "array", "items": {"type": "array", "items": _STR, "minItems": 2, "maxItems": 2}}
_CHANGE = {"type": "object", "required": ["id", "kind", "url", "detected", "summary", "before", "after", "fields",
                                          "article_id"], "properties": {
    "id": _INT, "kind": {"type": "string", "enum": list(CHANGE_KINDS)}, "how": _STR, "url": _STR,
    "source": _nullable("string"), "detected": _STR, "summary": _STR, "article_id": _nullable("integer"),
    "before": {"$ref": "#/components/schemas/CaptureRef"}, "after": {"$ref": "#/components/schemas/CaptureRef"},
    "fields": {"type": "object", "additionalProperties": {"type": "object", "required": ["before", "after", "diff"],
                                                          "properties": {"before": _STR, "after": _STR, "diff": _DIFF}}}}}
_VERSION = {"type": "object", "required": ["number", "captured", "timestamp", "title", "changed"], "properties": {
    "number": _INT, "captured": _STR, "timestamp": _STR, "title": _STR, "replay": _nullable("string"),
    "changed": {"type": "object", "additionalProperties": _DIFF}}}
_VERSIONS = {"type": "object", "required": ["url", "versions", "changes"], "properties": {
    "url": _STR, "versions": {"type": "array", "items": {"$ref": "#/components/schemas/Version"}},
    "changes": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}}}}
_CLUSTER_ROW = {"type": "object", "required": ["id", "canonical_id", "members", "copies"], "properties": {
    "id": _INT, "canonical_id": _INT, "url": _STR, "title": _STR, "source": _STR, "published": _nullable("string"),
    "members": _INT, "copies": _INT}}
_COPY = {"type": "object", "required": ["article_id", "url", "source", "cluster_id", "original_id"], "properties": {
    "article_id": _INT, "url": _STR, "title": _STR, "source": _STR, "captured": _nullable("string"),
    "published": _nullable("string"), "cluster_id": _INT, "original_id": _INT, "original_source": _STR,
    "original_title": _STR}}
_SITES = {"type": "object", "required": ["summary", "graph"], "properties": {
    "summary": {"type": "object", "required": ["sources", "articles", "clusters", "copies", "sites"], "properties": {
        "sources": _INT, "articles": _INT, "clusters": _INT, "copies": _INT, "copy_share": {"type": "number"},
        "sites": {"type": "array", "items": {"type": "object", "required": ["site", "articles"]}}}},
    "graph": {"type": "array", "items": {"type": "object", "required": ["from", "to", "count"], "properties": {
        "from": _STR, "to": _STR, "count": _INT}}}}}
_HIT = {"type": "object", "required": ["article_id", "url", "title", "source", "snippet"], "properties": {
    "article_id": _INT, "url": _STR, "title": _STR, "source": _STR, "snippet": _STR,
    "highlights": {"type": "array", "items": {"type": "array", "items": _INT, "minItems": 2, "maxItems": 2}},
    "published": _nullable("string"), "cluster_id": _nullable("integer"), "also_on": _INT}}
_SEARCH = {"type": "object", "required": ["total", "results", "next_cursor"], "properties": {
    "total": {"type": "integer", "minimum": 0}, "results": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
    "next_cursor": _nullable("string")}}
_REPLAY_INFO = {"type": "object", "required": ["article_id", "article_page", "copies_on_other_sites"], "properties": {
    "article_id": _INT, "article_page": _STR, "cluster_id": _nullable("integer"), "copies_on_other_sites": _INT}}


def document(search: bool) -> dict[str, Any]:
    """The document; ``search``: whether this build has the search index (its path is left out if not)."""
    paths: dict[str, Any] = {
        "/api/sources": {"get": {"summary": "every source with its health and last runs", "responses": _ok("Sources")}},
        "/api/runs": {"get": {"summary": "crawl runs, newest first", "parameters": [
            _CURSOR, _LIMIT, _SOURCE, {"name": "unhealthy", "in": "query", "required": False,
                                       "schema": {"type": "boolean"}}], "responses": _ok("Runs")}},
        "/api/articles": {"get": {"summary": "articles by id", "parameters": [_CURSOR, _LIMIT, _SOURCE],
                                  "responses": _ok("Articles")}},
        "/api/articles/{article_id}": {"get": {"summary": "one article: metadata, text, captures, cluster",
                                               "parameters": [_id("article_id")], "responses": _ok("ArticleDetail")}},
        "/api/articles/{article_id}/versions": {"get": {
            "summary": "one article's versions (each with its diff against the one before) and change events",
            "parameters": [_id("article_id")], "responses": _ok("Versions")}},
        "/api/changes": {"get": {"summary": "change events (edits, takedowns, moves, restorations), newest first",
                                 "parameters": [_CURSOR, _LIMIT, _SOURCE, _KIND], "responses": _ok("Changes")}},
        "/api/copies": {"get": {"summary": "copies found, newest first", "parameters": [
            _CURSOR, _LIMIT, _SOURCE, {"name": "cluster", "in": "query", "required": False,
                                       "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID}}],
            "responses": _ok("Copies")}},
        "/api/clusters": {"get": {"summary": "clusters by id", "parameters": [_CURSOR, _LIMIT, _SOURCE],
                                  "responses": _ok("Clusters")}},
        "/api/clusters/{cluster_id}": {"get": {"summary": "one cluster: members with kinds, delays, distances, diffs",
                                               "parameters": [_id("cluster_id")], "responses": _ok("Cluster")}},
        "/api/sites": {"get": {"summary": "the per-site table and the syndication graph", "responses": _ok("Sites")}},
        "/api/replay-info": {"get": {"summary": "a replayed URL's article page and its copies on other sites",
                                     "parameters": [{"name": "url", "in": "query", "required": True,
                                                     "schema": {"type": "string", "minLength": 1, "maxLength": 4000, "pattern": _NO_NUL}}],
                                     "responses": _ok("ReplayInfo")}},
    }
    if search:
        paths["/api/search"] = {"get": {"summary": "full-text search over article text, titles and 来源", "parameters": [
            {"name": "q", "in": "query", "required": True, "schema": {"type": "string", "minLength": 1,
                                                                        "maxLength": MAX_QUERY, "pattern": _NO_NUL}},
            {**_LIMIT, "schema": {**_LIMIT["schema"], "default": 20}},
            {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 400, "pattern": _NO_NUL}},
            _SOURCE,
            {"name": "since", "in": "query", "required": False, "schema": {"type": "string", "format": "date"}},
            {"name": "until", "in": "query", "required": False, "schema": {"type": "string", "format": "date"}},
            {"name": "has_copies", "in": "query", "required": False, "schema": {"type": "boolean"}},
            {"name": "cluster", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID}},
            {**_KIND, "name": "change", "description": "only articles with a change event of this kind"},
            {"name": "group", "in": "query", "required": False, "description": "one result per cluster",
             "schema": {"type": "boolean"}}], "responses": _ok("Search")}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "aidnews", "version": "1", "description": "Read-only API over the aidnews archive (docs/serve.md)."},
        "paths": paths,
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": _STR}},
            "Run": _RUN, "Runs": _list_of("Run"), "Source": _SOURCE_ROW, "Sources": _list_of("Source"),
            "Article": _ARTICLE, "Articles": _list_of("Article"), "ArticleDetail": _ARTICLE_DETAIL,
            "Member": _MEMBER, "Cluster": _CLUSTER, "ClusterRow": _CLUSTER_ROW, "Clusters": _list_of("ClusterRow"),
            "Copy": _COPY, "Copies": _list_of("Copy"), "Sites": _SITES, "Hit": _HIT, "Search": _SEARCH,
            "ReplayInfo": _REPLAY_INFO, "CaptureRef": _CAPTURE_REF, "Change": _CHANGE, "Changes": _list_of("Change"),
            "Version": _VERSION, "Versions": _VERSIONS,
        }},
    }
