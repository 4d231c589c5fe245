"""Errors raised by the archive package."""


class ArchiveError(Exception):
    """Base class for archive errors that a user can act on."""


class WarcWriteError(ArchiveError):
    """A WARC record could not be written (disk full, read-only folder, ...)."""


class WarcReadError(ArchiveError):
    """A WARC file is unreadable or truncated."""


class CatalogError(ArchiveError):
    """The catalog database cannot be opened, migrated or written."""
