"""Step four, for exports: each resource's export row (its stored fields less its text), read
once per index version and shared by every request.

Whoosh keeps a document's stored fields as one pickle, its text included: reading the rows of
10,000 resources for an export unpickled all their text (0.9-1.6 s at 10,000 resources, a
worker held for as long). The rows hold only what the CSV, RIS and BibTeX writers print, so
an export then costs the writing alone. The publish step writes them beside the version
(`indexer.derived`, one line a document in a memory-mapped file, read when exported); a
version without them has them read from Whoosh by the first export that asks (or by
gunicorn's master before its workers fork, `IndexHolder.warm`), exactly once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from indexer import derived
from indexer.derived import EXPORT_FIELDS  # noqa: F401  (also read from here)


class LazyRows:
    """One index version's export rows, by document number, found on first use: those
    written beside the version in `folder`, else read from the index."""

    def __init__(self, folder: Path | None = None):
        self._lock = threading.Lock()
        self._rows: Sequence[dict | None] | None = None
        self.folder = folder

    def get(self, searcher) -> Sequence[dict | None]:
        """Each document's export row (None for a deleted one), found if this is the first
        call."""
        rows = self._rows
        if rows is None:
            with self._lock:
                if self._rows is None:
                    reader = searcher.reader()
                    found = derived.load_rows(self.folder, reader) if self.folder else None
                    self._rows = found if found is not None else read_rows(searcher)
                rows = self._rows
        return rows


def read_rows(searcher) -> list[dict | None]:
    """The export fields of every document of a searcher's index."""
    return derived.read_rows(searcher.reader())
