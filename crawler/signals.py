"""Signals of the crawler. ``record_written(ref, response, spider)`` follows every WARC response record."""

record_written = object()
