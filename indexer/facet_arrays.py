"""A published version's facet value sets and sort ranks, computed once when it is published
and read by every search process through memory mapping.

For each facet value the search app needs the set of live resources carrying it (a boolean
mask over document numbers, `search_app.facets`), and for each non-relevance sort each
resource's rank. Read from Whoosh's posting lists and columns by every process for every
version, that was most of the time it took to open a version (100-300 ms at 10,000
resources, and again in every gunicorn worker after each publish). Here they are computed
from the version's Whoosh index at publish time (`write`) and saved beside it in `facets/`
as numpy arrays: opening them (`load`) maps the files, so every worker shares one copy in
the page cache and opening costs a millisecond.

Whoosh stays the index of record: the arrays are derived from it and nothing else. The
folder carries a format number and what it was derived from (the index's generation,
segments and document counts); `load` returns None when the folder is missing, of another
format, or derived from other files, and the caller computes the arrays from Whoosh
(`compute`, the same function the build ran). Tests compare both with Whoosh's own answers.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import facet_fields
from .schema import MISSING_YEAR_SORT, TITLE_SORT, YEAR
from .whoosh_internals import term_postings

FOLDER = "facets"
FORMAT = "knowledge-lab-facet-arrays/1"
INFO_FILE = "format.json"
VALUES_FILE = "values.npy"  # bool [values, documents]: each facet value's live documents
LIVE_FILE = "live.npy"  # bool [documents]: the live documents
RANKS_FILE = "ranks.npy"  # int64 [3, documents]: ranks in the orders of SORTS
SORTS = ("newest", "oldest", "title")
MAX_INFO_BYTES = 16 * 2**20


@dataclass(frozen=True)
class FacetArrays:
    """One version's facet value sets (rows of `values`, named by `labels`) and sort ranks."""

    size: int  # document numbers, deleted ones included
    labels: dict[str, tuple[str, ...]]  # each facet's values with a live document, in rows
    values: np.ndarray  # bool [sum of the labels, size]: row i is the i-th label's documents
    live: np.ndarray  # bool [size]
    ranks: np.ndarray  # int64 [len(SORTS), size]

    def sets(self) -> dict[str, dict[str, np.ndarray]]:
        """Each facet's values and their document masks (views of `values`, no copy)."""
        found, row = {}, 0
        for name, labels in self.labels.items():
            found[name] = {}
            for label in labels:
                found[name][label] = np.asarray(self.values[row])
                row += 1
        return found

    def rank(self, sort: str) -> np.ndarray:
        """The ranks of one of SORTS."""
        return np.asarray(self.ranks[SORTS.index(sort)])


def compute(searcher) -> FacetArrays:
    """The arrays of a searcher's index, read from its posting lists and columns."""
    reader = searcher.reader()
    size = reader.doc_count_all()
    live = np.zeros(size, dtype=bool)
    live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
    labels, rows = {}, []
    for facet in facet_fields.FACETS:
        kept = []
        for btext in reader.lexicon(facet.field):
            mask = np.zeros(size, dtype=bool)
            for leaf, offset in reader.leaf_readers():
                if (facet.field, btext) in leaf:
                    ids, _ = term_postings(leaf, facet.field, btext)
                    mask[ids + offset] = True
            mask &= live
            if mask.any():
                kept.append(btext.decode("utf-8"))
                rows.append(mask)
        labels[facet.name] = tuple(kept)
    values = np.array(rows, dtype=bool).reshape(len(rows), size)
    return FacetArrays(size, labels, values, live, sort_ranks(reader, size))


def sort_ranks(reader, size: int) -> np.ndarray:
    """Each document's rank newest first, oldest first and by title (ties: the title, then
    the newest; then the document number)."""
    years = list(reader.column_reader(YEAR)) if reader.has_column(YEAR) else []
    titles = list(reader.column_reader(TITLE_SORT)) if reader.has_column(TITLE_SORT) else []
    years += [MISSING_YEAR_SORT] * (size - len(years))
    titles += [b""] * (size - len(titles))
    year = np.asarray(years, dtype=np.int64)
    # Dense ranks of the titles, as bytes compare (numpy's own byte strings drop trailing NULs).
    title_array = np.empty(size, dtype=object)
    # A segment without the column gives its default, which may be text rather than bytes.
    title_array[:] = [t.encode("utf-8") if isinstance(t, str) else t for t in titles]
    _, title = np.unique(title_array, return_inverse=True)
    title = title.reshape(size)
    newest_year = np.where(year == MISSING_YEAR_SORT, 0, -year)
    newest = _ranks(np.lexsort((title, newest_year)))
    oldest = _ranks(np.lexsort((title, year)))
    by_title = _ranks(np.lexsort((newest, title)))
    return np.stack([newest, oldest, by_title])


