"""Whoosh's private surface, in one place: the only module that touches a name Whoosh does not
publish, each use said here with the reason for it. Not a step of the pipeline: the build (step
four, writing the index) and the search app (reading it) both stand on it.

Used privately:

- `W3PerDocReader.has_column` (patched): it asks the storage whether a column file exists on
  every call, and writing a segment calls it for every posting of a field that keeps no
  lengths (keyword fields, spelling words): a `stat` per posting, a fifth of a build's time.
  A segment's files never change once written, so the answer is remembered per reader.
- `BufferFile.__init__` (patched): the file Whoosh reads a segment's parts through (a view of
  the memory-mapped segment) copies its whole view into a `BytesIO` when it is opened: at
  100,000 resources every searcher opened read about 1.5 GB into memory first, in every server
  worker. It reads from the view instead, without copying it (`ViewReader`).
- The posting blocks of `W3LeafMatcher` (`_read_data`, `_data`, `_byteids`, `_next_block`,
  `_read_ids`, `_ids`, `_read_values`, `_values`) and the child of a `FilterMatcher`: the
  numpy scorer (search_app.scores) reads a term's postings a block at a time, the deleted
  documents included. Whoosh's public matcher API (`id`, `weight`, `next` per posting) gives
  the same postings but costs 16 % more CPU on a term's first read (the 20 commonest terms
  of 20,000 resources, 390,000 postings: 520 ms against 448 ms; `python -m bench.postings`),
  `items_as("weight")` 56 % more: most of the time is Whoosh unpickling and decompressing
  the blocks, which both pay.
- (Not a private name, but on-disk knowledge, in `positions.py`: the encoding of
  `Positions` values, decoded a whole term at a time for the posting arrays.)
- `BM25F._field_B`: the per-field B of the ranking model, which BM25F keeps no public way to
  read but by making a scorer.
- `MultiTerm._btexts`: the words of the index a prefix or wildcard stands for (the query
  builder caps how many are searched).
- Writing one segment per build worker, as Whoosh's own multi-process writer does
  (`SegmentWriter(_lk=False)`, `_finalize_segment`, then `_close_segment`, `_commit_toc` and
  `_finish` in the writer holding the lock), so that each worker indexes the texts it reads
  itself instead of receiving every document pickled from the build; and the writer's
  `pool`, replaced by `RunPool`: the postings a pool sorts and spills to disk are written a
  chunk at a time with `marshal`, not pickled one by one (the same postings, in the same
  order: a tenth of a build's CPU was that pickling). `ShareWriter._flush_segment` is
  Whoosh's own but for the lengths it hands the codec: each document's field lengths read
  once per field (`KnownLengths`) instead of once per posting through the column reader.

`apply_fixes()` applies the two patches, once, explicitly: the build's entry points and the
search app call it before opening an index. It first checks that the installed Whoosh is the
version the project was tested with and that every private name above is still what this
module expects, and raises `UnsupportedWhoosh` otherwise: a change in Whoosh stops the build
or the app at once, with a message, instead of giving other answers.
"""

from __future__ import annotations

import marshal
import threading
from itertools import islice

import numpy as np
import whoosh
from whoosh import query, scoring
from whoosh.codec import whoosh3
from whoosh.filedb import structfile
from whoosh.matching.wrappers import FilterMatcher, WrappingMatcher
from whoosh.writing import PostingPool, SegmentWriter

TESTED_VERSIONS = ("2.7.5",)  # whoosh-reloaded; see DECISIONS.md
CHUNK = 4096  # bytes searched for a line end at a time (lines in a segment are short)
RUN_CHUNK = 8192  # postings written to, and read back from, a pool's run at a time
WRITER_METHODS = ("_finalize_segment", "_flush_segment", "_close_segment", "_commit_toc", "_finish")
FLUSH_NAMES = ("perdocwriter", "per_document_reader", "pool", "iter_postings", "fieldwriter")
POOL_METHODS = ("_write_run", "_read_run", "_open_run", "_remove_run", "save", "items")

# The code patched, as names: (local variables, attributes and globals it uses). Compared
# rather than bytecode, which changes with every Python release.
PATCHED_CODE = {
    "W3PerDocReader.has_column": (
        ("self", "fieldname", "filename"),
        ("W3Codec", "column_filename", "_segment", "_storage", "file_exists"),
    ),
    "BufferFile.__init__": (
        ("self", "buf", "name", "onclose"),
        ("_buf", "_name", "BytesIO", "file", "onclose", "is_real", "is_closed"),
    ),
}
LEAF_METHODS = ("_read_data", "_read_ids", "_read_values", "_next_block", "is_active")
LEAF_FIELDS = ("_data", "_ids", "_values", "_byteids")  # set by its __init__ and _goto


class UnsupportedWhoosh(Exception):
    """The installed Whoosh is not one whose private surface this project was tested with."""


_original_has_column = whoosh3.W3PerDocReader.has_column
_original_buffer_file_init = structfile.BufferFile.__init__
_lock = threading.Lock()


