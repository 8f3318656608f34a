"""Posting arrays: what the search app's numpy scorer (search_app/scores.py) reads of a
version's text fields, decoded once when the version is published and written beside it as
flat arrays that every server process maps read-only (shared through the page cache)
instead of decoding Whoosh's pickled posting blocks itself, once per process per version.

Whoosh stays the index of record: these are derived from it, one folder per Whoosh segment
(`postings/<segment id>/`), and a reader that finds a segment's folder missing, of another
format, or not matching the segment (its id, document count or file sizes) reads that
segment from Whoosh instead. A segment's files never change once written, so `update`
hard-links the folders of the segments it keeps from the version it copies and decodes only
its new segments.

For each searched field (`schema.SEARCH_FIELDS`), the files of a segment hold, the deleted
documents included (as the scorer reads Whoosh's postings; it masks them):

| file | dtype | what |
|---|---|---|
| `<field>.terms` | uint8 | the field's terms (bytes, in Whoosh's sorted order), end to end |
| `<field>.directory` | int64 (terms + 1, 3) | where each term starts in `terms`, `docs`/`weights`, `positions` |
| `<field>.docs` | int32 | each posting's document number in the segment |
| `<field>.weights` | float64 | each posting's weight |
| `<field>.positions` | int64 | one key per occurrence: document number << 32 plus the position |
| `<field>.lengths` | float64 | each document's field length (`doc_field_length`, default 1) |

Raw little-endian arrays read with `numpy.memmap`; `meta.json` (written last) says the
format, the segment, its document count and each field's counts, against which the file
sizes are checked on opening.
"""

from __future__ import annotations

import bisect
import json
import logging
import multiprocessing
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from .parallel import MIN_DOCUMENTS, cpu_count, workers_of_this_process
from .positions import decode_positions
from .schema import SEARCH_FIELDS
from .whoosh_internals import term_blocks

FORMAT = "posting-arrays/1"
FOLDER = "postings"
META_FILE = "meta.json"
PARTIAL = ".partial"
POSITION_SHIFT = 32  # a position key: document number << 32 | position
# column -> (dtype, values per row)
COLUMNS = {
    "terms": ("u1", 1),
    "directory": ("<i8", 3),
    "docs": ("<i4", 1),
    "weights": ("<f8", 1),
    "positions": ("<i8", 1),
    "lengths": ("<f8", 1),
}
log = logging.getLogger(__name__)


# Writing


def write(folder: Path, previous: Path | None = None, processes: int | None = None) -> dict:
    """Write the posting arrays of the Whoosh index in `folder` (a version being published),
    linking the folders of segments `previous` (a published version) already has; returns
    what was done: segments written and linked, seconds, bytes."""
    started = time.monotonic()
    index = whoosh_index.open_dir(str(folder))
    with index.reader() as reader:
        segments = [(leaf.segment().segment_id(), leaf) for leaf, _ in reader.leaf_readers()]
        linked, missing, documents = [], [], 0
        for segment_id, leaf in segments:
            old = None if previous is None else previous / FOLDER / segment_id
            if old is not None and SegmentArrays.open(old, leaf) is not None:
                _link_folder(old, folder / FOLDER / segment_id)
                linked.append(segment_id)
            else:
                missing.append(segment_id)
                documents += leaf.doc_count_all()
        processes = min(processes or cpu_count(), len(missing))
        if processes <= 1 or documents < MIN_DOCUMENTS:
            for segment_id, leaf in segments:
                if segment_id in missing:
                    _write_segment(leaf, folder / FOLDER / segment_id)
    if processes > 1 and documents >= MIN_DOCUMENTS:
        context = multiprocessing.get_context("fork")
        with workers_of_this_process(), ProcessPoolExecutor(processes, mp_context=context) as pool:
            list(pool.map(_write_segment_of, [folder] * len(missing), missing))
    size = sum(p.stat().st_size for p in (folder / FOLDER).rglob("*") if p.is_file())
    done = {
        "written": len(missing),
        "linked": len(linked),
        "seconds": round(time.monotonic() - started, 3),
        "bytes": size,
    }
    log.info("posting arrays of %s: %s", folder.name, done)
    return done


