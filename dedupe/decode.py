"""Bytes to text for HTML pages: declared charset checked against the bytes."""

from __future__ import annotations

from w3lib.encoding import html_body_declared_encoding, html_to_unicode, resolve_encoding


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding)`` for an HTML body.

    w3lib picks the encoding (BOM, HTTP header, ``<meta>``, then detection)
    and maps gb2312/gbk to gb18030. Bytes that are valid multi-byte UTF-8 are
    UTF-8 whatever the page declares (a meta that says gb2312 or iso-8859-1 on a
    UTF-8 page); otherwise, when the declared charset does not fit the bytes, the
    first of UTF-8 and gb18030 that decodes them strictly wins.
    """
    encoding, text = html_to_unicode(content_type, body, auto_detect_fun=_detect)
    if encoding not in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be") and not body.isascii():
        # Valid multi-byte UTF-8 is vanishingly unlikely in real GB (or Big5, Latin-1) text,
        # while those codecs happily "decode" UTF-8 bytes into mojibake: trust the bytes.
        utf8 = _strict(body, "utf-8")
        if utf8 is not None:
            return utf8, "utf-8"
    if "\ufffd" in text:
        for candidate in ("utf-8", "gb18030"):
            strict = _strict(body, candidate)
            if strict is not None:
                return strict, candidate
    return text, encoding


def _detect(body: bytes) -> str | None:
    for candidate in ("utf-8", "gb18030"):
        if _strict(body, candidate) is not None:
            return candidate
    return None


def declared_encoding(body: bytes) -> str | None:
    """The charset a page declares in its ``<meta>``, normalised, or None."""
    found = html_body_declared_encoding(body)
    return resolve_encoding(found) if found else None