def _remembered_has_column(self, fieldname: str) -> bool:
    known = self.__dict__.setdefault("_known_columns", {})
    if fieldname not in known:
        known[fieldname] = _original_has_column(self, fieldname)
    return known[fieldname]


class ViewReader:
    """A read-only file over a buffer (bytes or a memoryview), reading without copying it."""

    def __init__(self, buffer):
        self._buffer = buffer
        self._position = 0

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._buffer)
        if size is not None and size >= 0:
            end = min(end, self._position + size)
        data = bytes(self._buffer[self._position : end])
        self._position = max(self._position, end)
        return data

    def readinto(self, target) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        end = len(self._buffer)
        if size is not None and size >= 0:
            end = min(end, self._position + size)
        view = memoryview(self._buffer)[self._position : end]
        found = bytes(view).find(b"\n") if len(view) < CHUNK else _find_newline(view)
        stop = self._position + found + 1 if found >= 0 else end
        return self.read(stop - self._position)

    def seek(self, position: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._position, 2: len(self._buffer)}[whence]
        self._position = max(0, base + position)
        return self._position

    def tell(self) -> int:
        return self._position

    def write(self, data) -> int:
        raise OSError("read-only file")

    def close(self) -> None:
        """The buffer belongs to the segment's storage, which releases it."""

    def __iter__(self):
        while line := self.readline():
            yield line


def _find_newline(view: memoryview) -> int:
    for start in range(0, len(view), CHUNK):
        found = bytes(view[start : start + CHUNK]).find(b"\n")
        if found >= 0:
            return start + found
    return -1


def _buffer_file_init(self, buf, name=None, onclose=None):
    self._buf = buf
    self._name = name
    self.file = ViewReader(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def _code_names(function) -> tuple[tuple[str, ...], tuple[str, ...]]:
    code = function.__code__
    return code.co_varnames, code.co_names


def check_whoosh() -> None:
    """Raise UnsupportedWhoosh unless Whoosh's version and private names are the expected."""
    version = whoosh.versionstring()
    if version not in TESTED_VERSIONS:
        raise UnsupportedWhoosh(
            f"Whoosh {version} is installed; this project was tested with whoosh-reloaded "
            f"{' or '.join(TESTED_VERSIONS)} only (its private parts are used: "
            "indexer/whoosh_internals.py)"
        )
    patched = {
        "W3PerDocReader.has_column": (whoosh3.W3PerDocReader.has_column, _remembered_has_column),
        "BufferFile.__init__": (structfile.BufferFile.__init__, _buffer_file_init),
    }
    for name, (function, ours) in patched.items():
        if function is not ours and _code_names(function) != PATCHED_CODE[name]:
            raise UnsupportedWhoosh(
                f"Whoosh's {name} is not the code indexer/whoosh_internals.py replaces"
            )
    leaf = whoosh3.W3LeafMatcher
    missing = [name for name in LEAF_METHODS if not callable(getattr(leaf, name, None))]
    assigned = set(leaf.__init__.__code__.co_names) | set(leaf._goto.__code__.co_names)
    missing += [name for name in LEAF_FIELDS if name not in assigned]
    if "child" not in WrappingMatcher.__init__.__code__.co_names:
        missing.append("FilterMatcher.child")
    if "_field_B" not in scoring.BM25F.__init__.__code__.co_names:
        missing.append("BM25F._field_B")
    if not callable(getattr(query.MultiTerm, "_btexts", None)):
        missing.append("MultiTerm._btexts")
    missing += [f"SegmentWriter.{n}" for n in WRITER_METHODS if not hasattr(SegmentWriter, n)]
    missing += [f"PostingPool.{n}" for n in POOL_METHODS if not hasattr(PostingPool, n)]
    if not {"pool", "_tempstorage", "newsegment"} <= set(SegmentWriter.__init__.__code__.co_names):
        missing.append("SegmentWriter.pool")
    if not set(FLUSH_NAMES) <= set(SegmentWriter._flush_segment.__code__.co_names):
        missing.append("SegmentWriter._flush_segment")
    if missing:
        raise UnsupportedWhoosh(
            f"Whoosh lacks what indexer/whoosh_internals.py reads: {', '.join(missing)}"
        )


def fixes_applied() -> bool:
    """Whether both patches are in place."""
    return (
        whoosh3.W3PerDocReader.has_column is _remembered_has_column
        and structfile.BufferFile.__init__ is _buffer_file_init
    )


def apply_fixes() -> None:
    """Check Whoosh (UnsupportedWhoosh) and apply the two fixes; calling it again does nothing."""
    with _lock:
        if fixes_applied():
            return
        check_whoosh()
        whoosh3.W3PerDocReader.has_column = _remembered_has_column
        structfile.BufferFile.__init__ = _buffer_file_init


def field_b(weighting: scoring.BM25F, fieldname: str) -> float:
    """BM25F's B for a field: its own (`content_B=...`) or the model's."""
    return weighting._field_B.get(fieldname, weighting.B)


def multiterm_btexts(node: query.MultiTerm, reader):
    """The index words (bytes) a prefix, wildcard or other multi-term query stands for."""
    return node._btexts(reader)


def _unfiltered(matcher):
    """A segment's own posting reader, its deleted documents included."""
    while isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    return matcher


def _leaf_blocks(matcher):
    """(document numbers, weights, encoded values) of a segment's postings, a block at a time
    (the values a tuple of bytes, or None when the format keeps none)."""
    if type(matcher) is whoosh3.W3LeafMatcher and not matcher._byteids:
        # Decoded with numpy: a block's ids are stored as gaps, its weights as an array, or
        # one number for all, or nothing when all are 1.
        while matcher.is_active():
            if matcher._data is None:
                matcher._read_data()
            gaps, weights = matcher._data[0], matcher._data[1]
            ids = np.cumsum(np.asarray(gaps, dtype=np.int64))
            if weights is None or isinstance(weights, float):
                weights = np.full(len(gaps), 1.0 if weights is None else weights)
            else:
                weights = np.asarray(weights, dtype=np.float64)
            if matcher._values is None:
                matcher._read_values()
            yield ids, weights, matcher._values
            matcher._next_block()
        return
    ids: list = []
    weights: list = []
    values: list = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        values.append(matcher.value())
        matcher.next()
    if ids:
        yield np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64), values