def _link_folder(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for item in source.iterdir():
        try:
            os.link(item, target / item.name)
        except OSError:
            shutil.copy2(item, target / item.name)


def _write_segment_of(folder: Path, segment_id: str) -> None:
    """In a worker: write one segment's arrays, found by its id in the index of `folder`."""
    with whoosh_index.open_dir(str(folder)).reader() as reader:
        for leaf, _ in reader.leaf_readers():
            if leaf.segment().segment_id() == segment_id:
                _write_segment(leaf, folder / FOLDER / segment_id)
                return
    raise ValueError(f"no segment {segment_id} in {folder}")


def _write_segment(reader, target: Path) -> None:
    """One segment's arrays, in a partial folder renamed into place once complete."""
    partial = target.with_name(target.name + PARTIAL)
    partial.mkdir(parents=True)
    fields = {}
    for fieldname in SEARCH_FIELDS:
        if fieldname in reader.schema:
            fields[fieldname] = _write_field(reader, fieldname, partial)
    meta = {
        "format": FORMAT,
        "segment": reader.segment().segment_id(),
        "documents": reader.doc_count_all(),
        "fields": fields,
    }
    (partial / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    partial.rename(target)


class _Column:
    """A raw array written a piece at a time."""

    def __init__(self, path: Path, column: str):
        self.dtype = np.dtype(COLUMNS[column][0])
        self.file = open(path, "wb")  # noqa: SIM115 (closed by close)
        self.count = 0

    def append(self, values) -> None:
        values = np.ascontiguousarray(values, dtype=self.dtype)
        self.file.write(values.tobytes())
        self.count += values.size

    def close(self) -> None:
        self.file.close()


def _write_field(reader, fieldname: str, folder: Path) -> dict:
    """A field's terms, postings, positions and lengths; returns its counts."""
    field_format = reader.schema[fieldname].format
    with_positions = field_format.supports("positions")
    columns = {name: _Column(folder / f"{fieldname}.{name}", name) for name in COLUMNS}
    rows = [(0, 0, 0)]
    try:
        terms = reader.lexicon(fieldname) if fieldname in reader.indexed_field_names() else ()
        for btext in terms:
            blocks = list(term_blocks(reader, fieldname, btext))
            columns["terms"].append(np.frombuffer(btext, dtype=np.uint8))
            if blocks:
                ids = np.concatenate([block[0] for block in blocks])
                columns["docs"].append(ids)
                columns["weights"].append(np.concatenate([block[1] for block in blocks]))
                if with_positions:
                    values = [value for block in blocks for value in block[2]]
                    columns["positions"].append(_position_keys(field_format, ids, values))
            rows.append((columns["terms"].count, columns["docs"].count, columns["positions"].count))
        columns["directory"].append(np.array(rows, dtype=np.int64))
        lengths = [reader.doc_field_length(n, fieldname, 1) for n in range(reader.doc_count_all())]
        columns["lengths"].append(np.asarray(lengths, dtype=np.float64))
    finally:
        for column in columns.values():
            column.close()
    return {name: column.count for name, column in columns.items()}


def _position_keys(field_format, ids: np.ndarray, values) -> np.ndarray:
    counts, positions = decode_positions(field_format, values)
    keys = np.repeat(ids.astype(np.int64) << POSITION_SHIFT, counts) + positions
    if len(keys) > 1 and (np.diff(keys) < 0).any():
        keys.sort()
    return keys


# Reading


class _Terms:
    """A field's terms as a sorted sequence of bytes, read from the mapped arrays (for
    `bisect`)."""

    def __init__(self, blob: np.ndarray, starts: np.ndarray):
        self.blob, self.starts = blob, starts

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, at: int) -> bytes:
        return self.blob[self.starts[at] : self.starts[at + 1]].tobytes()


class SegmentArrays:
    """One segment's posting arrays, mapped read-only (a field's files on its first use)."""

    def __init__(self, folder: Path, meta: dict):
        self.folder, self.meta = folder, meta
        self.fields = meta["fields"]
        self.mapped: dict[str, dict] = {}

    @classmethod
    def open(cls, folder: Path, reader) -> SegmentArrays | None:
        """The arrays of a segment's folder if they are complete and of this segment (its
        reader's id and document count), else None (read the segment from Whoosh)."""
        try:
            text = (folder / META_FILE).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None  # a version published before posting arrays were written
        except OSError as error:
            text, problem = None, f"unreadable ({error})"
        try:
            meta = json.loads(text) if text is not None else None
            problem = _problem(folder, meta, reader) if meta is not None else problem
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
            problem = f"unreadable ({error})"
        if problem:
            log.warning("posting arrays in %s not used: %s", folder, problem)
            return None
        return cls(folder, meta)

    def _field(self, fieldname: str) -> dict | None:
        found = self.mapped.get(fieldname)
        if found is None and fieldname in self.fields:
            found = {name: _map(self.folder / f"{fieldname}.{name}", name) for name in COLUMNS}
            found["lexicon"] = _Terms(found["terms"], found["directory"][:, 0])
            self.mapped[fieldname] = found
        return found

    def covers(self, fieldname: str) -> bool:
        return fieldname in self.fields

    def _row(self, fieldname: str, btext: bytes) -> tuple[dict, int] | None:
        field = self._field(fieldname)
        lexicon = field["lexicon"]
        at = bisect.bisect_left(lexicon, btext)
        if at == len(lexicon) or lexicon[at] != btext:
            return None
        return field, at

    def postings(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """A term's document numbers in the segment (int32) and posting weights (views)."""
        found = self._row(fieldname, btext)
        if found is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64)
        field, at = found
        start, stop = field["directory"][at : at + 2, 1]
        return field["docs"][start:stop], field["weights"][start:stop]

    def positions(self, fieldname: str, btext: bytes) -> np.ndarray:
        """A term's position keys in the segment, sorted (a view)."""
        found = self._row(fieldname, btext)
        if found is None:
            return np.zeros(0, dtype=np.int64)
        field, at = found
        start, stop = field["directory"][at : at + 2, 2]
        return field["positions"][start:stop]

    def lengths(self, fieldname: str) -> np.ndarray:
        return self._field(fieldname)["lengths"]


def _problem(folder: Path, meta: dict, reader) -> str | None:
    """What makes a segment's folder unusable for this reader's segment, or None."""
    if meta.get("format") != FORMAT:
        return f"format {meta.get('format')!r}, not {FORMAT!r}"
    segment = reader.segment().segment_id()
    if meta.get("segment") != segment:
        return f"written for segment {meta.get('segment')!r}, not {segment!r}"
    if meta.get("documents") != reader.doc_count_all():
        return f"{meta.get('documents')} documents, the segment has {reader.doc_count_all()}"
    for fieldname, counts in meta["fields"].items():
        for name, (dtype, _) in COLUMNS.items():
            path = folder / f"{fieldname}.{name}"
            expected = counts[name] * np.dtype(dtype).itemsize
            if path.stat().st_size != expected:
                return f"{path.name} holds {path.stat().st_size} bytes, not {expected}"
        if counts["directory"] % 3 or counts["lengths"] != reader.doc_count_all():
            return f"{fieldname}: its directory or lengths do not fit the segment"
        last = _map(folder / f"{fieldname}.directory", "directory")[-1].tolist()
        if last != [counts["terms"], counts["docs"], counts["positions"]]:
            return f"{fieldname}: its directory ends at {last}, not at its files' ends"
    return None


def _map(path: Path, column: str) -> np.ndarray:
    dtype, width = COLUMNS[column]
    if path.stat().st_size == 0:  # an empty file cannot be mapped
        found = np.zeros(0, dtype=dtype)
    else:
        found = np.asarray(np.memmap(path, dtype=dtype, mode="r"))
    return found.reshape(-1, width) if width > 1 else found


def segment_folder(version: Path, segment_id: str) -> Path:
    """Where a version keeps one segment's posting arrays."""
    return version / FOLDER / segment_id
