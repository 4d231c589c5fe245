"""Errors raised by the crawler package."""


class SourceError(Exception):
    """A source definition in seeds/ is invalid; the message names file, line and field.

    ``field`` is the dotted TOML key at fault (``politeness.concurrency``), when there is one, so the
    loader can find its line.
    """

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field
