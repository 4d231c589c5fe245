"""Errors raised by the crawler package."""


class SourceError(Exception):
    """A source definition in seeds/ is invalid; the message names file and field."""
