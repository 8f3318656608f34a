"""One fix to Whoosh's file codec, applied on import (by `indexer.schema`).

`W3PerDocReader.has_column` asks the storage whether a column file exists on every call,
and writing a segment calls it for every posting of a field that keeps no lengths (keyword
fields, spelling words): a `stat` per posting, a fifth of a build's time. A segment's files
never change once written, so the answer is remembered per reader.
"""

from __future__ import annotations

from whoosh.codec import whoosh3

_original_has_column = whoosh3.W3PerDocReader.has_column


def _remembered_has_column(self, fieldname: str) -> bool:
    known = self.__dict__.setdefault("_known_columns", {})
    if fieldname not in known:
        known[fieldname] = _original_has_column(self, fieldname)
    return known[fieldname]


whoosh3.W3PerDocReader.has_column = _remembered_has_column
