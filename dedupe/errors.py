"""Errors raised by the dedupe package."""


class DedupeError(Exception):
    """Base class for dedupe errors a user can act on."""


class InputError(DedupeError):
    """A line of ``--input`` JSONL is malformed; the message names the line."""