def _ranks(order: np.ndarray) -> np.ndarray:
    """Each document's position in an order of all document numbers."""
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order))
    return ranks


def read_info(path: Path, expected: str, reader, limit: int) -> dict | None:
    """The JSON a derived file vouches with (at most `limit` bytes read), or None when it is
    of another format than `expected` or derived from other index files than the reader's;
    OSError or ValueError when it cannot be read."""
    with open(path, "rb") as handle:
        info = json.loads(handle.read(limit))
    if info.get("format") != expected or info.get("origin") != origin(reader):
        return None
    return info


def origin(reader) -> dict:
    """What a version's arrays are derived from: its index's generation, segments and
    document counts (another index's files never match)."""
    return {
        "generation": reader.generation(),
        "segments": sorted(leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()),
        "documents": reader.doc_count_all(),
        "live": reader.doc_count(),
    }


def write(folder: Path, searcher) -> None:
    """Compute the arrays of the index a searcher reads and save them in `folder`/facets
    (a version folder being published)."""
    arrays = compute(searcher)
    target = folder / FOLDER
    target.mkdir(exist_ok=True)
    save(target, VALUES_FILE, arrays.values)
    save(target, LIVE_FILE, arrays.live)
    save(target, RANKS_FILE, arrays.ranks)
    info = {"format": FORMAT, "origin": origin(searcher.reader()), "labels": arrays.labels}
    save(target, INFO_FILE, json.dumps(info).encode("utf-8"))  # last: it vouches for the rest


def save(folder: Path, name: str, data: bytes | np.ndarray) -> None:
    """Write a file (bytes, or an array as .npy) durably: the file and its folder's entry
    are on disk before the version is published. A new file replaces any there: `update`
    fills a version with hard links to the files of the one before, which must not change."""
    partial = folder / (name + ".partial")
    with open(partial, "wb") as handle:
        if isinstance(data, bytes):
            handle.write(data)
        else:
            np.save(handle, data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, folder / name)
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def load(folder: Path, reader) -> FacetArrays | None:
    """The arrays saved beside a version, memory-mapped; None when there are none, they are
    of another format, or were derived from other index files than the reader's."""
    target = folder / FOLDER
    try:
        info = read_info(target / INFO_FILE, FORMAT, reader, MAX_INFO_BYTES)
        if info is None:
            return None
        labels = {name: tuple(found) for name, found in info["labels"].items()}
        values = np.load(target / VALUES_FILE, mmap_mode="r")
        live = np.load(target / LIVE_FILE, mmap_mode="r")
        ranks = np.load(target / RANKS_FILE, mmap_mode="r")
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    size = info["origin"]["documents"]
    shapes = ((sum(map(len, labels.values())), size), (size,), (len(SORTS), size))
    kinds = (np.bool_, np.bool_, np.int64)
    for array, shape, kind in zip((values, live, ranks), shapes, kinds, strict=True):
        if array.shape != shape or array.dtype != kind:
            return None
    if list(labels) != [facet.name for facet in facet_fields.FACETS]:
        return None
    # Plain arrays viewing the maps: their rows are sliced without memmap's own overhead.
    return FacetArrays(size, labels, np.asarray(values), np.asarray(live), np.asarray(ranks))


def arrays(folder: Path | None, searcher) -> FacetArrays:
    """A version's arrays: those saved beside it when they match its index, else computed
    from Whoosh now (versions published before they were written, or in-memory indexes)."""
    found = None if folder is None or not os.path.isdir(folder) else load(folder, searcher.reader())
    return found if found is not None else compute(searcher)
