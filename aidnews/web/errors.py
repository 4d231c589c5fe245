"""Errors of the web app: what stops ``aidnews serve`` from starting (the CLI prints them in one line)."""

from __future__ import annotations


class WebError(Exception):
    """The app cannot start: a non-loopback address without a token, or a catalog it cannot read."""


class BadRequest(ValueError):
    """A request parameter the app cannot use (HTTP 400, said in one sentence)."""