def _leaf_postings(matcher) -> tuple[np.ndarray, np.ndarray]:
    blocks = list(_leaf_blocks(matcher))
    if not blocks:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64)
    return np.concatenate([b[0] for b in blocks]), np.concatenate([b[1] for b in blocks])


def _leaf_values(matcher):
    """(document number, encoded value) of every posting."""
    if type(matcher) is whoosh3.W3LeafMatcher:
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._values is None:
                matcher._read_values()
            yield from zip(matcher._ids, matcher._values, strict=True)
            matcher._next_block()
    else:
        while matcher.is_active():
            yield matcher.id(), matcher.value()
            matcher.next()


def term_postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A term's document numbers and posting weights in one segment's reader, deleted
    documents included (the caller masks them)."""
    return _leaf_postings(_unfiltered(reader.postings(fieldname, btext)))


def term_positions(reader, fieldname: str, btext: bytes):
    """(document number, positions) of a term's postings in one segment's reader, deleted
    documents included."""
    decode = reader.schema[fieldname].format.decode_positions
    for docnum, value in _leaf_values(_unfiltered(reader.postings(fieldname, btext))):
        yield docnum, decode(value)


def term_blocks(reader, fieldname: str, btext: bytes):
    """A term's postings in one segment's reader, a block at a time, deleted documents
    included: (document numbers, weights, encoded values)."""
    return _leaf_blocks(_unfiltered(reader.postings(fieldname, btext)))


class RunPool(PostingPool):
    """Whoosh's posting pool, its runs written and read a chunk of postings at a time with
    `marshal` (postings are tuples of str, bytes, numbers and bytes) instead of one pickle
    per posting. Whoosh still sorts, spills and merges them: the same postings, same order."""

    def _write_run(self, f, items):
        items = iter(items)
        while chunk := list(islice(items, RUN_CHUNK)):
            marshal.dump(chunk, f)
        f.close()

    def _read_run(self, path):
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = marshal.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


class KnownLengths:
    """A segment's per-document reader whose `doc_field_length` answers from each field's
    lengths, read once (the same values: None where Whoosh's reader gives None)."""

    def __init__(self, reader):
        self.reader = reader
        self.lengths: dict[str, list] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default=0):
        lengths = self.lengths.get(fieldname)
        if lengths is None:
            read = self.reader.doc_field_length
            count = self.reader.doc_count_all()
            lengths = self.lengths[fieldname] = [read(n, fieldname) for n in range(count)]
        return lengths[docnum]


class ShareWriter(SegmentWriter):
    """Whoosh's segment writer, its postings given the lengths of `KnownLengths`."""

    def _flush_segment(self):
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        postings = self.pool.iter_postings()
        known = None if lengths is None else KnownLengths(lengths)
        self.fieldwriter.add_postings(self.schema, known, postings)
        self.fieldwriter.close()
        if lengths:
            lengths.close()


def segment_writer(index, limitmb: int) -> SegmentWriter:
    """A writer of one new segment of `index`, for a worker: it takes no lock (the build's
    own writer holds it), its pool is a `RunPool`, its text fields `MemoText`."""
    from .schema import memoised  # the schema imports no Whoosh internals

    writer = ShareWriter(index, _lk=False, limitmb=limitmb)
    writer.schema = memoised(writer.schema)
    writer.pool = RunPool(writer._tempstorage, writer.newsegment, limitmb=limitmb)
    return writer


def finish_segment(writer: SegmentWriter):
    """Write a worker's segment (postings sorted and written, files closed); its `Segment`
    is what the build's writer commits."""
    return writer._finalize_segment()


def commit_segments(writer: SegmentWriter, segments: list) -> None:
    """With the writer holding the index's lock (and adding nothing itself), publish the
    workers' segments as the index's only segments, as `MpWriter` does, and release it."""
    writer._close_segment()
    writer._commit_toc(segments)
    writer._finish()
