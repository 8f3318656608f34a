"""Step four, for exports: each resource's export row (its stored fields less its text), read
once per index version and shared by every request.

Whoosh keeps a document's stored fields as one pickle, its text included: reading the rows of
10,000 resources for an export unpickled all their text (1.0-1.6 s at 10,000 resources, a
worker held for as long). The rows hold only what the CSV, RIS and BibTeX writers print, so
an export then costs the writing alone. Read in gunicorn's master before its workers fork
(`IndexHolder.warm`), or by the first export that asks, exactly once.
"""

from __future__ import annotations

import threading

from indexer.schema import ID, TITLE, TOPIC, TYPE, URL, YEAR

# The stored fields the export writers print (search_app.export).
EXPORT_FIELDS = (ID, TITLE, TYPE, YEAR, TOPIC, URL)


class LazyRows:
    """One index version's export rows, by document number, built on first use."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rows: list[dict | None] | None = None

    def get(self, searcher) -> list[dict | None]:
        """Each document's export row (None for a deleted one), read from `searcher` if this
        is the first call."""
        rows = self._rows
        if rows is None:
            with self._lock:
                if self._rows is None:
                    self._rows = read_rows(searcher)
                rows = self._rows
        return rows


def read_rows(searcher) -> list[dict | None]:
    """The export fields of every document of a searcher's index."""
    reader = searcher.reader()
    rows: list[dict | None] = []
    for docnum in range(reader.doc_count_all()):
        if reader.is_deleted(docnum):
            rows.append(None)
            continue
        fields = reader.stored_fields(docnum)
        rows.append({name: fields[name] for name in EXPORT_FIELDS if name in fields})
    return rows
