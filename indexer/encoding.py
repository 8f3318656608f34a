"""Step two, before parsing: a page file's bytes -> its text, whatever its encoding.

UTF-8 (with or without a byte-order mark), UTF-16 and UTF-32 with their byte-order marks, a
charset the page declares in a `<meta>` tag, and Windows-1252 as the last resort, with a
note saying how the page was read when it was not UTF-8.
"""

from __future__ import annotations

import codecs
import re

BINARY_SNIFF_BYTES = 8192
FALLBACK_ENCODING = "cp1252"
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Byte-order marks and their codecs; UTF-32's come first (UTF-32-LE's starts with UTF-16-LE's).
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def byte_order_mark(data: bytes) -> str | None:
    """The codec a UTF-16 or UTF-32 byte-order mark at the start of the data names."""
    return next((codec for mark, codec in _BYTE_ORDER_MARKS if data.startswith(mark)), None)


def decode(data: bytes) -> tuple[str, str | None]:
    """The page's text and, when it was not UTF-8, a message saying how it was read."""
    codec = byte_order_mark(data)
    if codec is not None:
        try:
            return data.decode(codec), None
        except UnicodeDecodeError as error:
            note = f"not valid {codec.upper()} (at offset {error.start}); unreadable parts replaced"
            return data.decode(codec, errors="replace"), note
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        bad = f"byte 0x{data[error.start]:02X} at offset {error.start}"
    declared = _CHARSET.search(data[:BINARY_SNIFF_BYTES])
    if declared:
        name = declared.group(1).decode("ascii", "replace")
        try:
            if codecs.lookup(name).name != "utf-8":
                return data.decode(name), None
        except (LookupError, UnicodeDecodeError):
            pass
    text = data.decode(FALLBACK_ENCODING, errors="replace")
    return text, f"not valid UTF-8 ({bad}); read as Windows-1252, check accented letters"
